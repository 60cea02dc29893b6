/*
 * prefilter.h — what a compiled rule set can match, for filtering before
 * inspection: the transport ports per protocol, and the indicator
 * addresses of header-only rules.
 *
 * A packet may be dropped early only if no rule could match it:
 *   - a header-only rule with a narrow address set and any ports (an
 *     address indicator) wants every packet to or from those addresses;
 *   - any other rule wants the packets of its protocol whose source or
 *     destination port is in its destination port set (or its source port
 *     set when the destination ports are `any`); both ports `any` wants the
 *     whole protocol. Either port may match, so both directions of a flow
 *     pass (reassembly and flow state need them).
 * Protocols map as: tcp, http, tls → TCP; udp → UDP; dns → TCP and UDP;
 * icmp → other; ip → everything.
 *
 * The same result drives the XDP program's maps and libpcap's classic BPF
 * filter. Built from an immutable rules_db; the result is owned by the
 * caller (prefilter_free()).
 */
#ifndef SPOTTER_PREFILTER_H
#define SPOTTER_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "compile.h"

#define PREFILTER_PORT_WORDS (65536 / 64)

struct prefilter {
	bool all_tcp, all_udp, all_other;
	uint64_t tcp_ports[PREFILTER_PORT_WORDS];
	uint64_t udp_ports[PREFILTER_PORT_WORDS];
	struct addr_range *indicators; /* ranges of indicator rules' narrow side */
	uint32_t *indicator_ids;       /* per range: the rule index (hits count under it) */
	unsigned n_indicators;
};

/* Returns NULL on ENOMEM. */
struct prefilter *prefilter_build(const struct rules_db *db);
void prefilter_free(struct prefilter *pf);

bool prefilter_port(const struct prefilter *pf, uint8_t proto, uint16_t port);

/*
 * A libpcap filter expression with the same meaning, or NULL when it would
 * be too large for classic BPF (then no filter is used: everything is
 * inspected). The caller frees it.
 */
char *prefilter_pcap_expression(const struct prefilter *pf);

#endif
