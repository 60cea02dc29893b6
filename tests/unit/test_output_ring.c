/*
 * test_output_ring.c — the SPSC record ring: order, wrap with padding,
 * full ring, and a two-thread run that must deliver every record intact.
 */
#include "unit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output-ring.h"

static bool put(struct output_ring *r, const char *json)
{
	size_t n = strlen(json);
	struct output_record *rec = output_ring_reserve(r, sizeof(*rec) + n);

	if (!rec)
		return false;
	rec->kind = OUTPUT_ALERT;
	rec->key_len = 0;
	rec->json_len = (uint32_t)n;
	memcpy((char *)(rec + 1), json, n);
	output_ring_commit(r, sizeof(*rec) + n);
	return true;
}

static bool get(struct output_ring *r, char *buf, size_t len)
{
	const struct output_record *rec = output_ring_peek(r);

	if (!rec)
		return false;
	snprintf(buf, len, "%.*s", (int)rec->json_len, output_record_json(rec));
	output_ring_release(r, rec);
	return true;
}

static void test_order_and_wrap(void)
{
	struct output_ring r;
	char buf[2048], big[1500];

	CU_ASSERT_EQUAL_FATAL(output_ring_init(&r, 4096), 0);
	CU_ASSERT_EQUAL(r.cap, 4096);
	CU_ASSERT_FALSE(get(&r, buf, sizeof(buf)));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* 1500 + 24 = 1524 -> 1528 bytes each: two fit, a third does not */
	CU_ASSERT(put(&r, big));
	CU_ASSERT(put(&r, big));
	CU_ASSERT_FALSE(put(&r, big));
	CU_ASSERT(get(&r, buf, sizeof(buf)));
	CU_ASSERT_EQUAL(strlen(buf), 1499);
	/* 1040 bytes left at the end: the next record wraps behind a pad */
	CU_ASSERT(put(&r, big));
	CU_ASSERT(get(&r, buf, sizeof(buf)));
	CU_ASSERT(get(&r, buf, sizeof(buf)));
	CU_ASSERT_EQUAL(strlen(buf), 1499);
	CU_ASSERT_FALSE(get(&r, buf, sizeof(buf)));
	/* records larger than half the ring are refused outright */
	CU_ASSERT_PTR_NULL(output_ring_reserve(&r, 3000));
	output_ring_fini(&r);
}

static void test_small_gap(void)
{
	struct output_ring r;
	char buf[64];
	int i;

	/* fill with 48-byte records (a 24-byte header + 24) until the last gap
	 * is smaller than a header */
	CU_ASSERT_EQUAL_FATAL(sizeof(struct output_record), 24);
	CU_ASSERT_EQUAL_FATAL(output_ring_init(&r, 4096), 0);
	for (i = 0; i < 85; i++)
		CU_ASSERT(put(&r, "0123456789abcdef01234567"));
	/* 85 * 48 = 4080: 16 bytes left, then the next record must wrap */
	for (i = 0; i < 85; i++)
		CU_ASSERT(get(&r, buf, sizeof(buf)));
	CU_ASSERT(put(&r, "0123456789abcdef01234567"));
	CU_ASSERT(get(&r, buf, sizeof(buf)));
	CU_ASSERT_STRING_EQUAL(buf, "0123456789abcdef01234567");
	for (i = 0; i < 200; i++) { /* keep cycling over the edge */
		char msg[32];

		snprintf(msg, sizeof(msg), "m%d-%0*d", i, i % 20, 7);
		CU_ASSERT(put(&r, msg));
		CU_ASSERT(get(&r, buf, sizeof(buf)));
		CU_ASSERT_STRING_EQUAL(buf, msg);
	}
	output_ring_fini(&r);
}

#define N_RECORDS 200000

static void *producer(void *arg)
{
	struct output_ring *r = arg;

	for (int i = 0; i < N_RECORDS; i++) {
		char msg[64];

		snprintf(msg, sizeof(msg), "{\"n\":%d%.*s}", i, i % 37, "                                      ");
		while (!put(r, msg))
			;
	}
	return NULL;
}

static void test_threads(void)
{
	struct output_ring r;
	pthread_t t;
	int next = 0, bad = 0;

	CU_ASSERT_EQUAL_FATAL(output_ring_init(&r, 8192), 0);
	pthread_create(&t, NULL, producer, &r);
	while (next < N_RECORDS) {
		char buf[128];
		int n;

		if (!get(&r, buf, sizeof(buf)))
			continue;
		n = strncmp(buf, "{\"n\":", 5) == 0 ? (int)strtol(buf + 5, NULL, 10) : -1;
		if (n != next)
			bad++;
		next++;
	}
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(next, N_RECORDS);
	output_ring_fini(&r);
}

static CU_TestInfo tests[] = {
	{"order and wrap", test_order_and_wrap},
	{"gap smaller than a header", test_small_gap},
	{"producer and consumer threads", test_threads},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"output-ring", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
