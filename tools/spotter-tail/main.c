/*
 * spotter-tail — read spotter's sightings from Kafka, and check them.
 *
 * Prints each record's value (one EVE JSON line) or, with --meta, one JSON
 * object per record with its topic, partition, offset, timestamp, key and
 * headers around the value. Tracks the per-sensor sequence numbers and
 * reports gaps and duplicates at the end (seqcheck.h). Without --group it
 * assigns itself every partition of the topic and commits nothing; with
 * --group it joins that consumer group and commits what it printed.
 *
 * --produce turns it around: each line of standard input becomes a record
 * (a value, or with --meta an object as printed above), sent with the
 * idempotent producer and acks=all. The tests use it to exercise the
 * consumer side against the real broker without the sensor.
 *
 * Single-threaded (librdkafka runs its own threads; our callbacks only
 * count and print). Everything allocated is freed before exit.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eve-json.h"
#include "json.h"
#include "seqcheck.h"

#define PROG		   "spotter-tail"
#define MAX_PROPS	   64
#define CONNECT_TIMEOUT_MS 10000 /* first metadata request, unless --timeout is shorter */

enum exit_code {
	EXIT_OK = 0,
	EXIT_CHECK = 1,	  /* --check found gaps or duplicates; --produce: undelivered */
	EXIT_USAGE = 2,	  /* usage, configuration or connection error */
	EXIT_TIMEOUT = 3, /* --timeout before --count records or the end */
};

struct opts {
	const char *brokers;
	const char *topic;
	const char *group;
	bool from_beginning;
	bool follow;
	bool meta;
	bool check;
	bool produce;
	int verbose;
	uint64_t count;	  /* 0: no limit */
	double timeout_s; /* 0: none */
	const char *props[MAX_PROPS][2];
	int nprops;
};

struct outbuf {
	char *buf;
	size_t cap;
};

static volatile sig_atomic_t stop_requested;
static int g_verbose;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void __attribute__((format(printf, 1, 2))) msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [options]\n"
		"\n"
		"Prints spotter's records from a Kafka topic, one JSON line each, and reports\n"
		"gaps and duplicates in each sensor's sequence numbers on standard error.\n"
		"\n"
		"  --brokers B         bootstrap brokers (default 127.0.0.1:9092)\n"
		"  --topic T           topic (default spotter.sightings)\n"
		"  --from-beginning    start at the oldest record (default: the end)\n"
		"  --group G           join consumer group G and commit offsets (default: no\n"
		"                      group, every partition, nothing committed)\n"
		"  --count N           stop after N records (waiting for them)\n"
		"  --follow            keep waiting for new records (until SIGINT or --timeout)\n"
		"  --timeout SECONDS   give up after this long\n"
		"  --meta              print {\"topic\",\"partition\",\"offset\",\"timestamp\",\n"
		"                      \"key\",\"headers\",\"value\"} per record\n"
		"  --check             exit 1 on a gap, a duplicate or a record without seq\n"
		"  -o PROP=VALUE       a librdkafka property (TLS, SASL, ...), repeatable\n"
		"  --produce           send standard input's lines as records (with --meta:\n"
		"                      objects as printed by --meta) and exit\n"
		"  -v, --verbose       librdkafka's log messages too\n"
		"  -h, --help\n"
		"\n"
		"Without --count and --follow it stops at the end of the topic (every\n"
		"partition read to its end).\n"
		"Exit status: 0 done; 1 --check found gaps, duplicates or unnumbered records\n"
		"(--produce: records not delivered); 2 usage, configuration or connection\n"
		"error; 3 --timeout expired before --count records or the end.\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (*s == '-' || *s == '\0')
		return -EINVAL;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

/*
 * Checks a bootstrap list, "[proto://]host[:port],..." with an IPv6 host in
 * brackets: librdkafka accepts any string here and only fails to resolve it
 * later (and takes port 99999 as 34463), so a typo would read as "cannot
 * reach". Returns 0, or -EINVAL with the bad entry named.
 */
static int check_brokers(const char *list)
{
	const char *s = list;

	for (;;) {
		const char *e = s + strcspn(s, ","), *h = s, *p;
		unsigned long port = 0;
		bool ok = true;

		for (p = h; p + 2 < e; p++)
			if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
				h = p + 3; /* a protocol prefix */
				break;
			}
		if (h < e && *h == '[') {
			p = memchr(h, ']', (size_t)(e - h));
			ok = p && p > h + 1;
			h = p ? p + 1 : e;
		} else {
			for (p = h; p < e && *p != ':'; p++)
				ok = ok && (isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
					    *p == '_');
			ok = ok && p > h;
			h = p;
		}
		if (ok && h < e) { /* ":port" */
			ok = *h == ':' && h + 1 < e;
			for (p = h + 1; ok && p < e; p++) {
				ok = isdigit((unsigned char)*p) && port <= 65535;
				port = port * 10 + (unsigned long)(*p - '0');
			}
			ok = ok && port >= 1 && port <= 65535;
		}
		if (!ok) {
			if ((size_t)(e - s) == strlen(list))
				msg("--brokers: \"%s\" is not host:port", list);
			else
				msg("--brokers: \"%.*s\" in \"%s\" is not host:port", (int)(e - s),
				    s, list);
			return -EINVAL;
		}
		if (!*e)
			return 0;
		s = e + 1;
	}
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum {
		O_BROKERS = 256,
		O_TOPIC,
		O_FROM,
		O_GROUP,
		O_COUNT,
		O_FOLLOW,
		O_TIMEOUT,
		O_META,
		O_CHECK,
		O_PRODUCE
	};
	static const struct option lopts[] = {
	    {"brokers", required_argument, NULL, O_BROKERS},
	    {"topic", required_argument, NULL, O_TOPIC},
	    {"from-beginning", no_argument, NULL, O_FROM},
	    {"group", required_argument, NULL, O_GROUP},
	    {"count", required_argument, NULL, O_COUNT},
	    {"follow", no_argument, NULL, O_FOLLOW},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"meta", no_argument, NULL, O_META},
	    {"check", no_argument, NULL, O_CHECK},
	    {"produce", no_argument, NULL, O_PRODUCE},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	char *end, *eq;

	o->brokers = "127.0.0.1:9092";
	o->topic = "spotter.sightings";
	while ((c = getopt_long(argc, argv, "o:vh", lopts, NULL)) != -1) {
		switch (c) {
		case O_BROKERS:
			o->brokers = optarg;
			break;
		case O_TOPIC:
			o->topic = optarg;
			break;
		case O_FROM:
			o->from_beginning = true;
			break;
		case O_GROUP:
			o->group = optarg;
			break;
		case O_FOLLOW:
			o->follow = true;
			break;
		case O_META:
			o->meta = true;
			break;
		case O_CHECK:
			o->check = true;
			break;
		case O_PRODUCE:
			o->produce = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case O_COUNT:
			if (parse_u64(optarg, &o->count) < 0 || o->count == 0) {
				msg("--count: expected a positive integer, got \"%s\"", optarg);
				return -EINVAL;
			}
			break;
		case O_TIMEOUT:
			errno = 0;
			o->timeout_s = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(o->timeout_s > 0) ||
			    !isfinite(o->timeout_s)) {
				msg("--timeout: expected seconds > 0, got \"%s\"", optarg);
				return -EINVAL;
			}
			break;
		case 'o':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg) {
				msg("-o: expected PROP=VALUE, got \"%s\"", optarg);
				return -EINVAL;
			}
			if (o->nprops == MAX_PROPS) {
				msg("-o: at most %d properties", MAX_PROPS);
				return -EINVAL;
			}
			*eq = '\0';
			o->props[o->nprops][0] = optarg;
			o->props[o->nprops][1] = eq + 1;
			o->nprops++;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		msg("unexpected argument \"%s\"", argv[optind]);
		return -EINVAL;
	}
	if (!*o->brokers || !*o->topic || (o->group && !*o->group)) {
		msg("--brokers, --topic and --group need a value");
		return -EINVAL;
	}
	if (check_brokers(o->brokers) < 0)
		return -EINVAL;
	if (o->produce && (o->group || o->follow || o->count || o->from_beginning || o->check)) {
		msg("--produce takes only --brokers, --topic, --meta, --timeout and -o");
		return -EINVAL;
	}
	return 0;
}

/* ---- librdkafka configuration and callbacks ------------------------------ */

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (g_verbose || level <= 2)
		fprintf(stderr, PROG ": kafka: %s: %s\n", fac, buf);
}

/* the opaque of a client: its callbacks' state */
struct kstate {
	const char *brokers;
	double last_down; /* when "cannot reach" was last said */
	bool connecting;  /* first metadata request: remember, do not print */
	bool quiet;	  /* closing: print nothing more */
	bool all_down;	  /* every bootstrap broker refused while connecting */
	char down_reason[256];
	bool fatal;
	char fatal_msg[640];
	uint64_t delivered, failed; /* --produce: delivery reports */
	char first_error[256];
};

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kstate *es = opaque;
	double t = now_s();

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		char why[512];

		rd_kafka_fatal_error(rk, why, sizeof(why));
		snprintf(es->fatal_msg, sizeof(es->fatal_msg), "fatal error: %s", why);
		es->fatal = true;
		stop_requested = 1;
		return;
	}
	if (es->quiet)
		return;
	if (es->connecting) {
		if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
		    err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__RESOLVE) {
			/* the last connect error says more than "n/n brokers are down" */
			if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || !es->down_reason[0])
				snprintf(es->down_reason, sizeof(es->down_reason), "%s", reason);
			es->all_down = es->all_down || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
		}
		return;
	}
	/* a broker that is down is said once per 10 s; librdkafka keeps retrying */
	if (t - es->last_down < 10)
		return;
	es->last_down = t;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		msg("cannot reach %s (%s), still trying", es->brokers, reason);
	else
		msg("%s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
	char err[512];

	if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
		msg("%s: %s", k, err);
		return -EINVAL;
	}
	return 0;
}

/* our defaults first, then the user's -o properties, which may override them */
static rd_kafka_conf_t *make_conf(const struct opts *o, const char *const defaults[][2],
				  struct kstate *es)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	int rc = conf_set(conf, "bootstrap.servers", o->brokers);

	for (int i = 0; !rc && defaults[i][0]; i++)
		rc = conf_set(conf, defaults[i][0], defaults[i][1]);
	for (int i = 0; !rc && i < o->nprops; i++)
		rc = conf_set(conf, o->props[i][0], o->props[i][1]);
	if (rc) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_opaque(conf, es);
	return conf;
}

/* serves queued callbacks (errors, logs) without taking records */
static void serve(rd_kafka_t *rk, bool consumer)
{
	if (!consumer) {
		rd_kafka_poll(rk, 0);
		return;
	}
	rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 0); /* nothing assigned yet */

	if (m)
		rd_kafka_message_destroy(m);
}

/*
 * The number of partitions of o->topic; <0 with a message naming the
 * brokers or the topic when it cannot be had. Gives up at once when every
 * bootstrap broker refuses, else after CONNECT_TIMEOUT_MS (or --timeout).
 */
static int topic_partitions(rd_kafka_t *rk, const struct opts *o, struct kstate *ks, bool consumer)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
	double limit = CONNECT_TIMEOUT_MS / 1000.0, t0 = now_s();
	rd_kafka_resp_err_t err;
	int n = -1;

	if (!rkt) {
		msg("topic \"%s\": %s", o->topic, rd_kafka_err2str(rd_kafka_last_error()));
		return -EINVAL;
	}
	if (o->timeout_s > 0 && o->timeout_s < limit)
		limit = o->timeout_s;
	ks->connecting = true;
	do {
		err = rd_kafka_metadata(rk, 0, rkt, &md, 250);
		serve(rk, consumer);
	} while (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT
		     ? !ks->all_down && !stop_requested && now_s() - t0 < limit
		     : false);
	ks->connecting = false;
	if (err) {
		msg("cannot reach %s: %s", o->brokers,
		    ks->down_reason[0] ? ks->down_reason : rd_kafka_err2str(err));
	} else if (md->topic_cnt != 1) {
		msg("%s: no metadata for topic \"%s\"", o->brokers, o->topic);
	} else if (md->topics[0].err) {
		msg("topic \"%s\" on %s: %s", o->topic, o->brokers,
		    rd_kafka_err2str(md->topics[0].err));
	} else {
		n = md->topics[0].partition_cnt;
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return n;
}

/* ---- printing ------------------------------------------------------------ */

static int out_reserve(struct outbuf *ob, size_t need)
{
	char *p;

	if (need <= ob->cap)
		return 0;
	p = realloc(ob->buf, need);
	if (!p)
		return -ENOMEM;
	ob->buf = p;
	ob->cap = need;
	return 0;
}

/* the value as JSON: raw when it is an object or array, else a string */
static void put_value(struct jbuf *jb, const char *v, size_t n)
{
	const char *p, *e;

	if (!v) {
		jb_lit(jb, "null");
		return;
	}
	p = json_ws(v, v + n);
	if (p < v + n && (*p == '{' || *p == '[') && (e = json_skip(p, v + n)) &&
	    json_ws(e, v + n) == v + n) {
		jb_raw(jb, p, (size_t)(e - p));
		return;
	}
	jb_str(jb, v, n);
}

/* one --meta line into ob; 0 or -ENOMEM */
static int render_meta(struct outbuf *ob, const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *hdrs = NULL;
	rd_kafka_timestamp_type_t tstype;
	int64_t ts = rd_kafka_message_timestamp(m, &tstype);
	const char *topic = rd_kafka_topic_name(m->rkt);
	size_t need = 256 + 6 * (strlen(topic) + m->key_len + m->len);

	if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
		hdrs = NULL;
	for (size_t i = 0; hdrs && i < rd_kafka_header_cnt(hdrs); i++) {
		const char *name;
		const void *val;
		size_t size;

		if (rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == 0)
			need += 16 + 6 * (strlen(name) + size);
	}
	if (out_reserve(ob, need) < 0)
		return -ENOMEM;

	struct jbuf jb;

	jb_init(&jb, ob->buf, ob->cap);
	jb_lit(&jb, "{\"topic\":");
	jb_str(&jb, topic, strlen(topic));
	jb_lit(&jb, ",\"partition\":");
	jb_u64(&jb, (uint64_t)m->partition);
	jb_lit(&jb, ",\"offset\":");
	jb_u64(&jb, (uint64_t)m->offset);
	jb_lit(&jb, ",\"timestamp\":");
	if (ts >= 0)
		jb_u64(&jb, (uint64_t)ts);
	else
		jb_lit(&jb, "null");
	jb_lit(&jb, ",\"key\":");
	if (m->key)
		jb_str(&jb, m->key, m->key_len);
	else
		jb_lit(&jb, "null");
	jb_lit(&jb, ",\"headers\":{");
	for (size_t i = 0; hdrs && i < rd_kafka_header_cnt(hdrs); i++) {
		const char *name;
		const void *val;
		size_t size;

		if (rd_kafka_header_get_all(hdrs, i, &name, &val, &size) != 0)
			continue;
		if (i)
			jb_lit(&jb, ",");
		jb_str(&jb, name, strlen(name));
		jb_lit(&jb, ":");
		if (val)
			jb_str(&jb, val, size);
		else
			jb_lit(&jb, "null");
	}
	jb_lit(&jb, "},\"value\":");
	put_value(&jb, m->payload, m->len);
	jb_lit(&jb, "}\n");
	if (jb.overflow)
		return -ENOMEM; /* cannot happen: need bounds every escape */
	return (int)(jb.p - ob->buf);
}

/* feeds the record's "seq" and "sighting":{"sensor"} to the checker */
static void track(struct seqcheck *sc, const rd_kafka_message_t *m)
{
	struct jspan obj, v, s;
	char sensor[SEQCHECK_MAX_NAME];
	int64_t seq;

	if (!m->payload) {
		seqcheck_add_unnumbered(sc);
		return;
	}
	obj.p = m->payload;
	obj.end = obj.p + m->len;
	if (json_get(&obj, "seq", &v) < 0 || json_int(&v, &seq) < 0 || seq < 0 ||
	    json_get(&obj, "sighting", &s) < 0 || json_get(&s, "sensor", &v) < 0 ||
	    json_str(&v, sensor, sizeof(sensor), NULL) == -EINVAL) {
		seqcheck_add_unnumbered(sc);
		return;
	}
	if (seqcheck_add(sc, sensor, (uint64_t)seq) < 0)
		msg("out of memory tracking sequence numbers");
}

/* ---- consuming ----------------------------------------------------------- */

struct consumer {
	const struct opts *o;
	rd_kafka_t *rk;
	struct seqcheck *sc;
	struct outbuf ob;
	int npart;
	bool *eof; /* per partition: read to its current end */
	uint64_t printed;
};

/* true when every partition we read from is at its end */
static bool all_eof(struct consumer *c)
{
	rd_kafka_topic_partition_list_t *asg = NULL;
	bool all = true;

	if (!c->o->group) {
		for (int i = 0; i < c->npart; i++)
			all = all && c->eof[i];
		return all;
	}
	if (rd_kafka_assignment(c->rk, &asg) || !asg)
		return false;
	all = asg->cnt > 0;
	for (int i = 0; i < asg->cnt; i++) {
		int p = asg->elems[i].partition;

		all = all && p >= 0 && p < c->npart && c->eof[p];
	}
	rd_kafka_topic_partition_list_destroy(asg);
	return all;
}

static int print_record(struct consumer *c, const rd_kafka_message_t *m)
{
	if (c->o->meta) {
		int n = render_meta(&c->ob, m);

		if (n < 0)
			return n;
		fwrite(c->ob.buf, 1, (size_t)n, stdout);
	} else {
		if (m->len)
			fwrite(m->payload, 1, m->len, stdout);
		fputc('\n', stdout);
	}
	return ferror(stdout) ? -EIO : 0;
}

static int start_reading(struct consumer *c)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(c->npart);
	rd_kafka_resp_err_t err;

	if (c->o->group) {
		rd_kafka_topic_partition_list_add(l, c->o->topic, RD_KAFKA_PARTITION_UA);
		err = rd_kafka_subscribe(c->rk, l);
	} else {
		for (int i = 0; i < c->npart; i++)
			rd_kafka_topic_partition_list_add(l, c->o->topic, i)->offset =
			    c->o->from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
		err = rd_kafka_assign(c->rk, l);
	}
	rd_kafka_topic_partition_list_destroy(l);
	if (err) {
		msg("cannot read %s: %s", c->o->topic, rd_kafka_err2str(err));
		return -EINVAL;
	}
	return 0;
}

/* the consume loop: returns an exit code */
static int consume_loop(struct consumer *c, struct kstate *es)
{
	const struct opts *o = c->o;
	double deadline = o->timeout_s > 0 ? now_s() + o->timeout_s : 0;

	while (!stop_requested) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 100);

		if (deadline && now_s() >= deadline) {
			if (m)
				rd_kafka_message_destroy(m);
			if (o->follow && !o->count)
				return EXIT_OK;
			if (o->count)
				msg("timeout after %gs: %" PRIu64 " of %" PRIu64 " records",
				    o->timeout_s, c->printed, o->count);
			else
				msg("timeout after %gs before the end of %s (%" PRIu64 " records)",
				    o->timeout_s, o->topic, c->printed);
			return EXIT_TIMEOUT;
		}
		if (!m) {
			fflush(stdout);
			continue;
		}
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (m->partition >= 0 && m->partition < c->npart)
				c->eof[m->partition] = true;
			rd_kafka_message_destroy(m);
			if (!o->follow && !o->count && all_eof(c))
				return EXIT_OK;
			continue;
		}
		if (m->err) {
			bool gone = m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
				    m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;

			msg("%s: %s", o->topic, rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			if (gone)
				return EXIT_USAGE;
			continue;
		}
		if (m->partition >= 0 && m->partition < c->npart)
			c->eof[m->partition] = false;
		track(c->sc, m);
		int rc = print_record(c, m);

		rd_kafka_message_destroy(m);
		if (rc < 0) {
			msg("writing the output: %s", strerror(-rc));
			return EXIT_USAGE;
		}
		if (o->count && ++c->printed >= o->count)
			return EXIT_OK;
		if (!o->count)
			c->printed++;
	}
	if (es->fatal) {
		msg("%s", es->fatal_msg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int run_consumer(const struct opts *o)
{
	static const char *const defaults[][2] = {
	    {"enable.partition.eof", "true"},
	    {"enable.auto.offset.store", "true"},
	    {"client.id", PROG},
	    {NULL, NULL},
	};
	struct kstate es = {.brokers = o->brokers};
	struct consumer c = {.o = o};
	rd_kafka_conf_t *conf = make_conf(o, defaults, &es);
	char err[512];
	int rc = EXIT_USAGE;

	if (!conf)
		return EXIT_USAGE;
	if (o->group &&
	    (conf_set(conf, "group.id", o->group) < 0 ||
	     conf_set(conf, "auto.offset.reset", o->from_beginning ? "earliest" : "latest") < 0)) {
		rd_kafka_conf_destroy(conf);
		return EXIT_USAGE;
	}
	/* librdkafka wants a group.id even to assign() partitions; without
	 * --group it is only a name, never joined, nothing committed under it */
	if (!o->group && (conf_set(conf, "group.id", PROG ".unjoined") < 0 ||
			  conf_set(conf, "enable.auto.commit", "false") < 0)) {
		rd_kafka_conf_destroy(conf);
		return EXIT_USAGE;
	}
	c.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!c.rk) {
		msg("%s", err);
		rd_kafka_conf_destroy(conf);
		return EXIT_USAGE;
	}
	rd_kafka_poll_set_consumer(c.rk);
	c.sc = seqcheck_new();
	if (!c.sc) {
		msg("out of memory");
		goto out;
	}
	c.npart = topic_partitions(c.rk, o, &es, true);
	if (c.npart < 0)
		goto out;
	c.eof = calloc((size_t)c.npart + 1, sizeof(*c.eof));
	if (!c.eof) {
		msg("out of memory");
		goto out;
	}
	if (start_reading(&c) < 0)
		goto out;
	rc = consume_loop(&c, &es);
	fflush(stdout);
	seqcheck_report(c.sc, stderr, PROG ": ");
	if (rc == EXIT_OK && o->check && seqcheck_failed(c.sc))
		rc = EXIT_CHECK;
out:
	es.quiet = true;
	rd_kafka_consumer_close(c.rk);
	rd_kafka_destroy(c.rk);
	seqcheck_free(c.sc);
	free(c.eof);
	free(c.ob.buf);
	return rc;
}

/* ---- producing (for tests and topic copies) ------------------------------ */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kstate *ks = opaque;

	(void)rk;
	if (!m->err) {
		ks->delivered++;
		return;
	}
	if (!ks->failed++)
		snprintf(ks->first_error, sizeof(ks->first_error), "%s", rd_kafka_err2str(m->err));
}

/* decodes a JSON string (or null) into a fresh buffer: *out NULL for null */
static int dup_string(const struct jspan *v, char **out, size_t *len)
{
	size_t cap = (size_t)(v->end - v->p) + 1;

	*out = NULL;
	*len = 0;
	if (json_is_null(v))
		return 0;
	if (!(*out = malloc(cap)))
		return -ENOMEM;
	if (json_str(v, *out, cap, len) < 0) {
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

/* one --meta input line's record; ownership of the buffers passes to librdkafka */
static int produce_meta(rd_kafka_t *rk, const struct opts *o, const char *line, size_t n)
{
	struct jspan obj = {line, line + n}, v, hname, hval;
	char *key = NULL, *val = NULL, *name = NULL, *hv = NULL;
	size_t klen = 0, vlen = 0, nlen, hlen;
	int32_t part = RD_KAFKA_PARTITION_UA;
	rd_kafka_headers_t *hdrs = rd_kafka_headers_new(4);
	struct jiter it;
	int rc = -EINVAL, more;

	if (!json_valid(line, line + n))
		goto out;
	if (json_get(&obj, "key", &v) == 0 && dup_string(&v, &key, &klen) < 0)
		goto out;
	if (json_get(&obj, "partition", &v) == 0) {
		int64_t p;

		if (json_int(&v, &p) < 0 || p < 0 || p > INT32_MAX)
			goto out;
		part = (int32_t)p;
	}
	if (json_get(&obj, "headers", &v) == 0) {
		if (json_iter_init(&it, &v) < 0)
			goto out;
		while ((more = json_iter_next(&it, &hname, &hval)) == 1) {
			if (dup_string(&hname, &name, &nlen) < 0 || !name ||
			    dup_string(&hval, &hv, &hlen) < 0)
				goto out;
			rd_kafka_header_add(hdrs, name, (ssize_t)nlen, hv, (ssize_t)hlen);
			free(name);
			free(hv);
			name = hv = NULL;
		}
		if (more < 0)
			goto out;
	}
	if (json_get(&obj, "value", &v) == 0) {
		const char *p = json_ws(v.p, v.end);

		if (*p == '"') {
			if (dup_string(&v, &val, &vlen) < 0)
				goto out;
		} else if (!json_is_null(&v)) {
			vlen = (size_t)(v.end - p);
			if (!(val = malloc(vlen)))
				goto out;
			memcpy(val, p, vlen);
		}
	}
	rd_kafka_resp_err_t err;

	while ((err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION(part),
					RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE(val, vlen),
					RD_KAFKA_V_HEADERS(hdrs),
					RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
					RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		rd_kafka_poll(rk, 50);
	if (err) {
		msg("producing to %s: %s", o->topic, rd_kafka_err2str(err));
		rc = -EIO;
		goto out;
	}
	/* librdkafka owns val and hdrs now; the key is copied */
	free(key);
	return 0;
out:
	rd_kafka_headers_destroy(hdrs);
	free(key);
	free(val);
	free(name);
	free(hv);
	return rc;
}

static int produce_value(rd_kafka_t *rk, const struct opts *o, char *line, size_t n)
{
	rd_kafka_resp_err_t err;

	while ((err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_VALUE(line, n),
					RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		rd_kafka_poll(rk, 50);
	if (err) {
		msg("producing to %s: %s", o->topic, rd_kafka_err2str(err));
		return -EIO;
	}
	return 0;
}

/* the producer's exit code, with a line on what was delivered */
static int report_delivery(rd_kafka_t *rk, const struct opts *o, const struct kstate *ks,
			   uint64_t sent, uint64_t bad)
{
	int left = rd_kafka_outq_len(rk);

	if (ks->fatal)
		msg("%s", ks->fatal_msg);
	if (ks->failed)
		msg("%" PRIu64 " record%s not delivered (first: %s)", ks->failed,
		    ks->failed == 1 ? "" : "s", ks->first_error);
	if (left > 0)
		msg("%d record%s still queued when the flush timed out", left,
		    left == 1 ? "" : "s");
	if (bad)
		msg("%" PRIu64 " input line%s skipped", bad, bad == 1 ? "" : "s");
	msg("%" PRIu64 " of %" PRIu64 " records delivered to %s", ks->delivered, sent, o->topic);
	return ks->fatal || ks->failed || left > 0 || bad || ks->delivered != sent ? EXIT_CHECK
										   : EXIT_OK;
}

static int run_producer(const struct opts *o)
{
	static const char *const defaults[][2] = {
	    {"enable.idempotence", "true"},
	    {"acks", "all"},
	    {"linger.ms", "5"},
	    {"client.id", PROG},
	    {NULL, NULL},
	};
	struct kstate ks = {.brokers = o->brokers};
	rd_kafka_conf_t *conf = make_conf(o, defaults, &ks);
	rd_kafka_t *rk;
	char err[512], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0, sent = 0, bad = 0;
	int rc = EXIT_USAGE;

	if (!conf)
		return EXIT_USAGE;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		msg("%s", err);
		rd_kafka_conf_destroy(conf);
		return EXIT_USAGE;
	}
	if (topic_partitions(rk, o, &ks, false) < 0)
		goto out;
	while (!stop_requested && (n = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		int r = o->meta ? produce_meta(rk, o, line, (size_t)n)
				: produce_value(rk, o, line, (size_t)n);

		if (r == -EINVAL) {
			if (!bad++)
				msg("stdin:%" PRIu64 ": not a record object", lineno);
			continue;
		}
		if (r < 0)
			goto out;
		sent++;
		rd_kafka_poll(rk, 0);
	}
	rd_kafka_flush(rk, o->timeout_s > 0 ? (int)(o->timeout_s * 1000) : 30000);
	rc = report_delivery(rk, o, &ks, sent, bad);
out:
	ks.quiet = true;
	rd_kafka_destroy(rk);
	free(line);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct sigaction sa = {.sa_handler = on_signal};

	if (parse_args(argc, argv, &o) < 0)
		return EXIT_USAGE;
	g_verbose = o.verbose;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return o.produce ? run_producer(&o) : run_consumer(&o);
}
