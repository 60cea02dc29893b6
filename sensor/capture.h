/*
 * capture.h — live capture: AF_XDP, AF_PACKET (TPACKET_V3 with fan-out)
 * and libpcap behind one interface.
 *
 * A capture opens, for every interface, one *source* per worker:
 *   afxdp     one AF_XDP socket per RX queue, registered in the XDP
 *             program's XSKMAP (zero-copy where the driver supports it,
 *             copy mode otherwise); one worker per queue.
 *   afpacket  one TPACKET_V3 ring per worker, joined in a PACKET_FANOUT
 *             group (hash) so the kernel's symmetric flow hash sends both
 *             directions of a flow to one member, and every fragment of a
 *             datagram too (fragments hash by addresses); spotter
 *             reassembles them itself. VLAN tags the kernel moved to
 *             metadata are put back into the frame. The XDP pre-filter,
 *             when loaded, still runs first.
 *   pcap      one libpcap handle per interface, with the classic BPF filter
 *             derived from the rules; one worker per interface. The one
 *             mode that copies each packet (libpcap hands its ring blocks
 *             back as soon as its callback returns).
 * `auto` tries afxdp, then afpacket, then pcap, and says why it moved on.
 *
 * Every mode sees only frames the interface received (a span port has no
 * outgoing traffic; the host's own transmissions are not captured), from
 * the link layer on, VLAN tags included, as they were on the wire.
 * Timestamps are ns since the epoch: the kernel's receive time for
 * afpacket and pcap (nanosecond precision requested); AF_XDP descriptors
 * carry none, so afxdp stamps every packet of a batch with CLOCK_REALTIME
 * read when the poll found it (later than arrival by up to the time the
 * batch waited in the ring).
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
/* "auto", "afxdp", "afpacket", "pcap" -> *out; -EINVAL for anything else. */
int capture_mode_parse(const char *name, enum capture_mode *out);

#define CAPTURE_MAX_FANOUT 64             /* fan-out members per interface */
#define CAPTURE_RING_DEFAULT (32u << 20)  /* ring_bytes 0: this much per source */
#define CAPTURE_RING_MIN (1u << 20)
#define CAPTURE_RING_MAX (1u << 30)

struct xdp_filter;

struct capture_config {
	char *const *interfaces;
	unsigned n_interfaces;
	enum capture_mode mode;
	unsigned workers;            /* afpacket: fan-out members per interface (0: 1) */
	uint32_t ring_bytes;         /* per source (afpacket block ring, afxdp umem,
				      * pcap buffer); 0: CAPTURE_RING_DEFAULT */
	const char *pcap_filter;     /* classic BPF expression for pcap mode, NULL: none */
	struct xdp_filter *const *xdp; /* per interface, NULL entries allowed (afxdp needs it) */
	bool promiscuous;            /* default true: a span port */
};

struct capture;
struct capture_source;

/*
 * Returns 0, or a negative errno with err naming the interface and cause
 * (with auto, every mode's cause). Nothing stays open on failure.
 */
int capture_open(const struct capture_config *cfg, struct capture **out, char *err,
		 size_t errlen);

/* The mode in use (after auto), and why auto fell back (or ""). */
enum capture_mode capture_mode_used(const struct capture *c);
const char *capture_fallback_reason(const struct capture *c);

unsigned capture_n_sources(const struct capture *c);
struct capture_source *capture_source(struct capture *c, unsigned i);
/* "IF queue N (afxdp copy)", "IF member K/N (afpacket)", "IF (pcap)". */
const char *capture_source_name(const struct capture_source *s);
/* The interface (index into cfg->interfaces) source i captures on. */
unsigned capture_source_iface(const struct capture *c, unsigned i);

/*
 * Up to max packets from the source into pkts[] (the capture fields:
 * data, caplen, wirelen, ts_ns, linktype; pcap_cnt counts per source from
 * 1; hash is left alone). Waits at most timeout_ms when nothing is there
 * (0: never waits; max 0 returns 0 at once). Returns the count, 0 on
 * timeout, or a negative errno when the source failed. Packets returned
 * by the previous call are given back to the kernel first. No allocation,
 * lock or system call per packet (pcap: one uncontended mutex per poll).
 */
int capture_poll(struct capture_source *s, struct packet *pkts, unsigned max, int timeout_ms);

struct capture_stats {
	uint64_t packets;        /* delivered to spotter */
	uint64_t bytes;          /* captured bytes delivered */
	uint64_t kernel_drops;   /* lost between the driver and us: afpacket tp_drops,
				  * afxdp rx_dropped + rx_ring_full, pcap ps_drop */
	uint64_t if_drops;       /* dropped by the interface/driver where known
				  * (pcap ps_ifdrop) */
	uint64_t ring_full;      /* afxdp rx_ring_full + rx_fill_ring_empty_descs,
				  * afpacket tp_freeze_q_cnt (ring found full) */
	uint64_t polls;          /* capture_poll() calls */
	uint64_t idle_polls;     /* polls that returned nothing */
	uint64_t poll_errors;    /* polls that failed */
	uint64_t vlan_restored;  /* afpacket: tags put back from metadata */
	uint64_t vlan_lost;      /* afpacket: tags that found no headroom (never expected) */
	uint64_t wakeups;        /* afxdp: driver kicks asked for by need_wakeup */
};

/* Totals over all sources; any thread. */
void capture_stats(const struct capture *c, struct capture_stats *out);
/* The same for source i alone (zero when i is out of range); any thread. */
void capture_source_stats(struct capture *c, unsigned i, struct capture_stats *out);

void capture_close(struct capture *c);

#endif
