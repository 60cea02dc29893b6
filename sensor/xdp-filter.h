/*
 * xdp-filter.h — the XDP pre-filter on an interface: loading, attaching,
 * feeding it from the rule set, reading its counters.
 *
 * The program (bpf/spotter.bpf.c, loaded through its libbpf skeleton) runs
 * in the driver (native mode where the driver supports it, generic mode
 * otherwise, the mode logged) and is attached by a BPF link, so nothing is
 * left on the NIC when spotter exits or dies. Per packet it: passes non-IP
 * to the kernel; drops operator-excluded VLANs and subnets; counts hits on
 * indicator prefixes (per indicator, per CPU) and passes those packets;
 * passes fragments, MPLS, IP in IP and what it cannot parse unjudged;
 * drops packets of flows user space bypassed; drops packets whose protocol
 * and ports no rule can match; and sends the rest on — to the AF_XDP
 * socket of its RX queue when one is registered, else up the stack (where
 * AF_PACKET or libpcap see it). bpf/README.md has the decisions in order.
 *
 * Rule-derived state (the port filter and the indicator tries) lives in
 * inner maps of array-of-maps slots: xdp_filter_set_rules() builds new
 * inner maps and swaps them in one update each, so a reload never detaches
 * the program and every packet sees either the old or the new rules.
 *
 * Threading: set-up and rule updates on one thread; bypass additions from
 * any worker (bpf() map updates are safe concurrently); counters readable
 * from any thread. Ownership: xdp_filter_attach() allocates; the caller
 * frees with xdp_filter_detach().
 */
#ifndef SPOTTER_XDP_FILTER_H
#define SPOTTER_XDP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "counter.h"

enum xdp_mode_pref {
	XDP_MODE_AUTO = 0,   /* native, else generic */
	XDP_MODE_NATIVE,
	XDP_MODE_GENERIC,
};

struct xdp_filter_config {
	const char *ifname;
	enum xdp_mode_pref mode;
	bool redirect_xsk;           /* AF_XDP: redirect to the XSKMAP by RX queue */
	const uint16_t *exclude_vlans;
	unsigned n_exclude_vlans;
	const struct addr_range *exclude_nets;  /* operator excludes, as ranges */
	unsigned n_exclude_nets;
};

/*
 * What the rule set wants, derived in user space (see rules/prefilter.h).
 * Indicator ranges are split into CIDR prefixes, IPv4-mapped ones into the
 * IPv4 trie; ids must be below SPOTTER_MAX_INDICATORS (bpf/spotter.h).
 * Overlapping prefixes count under the most specific one only (an LPM
 * lookup returns one match); one prefix given twice keeps the last id.
 */
struct xdp_rules {
	bool filter;                 /* false: every packet passes */
	bool all_tcp, all_udp, all_other;
	const uint64_t *tcp_ports;   /* SPOTTER_PORT_WORDS words, one bit per port */
	const uint64_t *udp_ports;
	const struct addr_range *indicators; /* indicator addresses of header-only rules */
	const uint32_t *indicator_ids;       /* per range: the id its hits count under */
	unsigned n_indicators;
};

struct xdp_filter;

/*
 * Loads the program and attaches it to cfg->ifname. Returns 0, or a
 * negative errno with err saying what failed (no BTF, no XDP support,
 * insufficient privileges, an interface that does not exist).
 */
int xdp_filter_attach(const struct xdp_filter_config *cfg, struct xdp_filter **out, char *err,
		      size_t errlen);

/*
 * Loads the program and fills the operator excludes without attaching it
 * anywhere (cfg->ifname and cfg->mode are ignored): for tests driving it
 * with BPF_PROG_TEST_RUN, and for checking that this kernel accepts it.
 * Same returns and ownership as xdp_filter_attach().
 */
int xdp_filter_load(const struct xdp_filter_config *cfg, struct xdp_filter **out, char *err,
		    size_t errlen);

/* "native" or "generic": how the program is attached ("none" when only
 * loaded). */
const char *xdp_filter_mode(const struct xdp_filter *x);

/* The program's fd (for BPF_PROG_TEST_RUN). */
int xdp_filter_prog_fd(const struct xdp_filter *x);

/*
 * Installs the rules' filter and indicators: fresh inner maps, filled, then
 * swapped in one slot update each (the program never sees a half-filled
 * map). Returns 0, or a negative errno with err saying why (-ERANGE an
 * indicator id too large, -ENOSPC more prefixes than a trie holds); a
 * failure before the swap leaves the old rules in place.
 */
int xdp_filter_set_rules(struct xdp_filter *x, const struct xdp_rules *r, char *err,
			 size_t errlen);

/* The XSKMAP's fd, for AF_XDP sockets to register in (slot = RX queue). */
int xdp_filter_xsk_map_fd(const struct xdp_filter *x);

/*
 * Later packets of this flow stop in XDP (counted in the flow's entry and
 * in XDPC_DROP_BYPASS). The key is built from the decoded packet exactly as
 * the program builds it (see struct spotter_flow_key). 0 (also when the
 * flow is already bypassed: its counts are kept), -EOPNOTSUPP for a
 * tunneled packet (XDP sees the outer header, so the key would never
 * match), or another -errno from the map update. The map is an LRU: when
 * full, the least recently used flow is forgotten and delivered again.
 */
struct packet;
int xdp_filter_bypass(struct xdp_filter *x, const struct packet *p);

/* What the program dropped of a bypassed flow: 0, or -ENOENT when the flow
 * is not (or no longer) in the map. */
int xdp_filter_bypass_stats(const struct xdp_filter *x, const struct packet *p,
			    uint64_t *packets, uint64_t *bytes);

/* Delivers the flow's packets to user space again. 0 or -ENOENT. */
int xdp_filter_unbypass(struct xdp_filter *x, const struct packet *p);

/* Sum over CPUs of counter c (enum spotter_xdp_counter); 0 when c is out
 * of range or the map cannot be read. */
uint64_t xdp_filter_counter(const struct xdp_filter *x, unsigned c);
extern const char *const spotter_xdp_counter_names[];
/* Hits of indicator id, summed over CPUs. */
uint64_t xdp_filter_indicator_hits(const struct xdp_filter *x, uint32_t id);

/* Detaches (destroys the link) and frees. NULL is a no-op. */
void xdp_filter_detach(struct xdp_filter *x);

#endif
