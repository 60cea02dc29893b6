/*
 * main.c — the spotter sensor: options, rule loading, and the run.
 *
 * Exit status (CONTRACT.md): 0 done; 1 a runtime failure (the capture or
 * the output could not be opened or failed, including a capture cut off
 * mid-packet, after everything before the cut was processed and written);
 * 2 usage, configuration or (with --strict-rules) rule errors, and when no
 * rule at all could be loaded.
 *
 * Signals: SIGINT and SIGTERM stop reading, drain the workers and write
 * every pending sighting; SIGUSR1 prints the counters; for live capture
 * SIGHUP reloads the rules (live.c). Handlers only set a volatile
 * sig_atomic_t that the reader loop polls.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture-file.h"
#include "compile.h"
#include "conf.h"
#include "detect-engine.h"
#include "engine-load.h"
#include "exit-status.h"
#include "live.h"
#include "log.h"
#include "pipeline.h"
#include "ruleset.h"
#include "stats.h"
#include "vars.h"

#define DEFAULT_SPOOL "/var/lib/spotter/spool"

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t report_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_report(int sig)
{
	(void)sig;
	report_flag = 1;
}

enum long_only {
	OPT_SET = 256,
	OPT_STRICT,
	OPT_CAPTURE,
	OPT_KAFKA,
	OPT_KAFKA_TOPIC,
	OPT_SPOOL,
	OPT_STATS_JSON,
	OPT_PRELOAD,
	OPT_SENSOR_ID,
	OPT_ORG,
	OPT_DEFAULT_TLP,
	OPT_LIST_KEYS,
	OPT_PACE,
	OPT_USER,
};

static const struct option long_opts[] = {
	{"read", required_argument, NULL, 'r'},
	{"interface", required_argument, NULL, 'i'},
	{"rules", required_argument, NULL, 'R'},
	{"eve", required_argument, NULL, 'e'},
	{"set", required_argument, NULL, OPT_SET},
	{"config", required_argument, NULL, 'c'},
	{"workers", required_argument, NULL, 'w'},
	{"strict-rules", no_argument, NULL, OPT_STRICT},
	{"capture", required_argument, NULL, OPT_CAPTURE},
	{"kafka", required_argument, NULL, OPT_KAFKA},
	{"kafka-topic", required_argument, NULL, OPT_KAFKA_TOPIC},
	{"spool", required_argument, NULL, OPT_SPOOL},
	{"stats-json", required_argument, NULL, OPT_STATS_JSON},
	{"preload", no_argument, NULL, OPT_PRELOAD},
	{"pace", required_argument, NULL, OPT_PACE},
	{"user", required_argument, NULL, OPT_USER},
	{"sensor-id", required_argument, NULL, OPT_SENSOR_ID},
	{"org", required_argument, NULL, OPT_ORG},
	{"default-tlp", required_argument, NULL, OPT_DEFAULT_TLP},
	{"option", required_argument, NULL, 'o'},
	{"list-options", no_argument, NULL, OPT_LIST_KEYS},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static const char short_opts[] = "r:i:R:e:c:w:o:vqhV";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: spotter -r FILE -R RULES [options]\n"
		"       spotter -i IF [-i IF...] -R RULES [options]\n"
		"\n"
		"Matches every packet against shared indicator rule sets and reports each\n"
		"hit as a sighting in EVE JSON (Suricata-compatible alert records).\n"
		"\n"
		"  -r, --read FILE         read a capture file (pcap or pcapng), then exit\n"
		"  -i, --interface IF      live capture on IF (repeatable)\n"
		"  -R, --rules PATH        a rule file or a directory of *.rules (repeatable)\n"
		"  -e, --eve FILE          EVE JSON alert log, one object per line; - is stdout\n"
		"      --set NAME=VALUE    a rule variable, e.g. --set HOME_NET=[10.0.0.0/8]\n"
		"  -c, --config FILE       configuration file (YAML, same keys as the options)\n"
		"  -w, --workers N         worker threads (default: one per CPU)\n"
		"      --strict-rules      any rule error is fatal (exit 2)\n"
		"      --capture MODE      auto (default), afxdp, afpacket, pcap\n"
		"      --user NAME         after set-up, run as NAME keeping only CAP_BPF\n"
		"      --kafka BROKERS     send sightings to Kafka (host:port,...)\n"
		"      --kafka-topic T     default spotter.sightings\n"
		"      --spool DIR         where undelivered sightings wait on disk\n"
		"                          (default " DEFAULT_SPOOL ")\n"
		"      --stats-json FILE   counters as JSON at exit\n"
		"      --preload           read the whole capture into memory before starting\n"
		"      --pace X            read a capture at X times its recorded speed\n"
		"      --sensor-id NAME    sensor name in sightings (default: host name)\n"
		"      --org NAME          organisation in sightings\n"
		"      --default-tlp TLP   TLP for rules without one (default amber)\n"
		"  -o, --option KEY=VAL    any configuration key (see --list-options)\n"
		"      --list-options      list the configuration keys\n"
		"  -v, --verbose           more messages (repeat for debug)\n"
		"  -q, --quiet             errors and warnings only, no summary\n"
		"  -h, --help              this help\n"
		"  -V, --version           version\n"
		"\n"
		"Live capture runs until SIGINT or SIGTERM, then writes every pending\n"
		"sighting and exits. SIGHUP reloads the rules; SIGUSR1 prints the counters.\n"
		"Exit status: 0 done, 1 runtime failure (capture or output), 2 usage,\n"
		"configuration or rule errors.\n");
}

/* Maps an option to its configuration key (NULL: handled elsewhere). */
static const char *opt_key(int opt)
{
	switch (opt) {
	case 'r':
		return "read";
	case 'i':
		return "interface";
	case 'R':
		return "rules";
	case 'e':
		return "eve";
	case 'w':
		return "workers";
	case OPT_SET:
		return "set";
	case OPT_CAPTURE:
		return "capture";
	case OPT_KAFKA:
		return "kafka.brokers";
	case OPT_KAFKA_TOPIC:
		return "kafka.topic";
	case OPT_SPOOL:
		return "spool";
	case OPT_STATS_JSON:
		return "stats-json";
	case OPT_SENSOR_ID:
		return "sensor.id";
	case OPT_ORG:
		return "sensor.org";
	case OPT_DEFAULT_TLP:
		return "sensor.default-tlp";
	case OPT_PACE:
		return "pace";
	case OPT_USER:
		return "user";
	default:
		return NULL;
	}
}

/*
 * Two passes over argv: the first finds -c, -h, -V; the config file is
 * applied; the second applies every option, so options override the file.
 * Returns -1 to continue, else an exit status.
 */
static int parse_args(int argc, char **argv, struct conf *c)
{
	char err[512];
	const char *config = NULL;
	int opt, verbosity = 0;

	opterr = 1;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return EXIT_DONE;
		}
		if (opt == 'V') {
			printf("spotter %s (%s)\n", SPOTTER_VERSION, SPOTTER_GITREV);
			return EXIT_DONE;
		}
		if (opt == OPT_LIST_KEYS) {
			conf_print_keys(stdout);
			return EXIT_DONE;
		}
		if (opt == '?')
			return EXIT_USAGE;
		if (opt == 'c')
			config = optarg;
	}
	if (optind < argc) {
		fprintf(stderr, "spotter: unexpected argument \"%s\" (see --help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (config && conf_load_file(c, config, err, sizeof(err))) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		const char *key = opt_key(opt);
		int rc = 0;

		if (opt == '?' || opt == ':')
			return EXIT_USAGE; /* the first pass reported it */
		if (key) {
			rc = conf_set(c, key, optarg, err, sizeof(err));
		} else if (opt == 'o') {
			char *eq = strchr(optarg, '=');

			if (!eq) {
				log_error("--option needs KEY=VALUE, got \"%s\"", optarg);
				return EXIT_USAGE;
			}
			*eq = '\0';
			rc = conf_set(c, optarg, eq + 1, err, sizeof(err));
			*eq = '=';
		} else if (opt == OPT_STRICT) {
			c->strict_rules = true;
		} else if (opt == OPT_PRELOAD) {
			c->preload = true;
		} else if (opt == 'v') {
			verbosity++;
		} else if (opt == 'q') {
			verbosity = -1;
		}
		if (rc) {
			log_error("%s", err);
			return EXIT_USAGE;
		}
	}
	if (verbosity < 0)
		c->log_level = LOG_WARN;
	else if (verbosity)
		c->log_level = verbosity > 1 ? LOG_DEBUG : LOG_INFO;
	return -1;
}

static int check_conf(struct conf *c)
{
	long ncpu;

	if (c->n_interfaces && c->read) {
		log_error("-r and -i exclude each other: read a file or capture live");
		return EXIT_USAGE;
	}
	if (c->kafka_brokers && !c->spool && !(c->spool = strdup(DEFAULT_SPOOL))) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	if (c->spool && !c->kafka_brokers)
		log_warn("--spool has no effect without --kafka");
	if (c->capture && strcmp(c->capture, "auto") != 0 && strcmp(c->capture, "pcap") != 0 &&
	    strcmp(c->capture, "afpacket") != 0 && strcmp(c->capture, "afxdp") != 0) {
		log_error("--capture: unknown mode \"%s\" (auto, afxdp, afpacket, pcap)",
			  c->capture);
		return EXIT_USAGE;
	}
	if (!c->read && !c->n_interfaces) {
		log_error("nothing to read: give a capture file with -r or an interface with -i "
			  "(see --help)");
		return EXIT_USAGE;
	}
	if (c->user && !c->n_interfaces)
		log_warn("--user applies to live capture (-i) only");
	if (!c->n_rules) {
		log_error("no rules: give a rule file or directory with -R (see --help)");
		return EXIT_USAGE;
	}
	if (!c->workers) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		c->workers = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	if (c->workers > 256) {
		log_error("--workers: at most 256");
		return EXIT_USAGE;
	}
	return -1;
}

struct report_ctx {
	const struct pipeline *pl;
	const struct stats_info *si;
};

static void report(void *ud)
{
	const struct report_ctx *rc = ud;

	stats_print(stderr, rc->pl, rc->si);
}

static void output_config_of(const struct conf *c, struct output_config *oc, char *host,
			     size_t hostlen)
{
	struct output_kafka_config *k = &oc->kafka_cfg;

	memset(oc, 0, sizeof(*oc));
	oc->eve_path = c->eve;
	oc->kafka = c->kafka_brokers != NULL;
	output_kafka_config_defaults(k);
	if (!oc->kafka)
		return;
	k->brokers = c->kafka_brokers;
	if (c->kafka_topic)
		k->topic = c->kafka_topic;
	if (c->kafka_health_topic)
		k->health_topic = c->kafka_health_topic;
	k->props = c->kafka_props;
	k->n_props = c->n_kafka_props;
	k->heartbeat_ns = c->kafka_heartbeat_ns;
	k->flush_timeout_ns = c->kafka_flush_timeout_ns;
	k->max_tlp = (enum tlp)c->kafka_max_tlp;
	k->sensor_id = conf_sensor_name(c, host, hostlen);
	k->org = c->org ? c->org : c->detect.org;
	k->spool.dir = c->spool;
	k->spool.max_bytes = c->spool_size;
	k->spool.fsync_ns = c->spool_fsync_ns;
	k->spool.segment_bytes = c->spool_segment;
}

static int run(struct conf *c, struct detect_engine *engine, uint32_t rejected)
{
	struct pipeline_config pc = {.workers = c->workers, .worker = c->worker, .pace = c->pace};
	struct stats_info si = {.capture_path = c->read,
				.rules_loaded = engine->db->n_rules,
				.rules_rejected = rejected,
				.compile_ns = engine->db->compile_ns,
				.workers = c->workers};
	struct capture_file *cf = NULL;
	struct pipeline *pl = NULL;
	struct report_ctx rctx;
	char err[512], host[256];
	int status = EXIT_DONE, rc;

	output_config_of(c, &pc.output, host, sizeof(host));
	rc = capture_file_open(c->read, c->preload, &cf, err, sizeof(err));
	if (rc) {
		log_error("%s", err);
		return EXIT_RUNTIME;
	}
	rc = pipeline_new(&pc, engine, &pl, err, sizeof(err));
	if (rc) {
		log_error("%s", err);
		capture_file_close(cf);
		return rc == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	output_set_counters(pl->output, stats_counters_json, pl);
	rctx.pl = pl;
	rctx.si = &si;
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGUSR1, on_report);
	signal(SIGHUP, SIG_IGN); /* reload is for live capture */
	rc = pipeline_run_file(pl, cf, &stop_flag, &report_flag, report, &rctx);
	if (rc == -EIO) {
		log_error("%s; the %llu packets before it were inspected and their sightings "
			  "written",
			  pl->capture_error, (unsigned long long)COUNTER_GET(pl->packets));
		status = EXIT_RUNTIME;
	} else if (rc) {
		status = EXIT_RUNTIME;
	}
	if (pl->output_result)
		status = EXIT_RUNTIME; /* the sink said why */
	if (stop_flag)
		log_notice("stopped by signal after %llu packets",
			   (unsigned long long)COUNTER_GET(pl->packets));
	if (c->log_level >= LOG_NOTICE)
		stats_print(stderr, pl, &si);
	if (c->stats_json && stats_write_json(c->stats_json, pl, &si, err, sizeof(err))) {
		log_error("%s", err);
		status = EXIT_RUNTIME;
	}
	pipeline_free(pl);
	capture_file_close(cf);
	return status;
}

static int run_live(struct conf *c, struct detect_engine **engine, uint32_t rejected)
{
	struct pipeline_config pc = {.workers = c->workers, .worker = c->worker};
	char host[256];

	output_config_of(c, &pc.output, host, sizeof(host));
	return live_run(c, engine, rejected, &pc);
}

int main(int argc, char **argv)
{
	struct conf c;
	struct detect_engine *engine = NULL;
	uint32_t rejected = 0;
	int status;

	conf_init(&c);
	status = parse_args(argc, argv, &c);
	if (status < 0) {
		log_set_level((enum log_level)c.log_level);
		status = check_conf(&c);
	}
	if (status < 0)
		status = engine_load(&c, &engine, &rejected);
	if (status < 0 && c.n_interfaces)
		status = run_live(&c, &engine, rejected);
	else if (status < 0)
		status = run(&c, engine, rejected);
	detect_engine_free(engine);
	conf_fini(&c);
	return status;
}
