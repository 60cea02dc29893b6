/*
 * capture.h — live capture: AF_XDP, AF_PACKET (TPACKET_V3 with fan-out)
 * and libpcap behind one interface.
 *
 * A capture opens, for every interface, one *source* per worker:
 *   afxdp     one AF_XDP socket per RX queue, registered in the XDP
 *             program's XSKMAP (zero-copy where the driver supports it,
 *             copy mode otherwise); one worker per queue.
 *   afpacket  one TPACKET_V3 ring per worker, joined in a PACKET_FANOUT
 *             group (hash, with the defrag flag) so the kernel's symmetric
 *             flow hash sends both directions of a flow to one member.
 *             VLAN tags the kernel moved to metadata are put back into the
 *             frame. The XDP pre-filter, when loaded, still runs first.
 *   pcap      one libpcap handle per interface, with the classic BPF filter
 *             derived from the rules; one worker per interface.
 * `auto` tries afxdp, then afpacket, then pcap, and says why it moved on.
 *
 * Threading: each source is polled by exactly one worker thread; packets
 * it returns stay valid until that worker's next poll on it.
 * capture_stats() may be called from any thread. Ownership: capture_open()
 * allocates everything, capture_close() releases it (after the workers
 * stopped polling).
 */
#ifndef SPOTTER_CAPTURE_H
#define SPOTTER_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

enum capture_mode {
	CAPTURE_MODE_AUTO = 0,
	CAPTURE_MODE_AFXDP,
	CAPTURE_MODE_AFPACKET,
	CAPTURE_MODE_PCAP,
};

const char *capture_mode_name(enum capture_mode m);

struct xdp_filter;

struct capture_config {
	char *const *interfaces;
	unsigned n_interfaces;
	enum capture_mode mode;
	unsigned workers;            /* afpacket: fan-out members per interface */
	uint32_t ring_bytes;         /* per source (afpacket block ring, afxdp umem) */
	const char *pcap_filter;     /* classic BPF expression for pcap mode, NULL: none */
	struct xdp_filter *const *xdp; /* per interface, NULL entries allowed (afxdp needs it) */
	bool promiscuous;            /* default true: a span port */
};

struct capture;
struct capture_source;

/* Returns 0, or a negative errno with err naming the interface and cause. */
int capture_open(const struct capture_config *cfg, struct capture **out, char *err,
		 size_t errlen);

/* The mode in use (after auto), and why auto fell back (or ""). */
enum capture_mode capture_mode_used(const struct capture *c);
const char *capture_fallback_reason(const struct capture *c);

unsigned capture_n_sources(const struct capture *c);
struct capture_source *capture_source(struct capture *c, unsigned i);

/*
 * Up to max packets from the source into pkts[] (the capture fields:
 * data, caplen, wirelen, ts_ns, linktype; pcap_cnt counts per source).
 * Waits at most timeout_ms when nothing is there. Returns the count, 0 on
 * timeout, or a negative errno when the source failed. Packets returned by
 * the previous call are given back to the kernel first.
 */
int capture_poll(struct capture_source *s, struct packet *pkts, unsigned max, int timeout_ms);

struct capture_stats {
	uint64_t packets;        /* delivered to spotter */
	uint64_t bytes;
	uint64_t kernel_drops;   /* dropped by the kernel: ring full (tp_drops, xsk rx_dropped, ps_drop) */
	uint64_t if_drops;       /* dropped by the interface/driver where known */
	uint64_t ring_full;      /* AF_XDP: fill ring empty / rx ring full events */
};

void capture_stats(const struct capture *c, struct capture_stats *out);

void capture_close(struct capture *c);

#endif
