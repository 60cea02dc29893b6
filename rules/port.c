/*
 * port.c — port sets of the rule language (see port.h).
 *
 * The same recursive descent as addr.c over the space 0..65535: each list
 * element becomes a normalised range list, negation is the complement, a
 * list is the union of its positive elements minus the union of its negated
 * ones, variables are parsed as sub-expressions with loop detection.
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
#include <strings.h>

#include "vars.h"

#define PORT_MAX 65535u
#define PORT_NEST_MAX 32

/* Ranges are kept in 32-bit fields while parsing so that hi + 1 never wraps. */
struct prange {
	uint32_t lo, hi;
};

struct plist {
	struct prange *r;
	uint32_t n, cap;
};

static void pl_fini(struct plist *l)
{
	free(l->r);
	memset(l, 0, sizeof(*l));
}

static int pl_add(struct plist *l, uint32_t lo, uint32_t hi)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 4;
		struct prange *r = realloc(l->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		l->r = r;
		l->cap = cap;
	}
	l->r[l->n].lo = lo;
	l->r[l->n].hi = hi;
	l->n++;
	return 0;
}

static int pl_cmp(const void *x, const void *y)
{
	uint32_t a = ((const struct prange *)x)->lo, b = ((const struct prange *)y)->lo;

	return a < b ? -1 : a > b;
}

static void pl_normalise(struct plist *l)
{
	uint32_t out = 0;

	if (l->n < 2)
		return;
	qsort(l->r, l->n, sizeof(*l->r), pl_cmp);
	for (uint32_t i = 1; i < l->n; i++) {
		if (l->r[i].lo <= l->r[out].hi + 1) {
			if (l->r[i].hi > l->r[out].hi)
				l->r[out].hi = l->r[i].hi;
		} else {
			l->r[++out] = l->r[i];
		}
	}
	l->n = out + 1;
}

static int pl_complement(struct plist *l)
{
	struct plist c = {0};
	uint32_t start = 0;

	for (uint32_t i = 0; i < l->n; i++) {
		if (l->r[i].lo > start && pl_add(&c, start, l->r[i].lo - 1) < 0)
			goto oom;
		start = l->r[i].hi + 1;
	}
	if (start <= PORT_MAX && pl_add(&c, start, PORT_MAX) < 0)
		goto oom;
	pl_fini(l);
	*l = c;
	return 0;
oom:
	pl_fini(&c);
	return -ENOMEM;
}

/* a := a minus b; both normalised. */
static int pl_subtract(struct plist *a, struct plist *b)
{
	struct plist out = {0};
	uint32_t i = 0, j = 0;
	int rc = pl_complement(b);

	if (rc < 0)
		return rc;
	while (i < a->n && j < b->n) {
		uint32_t lo = a->r[i].lo > b->r[j].lo ? a->r[i].lo : b->r[j].lo;
		uint32_t hi = a->r[i].hi < b->r[j].hi ? a->r[i].hi : b->r[j].hi;

		if (lo <= hi && pl_add(&out, lo, hi) < 0) {
			pl_fini(&out);
			return -ENOMEM;
		}
		if (a->r[i].hi < b->r[j].hi)
			i++;
		else
			j++;
	}
	pl_fini(a);
	*a = out;
	return 0;
}

static int pl_union(struct plist *a, const struct plist *b)
{
	for (uint32_t i = 0; i < b->n; i++)
		if (pl_add(a, b->r[i].lo, b->r[i].hi) < 0)
			return -ENOMEM;
	pl_normalise(a);
	return 0;
}

/* ---- expressions ---------------------------------------------------------- */

struct pparse {
	const char *p;
	const struct vars *vars;
	struct vars_chain chain;
	unsigned depth;
	char *err;
	size_t errlen;
};

static int parse_expr(struct pparse *ps, struct plist *out);

static void skip_ws(struct pparse *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static int parse_var(struct pparse *ps, struct plist *out)
{
	const char *name = ++ps->p, *value, *saved;
	size_t len = 0;
	int rc;

	while (isalnum((unsigned char)name[len]) || name[len] == '_')
		len++;
	if (len == 0) {
		snprintf(ps->err, ps->errlen, "missing variable name after \"$\"");
		return -EINVAL;
	}
	ps->p += len;
	rc = vars_chain_push(&ps->chain, ps->vars, name, len, &value, ps->err, ps->errlen);
	if (rc < 0)
		return rc;
	saved = ps->p;
	ps->p = value;
	rc = parse_expr(ps, out);
	if (rc == 0) {
		skip_ws(ps);
		if (*ps->p) {
			snprintf(ps->err, ps->errlen, "unexpected \"%s\" in \"$%s\"", ps->p,
				 ps->chain.names[ps->chain.n - 1]);
			pl_fini(out);
			rc = -EINVAL;
		}
	}
	ps->p = saved;
	vars_chain_pop(&ps->chain);
	return rc;
}

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

static int parse_literal(struct pparse *ps, struct plist *out)
{
	const char *start = ps->p, *colon;
	uint32_t lo = 0, hi = PORT_MAX;
	size_t len;

	while (*ps->p && !strchr(",[]! \t", *ps->p))
		ps->p++;
	len = (size_t)(ps->p - start);
	if (len == 0) {
		if (*ps->p)
			snprintf(ps->err, ps->errlen, "unexpected \"%c\"", *ps->p);
		else
			snprintf(ps->err, ps->errlen, "missing port");
		return -EINVAL;
	}
	if (len == 3 && strncasecmp(start, "any", 3) == 0)
		return pl_add(out, 0, PORT_MAX);
	colon = memchr(start, ':', len);
	if (!colon) {
		if (!parse_num(start, len, &lo))
			goto bad;
		return pl_add(out, lo, lo);
	}
	if (colon == start && len == 1)
		goto bad;
	if (colon > start && !parse_num(start, (size_t)(colon - start), &lo))
		goto bad;
	if (colon + 1 < start + len &&
	    !parse_num(colon + 1, (size_t)(start + len - colon - 1), &hi))
		goto bad;
	if (lo > hi) {
		snprintf(ps->err, ps->errlen, "port range \"%.*s\" is reversed", (int)len, start);
		return -EINVAL;
	}
	return pl_add(out, lo, hi);
bad:
	snprintf(ps->err, ps->errlen, "invalid port \"%.*s\"", (int)(len > 40 ? 40 : len),
		 start);
	return -EINVAL;
}

static int parse_list(struct pparse *ps, struct plist *out)
{
	struct plist pos = {0}, neg = {0}, elem = {0};
	bool any_pos = false, first = true;
	int rc = 0;

	ps->p++; /* '[' */
	for (;; first = false) {
		bool negated = false;

		skip_ws(ps);
		if (*ps->p == ']' && first) {
			snprintf(ps->err, ps->errlen, "empty list \"[]\"");
			rc = -EINVAL;
			goto out;
		}
		if (*ps->p == '!') {
			negated = true;
			ps->p++;
			skip_ws(ps);
		}
		rc = parse_expr(ps, &elem);
		if (rc < 0)
			goto out;
		rc = pl_union(negated ? &neg : &pos, &elem);
		if (rc < 0)
			goto out;
		any_pos |= !negated;
		pl_fini(&elem);
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == ']') {
			ps->p++;
			break;
		}
		if (*ps->p)
			snprintf(ps->err, ps->errlen, "unexpected \"%c\" in list", *ps->p);
		else
			snprintf(ps->err, ps->errlen, "missing \"]\"");
		rc = -EINVAL;
		goto out;
	}
	if (!any_pos && (rc = pl_add(&pos, 0, PORT_MAX)) < 0)
		goto out;
	rc = pl_subtract(&pos, &neg);
	if (rc < 0)
		goto out;
	*out = pos;
	memset(&pos, 0, sizeof(pos));
out:
	pl_fini(&pos);
	pl_fini(&neg);
	pl_fini(&elem);
	return rc;
}

static int parse_expr(struct pparse *ps, struct plist *out)
{
	int rc;

	if (++ps->depth > PORT_NEST_MAX) {
		snprintf(ps->err, ps->errlen, "ports nested deeper than %d", PORT_NEST_MAX);
		return -EINVAL;
	}
	skip_ws(ps);
	if (*ps->p == '!') {
		ps->p++;
		skip_ws(ps);
		rc = parse_expr(ps, out);
		if (rc == 0)
			rc = pl_complement(out);
	} else if (*ps->p == '[') {
		rc = parse_list(ps, out);
	} else if (*ps->p == '$') {
		rc = parse_var(ps, out);
	} else {
		rc = parse_literal(ps, out);
	}
	if (rc == 0)
		pl_normalise(out);
	else
		pl_fini(out);
	ps->depth--;
	return rc;
}

int port_set_parse(struct port_set *out, const char *text, const struct vars *vars,
		   char *err, size_t errlen)
{
	struct pparse ps = {.p = text, .vars = vars, .err = err, .errlen = errlen};
	struct plist l = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_expr(&ps, &l);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc < 0)
		return rc;
	skip_ws(&ps);
	if (*ps.p) {
		snprintf(err, errlen, "unexpected \"%s\" after the port", ps.p);
		goto einval;
	}
	if (l.n == 0) {
		snprintf(err, errlen, "\"%s\" matches no port", text);
		goto einval;
	}
	if (l.n == 1 && l.r[0].lo == 0 && l.r[0].hi == PORT_MAX) {
		pl_fini(&l);
		out->any = true;
		return 0;
	}
	out->r = malloc(l.n * sizeof(*out->r));
	if (!out->r) {
		pl_fini(&l);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < l.n; i++) {
		out->r[i].lo = (uint16_t)l.r[i].lo;
		out->r[i].hi = (uint16_t)l.r[i].hi;
	}
	out->n = l.n;
	pl_fini(&l);
	return 0;
einval:
	pl_fini(&l);
	return -EINVAL;
}

bool port_set_contains(const struct port_set *s, uint16_t port)
{
	uint32_t lo = 0, hi = s->n;

	if (s->any)
		return true;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (port < s->r[mid].lo)
			hi = mid;
		else if (port > s->r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

bool port_set_equal(const struct port_set *a, const struct port_set *b)
{
	if (a->any || b->any)
		return a->any == b->any;
	return a->n == b->n && memcmp(a->r, b->r, a->n * sizeof(*a->r)) == 0;
}

void port_set_format(const struct port_set *s, char *buf, size_t len)
{
	size_t used;

	if (len == 0)
		return;
	if (s->any) {
		snprintf(buf, len, "any");
		return;
	}
	used = (size_t)snprintf(buf, len, "%s", s->n == 1 ? "" : "[");
	for (uint32_t i = 0; i < s->n && used < len; i++) {
		const struct port_range *r = &s->r[i];

		if (r->lo == r->hi)
			used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "," : "",
						 r->lo);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%u:%u",
						 i ? "," : "", r->lo, r->hi);
	}
	if (s->n != 1 && used < len)
		snprintf(buf + used, len - used, "]");
}

void port_set_fini(struct port_set *s)
{
	if (!s)
		return;
	free(s->r);
	memset(s, 0, sizeof(*s));
}
