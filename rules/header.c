/*
 * header.c — rule header matching (see header.h).
 */
#include "header.h"

static bool one_way(const struct rule *r, const struct addr128 *src, uint16_t sport,
		    const struct addr128 *dst, uint16_t dport, bool has_ports)
{
	if (has_ports) {
		if (!port_set_contains(&r->sport, sport) || !port_set_contains(&r->dport, dport))
			return false;
	} else if (!r->sport.any || !r->dport.any) {
		return false;
	}
	return addr_set_contains(&r->src, src) && addr_set_contains(&r->dst, dst);
}

bool rule_header_match(const struct rule *r, const struct addr128 *src, uint16_t sport,
		       const struct addr128 *dst, uint16_t dport, bool has_ports)
{
	if (one_way(r, src, sport, dst, dport, has_ports))
		return true;
	return r->dir == RULE_DIR_BOTH && one_way(r, dst, dport, src, sport, has_ports);
}
