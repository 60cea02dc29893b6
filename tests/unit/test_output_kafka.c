/*
 * test_output_kafka.c — the Kafka producer against librdkafka's mock
 * cluster, for the faults a real broker cannot produce on demand: a broker
 * that is down from the start, a full in-memory queue, a fatal producer
 * error; and the configuration errors. The real broker is exercised end to
 * end by tests/kafka.
 */
#include "unit.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output-kafka.h"

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A fresh spool directory per test. */
static const char *spool_dir(const char *name)
{
	static char path[256];
	char cmd[600];

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir(), name);
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s", path, path);
	CU_ASSERT_EQUAL(system(cmd), 0);
	return path;
}

static char *mock_props[] = {"test.mock.num.brokers=1", "queue.buffering.max.messages=1000",
			     "linger.ms=1"};

static struct output_kafka *open_mock(const char *spool, unsigned n_props, uint64_t flush_ns,
				      rd_kafka_mock_cluster_t **mc)
{
	struct output_kafka_config c;
	struct output_kafka *k = NULL;
	char err[256];

	output_kafka_config_defaults(&c);
	c.brokers = "127.0.0.1:9";
	c.sensor_id = "unit";
	c.org = "test-org";
	c.props = mock_props;
	c.n_props = n_props;
	c.flush_timeout_ns = flush_ns;
	c.spool.dir = spool;
	if (output_kafka_new(&c, NULL, NULL, &k, err, sizeof(err)) != 0) {
		fprintf(stderr, "output_kafka_new: %s\n", err);
		return NULL;
	}
	*mc = rd_kafka_handle_mock_cluster(output_kafka_client(k));
	rd_kafka_mock_topic_create(*mc, "spotter.sightings", 3, 1);
	rd_kafka_mock_topic_create(*mc, "spotter.health", 1, 1);
	return k;
}

static void send_n(struct output_kafka *k, uint64_t first, unsigned n, uint8_t tlp)
{
	for (unsigned i = 0; i < n; i++) {
		char value[128], key[16];
		struct output_record rec;
		int len;

		memset(&rec, 0, sizeof(rec));
		len = snprintf(value, sizeof(value), "{\"event_type\":\"alert\",\"seq\":%llu}",
			       (unsigned long long)first + i);
		snprintf(key, sizeof(key), "1:%u", 100 + i % 7);
		rec.kind = OUTPUT_ALERT;
		rec.tlp = tlp;
		rec.key_len = (uint16_t)strlen(key);
		rec.created_ns = mono();
		/* the key follows the header in a ring; here it is built in place */
		{
			char buf[sizeof(rec) + 16];

			memcpy(buf, &rec, sizeof(rec));
			memcpy(buf + sizeof(rec), key, rec.key_len);
			if (output_kafka_accept(k, tlp))
				output_kafka_send(k, (const struct output_record *)(void *)buf, value,
						  (size_t)len, first + i);
		}
	}
}

static uint64_t ctr(struct output_kafka *k, enum kafka_counter c)
{
	return COUNTER_GET(output_kafka_counters(k)[c]);
}

/* Ticks until `n` records are delivered (or 5 s). */
static void settle(struct output_kafka *k, uint64_t n)
{
	uint64_t deadline = mono() + 5000000000ull;

	while (ctr(k, KAFKA_DELIVERED) < n && mono() < deadline) {
		output_kafka_tick(k, mono(), 0);
		usleep(5000);
	}
}

static void test_delivery(void)
{
	rd_kafka_mock_cluster_t *mc;
	struct output_kafka *k = open_mock(spool_dir("delivery"), 3, 2000000000ull, &mc);

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	send_n(k, 1, 50, TLP_AMBER);
	send_n(k, 51, 2, TLP_RED); /* above the default max-tlp: kept local */
	settle(k, 50);
	CU_ASSERT_EQUAL(ctr(k, KAFKA_PRODUCED), 50);
	CU_ASSERT_EQUAL(ctr(k, KAFKA_DELIVERED), 50);
	CU_ASSERT_EQUAL(ctr(k, KAFKA_WITHHELD_TLP), 2);
	CU_ASSERT_EQUAL(ctr(k, KAFKA_SPOOLED), 0);
	CU_ASSERT(histo_quantile(output_kafka_latency(k), 0.5) > 0);
	CU_ASSERT_EQUAL(output_kafka_close(k, 50), 0);
	CU_ASSERT_EQUAL(output_kafka_spool_records(k), 0);
	output_kafka_free(k);
}

/* The seqs waiting in a spool directory, in the order they would go out. */
static unsigned spooled_seqs(const char *path, uint64_t *seqs, unsigned cap)
{
	struct spool_config sc;
	struct spool *sp;
	struct spool_record r;
	uint64_t token;
	unsigned n = 0;
	char err[256];

	spool_config_defaults(&sc);
	sc.dir = path;
	if (spool_open(&sc, &sp, err, sizeof(err)) != 0)
		return 0;
	while (n < cap && spool_next(sp, &r, &token) == 1)
		seqs[n++] = r.seq;
	spool_close(sp);
	return n;
}

static void test_down_then_next_start(void)
{
	const char *path = spool_dir("down");
	rd_kafka_mock_cluster_t *mc;
	struct output_kafka *k = open_mock(path, 3, 300000000ull, &mc);
	uint64_t seqs[64];
	unsigned n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	rd_kafka_mock_broker_set_down(mc, 1);
	send_n(k, 1, 20, TLP_GREEN);
	for (int i = 0; i < 20; i++) {
		output_kafka_tick(k, mono(), 20);
		usleep(5000);
	}
	CU_ASSERT_EQUAL(ctr(k, KAFKA_DELIVERED), 0);
	/* the flush times out: everything goes to the spool, in seq order */
	CU_ASSERT_EQUAL(output_kafka_close(k, 20), 0);
	CU_ASSERT_EQUAL(output_kafka_spool_records(k), 20);
	CU_ASSERT_EQUAL(ctr(k, KAFKA_SPOOLED), 20);
	output_kafka_free(k);
	n = spooled_seqs(path, seqs, 64);
	CU_ASSERT_EQUAL(n, 20);
	for (unsigned i = 0; i < n; i++)
		CU_ASSERT_EQUAL(seqs[i], i + 1);

	/* the next start, broker up: the spool goes out first, then new records */
	k = open_mock(path, 3, 2000000000ull, &mc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	send_n(k, 21, 5, TLP_GREEN);
	settle(k, 25);
	CU_ASSERT_EQUAL(ctr(k, KAFKA_SPOOL_REPLAYED), 25); /* new ones queued behind */
	CU_ASSERT_EQUAL(ctr(k, KAFKA_DELIVERED), 25);
	CU_ASSERT_EQUAL(output_kafka_close(k, 25), 0);
	CU_ASSERT_EQUAL(output_kafka_spool_records(k), 0);
	output_kafka_free(k);
	CU_ASSERT_EQUAL(spooled_seqs(path, seqs, 64), 0);
}

static void test_queue_full(void)
{
	const char *path = spool_dir("full");
	rd_kafka_mock_cluster_t *mc;
	struct output_kafka *k;
	char *small[] = {"test.mock.num.brokers=1", "queue.buffering.max.messages=10",
			 "linger.ms=1"};
	char *saved[3];

	memcpy(saved, mock_props, sizeof(saved));
	memcpy(mock_props, small, sizeof(small));
	k = open_mock(path, 3, 2000000000ull, &mc);
	memcpy(mock_props, saved, sizeof(saved));
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	rd_kafka_mock_broker_set_down(mc, 1);
	send_n(k, 1, 100, TLP_AMBER);
	/* the queue takes 10 (one slot may hold a heartbeat); the rest is spooled */
	CU_ASSERT(ctr(k, KAFKA_PRODUCED) >= 9 && ctr(k, KAFKA_PRODUCED) <= 10);
	CU_ASSERT_EQUAL(ctr(k, KAFKA_PRODUCED) + ctr(k, KAFKA_SPOOLED), 100);
	rd_kafka_mock_broker_set_up(mc, 1);
	settle(k, 100);
	CU_ASSERT_EQUAL(ctr(k, KAFKA_DELIVERED), 100);
	CU_ASSERT_EQUAL(ctr(k, KAFKA_SPOOL_REPLAYED), ctr(k, KAFKA_SPOOLED));
	CU_ASSERT_EQUAL(output_kafka_close(k, 100), 0);
	CU_ASSERT_EQUAL(output_kafka_spool_records(k), 0);
	output_kafka_free(k);
}

static void test_fatal(void)
{
	const char *path = spool_dir("fatal");
	rd_kafka_mock_cluster_t *mc;
	struct output_kafka *k = open_mock(path, 3, 300000000ull, &mc);

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	rd_kafka_test_fatal_error(output_kafka_client(k), RD_KAFKA_RESP_ERR_PRODUCER_FENCED,
				  "unit test");
	output_kafka_tick(k, mono(), 0);
	send_n(k, 1, 3, TLP_AMBER);
	CU_ASSERT_EQUAL(ctr(k, KAFKA_SPOOLED), 3); /* nothing is lost */
	CU_ASSERT_EQUAL(output_kafka_close(k, 3), -5);
	output_kafka_free(k);
}

static void test_configuration(void)
{
	struct output_kafka_config c;
	struct output_kafka *k = NULL;
	char err[256];
	char *bad_codec[] = {"compression.codec=nonsense"};
	char *unknown[] = {"no.such.property=1"};

	CU_ASSERT_EQUAL(output_kafka_check_brokers("k1:9092,[2001:db8::1]:9093,k-2.example:1", err,
						   sizeof(err)),
			0);
	CU_ASSERT_EQUAL(output_kafka_check_brokers("not a broker list:::", err, sizeof(err)), -22);
	CU_ASSERT_STRING_EQUAL(err, "--kafka: \"not a broker list:::\" is not a host:port list");
	CU_ASSERT_EQUAL(output_kafka_check_brokers("k1:0", err, sizeof(err)), -22);
	CU_ASSERT_EQUAL(output_kafka_check_brokers("k1", err, sizeof(err)), -22);
	CU_ASSERT_EQUAL(output_kafka_check_brokers("k1:9092,", err, sizeof(err)), -22);
	CU_ASSERT_EQUAL(output_kafka_check_brokers("", err, sizeof(err)), -22);

	output_kafka_config_defaults(&c);
	c.brokers = "127.0.0.1:9092";
	c.sensor_id = "unit";
	c.org = "o";
	c.spool.dir = spool_dir("config");
	c.props = bad_codec;
	c.n_props = 1;
	CU_ASSERT_EQUAL(output_kafka_new(&c, NULL, NULL, &k, err, sizeof(err)), -22);
	CU_ASSERT_PTR_NULL(k);
	CU_ASSERT(strstr(err, "kafka property \"compression.codec\"") == err);
	c.props = unknown;
	CU_ASSERT_EQUAL(output_kafka_new(&c, NULL, NULL, &k, err, sizeof(err)), -22);
	CU_ASSERT(strstr(err, "kafka property \"no.such.property\"") == err);
}

static CU_TestInfo tests[] = {
	{"delivery, latency, TLP", test_delivery},
	{"broker down, next start", test_down_then_next_start},
	{"queue full spools in order", test_queue_full},
	{"fatal producer error", test_fatal},
	{"configuration errors", test_configuration},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"output-kafka", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
