/*
 * port.h — port sets of the rule language (`any`, `80`, `1024:`, `[80,!81]`,
 * `$HTTP_PORTS`, ...).
 *
 * A set is normalised at parse time like an address set (see addr.h):
 * negations are resolved into their complement over 0..65535 and the ranges
 * are sorted and merged, so a lookup is one binary search.
 *
 * Ownership: a set owns its range array; port_set_fini() frees it. A built
 * set is read-only, so any number of threads may look up concurrently.
 */
#ifndef SPOTTER_PORT_H
#define SPOTTER_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vars;

struct port_range {
	uint16_t lo, hi; /* inclusive */
};

/*
 * When `any` is true the set is every port, n is 0 and r is NULL. Otherwise
 * r holds n >= 1 sorted, non-overlapping, non-adjacent ranges.
 */
struct port_set {
	struct port_range *r;
	uint32_t n;
	bool any;
};

/*
 * Parses a port expression: `any`, `N`, `N:M`, `N:`, `:M`, lists `[a,b]`
 * (nested), negation of an element or a list (`!80`, `![80,443]`) and
 * variables (`$HTTP_PORTS`, `!$HTTP_PORTS`) resolved through vars (which
 * may be NULL: then every variable is unknown). Inside a list, negated
 * elements are removed from the union of the others (from every port when
 * there is no other). A set that ends up empty is an error.
 * On success returns 0 and *out owns a new set; on failure returns -EINVAL
 * (or -ENOMEM), *out is empty and err holds the reason.
 */
int port_set_parse(struct port_set *out, const char *text, const struct vars *vars,
		   char *err, size_t errlen);

bool port_set_contains(const struct port_set *s, uint16_t port);
bool port_set_equal(const struct port_set *a, const struct port_set *b);

/* Formats the set as `any`, `80` or `[80,1024:65535]`. */
void port_set_format(const struct port_set *s, char *buf, size_t len);

void port_set_fini(struct port_set *s);

#endif
