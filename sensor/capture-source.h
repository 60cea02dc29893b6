/*
 * capture-source.h — the contract between the capture dispatcher
 * (capture.c) and the per-mode sources (capture-afxdp.c,
 * capture-afpacket.c, capture-pcap.c). Not for other stages: they use
 * capture.h.
 *
 * A source embeds struct capture_source as its first member; the
 * dispatcher reaches it through `ops` (one indirect call per poll, not per
 * packet). Each mode's open function opens every source of one interface
 * and appends them with capture_add_source().
 *
 * Threading: poll() runs on the one worker that owns the source and is the
 * only writer of its counters; stats() may run on any thread concurrently
 * with poll() (the dispatcher serialises stats() calls with each other);
 * close() runs after the worker stopped polling. Ownership: a source is
 * allocated by its mode's open function and freed by its close().
 */
#ifndef SPOTTER_CAPTURE_SOURCE_H
#define SPOTTER_CAPTURE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "counter.h"

struct capture_source;

struct capture_source_ops {
	/* capture_poll() for this mode; see capture.h. */
	int (*poll)(struct capture_source *s, struct packet *pkts, unsigned max, int timeout_ms);
	/* Adds this mode's counters (the kernel's drops, its own) to out;
	 * the common ones come from struct capture_source. */
	void (*stats)(struct capture_source *s, struct capture_stats *out);
	void (*close)(struct capture_source *s);
};

#define CAPTURE_SOURCE_NAME_MAX 64

struct capture_source {
	const struct capture_source_ops *ops;
	char name[CAPTURE_SOURCE_NAME_MAX]; /* "IF queue N (afxdp copy)", for people */
	counter_t packets;		    /* delivered to spotter */
	counter_t bytes;		    /* captured bytes delivered */
	counter_t polls;		    /* capture_poll() calls */
	counter_t idle_polls;		    /* polls that found nothing */
	counter_t poll_errors;		    /* polls that failed */
	uint64_t seq;			    /* pcap_cnt of the last packet (poller only) */
};

struct capture;

/*
 * Appends s to c. Returns 0, or -ENOSPC when the capture already holds
 * CAPTURE_MAX_SOURCES (the caller then closes s itself).
 */
int capture_add_source(struct capture *c, struct capture_source *s);

/* The most sources a capture holds: 64 per interface is the XSKMAP's and
 * a sane fan-out's limit; a handful of interfaces. */
#define CAPTURE_MAX_SOURCES 256

/* Checks that ifname names an existing interface that fits IFNAMSIZ.
 * Returns its index, or 0 with err filled ("IF: no such interface"). */
unsigned capture_ifindex(const char *ifname, char *err, size_t errlen);

/*
 * Adds a promiscuous-mode reference on ifindex held by the packet socket
 * fd (PACKET_MR_PROMISC: counted by the kernel and dropped when fd closes,
 * so a crash leaves the interface as it was). 0 or -errno.
 */
int capture_set_promisc(int fd, unsigned ifindex);

/* Realtime clock in ns since the epoch (for sources without kernel
 * timestamps). */
uint64_t capture_now_ns(void);

#endif
