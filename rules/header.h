/*
 * header.h — matching a rule's header (addresses, ports, direction)
 * against the endpoints of a packet. The protocol and flow options are the
 * detection engine's business; this knows only addresses and ports.
 * Pure functions over immutable rules: callable from any thread.
 */
#ifndef SPOTTER_HEADER_H
#define SPOTTER_HEADER_H

#include <stdbool.h>
#include <stdint.h>

#include "rule.h"

/*
 * True when src:sport -> dst:dport satisfies the rule's header (either
 * orientation for <>). Without ports (ICMP, other protocols) only rules
 * whose port sets are both `any` can match.
 */
bool rule_header_match(const struct rule *r, const struct addr128 *src, uint16_t sport,
		       const struct addr128 *dst, uint16_t dport, bool has_ports);

#endif
