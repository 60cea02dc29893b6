/*
 * spotter-replay — sends the frames of a capture file out of an interface,
 * unchanged, through an AF_PACKET socket: what the netns tests and the
 * live-capture benchmark inject with.
 *
 * The capture is read in place with the sensor's reader (capture-file.h:
 * pcap or pcapng, the file mapped, no copy) and sent with sendmmsg() in
 * batches whose iovecs point into the mapping. Pacing (--pps, --mbps)
 * schedules each frame at its due time on CLOCK_MONOTONIC; a batch only
 * takes frames already due, so pacing never bursts ahead. A frame the
 * kernel refuses for lack of buffers (ENOBUFS, EAGAIN: a full device
 * queue or veth ring) is retried after a short pause, so a replay delivers
 * every frame the interface can carry; one that can never go (larger than
 * the MTU) is counted as an error and skipped. Only Ethernet records are
 * sent; others are counted as skipped.
 *
 * Single-threaded. SIGINT or SIGTERM stops after the current batch and
 * still prints the totals.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture-file.h"

#define BATCH_MAX      256
#define BATCH_DEFAULT  64
#define ETH_MIN	       14
#define RETRY_PAUSE_NS 20000ull /* 20 us between retries of a refused frame */
#define RETRY_LIMIT    50000u	/* 1 s of refusals and the frame is an error */
#define NS	       1000000000ull

struct opts {
	const char *ifname;
	const char *path;
	double pps, mbps;
	uint64_t loops; /* 0: until interrupted */
	unsigned batch;
	bool quiet;
};

struct totals {
	uint64_t packets, bytes;		  /* sent */
	uint64_t skipped;			  /* not Ethernet, or shorter than a header */
	uint64_t errors;			  /* frames the kernel would never take */
	uint64_t retries;			  /* sends repeated after ENOBUFS/EAGAIN */
	uint64_t scheduled_pkts, scheduled_bytes; /* for pacing: frames taken so far */
};

struct batch {
	struct mmsghdr msg[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
	unsigned n;
	uint64_t bytes;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {.tv_sec = (time_t)(t / NS), .tv_nsec = (long)(t % NS)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop)
		;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spotter-replay -i IF [--pps N] [--mbps N] [--loop N] [--batch N] [-q] "
		"FILE\n"
		"  -i, --interface IF  send out of IF (an AF_PACKET socket)\n"
		"      --pps N         at most N packets per second\n"
		"      --mbps N        at most N megabits per second (captured bytes)\n"
		"      --loop N        send the file N times (default 1, 0: until interrupted)\n"
		"      --batch N       frames per sendmmsg (default %d, at most %d)\n"
		"  -q, --quiet         no summary line\n"
		"Prints: packets= bytes= seconds= pps= mbps= skipped= errors= retries=\n",
		BATCH_DEFAULT, BATCH_MAX);
}

static int parse_num(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"pps", required_argument, NULL, 'p'},
	    {"mbps", required_argument, NULL, 'm'},
	    {"loop", required_argument, NULL, 'l'},
	    {"batch", required_argument, NULL, 'b'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	double v;
	int c;

	o->loops = 1;
	o->batch = BATCH_DEFAULT;
	while ((c = getopt_long(argc, argv, "i:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case 'p':
		case 'm':
			if (parse_num(optarg, 0.001, 1e12, &v) < 0) {
				fprintf(stderr, "spotter-replay: --%s %s: not a positive number\n",
					c == 'p' ? "pps" : "mbps", optarg);
				return 2;
			}
			*(c == 'p' ? &o->pps : &o->mbps) = v;
			break;
		case 'l':
			if (parse_num(optarg, 0, 1e15, &v) < 0 || v != (double)(uint64_t)v) {
				fprintf(stderr, "spotter-replay: --loop %s: not a count\n", optarg);
				return 2;
			}
			o->loops = (uint64_t)v;
			break;
		case 'b':
			if (parse_num(optarg, 1, BATCH_MAX, &v) < 0 || v != (double)(unsigned)v) {
				fprintf(stderr, "spotter-replay: --batch %s: 1 to %d\n", optarg,
					BATCH_MAX);
				return 2;
			}
			o->batch = (unsigned)v;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o->ifname == NULL || optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	o->path = argv[optind];
	return 0;
}

/* A socket that sends on ifname and receives nothing (protocol 0). */
static int open_socket(const char *ifname)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = 0};
	int fd;

	if (strlen(ifname) >= IFNAMSIZ || (sll.sll_ifindex = (int)if_nametoindex(ifname)) == 0) {
		fprintf(stderr, "spotter-replay: %s: no such interface\n", ifname);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "spotter-replay: socket(AF_PACKET): %s\n", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "spotter-replay: %s: bind: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Sends the batch, retrying refused frames. Returns 0, or -1 on an error
 * that ends the replay (the interface went away, ...).
 */
static int flush(int fd, struct batch *b, struct totals *t, const char *ifname)
{
	unsigned i = 0, refused = 0;

	while (i < b->n) {
		int r = sendmmsg(fd, &b->msg[i], b->n - i, 0);

		if (r > 0) {
			for (int k = 0; k < r; k++)
				t->bytes += b->iov[i + (unsigned)k].iov_len;
			t->packets += (unsigned)r;
			i += (unsigned)r;
			refused = 0;
			continue;
		}
		if (r == 0)
			errno = EAGAIN; /* not documented to happen: treat as a refusal */
		if (errno == EINTR)
			continue;
		if ((errno == ENOBUFS || errno == EAGAIN) && ++refused < RETRY_LIMIT) {
			struct timespec ts = {.tv_nsec = RETRY_PAUSE_NS};

			t->retries++;
			nanosleep(&ts, NULL);
			continue;
		}
		if (errno == EMSGSIZE || errno == ENOBUFS || errno == EAGAIN || errno == EINVAL) {
			t->errors++; /* this frame can not go: skip it */
			i++;
			refused = 0;
			continue;
		}
		fprintf(stderr, "spotter-replay: %s: send: %s\n", ifname, strerror(errno));
		return -1;
	}
	b->n = 0;
	b->bytes = 0;
	return 0;
}

/* When the next frame (of len bytes) is due, relative to the start. */
static uint64_t due_ns(const struct opts *o, const struct totals *t)
{
	uint64_t d = 0, m;

	if (o->pps > 0)
		d = (uint64_t)((double)t->scheduled_pkts * 1e9 / o->pps);
	if (o->mbps > 0) {
		m = (uint64_t)((double)t->scheduled_bytes * 8.0 * 1e3 / o->mbps);
		if (m > d)
			d = m;
	}
	return d;
}

/* One pass over the file. Returns 0, or -1 when the replay must end. */
static int replay_file(int fd, const struct opts *o, struct totals *t, struct batch *b,
		       uint64_t start)
{
	struct capture_file *cf;
	enum capture_status st;
	struct packet p;
	char err[512];
	bool paced = o->pps > 0 || o->mbps > 0;
	int rc = 0;

	if (capture_file_open(o->path, false, &cf, err, sizeof(err)) < 0) {
		fprintf(stderr, "spotter-replay: %s\n", err);
		return -1;
	}
	while (!stop && (st = capture_file_next(cf, &p)) == CAPTURE_PACKET) {
		if (p.linktype != LINKTYPE_ETHERNET || p.caplen < ETH_MIN) {
			t->skipped++;
			continue;
		}
		if (paced) {
			uint64_t due = start + due_ns(o, t);

			if (due > mono_ns()) {
				if (b->n > 0 && flush(fd, b, t, o->ifname) < 0)
					break;
				sleep_until(due);
			}
		}
		b->iov[b->n] = (struct iovec){.iov_base = (void *)p.data, .iov_len = p.caplen};
		b->msg[b->n].msg_hdr = (struct msghdr){.msg_iov = &b->iov[b->n], .msg_iovlen = 1};
		b->n++;
		t->scheduled_pkts++;
		t->scheduled_bytes += p.caplen;
		if (b->n == o->batch && flush(fd, b, t, o->ifname) < 0)
			rc = -1;
		if (rc < 0)
			break;
	}
	if (rc == 0 && b->n > 0 && flush(fd, b, t, o->ifname) < 0)
		rc = -1;
	if (rc == 0 && !stop && (st == CAPTURE_TRUNCATED || st == CAPTURE_BAD)) {
		fprintf(stderr, "spotter-replay: %s\n", capture_file_error(cf));
		rc = -1;
	}
	capture_file_close(cf);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct totals t = {0};
	static struct batch b;
	struct sigaction sa = {.sa_handler = on_signal};
	uint64_t start, loop = 0;
	double secs;
	int rc, fd;

	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc;
	fd = open_socket(o.ifname);
	if (fd < 0)
		return 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	start = mono_ns();
	rc = 0;
	while (!stop && (o.loops == 0 || loop < o.loops)) {
		if (replay_file(fd, &o, &t, &b, start) < 0) {
			rc = 1;
			break;
		}
		loop++;
	}
	secs = (double)(mono_ns() - start) / 1e9;
	close(fd);
	if (!o.quiet)
		printf("packets=%" PRIu64 " bytes=%" PRIu64 " seconds=%.6f pps=%.0f mbps=%.3f "
		       "skipped=%" PRIu64 " errors=%" PRIu64 " retries=%" PRIu64 "\n",
		       t.packets, t.bytes, secs, secs > 0 ? (double)t.packets / secs : 0.0,
		       secs > 0 ? (double)t.bytes * 8 / secs / 1e6 : 0.0, t.skipped, t.errors,
		       t.retries);
	return rc != 0 || t.errors > 0 ? 1 : 0;
}
