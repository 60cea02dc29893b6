/*
 * capture_dump — the netns tests' stand-in for the sensor: opens a live
 * capture (capture.h) and writes every packet each source delivers, in
 * order, to DIR/source-K.pcap (nanosecond pcap), so a test can compare
 * what arrived with what was sent.
 *
 *   capture_dump -i IF [-i IF ...] [-m MODE] [-w WORKERS] [-f FILTER]
 *                [--xdp auto|native|generic|none] [--ring BYTES]
 *                [--no-promisc] [--max-seconds S] [--no-write] -o DIR
 *
 * One thread per source polls with a 100 ms timeout. DIR/status is
 * rewritten (atomically) every 10 ms: "ready packets=N" once the capture
 * and the XDP program are in place. SIGINT/SIGTERM: each thread keeps
 * polling until the ring has been idle for one timeout (drain), then
 * DIR/stats.json gets the mode, the fallback reason, the XDP mode and the
 * counters of every source and their total; exit 0. --max-seconds (default
 * 60) bounds a run whose stop signal never comes. --no-write counts
 * without writing packets (for throughput measurements).
 *
 * The XDP program is attached (redirecting to AF_XDP sockets) for afxdp
 * and auto, and for the other modes with --xdp; it passes everything (no
 * rules installed). Exit status: 0 done, 1 capture or XDP failed to open
 * (the message on stderr, prefixed "capture_dump: "), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"
#include "xdp-filter.h"

#define MAX_IF	8
#define BATCH	64
#define POLL_MS 100

struct dump_opts {
	char *ifs[MAX_IF];
	unsigned n_if;
	enum capture_mode mode;
	unsigned workers;
	const char *filter;
	const char *dir;
	int xdp; /* -1 none, else enum xdp_mode_pref */
	uint32_t ring;
	bool promisc;
	unsigned max_seconds;
	bool no_write;
};

struct worker {
	pthread_t tid;
	struct capture_source *src;
	FILE *out;
	bool header;
	bool no_write;
	_Atomic uint64_t packets;
	int rc;
};

static volatile sig_atomic_t stop;
static _Atomic bool quit; /* stop, seen by the workers */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void pcap_header(FILE *f, uint32_t linktype)
{
	put32(f, 0xa1b23c4du);	 /* nanosecond pcap, our byte order */
	put32(f, 2u | 4u << 16); /* version 2.4 */
	put32(f, 0);
	put32(f, 0);
	put32(f, 262144);
	put32(f, linktype);
}

static void write_packet(struct worker *w, const struct packet *p)
{
	if (!w->header) {
		pcap_header(w->out, p->linktype);
		w->header = true;
	}
	put32(w->out, (uint32_t)(p->ts_ns / 1000000000ull));
	put32(w->out, (uint32_t)(p->ts_ns % 1000000000ull));
	put32(w->out, p->caplen);
	put32(w->out, p->wirelen);
	fwrite(p->data, 1, p->caplen, w->out);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct packet pkts[BATCH];

	for (;;) {
		int n = capture_poll(w->src, pkts, BATCH, POLL_MS);

		if (n < 0) {
			fprintf(stderr, "capture_dump: %s: poll: %s\n", capture_source_name(w->src),
				strerror(-n));
			w->rc = n;
			break;
		}
		for (int i = 0; i < n && !w->no_write; i++)
			write_packet(w, &pkts[i]);
		atomic_fetch_add(&w->packets, (uint64_t)n);
		/* after the stop: drain until the source has been idle a whole poll */
		if (n == 0 && atomic_load(&quit))
			break;
	}
	if (!w->header)
		pcap_header(w->out, LINKTYPE_ETHERNET);
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: capture_dump -i IF [-i IF ...] [-m auto|afxdp|afpacket|pcap] "
		   "[-w WORKERS] [-f FILTER] [--xdp auto|native|generic|none] [--ring BYTES] "
		   "[--no-promisc] [--max-seconds S] [--no-write] -o DIR\n");
}

static int parse_xdp(const char *s)
{
	if (strcmp(s, "none") == 0)
		return -1;
	if (strcmp(s, "auto") == 0)
		return XDP_MODE_AUTO;
	if (strcmp(s, "native") == 0)
		return XDP_MODE_NATIVE;
	if (strcmp(s, "generic") == 0)
		return XDP_MODE_GENERIC;
	return -2;
}

static int parse_args(int argc, char **argv, struct dump_opts *o)
{
	static const struct option lo[] = {
	    {"xdp", required_argument, NULL, 'X'},  {"ring", required_argument, NULL, 'R'},
	    {"no-promisc", no_argument, NULL, 'P'}, {"max-seconds", required_argument, NULL, 'T'},
	    {"no-write", no_argument, NULL, 'N'},   {NULL, 0, NULL, 0},
	};
	bool xdp_given = false;
	int c;

	o->promisc = true;
	o->max_seconds = 60;
	o->xdp = -1;
	while ((c = getopt_long(argc, argv, "i:m:w:f:o:", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (o->n_if == MAX_IF)
				return -1;
			o->ifs[o->n_if++] = optarg;
			break;
		case 'm':
			if (capture_mode_parse(optarg, &o->mode) < 0)
				return -1;
			break;
		case 'w':
			o->workers = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'o':
			o->dir = optarg;
			break;
		case 'X':
			o->xdp = parse_xdp(optarg);
			xdp_given = true;
			if (o->xdp == -2)
				return -1;
			break;
		case 'R':
			o->ring = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			o->promisc = false;
			break;
		case 'T':
			o->max_seconds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'N':
			o->no_write = true;
			break;
		default:
			return -1;
		}
	}
	if (!xdp_given && (o->mode == CAPTURE_MODE_AFXDP || o->mode == CAPTURE_MODE_AUTO))
		o->xdp = XDP_MODE_AUTO;
	return o->n_if > 0 && o->dir != NULL && optind == argc ? 0 : -1;
}

static void write_status(const char *dir, const struct worker *w, unsigned n)
{
	char tmp[4096], path[4096];
	uint64_t total = 0;
	FILE *f;

	for (unsigned i = 0; i < n; i++)
		total += atomic_load(&w[i].packets);
	snprintf(tmp, sizeof(tmp), "%s/status.tmp", dir);
	snprintf(path, sizeof(path), "%s/status", dir);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "ready packets=%" PRIu64 "\n", total);
	fclose(f);
	rename(tmp, path);
}

static void json_stats(FILE *f, const struct capture_stats *st)
{
	const struct {
		const char *name;
		uint64_t v;
	} fields[] = {
	    {"packets", st->packets},
	    {"bytes", st->bytes},
	    {"kernel_drops", st->kernel_drops},
	    {"if_drops", st->if_drops},
	    {"ring_full", st->ring_full},
	    {"polls", st->polls},
	    {"idle_polls", st->idle_polls},
	    {"poll_errors", st->poll_errors},
	    {"vlan_restored", st->vlan_restored},
	    {"vlan_lost", st->vlan_lost},
	    {"wakeups", st->wakeups},

	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "{", fields[i].name, fields[i].v);
	fputc('}', f);
}

/* JSON string body: the reason and names hold no quotes or controls we
 * make ourselves, but errno texts are escaped anyway. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static int write_stats(const struct dump_opts *o, struct capture *c, struct xdp_filter **x)
{
	struct capture_stats st;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/stats.json", o->dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "{\"mode\": \"%s\", \"fallback\": ", capture_mode_name(capture_mode_used(c)));
	json_str(f, capture_fallback_reason(c));
	fprintf(f, ", \"xdp_mode\": ");
	if (x[0] != NULL)
		json_str(f, xdp_filter_mode(x[0]));
	else
		fprintf(f, "null");
	fprintf(f, ", \"sources\": [");
	for (unsigned i = 0; i < capture_n_sources(c); i++) {
		capture_source_stats(c, i, &st);
		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_str(f, capture_source_name(capture_source(c, i)));
		fprintf(f, ", \"file\": \"source-%u.pcap\", \"stats\": ", i);
		json_stats(f, &st);
		fprintf(f, "}");
	}
	capture_stats(c, &st);
	fprintf(f, "], \"total\": ");
	json_stats(f, &st);
	fprintf(f, "}\n");
	return fclose(f) == 0 ? 0 : -errno;
}

static int attach_xdp(const struct dump_opts *o, struct xdp_filter **x)
{
	struct xdp_rules pass_all = {.filter = false};
	char err[512];

	for (unsigned i = 0; o->xdp >= 0 && i < o->n_if; i++) {
		struct xdp_filter_config xc = {
		    .ifname = o->ifs[i],
		    .mode = (enum xdp_mode_pref)o->xdp,
		    .redirect_xsk = true,
		};

		if (xdp_filter_attach(&xc, &x[i], err, sizeof(err)) < 0 ||
		    xdp_filter_set_rules(x[i], &pass_all, err, sizeof(err)) < 0) {
			fprintf(stderr, "capture_dump: XDP: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static int run(const struct dump_opts *o, struct capture *c)
{
	unsigned n = capture_n_sources(c);
	struct worker *w = calloc(n, sizeof(*w));
	struct timespec tick = {.tv_nsec = 10 * 1000000};
	time_t deadline = time(NULL) + (time_t)o->max_seconds;
	int rc = 0;

	if (w == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/source-%u.pcap", o->dir, i);
		w[i].src = capture_source(c, i);
		w[i].no_write = o->no_write;
		w[i].out = fopen(path, "w");
		if (w[i].out == NULL) {
			fprintf(stderr, "capture_dump: %s: %s\n", path, strerror(errno));
			exit(1);
		}
		pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
	}
	while (!stop && time(NULL) < deadline) {
		write_status(o->dir, w, n);
		nanosleep(&tick, NULL);
	}
	atomic_store(&quit, true);
	for (unsigned i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		if (fclose(w[i].out) != 0 || w[i].rc < 0)
			rc = -EIO;
	}
	write_status(o->dir, w, n);
	free(w);
	return rc;
}

int main(int argc, char **argv)
{
	struct dump_opts o = {0};
	struct xdp_filter *x[MAX_IF] = {0};
	struct capture *c = NULL;
	struct sigaction sa = {.sa_handler = on_signal};
	struct capture_config cfg;
	char err[1024];
	int rc = 1;

	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	log_set_level(LOG_INFO);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (attach_xdp(&o, x) < 0)
		goto out;
	cfg = (struct capture_config){
	    .interfaces = o.ifs,
	    .n_interfaces = o.n_if,
	    .mode = o.mode,
	    .workers = o.workers,
	    .ring_bytes = o.ring,
	    .pcap_filter = o.filter,
	    .xdp = x,
	    .promiscuous = o.promisc,
	};
	if (capture_open(&cfg, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "capture_dump: %s\n", err);
		goto out;
	}
	if (run(&o, c) == 0 && write_stats(&o, c, x) == 0)
		rc = 0;
out:
	capture_close(c);
	for (unsigned i = 0; i < o.n_if; i++)
		xdp_filter_detach(x[i]);
	return rc;
}
