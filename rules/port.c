/*
 * port.c — port sets of the rule language (see port.h).
 *
 * What is specific to ports: literals (`N`, `N:M`, `N:`, `:M`), formatting
 * and lookups. Expressions (lists, negation, variables) are parsed by the
 * engine in setexpr.c over the universe 0..65535.
 *
 * Single-threaded while parsing; a finished set is read-only and owns its
 * range array (port_set_fini() frees it).
 */
#include "port.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setexpr.h"

#define PORT_MAX 65535u
#define PORT_NEST_MAX 32

/* A decimal port number of at most 5 digits; false if none or too big. */
static bool parse_num(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > PORT_MAX)
		return false;
	*out = v;
	return true;
}

static int port_literal(const char *tok, size_t len, struct setexpr_list *out, char *err,
			size_t errlen)
{
	const char *colon = memchr(tok, ':', len);
	uint32_t lo = 0, hi = PORT_MAX;

	if (!colon) {
		if (!parse_num(tok, len, &lo))
			goto bad;
		return setexpr_list_add(out, lo, lo);
	}
	if (colon == tok && len == 1)
		goto bad;
	if (colon > tok && !parse_num(tok, (size_t)(colon - tok), &lo))
		goto bad;
	if (colon + 1 < tok + len && !parse_num(colon + 1, (size_t)(tok + len - colon - 1), &hi))
		goto bad;
	if (lo > hi) {
		snprintf(err, errlen, "port range \"%.*s\" is reversed", (int)len, tok);
		return -EINVAL;
	}
	return setexpr_list_add(out, lo, hi);
bad:
	snprintf(err, errlen, "invalid port \"%.*s\"", (int)(len > 40 ? 40 : len), tok);
	return -EINVAL;
}

static void port_store(void *dst, setexpr_u128 lo, setexpr_u128 hi)
{
	struct port_range *r = dst;

	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
}

/* `N` or `N:M`. */
static void port_format_range(const void *src, char *buf, size_t len)
{
	const struct port_range *r = src;

	if (r->lo == r->hi)
		snprintf(buf, len, "%u", r->lo);
	else
		snprintf(buf, len, "%u:%u", r->lo, r->hi);
}

static const struct setexpr_desc port_desc = {
    .max = PORT_MAX,
    .nest_max = PORT_NEST_MAX,
    .noun = "port",
    .plural = "ports",
    .literal = port_literal,
    .range_size = sizeof(struct port_range),
    .store = port_store,
    .format = port_format_range,
};

int port_set_parse(struct port_set *out, const char *text, const struct vars *vars,
		   char *err, size_t errlen)
{
	void *r;
	int rc = setexpr_parse_set(&port_desc, text, vars, &r, &out->n, &out->any, err, errlen);

	out->r = r;
	return rc;
}

void port_set_format(const struct port_set *s, char *buf, size_t len)
{
	setexpr_format_set(&port_desc, s->r, s->n, s->any, buf, len);
}

static int port_in_range(const void *key, const void *range)
{
	uint16_t port = *(const uint16_t *)key;
	const struct port_range *r = range;

	if (port < r->lo)
		return -1;
	return port > r->hi;
}

bool port_set_contains(const struct port_set *s, uint16_t port)
{
	return s->any || setexpr_ranges_hold(s->r, s->n, sizeof(*s->r), &port, port_in_range);
}

bool port_set_equal(const struct port_set *a, const struct port_set *b)
{
	if (a->any || b->any)
		return a->any == b->any;
	return a->n == b->n && memcmp(a->r, b->r, a->n * sizeof(*a->r)) == 0;
}

void port_set_fini(struct port_set *s)
{
	if (!s)
		return;
	free(s->r);
	memset(s, 0, sizeof(*s));
}
