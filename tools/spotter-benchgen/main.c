/*
 * spotter-benchgen — writes the benchmark's data: a realistic mixed
 * capture, a large indicator rule set in Suricata syntax, and the number of
 * sightings a correct sensor must report (see README.md).
 *
 * Output directory layout:
 *   capture.pcap       the capture (pcap, Ethernet, nanosecond timestamps)
 *   rules/NAME.rules   the rule set, one file per family
 *   expected.json      what was planted and the expected (rule, flow) sightings
 *   sightings.tsv      one line per expected sighting: sid, family, 5-tuple
 *   capture.json       figures of the capture (mix, sizes, generation speed)
 *   rules.json         figures of the rule set
 * Single-threaded; everything it allocates is freed before exit.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "indicators.h"
#include "rulegen.h"
#include "traffic.h"

#define BENCHGEN_VERSION 1

struct opts {
	const char *out;
	uint64_t bytes, flows, seed;
	uint32_t concurrency;
	bool rules, capture, quiet;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spotter-benchgen [options]\n"
		"  -o, --out DIR         output directory (default bench-data)\n"
		"  -b, --bytes N         at least N bytes of frames (K/M/G suffixes; default 1G)\n"
		"  -f, --flows N         at least N flows (default 100000)\n"
		"  -s, --seed N          seed (default 1)\n"
		"  -c, --concurrency N   flows active at once (default 2000)\n"
		"      --rules-only      write only the rules and expected.json\n"
		"      --capture-only    write only the capture and expected.json\n"
		"  -q, --quiet           no summary on stdout\n"
		"  -V, --version         print the generator version\n"
		"  -h, --help\n");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"bytes", required_argument, NULL, 'b'},
	    {"flows", required_argument, NULL, 'f'},
	    {"seed", required_argument, NULL, 's'},
	    {"concurrency", required_argument, NULL, 'c'},
	    {"rules-only", no_argument, NULL, 'R'},
	    {"capture-only", no_argument, NULL, 'C'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	*o = (struct opts){.out = "bench-data",
			   .bytes = 1ull << 30,
			   .flows = 100000,
			   .seed = 1,
			   .concurrency = 2000,
			   .rules = true,
			   .capture = true};
	while ((c = getopt_long(argc, argv, "o:b:f:s:c:qVh", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'b':
		case 'f':
		case 's':
		case 'c':
			if (parse_size(optarg, &v) < 0 || (c == 'c' && (v == 0 || v > 1000000))) {
				fprintf(stderr, "spotter-benchgen: bad value for -%c: %s\n", c,
					optarg);
				return 2;
			}
			if (c == 'b')
				o->bytes = v;
			else if (c == 'f')
				o->flows = v;
			else if (c == 's')
				o->seed = v;
			else
				o->concurrency = (uint32_t)v;
			break;
		case 'R':
			o->capture = false;
			break;
		case 'C':
			o->rules = false;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'V':
			printf("spotter-benchgen %d\n", BENCHGEN_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (!o->rules && !o->capture)) {
		usage(stderr);
		return 2;
	}
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static FILE *create(const struct opts *o, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", o->out, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "spotter-benchgen: %s: %s\n", path, strerror(errno));
	return f;
}

static int close_file(FILE *f, const char *name)
{
	if (ferror(f) | (fclose(f) != 0)) {
		fprintf(stderr, "spotter-benchgen: writing %s failed\n", name);
		return -EIO;
	}
	return 0;
}

static int write_expected(const struct opts *o, const struct indicators *ind)
{
	static const char *const fam[] = {"domain", "uri", "ua", "payload", "pcre", "address"};
	FILE *f = create(o, "expected.json");

	if (!f)
		return -errno;
	fprintf(
	    f,
	    "{\n  \"generator\": \"spotter-benchgen\",\n  \"version\": %d,\n  \"seed\": %" PRIu64
	    ",\n  \"bytes_target\": %" PRIu64 ",\n  \"flows_target\": %" PRIu64 ",\n"
	    "  \"planted_indicators\": {\"domain\": %d, \"uri\": %d, \"ua\": %d, \"payload\": %d, "
	    "\"pcre\": %d, \"address\": %d},\n  \"planted_flows\": %u,\n",
	    BENCHGEN_VERSION, o->seed, o->bytes, o->flows, IND_PLANT_DOMAINS, IND_PLANT_URIS,
	    IND_PLANT_UAS, IND_PLANT_PAYLOADS, IND_PLANT_PCRES, IND_PLANT_ADDRS, ind->n_plants);
	fprintf(f, "  \"expected_sightings_by_family\": {");
	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++)
		fprintf(f, "%s\"%s\": %u", i ? ", " : "", fam[i], ind_expected(ind, fam[i]));
	fprintf(f, "},\n  \"expected_sightings\": %u\n}\n", ind_expected(ind, NULL));
	return close_file(f, "expected.json");
}

static int write_rules_json(const struct opts *o, const struct rulegen_stats *rs, double secs)
{
	FILE *f = create(o, "rules.json");

	if (!f)
		return -errno;
	fprintf(f,
		"{\n  \"rules\": %u,\n  \"content_options\": %u,\n  \"sticky_buffer_rules\": %u,\n"
		"  \"payload_rules\": %u,\n  \"pcre_rules\": %u,\n  \"ip_only_rules\": %u,\n"
		"  \"bytes\": %" PRIu64 ",\n  \"generation_seconds\": %.3f\n}\n",
		rs->rules, rs->contents, rs->sticky, rs->payload, rs->pcre, rs->ip_only, rs->bytes,
		secs);
	return close_file(f, "rules.json");
}

static int write_capture_json(const struct opts *o, const struct traffic_stats *st, double secs)
{
	FILE *f = create(o, "capture.json");

	if (!f)
		return -errno;
	fprintf(f,
		"{\n  \"file\": \"capture.pcap\",\n  \"packets\": %" PRIu64
		",\n  \"wire_bytes\": %" PRIu64 ",\n  \"file_bytes\": %" PRIu64
		",\n  \"flows\": %" PRIu64 ",\n  \"ipv6_flows\": %" PRIu64
		",\n  \"vlan_flows\": %" PRIu64 ",\n  \"planted_flows\": %" PRIu64
		",\n  \"peak_active_flows\": %u,\n  \"duration_s\": %.6f,\n"
		"  \"generation_seconds\": %.3f,\n  \"mix\": {\n",
		st->packets, st->wire_bytes, st->file_bytes, st->flows, st->v6_flows,
		st->vlan_flows, st->planted_flows, st->peak_active,
		(double)(st->last_ns - st->first_ns) / 1e9, secs);
	for (int a = 0; a < TRAFFIC_APPS; a++)
		fprintf(f,
			"    \"%s\": {\"flows\": %" PRIu64 ", \"packets\": %" PRIu64
			", \"bytes\": %" PRIu64 "}%s\n",
			traffic_app_names[a], st->app_flows[a], st->app_packets[a],
			st->app_bytes[a], a + 1 < TRAFFIC_APPS ? "," : "");
	fprintf(f, "  },\n  \"frame_sizes\": {");
	for (int b = 0; b < TRAFFIC_SIZE_BUCKETS; b++)
		fprintf(f, "%s\"%s\": %" PRIu64, b ? ", " : "", traffic_size_names[b],
			st->size_packets[b]);
	fprintf(f, "}\n}\n");
	return close_file(f, "capture.json");
}

static void print_capture(const struct traffic_stats *st, double secs)
{
	printf("capture: %" PRIu64 " packets, %.1f MB of frames, %" PRIu64 " flows (%" PRIu64
	       " IPv6, %" PRIu64 " VLAN, %" PRIu64 " planted), %.2f s of wire time\n",
	       st->packets, (double)st->wire_bytes / 1e6, st->flows, st->v6_flows, st->vlan_flows,
	       st->planted_flows, (double)(st->last_ns - st->first_ns) / 1e9);
	printf("  generated in %.2f s (%.0f MB/s)\n", secs, (double)st->file_bytes / 1e6 / secs);
	printf("  %-8s %10s %6s %12s %6s %14s %6s\n", "app", "flows", "%", "packets", "%", "bytes",
	       "%");
	for (int a = 0; a < TRAFFIC_APPS; a++)
		printf("  %-8s %10" PRIu64 " %5.1f%% %12" PRIu64 " %5.1f%% %14" PRIu64 " %5.1f%%\n",
		       traffic_app_names[a], st->app_flows[a],
		       100.0 * (double)st->app_flows[a] / (double)st->flows, st->app_packets[a],
		       100.0 * (double)st->app_packets[a] / (double)st->packets, st->app_bytes[a],
		       100.0 * (double)st->app_bytes[a] / (double)st->wire_bytes);
	printf("  frame sizes:");
	for (int b = 0; b < TRAFFIC_SIZE_BUCKETS; b++)
		printf(" %s %.1f%%", traffic_size_names[b],
		       100.0 * (double)st->size_packets[b] / (double)st->packets);
	printf("\n");
}

static int gen_rules(const struct opts *o, const struct indicators *ind)
{
	struct rulegen_stats rs;
	char dir[4096];
	double t0 = now_s();
	int err;

	snprintf(dir, sizeof(dir), "%s/rules", o->out);
	if ((err = rulegen_write(ind, dir, &rs)) < 0)
		return err;
	if ((err = write_rules_json(o, &rs, now_s() - t0)) < 0)
		return err;
	if (!o->quiet)
		printf("rules: %u (%u content options; %u sticky-buffer, %u payload, %u pcre, %u "
		       "IP-only), %.1f MB, %.2f s\n",
		       rs.rules, rs.contents, rs.sticky, rs.payload, rs.pcre, rs.ip_only,
		       (double)rs.bytes / 1e6, now_s() - t0);
	return 0;
}

static int gen_capture(const struct opts *o, const struct indicators *ind)
{
	struct traffic_stats st;
	struct traffic_config cfg = {
	    .bytes = o->bytes, .flows = o->flows, .seed = o->seed, .concurrency = o->concurrency};
	char path[4096];
	double t0, secs;
	int err;

	snprintf(path, sizeof(path), "%s/capture.pcap", o->out);
	cfg.path = path;
	if (!(cfg.sightings = create(o, "sightings.tsv")))
		return -errno;
	fprintf(cfg.sightings, "# sid\tfamily\tproto\tclient\tcport\tserver\tsport\tapp\n");
	t0 = now_s();
	err = traffic_generate(&cfg, ind, &st);
	secs = now_s() - t0;
	if (close_file(cfg.sightings, "sightings.tsv") < 0 && !err)
		err = -EIO;
	if (err < 0)
		return err;
	if (!o->quiet)
		print_capture(&st, secs);
	return write_capture_json(o, &st, secs);
}

int main(int argc, char **argv)
{
	struct indicators ind;
	struct opts o;
	int rc = parse_opts(argc, argv, &o), err;

	if (rc >= 0)
		return rc;
	if (mkdir(o.out, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "spotter-benchgen: %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	if ((err = ind_build(&ind, o.seed)) < 0) {
		fprintf(stderr, "spotter-benchgen: building indicators: %s\n", strerror(-err));
		return 1;
	}
	err = write_expected(&o, &ind);
	if (!err && o.rules)
		err = gen_rules(&o, &ind);
	if (!err && o.capture)
		err = gen_capture(&o, &ind);
	if (!err && !o.quiet)
		printf("expected sightings: %u (distinct rule, flow) in %u planted flows\n",
		       ind_expected(&ind, NULL), ind.n_plants);
	ind_free(&ind);
	return err ? 1 : 0;
}
