/*
 * capture.c — the live capture dispatcher: opens the sources of the chosen
 * mode on every interface (with `auto`, the first mode that opens on all of
 * them, saying why the others did not), hands polls to the sources and
 * sums their counters.
 *
 * Threading: capture_open() and capture_close() on one thread, with no
 * worker polling; capture_poll() on the source's worker; capture_stats()
 * and capture_source_stats() on any thread, serialised by stats_lock (some
 * kernel counters reset when read, so reading them is a read-modify-write
 * of the source's totals). Ownership: the capture owns its sources.
 */
#include "capture.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "capture-afpacket.h"
#include "capture-afxdp.h"
#include "capture-pcap.h"
#include "capture-source.h"
#include "log.h"
#include "xdp-filter.h"

#define REASON_MAX 1024

struct capture {
	enum capture_mode mode;
	char reason[REASON_MAX]; /* why auto moved on, "" otherwise */
	unsigned n_sources;
	struct capture_source *src[CAPTURE_MAX_SOURCES];
	unsigned iface[CAPTURE_MAX_SOURCES]; /* per source: index in cfg->interfaces */
	unsigned opening;                    /* the interface being opened */
	pthread_mutex_t stats_lock;
};

static const char *const mode_names[] = {
    [CAPTURE_MODE_AUTO] = "auto",
    [CAPTURE_MODE_AFXDP] = "afxdp",
    [CAPTURE_MODE_AFPACKET] = "afpacket",
    [CAPTURE_MODE_PCAP] = "pcap",
};

const char *capture_mode_name(enum capture_mode m)
{
	if ((unsigned)m >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "?";
	return mode_names[m];
}

int capture_mode_parse(const char *name, enum capture_mode *out)
{
	for (unsigned i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(name, mode_names[i]) == 0) {
			*out = (enum capture_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

unsigned capture_ifindex(const char *ifname, char *err, size_t errlen)
{
	unsigned idx;

	if (ifname == NULL || ifname[0] == '\0') {
		snprintf(err, errlen, "empty interface name");
		return 0;
	}
	if (strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen, "%s: interface name longer than %d characters", ifname,
			 IFNAMSIZ - 1);
		return 0;
	}
	idx = if_nametoindex(ifname);
	if (idx == 0)
		snprintf(err, errlen, "%s: no such interface", ifname);
	return idx;
}

int capture_set_promisc(int fd, unsigned ifindex)
{
	struct packet_mreq mr = {.mr_ifindex = (int)ifindex, .mr_type = PACKET_MR_PROMISC};

	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		return -errno;
	return 0;
}

uint64_t capture_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int capture_add_source(struct capture *c, struct capture_source *s)
{
	if (c->n_sources == CAPTURE_MAX_SOURCES)
		return -ENOSPC;
	c->iface[c->n_sources] = c->opening;
	c->src[c->n_sources++] = s;
	return 0;
}

unsigned capture_source_iface(const struct capture *c, unsigned i)
{
	return i < c->n_sources ? c->iface[i] : 0;
}

static void close_sources(struct capture *c)
{
	for (unsigned i = 0; i < c->n_sources; i++)
		c->src[i]->ops->close(c->src[i]);
	c->n_sources = 0;
}

/* Everything that can be said about the configuration before touching an
 * interface. */
static int check_config(const struct capture_config *cfg, char *err, size_t errlen)
{
	if (cfg->n_interfaces == 0 || cfg->interfaces == NULL) {
		snprintf(err, errlen, "no interface to capture on");
		return -EINVAL;
	}
	if ((unsigned)cfg->mode > CAPTURE_MODE_PCAP) {
		snprintf(err, errlen, "unknown capture mode %d", (int)cfg->mode);
		return -EINVAL;
	}
	if (cfg->workers > CAPTURE_MAX_FANOUT) {
		snprintf(err, errlen, "%u workers: at most %d fan-out members per interface",
			 cfg->workers, CAPTURE_MAX_FANOUT);
		return -EINVAL;
	}
	if (cfg->ring_bytes != 0 &&
	    (cfg->ring_bytes < CAPTURE_RING_MIN || cfg->ring_bytes > CAPTURE_RING_MAX)) {
		snprintf(err, errlen, "ring size %u bytes: must be between %u and %u",
			 cfg->ring_bytes, CAPTURE_RING_MIN, CAPTURE_RING_MAX);
		return -EINVAL;
	}
	for (unsigned i = 0; i < cfg->n_interfaces; i++) {
		if (capture_ifindex(cfg->interfaces[i], err, errlen) == 0)
			return -ENODEV;
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(cfg->interfaces[i], cfg->interfaces[j]) == 0) {
				snprintf(err, errlen, "%s: interface given twice",
					 cfg->interfaces[i]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int open_iface(struct capture *c, enum capture_mode m, const struct capture_config *cfg,
		      unsigned i, char *err, size_t errlen)
{
	const char *ifname = cfg->interfaces[i];
	struct xdp_filter *x = cfg->xdp != NULL ? cfg->xdp[i] : NULL;
	int map_fd;

	c->opening = i;
	switch (m) {
	case CAPTURE_MODE_AFXDP:
		map_fd = x != NULL ? xdp_filter_xsk_map_fd(x) : -1;
		if (map_fd < 0) {
			snprintf(err, errlen,
				 "%s: afxdp needs the XDP program attached with "
				 "its XSKMAP (none given)",
				 ifname);
			return -ENOENT;
		}
		return capture_afxdp_open(c, ifname, map_fd, cfg, err, errlen);
	case CAPTURE_MODE_AFPACKET:
		return capture_afpacket_open(c, ifname, cfg, err, errlen);
	case CAPTURE_MODE_PCAP:
		return capture_pcap_open(c, ifname, cfg, err, errlen);
	case CAPTURE_MODE_AUTO:
		break;
	}
	snprintf(err, errlen, "unknown capture mode %d", (int)m);
	return -EINVAL;
}

/* Opens mode m on every interface; on failure nothing stays open. */
static int open_mode(struct capture *c, enum capture_mode m, const struct capture_config *cfg,
		     char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->n_interfaces; i++) {
		int rc = open_iface(c, m, cfg, i, err, errlen);

		if (rc < 0) {
			close_sources(c);
			return rc;
		}
	}
	c->mode = m;
	return 0;
}

/* Appends "; why" (no "; " the first time) to the reason; every mode's
 * messages name the mode ("IF: afpacket: ..."). */
static void add_reason(char *buf, size_t cap, const char *why)
{
	size_t len = strlen(buf);

	if (len < cap)
		snprintf(buf + len, cap - len, "%s%s", len ? "; " : "", why);
}

/* afxdp, then afpacket, then pcap; c->reason collects why each failed. */
static int open_auto(struct capture *c, const struct capture_config *cfg, char *err, size_t errlen)
{
	static const enum capture_mode order[] = {CAPTURE_MODE_AFXDP, CAPTURE_MODE_AFPACKET,
						  CAPTURE_MODE_PCAP};
	char why[512];
	int rc = -ENODEV;

	for (unsigned k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		why[0] = '\0';
		rc = open_mode(c, order[k], cfg, why, sizeof(why));
		if (rc == 0) {
			if (c->reason[0] != '\0')
				log_notice("capture: using %s (%s)", capture_mode_name(order[k]),
					   c->reason);
			return 0;
		}
		add_reason(c->reason, sizeof(c->reason), why);
	}
	snprintf(err, errlen, "no capture mode works: %s", c->reason);
	return rc;
}

int capture_open(const struct capture_config *cfg, struct capture **out, char *err, size_t errlen)
{
	struct capture *c;
	int rc;

	*out = NULL;
	rc = check_config(cfg, err, errlen);
	if (rc < 0)
		return rc;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "capture: out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&c->stats_lock, NULL);
	if (cfg->mode == CAPTURE_MODE_AUTO)
		rc = open_auto(c, cfg, err, errlen);
	else
		rc = open_mode(c, cfg->mode, cfg, err, errlen);
	if (rc < 0) {
		pthread_mutex_destroy(&c->stats_lock);
		free(c);
		return rc;
	}
	for (unsigned i = 0; i < c->n_sources; i++)
		log_info("capture: %s", c->src[i]->name);
	*out = c;
	return 0;
}

enum capture_mode capture_mode_used(const struct capture *c)
{
	return c->mode;
}

const char *capture_fallback_reason(const struct capture *c)
{
	return c->reason;
}

unsigned capture_n_sources(const struct capture *c)
{
	return c->n_sources;
}

struct capture_source *capture_source(struct capture *c, unsigned i)
{
	return i < c->n_sources ? c->src[i] : NULL;
}

const char *capture_source_name(const struct capture_source *s)
{
	return s->name;
}

int capture_poll(struct capture_source *s, struct packet *pkts, unsigned max, int timeout_ms)
{
	int n;

	if (max == 0)
		return 0;
	COUNTER_INC(s->polls);
	n = s->ops->poll(s, pkts, max, timeout_ms);
	if (n > 0)
		COUNTER_ADD(s->packets, n);
	else if (n == 0)
		COUNTER_INC(s->idle_polls);
	else
		COUNTER_INC(s->poll_errors);
	return n;
}

/* Caller holds stats_lock. */
static void add_source_stats(struct capture_source *s, struct capture_stats *out)
{
	out->packets += COUNTER_GET(s->packets);
	out->bytes += COUNTER_GET(s->bytes);
	out->polls += COUNTER_GET(s->polls);
	out->idle_polls += COUNTER_GET(s->idle_polls);
	out->poll_errors += COUNTER_GET(s->poll_errors);
	s->ops->stats(s, out);
}

void capture_stats(const struct capture *c, struct capture_stats *out)
{
	struct capture *m = (struct capture *)c; /* the lock and kernel totals mutate */

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&m->stats_lock);
	for (unsigned i = 0; i < m->n_sources; i++)
		add_source_stats(m->src[i], out);
	pthread_mutex_unlock(&m->stats_lock);
}

void capture_source_stats(struct capture *c, unsigned i, struct capture_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (i >= c->n_sources)
		return;
	pthread_mutex_lock(&c->stats_lock);
	add_source_stats(c->src[i], out);
	pthread_mutex_unlock(&c->stats_lock);
}

void capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	close_sources(c);
	pthread_mutex_destroy(&c->stats_lock);
	free(c);
}
