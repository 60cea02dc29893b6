/*
 * addr.c — address literals and address sets of the rule language
 * (see addr.h).
 *
 * What is specific to addresses: literals (IPv4/IPv6, CIDR, dotted
 * netmasks, `a-b` ranges, IPv4 stored v4-mapped), formatting and lookups.
 * Expressions (lists, negation, variables) are parsed by the engine in
 * setexpr.c over the universe of all 128-bit values; an address is that
 * value in network byte order.
 *
 * Single-threaded while parsing; a finished set is read-only. Every range
 * array is owned by the set that points to it and freed by addr_set_fini().
 */
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "setexpr.h"

#define ADDR_NEST_MAX 32 /* elements nested in one expression */

/* ---- 128-bit values ------------------------------------------------------- */

static setexpr_u128 to_u128(const struct addr128 *a)
{
	setexpr_u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = v << 8 | a->b[i];
	return v;
}

static void from_u128(setexpr_u128 v, struct addr128 *a)
{
	for (int i = 15; i >= 0; i--) {
		a->b[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Range of the prefix of `bits` leading bits of a. */
static void addr_prefix(const struct addr128 *a, unsigned bits, struct addr_range *out)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
		uint8_t mask = (uint8_t)(keep ? 0xff << (8 - keep) : 0);

		out->lo.b[i] = a->b[i] & mask;
		out->hi.b[i] = (uint8_t)(a->b[i] | (uint8_t)~mask);
	}
}

/* ---- literals ------------------------------------------------------------- */

/* One address without prefix; *v4 tells the family. */
static bool parse_one(const char *s, struct addr128 *a, bool *v4)
{
	uint8_t buf[16];

	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, buf) != 1)
			return false;
		addr_from_v6(a, buf);
		*v4 = false;
		return true;
	}
	if (inet_pton(AF_INET, s, buf) != 1)
		return false;
	addr_from_v4(a, buf);
	*v4 = true;
	return true;
}

static bool parse_prefix_len(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s) || strlen(s) > 3)
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Dotted IPv4 netmask -> prefix length; false if not contiguous. */
static bool parse_netmask(const char *s, unsigned *out)
{
	uint8_t m[4];
	uint32_t v;
	unsigned n = 0;

	if (inet_pton(AF_INET, s, m) != 1)
		return false;
	v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	while (n < 32 && (v & (UINT32_C(1) << (31 - n))))
		n++;
	if (n < 32 && (v << n) != 0)
		return false;
	*out = n;
	return true;
}

int addr_parse_cidr(const char *s, struct addr_range *out, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 64];
	char *slash, *dash;
	struct addr128 a, b;
	bool v4, v4b;
	unsigned bits;

	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash) {
		*dash = '\0';
		if (!parse_one(buf, &a, &v4) || !parse_one(dash + 1, &b, &v4b) || v4 != v4b)
			goto bad;
		if (addr_cmp(&a, &b) > 0) {
			snprintf(err, errlen, "address range \"%s\" is reversed", s);
			return -EINVAL;
		}
		out->lo = a;
		out->hi = b;
		return 0;
	}
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (!parse_one(buf, &a, &v4))
		goto bad;
	bits = v4 ? 32 : 128;
	if (slash && !parse_prefix_len(slash, bits, &bits) &&
	    !(v4 && parse_netmask(slash, &bits))) {
		snprintf(err, errlen, "invalid prefix \"/%s\" in \"%s\"", slash, s);
		return -EINVAL;
	}
	addr_prefix(&a, v4 ? 96 + bits : bits, out);
	return 0;
bad:
	snprintf(err, errlen, "invalid address \"%s\"", s);
	return -EINVAL;
}

void addr_format(const struct addr128 *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (addr_is_v4(a))
		inet_ntop(AF_INET, a->b + 12, tmp, sizeof(tmp));
	else
		inet_ntop(AF_INET6, a->b, tmp, sizeof(tmp));
	snprintf(buf, len, "%s", tmp);
}

/* ---- sets ----------------------------------------------------------------- */

static int addr_literal(const char *tok, size_t len, struct setexpr_list *out, char *err,
			size_t errlen)
{
	char buf[128];
	struct addr_range r;
	int rc;

	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "invalid address \"%.40s...\"", tok);
		return -EINVAL;
	}
	memcpy(buf, tok, len);
	buf[len] = '\0';
	rc = addr_parse_cidr(buf, &r, err, errlen);
	if (rc < 0)
		return rc;
	return setexpr_list_add(out, to_u128(&r.lo), to_u128(&r.hi));
}

static void addr_store(void *dst, setexpr_u128 lo, setexpr_u128 hi)
{
	struct addr_range *r = dst;

	from_u128(lo, &r->lo);
	from_u128(hi, &r->hi);
}

/* Prefix length if [lo, hi] is exactly one prefix, else -1. */
static int range_prefix(const struct addr_range *r)
{
	for (unsigned bits = 0; bits <= 128; bits++) {
		struct addr_range p;

		addr_prefix(&r->lo, bits, &p);
		if (addr_cmp(&p.lo, &r->lo) == 0 && addr_cmp(&p.hi, &r->hi) == 0)
			return (int)bits;
	}
	return -1;
}

/* An address, a CIDR (v4 prefixes in v4 bits) or `lo-hi`. */
static void addr_format_range(const void *src, char *buf, size_t len)
{
	const struct addr_range *r = src;
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
	int bits = range_prefix(r);
	bool v4 = addr_is_v4(&r->lo) && addr_is_v4(&r->hi);

	addr_format(&r->lo, lo, sizeof(lo));
	if (bits == 128 || (bits >= 0 && v4 && bits >= 96 && bits - 96 == 32)) {
		snprintf(buf, len, "%s", lo);
	} else if (bits >= 0 && (!v4 || bits >= 96)) {
		snprintf(buf, len, "%s/%d", lo, v4 ? bits - 96 : bits);
	} else {
		addr_format(&r->hi, hi, sizeof(hi));
		snprintf(buf, len, "%s-%s", lo, hi);
	}
}

static const struct setexpr_desc addr_desc = {
    .max = SETEXPR_U128_MAX,
    .nest_max = ADDR_NEST_MAX,
    .noun = "address",
    .plural = "addresses",
    .literal = addr_literal,
    .range_size = sizeof(struct addr_range),
    .store = addr_store,
    .format = addr_format_range,
};

int addr_set_parse(struct addr_set *out, const char *text, const struct vars *vars,
		   char *err, size_t errlen)
{
	void *r;
	int rc = setexpr_parse_set(&addr_desc, text, vars, &r, &out->n, &out->any, err, errlen);

	out->r = r;
	return rc;
}

void addr_set_format(const struct addr_set *s, char *buf, size_t len)
{
	setexpr_format_set(&addr_desc, s->r, s->n, s->any, buf, len);
}

/* ---- lookups -------------------------------------------------------------- */

static int addr_in_range(const void *key, const void *range)
{
	const struct addr_range *r = range;

	if (addr_cmp(key, &r->lo) < 0)
		return -1;
	return addr_cmp(key, &r->hi) > 0;
}

bool addr_set_contains(const struct addr_set *s, const struct addr128 *a)
{
	return s->any || setexpr_ranges_hold(s->r, s->n, sizeof(*s->r), a, addr_in_range);
}

bool addr_set_equal(const struct addr_set *a, const struct addr_set *b)
{
	if (a->any || b->any)
		return a->any == b->any;
	if (a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (addr_cmp(&a->r[i].lo, &b->r[i].lo) || addr_cmp(&a->r[i].hi, &b->r[i].hi))
			return false;
	return true;
}

void addr_set_fini(struct addr_set *s)
{
	if (!s)
		return;
	free(s->r);
	memset(s, 0, sizeof(*s));
}
