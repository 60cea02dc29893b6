/*
 * setexpr.c — range lists and the recursive-descent parser of set
 * expressions (see setexpr.h).
 *
 * Each element of an expression is evaluated into a normalised range list
 * of its own: `!x` is the complement of x, `[a,!b]` is the union of the
 * positive elements minus the union of the negated ones, `$VAR` parses the
 * variable's value as a sub-expression (never pasted as text) under the
 * loop detection of vars_chain_push(). The values are unsigned 128-bit
 * integers, so an address universe (max = 2^128 - 1) needs care where
 * hi + 1 would wrap; a port universe never comes near it.
 *
 * Single-threaded; every list is owned by the function that declared it
 * until it is handed to the caller through an out parameter.
 */
#include "setexpr.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vars.h"

/* ---- range lists ---------------------------------------------------------- */

void setexpr_list_fini(struct setexpr_list *l)
{
	free(l->r);
	memset(l, 0, sizeof(*l));
}

int setexpr_list_add(struct setexpr_list *l, setexpr_u128 lo, setexpr_u128 hi)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 4;
		struct setexpr_range *r = realloc(l->r, cap * sizeof(*r));

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

static int range_cmp(const void *x, const void *y)
{
	setexpr_u128 a = ((const struct setexpr_range *)x)->lo;
	setexpr_u128 b = ((const struct setexpr_range *)y)->lo;

	return a < b ? -1 : a > b;
}

void setexpr_list_normalise(struct setexpr_list *l)
{
	uint32_t out = 0;

	if (l->n < 2)
		return;
	qsort(l->r, l->n, sizeof(*l->r), range_cmp);
	for (uint32_t i = 1; i < l->n; i++) {
		struct setexpr_range *last = &l->r[out];

		/* last->hi + 1 wraps only at the top of the 128-bit space */
		if (last->hi == SETEXPR_U128_MAX || l->r[i].lo <= last->hi + 1) {
			if (l->r[i].hi > last->hi)
				last->hi = l->r[i].hi;
		} else {
			l->r[++out] = l->r[i];
		}
	}
	l->n = out + 1;
}

int setexpr_list_complement(struct setexpr_list *l, setexpr_u128 max)
{
	struct setexpr_list c = {0};
	setexpr_u128 start = 0;
	bool open = true; /* [start, max] is not yet covered */

	for (uint32_t i = 0; i < l->n && open; i++) {
		if (l->r[i].lo > start && setexpr_list_add(&c, start, l->r[i].lo - 1) < 0)
			goto oom;
		open = l->r[i].hi < max;
		start = l->r[i].hi + 1;
	}
	if (open && setexpr_list_add(&c, start, max) < 0)
		goto oom;
	setexpr_list_fini(l);
	*l = c;
	return 0;
oom:
	setexpr_list_fini(&c);
	return -ENOMEM;
}

/*
 * One sweep: for each range of a, the ranges of b that overlap it cut it
 * into the pieces between them. j skips the ranges of b wholly below the
 * current range of a; a range of b that reaches past it is kept for the
 * next one.
 */
int setexpr_list_subtract(struct setexpr_list *a, const struct setexpr_list *b)
{
	struct setexpr_list out = {0};
	uint32_t j = 0;

	for (uint32_t i = 0; i < a->n; i++) {
		setexpr_u128 lo = a->r[i].lo, hi = a->r[i].hi;
		bool left = true; /* [lo, hi] is still to be emitted */

		while (j < b->n && b->r[j].hi < lo)
			j++;
		for (uint32_t k = j; left && k < b->n && b->r[k].lo <= hi; k++) {
			if (b->r[k].lo > lo && setexpr_list_add(&out, lo, b->r[k].lo - 1) < 0)
				goto oom;
			if (b->r[k].hi >= hi)
				left = false;
			else
				lo = b->r[k].hi + 1;
		}
		if (left && setexpr_list_add(&out, lo, hi) < 0)
			goto oom;
	}
	setexpr_list_fini(a);
	*a = out;
	return 0;
oom:
	setexpr_list_fini(&out);
	return -ENOMEM;
}

bool setexpr_list_is_full(const struct setexpr_list *l, setexpr_u128 max)
{
	return l->n == 1 && l->r[0].lo == 0 && l->r[0].hi == max;
}

/* Appends b's ranges to a and normalises a. */
static int list_union(struct setexpr_list *a, const struct setexpr_list *b)
{
	for (uint32_t i = 0; i < b->n; i++)
		if (setexpr_list_add(a, b->r[i].lo, b->r[i].hi) < 0)
			return -ENOMEM;
	setexpr_list_normalise(a);
	return 0;
}

/* ---- expressions ---------------------------------------------------------- */

struct sparse {
	const struct setexpr_desc *d;
	const char *p;
	const struct vars *vars;
	struct vars_chain chain;
	unsigned depth;
	char *err;
	size_t errlen;
};

static int parse_expr(struct sparse *ps, struct setexpr_list *out);

static void skip_ws(struct sparse *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static bool is_var_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The value of the innermost variable of the chain, as a whole expression. */
static int parse_sub(struct sparse *ps, const char *text, struct setexpr_list *out)
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

static int parse_var(struct sparse *ps, struct setexpr_list *out)
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

static int parse_literal(struct sparse *ps, struct setexpr_list *out)
{
	const char *tok = ps->p;
	size_t len;

	while (*ps->p && !strchr(",[]! \t", *ps->p))
		ps->p++;
	len = (size_t)(ps->p - tok);
	if (len == 0) {
		if (*ps->p)
			snprintf(ps->err, ps->errlen, "unexpected \"%c\"", *ps->p);
		else
			snprintf(ps->err, ps->errlen, "missing %s", ps->d->noun);
		return -EINVAL;
	}
	if (len == 3 && strncasecmp(tok, "any", 3) == 0)
		return setexpr_list_add(out, 0, ps->d->max);
	return ps->d->literal(tok, len, out, ps->err, ps->errlen);
}

static int parse_list(struct sparse *ps, struct setexpr_list *out)
{
	struct setexpr_list pos = {0}, neg = {0}, elem = {0};
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
		rc = list_union(negated ? &neg : &pos, &elem);
		if (rc < 0)
			goto out;
		any_pos |= !negated;
		setexpr_list_fini(&elem);
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
	if (!any_pos && (rc = setexpr_list_add(&pos, 0, ps->d->max)) < 0)
		goto out;
	rc = setexpr_list_subtract(&pos, &neg);
	if (rc < 0)
		goto out;
	*out = pos;
	memset(&pos, 0, sizeof(pos));
out:
	setexpr_list_fini(&pos);
	setexpr_list_fini(&neg);
	setexpr_list_fini(&elem);
	return rc;
}

/* One element: [!] ( list | $VAR | any | literal ). Normalised on success,
 * empty on failure. */
static int parse_expr(struct sparse *ps, struct setexpr_list *out)
{
	int rc;

	if (ps->depth == ps->d->nest_max) {
		snprintf(ps->err, ps->errlen, "%s nested deeper than %u", ps->d->plural,
			 ps->d->nest_max);
		return -EINVAL;
	}
	ps->depth++;
	skip_ws(ps);
	if (*ps->p == '!') {
		ps->p++;
		skip_ws(ps);
		rc = parse_expr(ps, out);
		if (rc == 0)
			rc = setexpr_list_complement(out, ps->d->max);
	} else if (*ps->p == '[') {
		rc = parse_list(ps, out);
	} else if (*ps->p == '$') {
		rc = parse_var(ps, out);
	} else {
		rc = parse_literal(ps, out);
	}
	if (rc == 0)
		setexpr_list_normalise(out);
	else
		setexpr_list_fini(out);
	ps->depth--;
	return rc;
}

int setexpr_parse(const struct setexpr_desc *d, const char *text, const struct vars *vars,
		  struct setexpr_list *out, char *err, size_t errlen)
{
	struct sparse ps = {.d = d, .p = text, .vars = vars, .err = err, .errlen = errlen};
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_expr(&ps, out);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc < 0)
		return rc;
	skip_ws(&ps);
	if (*ps.p) {
		snprintf(err, errlen, "unexpected \"%s\" after the %s", ps.p, d->noun);
		goto einval;
	}
	if (out->n == 0) {
		snprintf(err, errlen, "\"%s\" matches no %s", text, d->noun);
		goto einval;
	}
	return 0;
einval:
	setexpr_list_fini(out);
	return -EINVAL;
}

int setexpr_parse_set(const struct setexpr_desc *d, const char *text, const struct vars *vars,
		      void **r, uint32_t *n, bool *any, char *err, size_t errlen)
{
	struct setexpr_list l;
	char *out;
	int rc;

	*r = NULL;
	*n = 0;
	*any = false;
	rc = setexpr_parse(d, text, vars, &l, err, errlen);
	if (rc < 0)
		return rc;
	if (setexpr_list_is_full(&l, d->max)) {
		*any = true;
		goto done;
	}
	out = malloc((size_t)l.n * d->range_size);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto done;
	}
	for (uint32_t i = 0; i < l.n; i++)
		d->store(out + (size_t)i * d->range_size, l.r[i].lo, l.r[i].hi);
	*r = out;
	*n = l.n;
done:
	setexpr_list_fini(&l);
	return rc;
}

/* ---- formatting ----------------------------------------------------------- */

void setexpr_format_set(const struct setexpr_desc *d, const void *r, uint32_t n, bool any,
			char *buf, size_t len)
{
	size_t used;

	if (len == 0)
		return;
	if (any) {
		snprintf(buf, len, "any");
		return;
	}
	used = (size_t)snprintf(buf, len, "%s", n == 1 ? "" : "[");
	for (uint32_t i = 0; i < n && used < len; i++) {
		char one[SETEXPR_RANGE_TEXT_MAX];

		d->format((const char *)r + (size_t)i * d->range_size, one, sizeof(one));
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
	}
	if (n != 1 && used < len)
		snprintf(buf + used, len - used, "]");
}
