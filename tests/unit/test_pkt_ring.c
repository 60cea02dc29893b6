/*
 * test_pkt_ring.c — the reader-to-worker descriptor ring: capacity, batch
 * publication, end of input, and a two-thread run that must deliver every
 * descriptor once, in order.
 */
#include "unit.h"

#include <pthread.h>
#include <stdbool.h>

#include "pkt-ring.h"

static void test_single_thread(void)
{
	struct pkt_ring r;
	struct pkt_desc *d;
	uint64_t first;
	uint32_t n;

	CU_ASSERT_EQUAL_FATAL(pkt_ring_init(&r, 100), 0);
	CU_ASSERT_EQUAL(r.mask, 127);
	for (int i = 0; i < 128; i++) {
		d = pkt_ring_slot(&r);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		d->pcap_cnt = (uint64_t)i + 1;
		pkt_ring_push(&r);
	}
	/* nothing published yet: the consumer sees nothing */
	CU_ASSERT_EQUAL(pkt_ring_peek(&r, &first, 1000), 0);
	/* full: the producer gets no slot, and that publishes */
	CU_ASSERT_PTR_NULL(pkt_ring_slot(&r));
	n = pkt_ring_peek(&r, &first, 50);
	CU_ASSERT_EQUAL(n, 50);
	CU_ASSERT_EQUAL(first, 0);
	CU_ASSERT_EQUAL(r.slots[first & r.mask].pcap_cnt, 1);
	pkt_ring_consume(&r, n);
	CU_ASSERT_PTR_NOT_NULL(pkt_ring_slot(&r));
	CU_ASSERT_FALSE(pkt_ring_done(&r));
	pkt_ring_close(&r);
	CU_ASSERT_FALSE(pkt_ring_done(&r)); /* 78 still to drain */
	n = pkt_ring_peek(&r, &first, 1000);
	CU_ASSERT_EQUAL(n, 78);
	CU_ASSERT_EQUAL(r.slots[first & r.mask].pcap_cnt, 51);
	pkt_ring_consume(&r, n);
	CU_ASSERT(pkt_ring_done(&r));
	pkt_ring_fini(&r);
}

#define N_DESC 1000000

static void *producer(void *arg)
{
	struct pkt_ring *r = arg;

	for (uint64_t i = 1; i <= N_DESC; i++) {
		struct pkt_desc *d;

		while (!(d = pkt_ring_slot(r)))
			;
		d->pcap_cnt = i;
		d->hash = (uint32_t)(i * 2654435761u);
		pkt_ring_push(r);
		if (i % 64 == 0)
			pkt_ring_publish(r);
	}
	pkt_ring_close(r);
	return NULL;
}

static void test_threads(void)
{
	struct pkt_ring r;
	pthread_t t;
	uint64_t expect = 1, bad = 0;

	CU_ASSERT_EQUAL_FATAL(pkt_ring_init(&r, 1024), 0);
	pthread_create(&t, NULL, producer, &r);
	for (;;) {
		uint64_t first;
		uint32_t n = pkt_ring_peek(&r, &first, 256);

		if (!n) {
			if (pkt_ring_done(&r))
				break;
			continue;
		}
		for (uint32_t i = 0; i < n; i++) {
			const struct pkt_desc *d = &r.slots[(first + i) & r.mask];

			if (d->pcap_cnt != expect || d->hash != (uint32_t)(expect * 2654435761u))
				bad++;
			expect++;
		}
		pkt_ring_consume(&r, n);
	}
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(expect, N_DESC + 1);
	pkt_ring_fini(&r);
}

static CU_TestInfo tests[] = {
	{"one thread", test_single_thread},
	{"producer and consumer threads", test_threads},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"pkt-ring", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
