/*
 * iptree.h — a path-compressed binary prefix tree (PATRICIA) over 128-bit
 * addresses, mapping prefixes to lists of 32-bit values (rule indexes).
 *
 * Used for IP-only (header-only) rules and indicator addresses: a lookup
 * walks at most 128 bits and visits every value stored on a prefix that
 * contains the address, so 10,000 indicator addresses cost a few dozen
 * node visits per lookup, not a linear scan. IPv4 is stored IPv4-mapped
 * (see addr.h), so one tree serves both families.
 *
 * Ownership: the tree owns its nodes and value arrays. Built by one thread;
 * read-only afterwards, when any number of threads may look up at once.
 */
#ifndef SPOTTER_IPTREE_H
#define SPOTTER_IPTREE_H

#include <stdint.h>

#include "addr.h"

struct iptree;

struct iptree *iptree_new(void);
void iptree_free(struct iptree *t);

/* Adds value to prefix pfx/len (len 0..128). Returns 0 or -ENOMEM. */
int iptree_insert(struct iptree *t, const struct addr128 *pfx, unsigned len, uint32_t value);

/* Adds value to every address in r, as the minimal set of prefixes covering
 * it (iptree_range_to_prefixes). Returns 0, -EINVAL (lo > hi) or -ENOMEM. */
int iptree_insert_range(struct iptree *t, const struct addr_range *r, uint32_t value);

/*
 * Splits r into the minimal set of CIDR prefixes that cover exactly it and
 * calls fn(ud, prefix, len) for each (len 0..128, host bits zero), lowest
 * first. Also used by the XDP loader to fill the kernel's LPM tries.
 * Returns 0, -EINVAL when r->lo > r->hi, or the first non-zero value fn
 * returned (which stops the walk).
 */
typedef int (*iptree_prefix_fn)(void *ud, const struct addr128 *pfx, unsigned len);
int iptree_range_to_prefixes(const struct addr_range *r, iptree_prefix_fn fn, void *ud);

/* Calls fn(ud, value) for each value on a prefix containing a, shortest
 * prefix first; stops early when fn returns non-zero. */
typedef int (*iptree_visit_fn)(void *ud, uint32_t value);
void iptree_lookup(const struct iptree *t, const struct addr128 *a, iptree_visit_fn fn, void *ud);

/* Number of nodes, for memory figures and tests. */
uint32_t iptree_nodes(const struct iptree *t);

#endif
