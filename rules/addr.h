/*
 * addr.h — IP addresses, address sets and port sets of the rule language.
 *
 * Every address is 128 bits in network byte order; an IPv4 address is stored
 * IPv4-mapped (::ffff:a.b.c.d), as Zeek does, so one comparison, one range
 * list and one prefix tree serve both families. Sets are normalised at parse
 * time: negations are resolved into their complement, ranges are sorted and
 * merged, so a lookup is one binary search and two sets compare by value.
 *
 * Port sets live in port.h (included here, as they travel together).
 *
 * Ownership: a set owns its range array; addr_set_fini() frees it. Nothing
 * here is shared between threads once built, and a built set is read-only,
 * so any number of threads may look up concurrently.
 */
#ifndef SPOTTER_ADDR_H
#define SPOTTER_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "port.h"

struct vars;

struct addr128 {
	uint8_t b[16];
};

/* Inclusive range [lo, hi]. */
struct addr_range {
	struct addr128 lo, hi;
};

/*
 * When `any` is true the set is the whole 128-bit space (every IPv4 and IPv6
 * address), n is 0 and r is NULL. Otherwise r holds n >= 1 ranges, sorted,
 * non-overlapping and non-adjacent.
 */
struct addr_set {
	struct addr_range *r;
	uint32_t n;
	bool any;
};

static inline bool addr_is_v4(const struct addr128 *a)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->b, pfx, 12) == 0;
}

static inline void addr_from_v4(struct addr128 *a, const uint8_t v4[4])
{
	memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	memcpy(a->b + 12, v4, 4);
}

static inline void addr_from_v6(struct addr128 *a, const uint8_t v6[16])
{
	memcpy(a->b, v6, 16);
}

static inline int addr_cmp(const struct addr128 *x, const struct addr128 *y)
{
	return memcmp(x->b, y->b, 16);
}

/*
 * Parses one address literal: IPv4 or IPv6, optionally with /prefix
 * (a v4 prefix counts in v4 bits) or, for IPv4, a dotted netmask
 * (/255.255.255.0, contiguous only), or an inclusive range `a-b` of one
 * family. Host bits under the prefix are ignored (10.1.2.3/8 is 10.0.0.0/8).
 * Fills *out with the inclusive range. Returns 0, or -EINVAL with a reason
 * in err.
 */
int addr_parse_cidr(const char *s, struct addr_range *out, char *err, size_t errlen);

/* Formats a (v4-mapped or v6) address the way users write it. */
void addr_format(const struct addr128 *a, char *buf, size_t len);

/*
 * Parses an address expression: `any`, literals (see addr_parse_cidr), lists
 * `[a,b]` (nested), negation of an element or a list (`!10.0.0.0/8`,
 * `![a,b]`) and variables (`$HOME_NET`, `!$HOME_NET`) resolved through vars
 * (NULL: every variable is unknown). Negation is the complement over the
 * whole 128-bit space, so `!10.0.0.0/8` also covers every IPv6 address.
 * Inside a list, negated elements are removed from the union of the others
 * (from the whole space when there is no other). A set that ends up empty is
 * an error. On success returns 0 and *out owns a new set; on failure returns
 * -EINVAL (or -ENOMEM), *out is empty and err holds the reason.
 */
int addr_set_parse(struct addr_set *out, const char *text, const struct vars *vars,
		   char *err, size_t errlen);

bool addr_set_contains(const struct addr_set *s, const struct addr128 *a);
bool addr_set_equal(const struct addr_set *a, const struct addr_set *b);

/* Formats the set as `any` or `[10.0.0.0/8,::1,1.2.3.4-1.2.3.6]` (a range
 * that is exactly one prefix is written as a CIDR). Truncates to len. */
void addr_set_format(const struct addr_set *s, char *buf, size_t len);

void addr_set_fini(struct addr_set *s);

#endif
