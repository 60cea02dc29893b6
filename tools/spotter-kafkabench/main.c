/*
 * spotter-kafkabench — sightings per second through spotter's Kafka output,
 * and the latency from a sighting's creation to the broker's acknowledgement.
 *
 * Producer threads stand in for workers: each renders EVE alert records
 * into its own output ring as fast as the output thread takes them (or at
 * --rate), and the sensor's real output path does the rest: the output
 * thread numbers each record, and the Kafka producer (idempotent, acks=all,
 * lz4) sends it, spooling when it must. Records a full ring refuses are
 * counted as dropped, as a worker would. At the end the figures are printed
 * and, with --json, written as one JSON object.
 *
 * Usage: spotter-kafkabench [--brokers B] [--topic T] [--seconds S]
 *        [--threads N] [--rate R] [--spool DIR] [--json FILE]
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eve-json.h"
#include "histo.h"
#include "log.h"
#include "output.h"

struct producer {
	pthread_t thread;
	unsigned id;
	struct output_ring ring;
	double rate;                 /* records per second, 0 = as fast as possible */
	uint64_t until_ns;
	uint64_t made, dropped;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One alert as a worker renders it (about 600 bytes). */
static size_t render(char *buf, size_t cap, unsigned thread, uint64_t n)
{
	struct jbuf jb;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	jb_init(&jb, buf, cap);
	jb_lit(&jb, "{\"timestamp\":");
	jb_time(&jb, (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec);
	jb_lit(&jb, ",\"flow_id\":");
	jb_u64(&jb, (uint64_t)thread << 40 | n);
	jb_lit(&jb, ",\"event_type\":\"alert\",\"src_ip\":\"10.20.1.57\",\"src_port\":");
	jb_u64(&jb, 1024 + n % 60000);
	jb_lit(&jb, ",\"dest_ip\":\"203.0.113.45\",\"dest_port\":443,\"proto\":\"TCP\","
		    "\"app_proto\":\"tls\",\"alert\":{\"action\":\"allowed\",\"gid\":1,"
		    "\"signature_id\":");
	jb_u64(&jb, 9002000 + n % 1000);
	jb_lit(&jb, ",\"rev\":1,\"signature\":\"UISAC INDICATOR TLS SNI of VOLTSNAKE C2 domain "
		    "grid-telemetry.example\",\"category\":\"Domain Observed Used for C2 "
		    "Detected\",\"severity\":1,\"metadata\":{\"tlp\":[\"amber\"],\"programme\":"
		    "[\"uisac\"],\"sector\":[\"water-power-gas\"],\"created_at\":[\"2026_03_02\"]}},"
		    "\"sighting\":{\"sensor\":\"bench\",\"org\":\"example-water\",\"tlp\":\"amber\"}}");
	return jb.overflow ? 0 : (size_t)(jb.p - buf);
}

static void *produce(void *arg)
{
	struct producer *pr = arg;
	uint64_t start = mono_ns();
	char json[1024], key[32];

	for (uint64_t n = 0;; n++) {
		uint64_t now = mono_ns();
		struct output_record *rec;
		size_t len, klen;

		if (now >= pr->until_ns)
			break;
		if (pr->rate > 0) {
			/* ahead of the rate: sleep (a spinning generator would starve
			 * the output thread and the broker on a small machine) */
			uint64_t due = start + (uint64_t)((double)n * 1e9 / pr->rate);

			if (due > now + 200000)
				nanosleep(&(struct timespec){.tv_nsec = (long)(due - now)}, NULL);
		}
		len = render(json, sizeof(json), pr->id, n);
		klen = (size_t)snprintf(key, sizeof(key), "1:%llu",
					(unsigned long long)(9002000 + n % 1000));
		rec = output_ring_reserve(&pr->ring, sizeof(*rec) + klen + len);
		if (!rec) {
			pr->dropped++;
			continue;
		}
		rec->kind = OUTPUT_ALERT;
		rec->tlp = TLP_AMBER;
		rec->key_len = (uint16_t)klen;
		rec->json_len = (uint32_t)len;
		rec->reserved = 0;
		rec->created_ns = mono_ns();
		memcpy((char *)(rec + 1), key, klen);
		memcpy((char *)(rec + 1) + klen, json, len);
		output_ring_commit(&pr->ring, sizeof(*rec) + klen + len);
		pr->made++;
	}
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: spotter-kafkabench [--brokers B] [--topic T] [--seconds S] "
		   "[--threads N] [--rate R] [--spool DIR] [--json FILE]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"brokers", required_argument, NULL, 'b'}, {"topic", required_argument, NULL, 't'},
		{"seconds", required_argument, NULL, 's'}, {"threads", required_argument, NULL, 'n'},
		{"rate", required_argument, NULL, 'r'},    {"spool", required_argument, NULL, 'p'},
		{"json", required_argument, NULL, 'j'},    {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *brokers = "127.0.0.1:9092", *topic = "spotter.bench", *json = NULL;
	char spool[256] = "";
	double seconds = 30, rate = 0;
	unsigned threads = 1;
	struct output_config oc;
	struct output *o = NULL;
	struct producer *pr;
	char err[512];
	uint64_t t0, t1, made = 0, dropped = 0;
	const counter_t *kc;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "b:t:s:n:r:p:j:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'b': brokers = optarg; break;
		case 't': topic = optarg; break;
		case 's': seconds = strtod(optarg, NULL); break;
		case 'n': threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': rate = strtod(optarg, NULL); break;
		case 'p': snprintf(spool, sizeof(spool), "%s", optarg); break;
		case 'j': json = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (threads == 0 || threads > 16 || seconds <= 0) {
		usage(stderr);
		return 2;
	}
	if (!spool[0])
		snprintf(spool, sizeof(spool), "/tmp/spotter-kafkabench-%d", (int)getpid());
	memset(&oc, 0, sizeof(oc));
	oc.kafka = true;
	output_kafka_config_defaults(&oc.kafka_cfg);
	oc.kafka_cfg.brokers = brokers;
	oc.kafka_cfg.topic = topic;
	oc.kafka_cfg.sensor_id = "bench";
	oc.kafka_cfg.org = "example-water";
	oc.kafka_cfg.heartbeat_ns = 1000000000ull;
	oc.kafka_cfg.flush_timeout_ns = 30000000000ull;
	oc.kafka_cfg.spool.dir = spool;
	rc = output_new(&oc, &o, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "spotter-kafkabench: %s\n", err);
		return 1;
	}
	pr = calloc(threads, sizeof(*pr));
	for (unsigned i = 0; i < threads; i++) {
		pr[i].id = i;
		pr[i].rate = rate / threads;
		if (output_ring_init(&pr[i].ring, 16u << 20) || output_add_ring(o, &pr[i].ring)) {
			fprintf(stderr, "spotter-kafkabench: out of memory\n");
			return 1;
		}
	}
	output_start(o);
	t0 = mono_ns();
	for (unsigned i = 0; i < threads; i++) {
		pr[i].until_ns = t0 + (uint64_t)(seconds * 1e9);
		pthread_create(&pr[i].thread, NULL, produce, &pr[i]);
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(pr[i].thread, NULL);
		made += pr[i].made;
		dropped += pr[i].dropped;
	}
	rc = output_stop(o);
	t1 = mono_ns();
	kc = output_kafka_counters(output_kafka(o));
	{
		const struct histo *lat = output_kafka_latency(output_kafka(o));
		double el = (double)(t1 - t0) / 1e9;
		uint64_t delivered = COUNTER_GET(kc[KAFKA_DELIVERED]);
		char doc[1024];

		snprintf(doc, sizeof(doc),
			 "{\"seconds\": %.3f, \"threads\": %u, \"records_made\": %llu, "
			 "\"ring_dropped\": %llu, \"delivered\": %llu, \"spooled\": %llu, "
			 "\"dropped_spool_full\": %llu, \"delivered_per_second\": %.0f, "
			 "\"latency_p50_us\": %llu, \"latency_p99_us\": %llu, \"last_seq\": %llu, "
			 "\"close\": %d}",
			 el, threads, (unsigned long long)made, (unsigned long long)dropped,
			 (unsigned long long)delivered,
			 (unsigned long long)COUNTER_GET(kc[KAFKA_SPOOLED]),
			 (unsigned long long)COUNTER_GET(kc[KAFKA_DROPPED_SPOOL_FULL]),
			 (double)delivered / el, (unsigned long long)histo_quantile(lat, 0.5),
			 (unsigned long long)histo_quantile(lat, 0.99),
			 (unsigned long long)output_last_seq(o), rc);
		printf("%s\n", doc);
		if (json) {
			FILE *f = fopen(json, "w");

			if (!f || fprintf(f, "%s\n", doc) < 0 || fclose(f)) {
				fprintf(stderr, "spotter-kafkabench: cannot write %s\n", json);
				rc = -EIO;
			}
		}
	}
	output_free(o);
	for (unsigned i = 0; i < threads; i++)
		output_ring_fini(&pr[i].ring);
	free(pr);
	return rc ? 1 : 0;
}
