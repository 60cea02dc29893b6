/*
 * xdp-rules.h — what the XDP pre-filter is given for a rule set: the
 * prefilter (rules/prefilter.h) in the loader's terms, with indicator ids
 * that stay the same across reloads.
 *
 * The kernel counts hits per indicator id. An id stands for a rule's
 * identity (gid:sid or STIX id), not for its index in one compiled set, so
 * a reload that keeps an indicator keeps its counter, and a new indicator
 * gets a fresh id (ids are never reused; at most SPOTTER_MAX_INDICATORS).
 *
 * Ownership: the registry owns its entries and the id arrays it hands out
 * (valid until the next xdp_rules_build() or xdp_registry_free()). Main
 * thread only.
 */
#ifndef SPOTTER_XDP_RULES_H
#define SPOTTER_XDP_RULES_H

#include <stdint.h>

#include "compile.h"
#include "prefilter.h"
#include "xdp-filter.h"

struct xdp_indicator {
	char *key; /* gid:sid or STIX id */
	uint32_t gid, sid, rev;
	char *msg;
};

struct xdp_registry;

struct xdp_registry *xdp_registry_new(void);
void xdp_registry_free(struct xdp_registry *reg);

/*
 * Fills *out from pf (built from db): ports and protocols as they are,
 * every indicator range with the stable id of its rule. Returns 0,
 * -ENOMEM, or -ENOSPC when more distinct indicators than the kernel's
 * counters were ever seen (those ranges still pass, counted under id 0).
 */
int xdp_rules_build(struct xdp_registry *reg, const struct rules_db *db, const struct prefilter *pf,
		    struct xdp_rules *out);

unsigned xdp_registry_count(const struct xdp_registry *reg);
const struct xdp_indicator *xdp_registry_get(const struct xdp_registry *reg, uint32_t id);

#endif
