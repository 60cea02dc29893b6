/*
 * capture-pcap.c — a libpcap live source, one per interface: the fallback
 * for interfaces the other modes cannot open, and the mode that applies
 * the rule-derived classic BPF filter.
 *
 * Opened with pcap_create(): snaplen 65535, promiscuous, a 10 ms buffer
 * timeout (not immediate mode: see activate()), a kernel buffer of
 * ring_bytes, nanosecond timestamps, received frames
 * only (PCAP_D_IN), non-blocking; the wait is poll(2) on
 * pcap_get_selectable_fd() with the caller's timeout. The filter
 * expression is first compiled against a dead Ethernet handle, so a typo
 * is reported before the interface is touched, then for real on the live
 * handle (its link type).
 *
 * The one copy: libpcap hands a ring block back to the kernel as soon as
 * its last packet went through the callback, so packet data does not
 * outlive pcap_dispatch(). Each packet is copied into the source's arena
 * (bump allocation, reset at every poll), which keeps capture.h's promise
 * that packets stay valid until the next poll. A dispatch round asks for
 * no more packets than the arena can take at the snapshot length, so
 * nothing is ever cut or lost for want of room.
 *
 * Threading and ownership: see capture-source.h. A libpcap handle is not
 * thread-safe, so pcap_dispatch() (the poller, per batch, never across
 * the wait) and pcap_stats() (any thread) take the source's mutex; it is
 * uncontended except when counters are read.
 */
#include "capture-pcap.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture-source.h"
#include "log.h"

#define SNAPLEN		 65535
#define BLOCK_TIMEOUT_MS 10	    /* as afpacket's tp_retire_blk_tov */
#define ARENA_BYTES	 (4u << 20) /* 64 packets at the snapshot length per round */

struct pcap_source {
	struct capture_source base;
	pcap_t *p;
	int fd;
	uint32_t linktype;
	pthread_mutex_t lock; /* the handle: dispatch vs stats */
	uint8_t *arena;
	size_t used;
	struct packet *out; /* the poll's array while dispatching */
	unsigned n, max;
	uint64_t bytes;
	/* pcap_stats() counters are 32-bit: totals kept from the deltas */
	unsigned last_drop, last_ifdrop;
	uint64_t drops, ifdrops;
};

static const struct capture_source_ops pcap_ops;

/* pcap DLT values that differ from the LINKTYPE numbers we use. */
static uint32_t dlt_to_linktype(int dlt)
{
#ifdef DLT_RAW
	if (dlt == DLT_RAW)
		return LINKTYPE_RAW;
#endif
	return (uint32_t)dlt;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pcap_source *s = (struct pcap_source *)user;
	uint32_t len = h->caplen <= SNAPLEN ? h->caplen : SNAPLEN;
	struct packet *p;

	/* pcap_dispatch() delivers at most `want` packets; never trust it
	 * with our array or arena */
	if (s->n == s->max || ARENA_BYTES - s->used < len)
		return;
	p = &s->out[s->n++];
	memcpy(s->arena + s->used, bytes, len);
	p->data = s->arena + s->used;
	p->caplen = len;
	p->wirelen = h->len;
	/* PCAP_TSTAMP_PRECISION_NANO: tv_usec holds nanoseconds */
	p->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	p->linktype = s->linktype;
	p->pcap_cnt = ++s->base.seq;
	s->used += len;
	s->bytes += len;
}

/* Non-blocking dispatch rounds until max packets, the ring is empty or
 * the arena is full. Returns the count or -errno. */
static int dispatch(struct pcap_source *s, struct packet *pkts, unsigned max)
{
	int rc = 0;

	s->out = pkts;
	s->max = max;
	s->n = 0;
	s->used = 0;
	s->bytes = 0;
	pthread_mutex_lock(&s->lock);
	while (s->n < max) {
		size_t room = (ARENA_BYTES - s->used) / SNAPLEN;
		unsigned want = max - s->n < room ? max - s->n : (unsigned)room;

		if (want == 0)
			break;
		rc = pcap_dispatch(s->p, (int)want, on_packet, (u_char *)s);
		if (rc < (int)want)
			break;
	}
	pthread_mutex_unlock(&s->lock);
	COUNTER_ADD(s->base.bytes, s->bytes);
	if (rc < 0 && s->n == 0)
		return rc == PCAP_ERROR_BREAK ? 0 : -EIO;
	return (int)s->n;
}

static int pcap_src_poll(struct capture_source *base, struct packet *pkts, unsigned max,
			 int timeout_ms)
{
	struct pcap_source *s = (struct pcap_source *)base;
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
	int n = dispatch(s, pkts, max);

	if (n != 0 || timeout_ms == 0)
		return n;
	if (poll(&pfd, 1, timeout_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd.revents & (POLLERR | POLLNVAL))
		return pfd.revents & POLLNVAL ? -EBADF : -ENETDOWN;
	return dispatch(s, pkts, max);
}

static void pcap_src_stats(struct capture_source *base, struct capture_stats *out)
{
	struct pcap_source *s = (struct pcap_source *)base;
	struct pcap_stat ps;

	pthread_mutex_lock(&s->lock);
	if (pcap_stats(s->p, &ps) == 0) {
		s->drops += (unsigned)(ps.ps_drop - s->last_drop);
		s->ifdrops += (unsigned)(ps.ps_ifdrop - s->last_ifdrop);
		s->last_drop = ps.ps_drop;
		s->last_ifdrop = ps.ps_ifdrop;
	}
	pthread_mutex_unlock(&s->lock);
	out->kernel_drops += s->drops;
	out->if_drops += s->ifdrops;
}

static void pcap_src_close(struct capture_source *base)
{
	struct pcap_source *s = (struct pcap_source *)base;

	if (s->p != NULL)
		pcap_close(s->p);
	pthread_mutex_destroy(&s->lock);
	free(s->arena);
	free(s);
}

static const struct capture_source_ops pcap_ops = {
    .poll = pcap_src_poll,
    .stats = pcap_src_stats,
    .close = pcap_src_close,
};

/* Compiles expr for p and installs it (install false: compile only). */
static int set_filter(pcap_t *p, const char *ifname, const char *expr, bool install, char *err,
		      size_t errlen)
{
	struct bpf_program prog;
	int rc = 0;

	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s: pcap filter \"%s\": %s", ifname, expr, pcap_geterr(p));
		return -EINVAL;
	}
	if (install && pcap_setfilter(p, &prog) < 0) {
		snprintf(err, errlen, "%s: pcap filter \"%s\": %s", ifname, expr, pcap_geterr(p));
		rc = -EINVAL;
	}
	pcap_freecode(&prog);
	return rc;
}

static int check_filter(const char *ifname, const char *expr, char *err, size_t errlen)
{
	pcap_t *dead =
	    pcap_open_dead_with_tstamp_precision(DLT_EN10MB, SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
	int rc;

	if (dead == NULL) {
		snprintf(err, errlen, "%s: pcap: out of memory", ifname);
		return -ENOMEM;
	}
	rc = set_filter(dead, ifname, expr, false, err, errlen);
	pcap_close(dead);
	return rc;
}

/* The error of a failed pcap call on p, as -errno and a message. */
static int pcap_fail(pcap_t *p, int code, const char *ifname, const char *what, char *err,
		     size_t errlen)
{
	const char *msg = code == PCAP_ERROR || code == PCAP_ERROR_NO_SUCH_DEVICE ||
				  code == PCAP_ERROR_PERM_DENIED
			      ? pcap_geterr(p)
			      : pcap_statustostr(code);

	snprintf(err, errlen, "%s: pcap: %s: %s", ifname, what, msg);
	switch (code) {
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return -EPERM;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return -ENODEV;
	case PCAP_ERROR_IFACE_NOT_UP:
		return -ENETDOWN;
	default:
		return -EIO;
	}
}

static int activate(struct pcap_source *s, const char *ifname, const struct capture_config *cfg,
		    char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	uint32_t ring_bytes = cfg->ring_bytes ? cfg->ring_bytes : CAPTURE_RING_DEFAULT;
	int rc;

	s->p = pcap_create(ifname, ebuf);
	if (s->p == NULL) {
		snprintf(err, errlen, "%s: pcap: %s", ifname, ebuf);
		return -EIO;
	}
	pcap_set_snaplen(s->p, SNAPLEN);
	pcap_set_promisc(s->p, cfg->promiscuous);
	/* Not immediate mode: libpcap then falls back to TPACKET_V2 with one
	 * snaplen-sized slot per packet (a 32 MiB buffer holds ~500 packets
	 * on an interface with offloads). TPACKET_V3 packs packets into
	 * blocks, and the timeout bounds how long a block waits. */
	pcap_set_timeout(s->p, BLOCK_TIMEOUT_MS);
	pcap_set_buffer_size(s->p, (int)ring_bytes);
	pcap_set_tstamp_precision(s->p, PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(s->p);
	if (rc < 0)
		return pcap_fail(s->p, rc, ifname, "activate", err, errlen);
	if (rc > 0)
		log_warn("%s: pcap: %s", ifname, pcap_statustostr(rc));
	if (pcap_setdirection(s->p, PCAP_D_IN) < 0)
		return pcap_fail(s->p, PCAP_ERROR, ifname, "direction", err, errlen);
	if (pcap_setnonblock(s->p, 1, ebuf) < 0) {
		snprintf(err, errlen, "%s: pcap: non-blocking: %s", ifname, ebuf);
		return -EIO;
	}
	s->fd = pcap_get_selectable_fd(s->p);
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: pcap: no selectable descriptor", ifname);
		return -EOPNOTSUPP;
	}
	s->linktype = dlt_to_linktype(pcap_datalink(s->p));
	if (cfg->pcap_filter != NULL)
		return set_filter(s->p, ifname, cfg->pcap_filter, true, err, errlen);
	return 0;
}

int capture_pcap_open(struct capture *c, const char *ifname, const struct capture_config *cfg,
		      char *err, size_t errlen)
{
	struct pcap_source *s;
	int rc;

	if (cfg->pcap_filter != NULL &&
	    (rc = check_filter(ifname, cfg->pcap_filter, err, errlen)) < 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->arena = malloc(ARENA_BYTES)) == NULL) {
		free(s);
		snprintf(err, errlen, "%s: pcap: out of memory", ifname);
		return -ENOMEM;
	}
	s->base.ops = &pcap_ops;
	s->fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	snprintf(s->base.name, sizeof(s->base.name), "%s (pcap)", ifname);
	rc = activate(s, ifname, cfg, err, errlen);
	if (rc == 0 && (rc = capture_add_source(c, &s->base)) < 0)
		snprintf(err, errlen, "%s: pcap: more than %d sources", ifname,
			 CAPTURE_MAX_SOURCES);
	if (rc < 0)
		pcap_src_close(&s->base);
	return rc;
}
