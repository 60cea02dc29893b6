/*
 * addr.c — address literals and address sets of the rule language
 * (see addr.h).
 *
 * An expression is parsed by recursive descent into a normalised range
 * list: each list element becomes a set, negation is the complement over
 * the whole 128-bit space, a list is the union of its positive elements
 * minus the union of its negated ones. Variables are parsed as
 * sub-expressions (never pasted as text), with loop detection from vars.c.
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
#include <strings.h>

#include "vars.h"

#define ADDR_NEST_MAX 32 /* brackets and negations inside one expression */

/* ---- 128-bit arithmetic on network-order bytes ---------------------------- */

static const struct addr128 addr_min; /* all zero */
static const struct addr128 addr_max = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

/* a + 1; false (a unchanged) when a is the maximum. */
static bool addr_inc(struct addr128 *a)
{
	if (addr_cmp(a, &addr_max) == 0)
		return false;
	for (int i = 15; i >= 0; i--)
		if (++a->b[i] != 0)
			break;
	return true;
}

/* a - 1; false (a unchanged) when a is zero. */
static bool addr_dec(struct addr128 *a)
{
	if (addr_cmp(a, &addr_min) == 0)
		return false;
	for (int i = 15; i >= 0; i--)
		if (a->b[i]-- != 0)
			break;
	return true;
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

/* ---- range lists ---------------------------------------------------------- */

struct rlist {
	struct addr_range *r;
	uint32_t n, cap;
};

static void rl_fini(struct rlist *l)
{
	free(l->r);
	memset(l, 0, sizeof(*l));
}

static int rl_add(struct rlist *l, const struct addr128 *lo, const struct addr128 *hi)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 4;
		struct addr_range *r = realloc(l->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		l->r = r;
		l->cap = cap;
	}
	l->r[l->n].lo = *lo;
	l->r[l->n].hi = *hi;
	l->n++;
	return 0;
}

static int rl_cmp(const void *x, const void *y)
{
	return addr_cmp(&((const struct addr_range *)x)->lo, &((const struct addr_range *)y)->lo);
}

/* Sorts and merges overlapping or adjacent ranges, in place. */
static void rl_normalise(struct rlist *l)
{
	uint32_t out = 0;

	if (l->n < 2)
		return;
	qsort(l->r, l->n, sizeof(*l->r), rl_cmp);
	for (uint32_t i = 1; i < l->n; i++) {
		struct addr_range *last = &l->r[out];
		struct addr128 next = last->hi;
		bool has_next = addr_inc(&next);

		if (!has_next || addr_cmp(&l->r[i].lo, &next) <= 0) {
			if (addr_cmp(&l->r[i].hi, &last->hi) > 0)
				last->hi = l->r[i].hi;
		} else {
			l->r[++out] = l->r[i];
		}
	}
	l->n = out + 1;
}

/* Complement of a normalised list over the whole space; replaces l. */
static int rl_complement(struct rlist *l)
{
	struct rlist c = {0};
	struct addr128 start = addr_min;
	bool open = true;

	for (uint32_t i = 0; i < l->n && open; i++) {
		if (addr_cmp(&l->r[i].lo, &start) > 0) {
			struct addr128 end = l->r[i].lo;

			addr_dec(&end);
			if (rl_add(&c, &start, &end) < 0)
				goto oom;
		}
		start = l->r[i].hi;
		open = addr_inc(&start);
	}
	if (open && rl_add(&c, &start, &addr_max) < 0)
		goto oom;
	rl_fini(l);
	*l = c;
	return 0;
oom:
	rl_fini(&c);
	return -ENOMEM;
}

/* a := a minus b; both normalised. */
static int rl_subtract(struct rlist *a, struct rlist *b)
{
	struct rlist out = {0};
	uint32_t i = 0, j = 0;
	int rc = rl_complement(b);

	if (rc < 0)
		return rc;
	while (i < a->n && j < b->n) {
		const struct addr_range *x = &a->r[i], *y = &b->r[j];
		const struct addr128 *lo = addr_cmp(&x->lo, &y->lo) > 0 ? &x->lo : &y->lo;
		const struct addr128 *hi = addr_cmp(&x->hi, &y->hi) < 0 ? &x->hi : &y->hi;

		if (addr_cmp(lo, hi) <= 0 && rl_add(&out, lo, hi) < 0) {
			rl_fini(&out);
			return -ENOMEM;
		}
		if (addr_cmp(&x->hi, &y->hi) < 0)
			i++;
		else
			j++;
	}
	rl_fini(a);
	*a = out;
	return 0;
}

/* Appends b's ranges to a and normalises a. */
static int rl_union(struct rlist *a, const struct rlist *b)
{
	for (uint32_t i = 0; i < b->n; i++)
		if (rl_add(a, &b->r[i].lo, &b->r[i].hi) < 0)
			return -ENOMEM;
	rl_normalise(a);
	return 0;
}

static bool rl_is_full(const struct rlist *l)
{
	return l->n == 1 && addr_cmp(&l->r[0].lo, &addr_min) == 0 &&
	       addr_cmp(&l->r[0].hi, &addr_max) == 0;
}

/* ---- expressions ---------------------------------------------------------- */

struct aparse {
	const char *p;
	const struct vars *vars;
	struct vars_chain chain;
	unsigned depth;
	char *err;
	size_t errlen;
};

static int parse_expr(struct aparse *ps, struct rlist *out);

static void skip_ws(struct aparse *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static bool is_var_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int parse_sub(struct aparse *ps, const char *text, struct rlist *out)
{
	const char *saved = ps->p;
	int rc;

	ps->p = text;
	rc = parse_expr(ps, out);
	if (rc == 0) {
		skip_ws(ps);
		if (*ps->p) {
			snprintf(ps->err, ps->errlen, "unexpected \"%s\" in \"$%s\"", ps->p,
				 ps->chain.names[ps->chain.n - 1]);
			rc = -EINVAL;
		}
	}
	ps->p = saved;
	return rc;
}

static int parse_var(struct aparse *ps, struct rlist *out)
{
	const char *name = ++ps->p, *value;
	size_t len = 0;
	int rc;

	while (is_var_char(name[len]))
		len++;
	if (len == 0) {
		snprintf(ps->err, ps->errlen, "missing variable name after \"$\"");
		return -EINVAL;
	}
	ps->p += len;
	rc = vars_chain_push(&ps->chain, ps->vars, name, len, &value, ps->err, ps->errlen);
	if (rc < 0)
		return rc;
	rc = parse_sub(ps, value, out);
	vars_chain_pop(&ps->chain);
	return rc;
}

static int parse_literal(struct aparse *ps, struct rlist *out)
{
	const char *start = ps->p;
	char buf[128];
	size_t len;
	struct addr_range r;
	int rc;

	while (*ps->p && !strchr(",[]! \t", *ps->p))
		ps->p++;
	len = (size_t)(ps->p - start);
	if (len == 0) {
		if (*ps->p)
			snprintf(ps->err, ps->errlen, "unexpected \"%c\"", *ps->p);
		else
			snprintf(ps->err, ps->errlen, "missing address");
		return -EINVAL;
	}
	if (len >= sizeof(buf)) {
		snprintf(ps->err, ps->errlen, "invalid address \"%.40s...\"", start);
		return -EINVAL;
	}
	memcpy(buf, start, len);
	buf[len] = '\0';
	if (strcasecmp(buf, "any") == 0)
		return rl_add(out, &addr_min, &addr_max);
	rc = addr_parse_cidr(buf, &r, ps->err, ps->errlen);
	if (rc < 0)
		return rc;
	return rl_add(out, &r.lo, &r.hi);
}

static int parse_list(struct aparse *ps, struct rlist *out)
{
	struct rlist pos = {0}, neg = {0}, elem = {0};
	bool any_pos = false;
	int rc = 0;

	ps->p++; /* '[' */
	for (;;) {
		bool negated = false;

		skip_ws(ps);
		if (*ps->p == ']' && pos.n + neg.n == 0 && !any_pos) {
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
		rc = rl_union(negated ? &neg : &pos, &elem);
		if (rc < 0)
			goto out;
		any_pos |= !negated;
		rl_fini(&elem);
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
	if (!any_pos) {
		rc = rl_add(&pos, &addr_min, &addr_max);
		if (rc < 0)
			goto out;
	}
	rc = rl_subtract(&pos, &neg);
	if (rc < 0)
		goto out;
	*out = pos;
	memset(&pos, 0, sizeof(pos));
out:
	rl_fini(&pos);
	rl_fini(&neg);
	rl_fini(&elem);
	return rc;
}

/* One element: [!] ( list | $VAR | any | literal ). Result normalised. */
static int parse_expr(struct aparse *ps, struct rlist *out)
{
	int rc;

	if (++ps->depth > ADDR_NEST_MAX) {
		snprintf(ps->err, ps->errlen, "addresses nested deeper than %d", ADDR_NEST_MAX);
		return -EINVAL;
	}
	skip_ws(ps);
	if (*ps->p == '!') {
		ps->p++;
		skip_ws(ps);
		rc = parse_expr(ps, out);
		if (rc == 0)
			rc = rl_complement(out);
	} else if (*ps->p == '[') {
		rc = parse_list(ps, out);
	} else if (*ps->p == '$') {
		rc = parse_var(ps, out);
	} else {
		rc = parse_literal(ps, out);
	}
	if (rc == 0)
		rl_normalise(out);
	else
		rl_fini(out);
	ps->depth--;
	return rc;
}

int addr_set_parse(struct addr_set *out, const char *text, const struct vars *vars,
		   char *err, size_t errlen)
{
	struct aparse ps = {.p = text, .vars = vars, .err = err, .errlen = errlen};
	struct rlist l = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_expr(&ps, &l);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc < 0)
		return rc;
	skip_ws(&ps);
	if (*ps.p) {
		snprintf(err, errlen, "unexpected \"%s\" after the address", ps.p);
		rl_fini(&l);
		return -EINVAL;
	}
	if (l.n == 0) {
		snprintf(err, errlen, "\"%s\" matches no address", text);
		rl_fini(&l);
		return -EINVAL;
	}
	if (rl_is_full(&l)) {
		rl_fini(&l);
		out->any = true;
		return 0;
	}
	out->r = l.r;
	out->n = l.n;
	return 0;
}

/* ---- lookups -------------------------------------------------------------- */

bool addr_set_contains(const struct addr_set *s, const struct addr128 *a)
{
	uint32_t lo = 0, hi = s->n;

	if (s->any)
		return true;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (addr_cmp(a, &s->r[mid].lo) < 0)
			hi = mid;
		else if (addr_cmp(a, &s->r[mid].hi) > 0)
			lo = mid + 1;
		else
			return true;
	}
	return false;
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

static void format_range(const struct addr_range *r, char *buf, size_t len)
{
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

void addr_set_format(const struct addr_set *s, char *buf, size_t len)
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
		char one[2 * INET6_ADDRSTRLEN + 8];

		format_range(&s->r[i], one, sizeof(one));
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
	}
	if (s->n != 1 && used < len)
		snprintf(buf + used, len - used, "]");
}

void addr_set_fini(struct addr_set *s)
{
	if (!s)
		return;
	free(s->r);
	memset(s, 0, sizeof(*s));
}
