/*
 * test_setexpr.c — the set-expression engine on its own: range lists at
 * the edges of the 128-bit and of a small universe, complement of empty
 * and full sets, subtraction, and the parser driven by a toy descriptor
 * (universe 0..15, nesting limit 3): lists, negation, variables and their
 * loops, every message, building, formatting and searching a public set.
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setexpr.h"
#include "vars.h"

#define MAX SETEXPR_U128_MAX

/* "MAX", "MAX-k" for small k, decimal below 2^64, hex otherwise. */
static void val_text(setexpr_u128 v, char *buf, size_t len)
{
	if (v == MAX)
		snprintf(buf, len, "MAX");
	else if (MAX - v < 1000)
		snprintf(buf, len, "MAX-%u", (unsigned)(MAX - v));
	else if (v <= UINT64_MAX)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "0x%llx%016llx", (unsigned long long)(v >> 64),
			 (unsigned long long)v);
}

/* The list as "lo-hi lo-hi ...", "" when empty. */
static const char *show(const struct setexpr_list *l)
{
	static char out[512];
	size_t used = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < l->n && used < sizeof(out); i++) {
		char lo[48], hi[48];

		val_text(l->r[i].lo, lo, sizeof(lo));
		val_text(l->r[i].hi, hi, sizeof(hi));
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%s-%s", i ? " " : "",
					 lo, hi);
	}
	return out;
}

static void add(struct setexpr_list *l, setexpr_u128 lo, setexpr_u128 hi)
{
	CU_ASSERT_EQUAL_FATAL(setexpr_list_add(l, lo, hi), 0);
}

/* ---- range lists ---------------------------------------------------------- */

static void test_normalise(void)
{
	struct setexpr_list l = {0};

	setexpr_list_normalise(&l);
	CU_ASSERT_EQUAL(l.n, 0);
	add(&l, 20, 30);
	add(&l, 5, 9);
	add(&l, 10, 12); /* adjacent to 5-9 */
	add(&l, 25, 40); /* overlaps 20-30 */
	add(&l, 42, 42); /* one gap after 40: stays apart */
	add(&l, 21, 22); /* inside 20-30 */
	setexpr_list_normalise(&l);
	CU_ASSERT_STRING_EQUAL(show(&l), "5-12 20-40 42-42");
	setexpr_list_fini(&l);
	CU_ASSERT_EQUAL(l.n, 0);
	CU_ASSERT_PTR_NULL(l.r);

	/* at the top of the 128-bit space hi + 1 must not wrap to 0 */
	add(&l, MAX, MAX);
	add(&l, 0, 0);
	add(&l, MAX - 10, MAX - 1);
	setexpr_list_normalise(&l);
	CU_ASSERT_STRING_EQUAL(show(&l), "0-0 MAX-10-MAX");
	add(&l, MAX - 5, MAX);
	add(&l, 1, MAX - 20);
	setexpr_list_normalise(&l);
	CU_ASSERT_STRING_EQUAL(show(&l), "0-MAX-20 MAX-10-MAX");
	add(&l, MAX - 19, MAX - 11);
	setexpr_list_normalise(&l);
	CU_ASSERT_STRING_EQUAL(show(&l), "0-MAX");
	CU_ASSERT(setexpr_list_is_full(&l, MAX));
	CU_ASSERT(!setexpr_list_is_full(&l, 65535));
	setexpr_list_fini(&l);
}

static void test_complement(void)
{
	struct setexpr_list l = {0};

	/* empty <-> full, in both universes */
	CU_ASSERT_EQUAL(setexpr_list_complement(&l, MAX), 0);
	CU_ASSERT_STRING_EQUAL(show(&l), "0-MAX");
	CU_ASSERT_EQUAL(setexpr_list_complement(&l, MAX), 0);
	CU_ASSERT_EQUAL(l.n, 0);
	CU_ASSERT_EQUAL(setexpr_list_complement(&l, 65535), 0);
	CU_ASSERT_STRING_EQUAL(show(&l), "0-65535");
	CU_ASSERT(setexpr_list_is_full(&l, 65535));
	CU_ASSERT_EQUAL(setexpr_list_complement(&l, 65535), 0);
	CU_ASSERT_EQUAL(l.n, 0);
	CU_ASSERT(!setexpr_list_is_full(&l, 65535));

	/* ranges touching both edges leave only the middle */
	add(&l, 0, 9);
	add(&l, MAX - 9, MAX);
	CU_ASSERT_EQUAL(setexpr_list_complement(&l, MAX), 0);
	CU_ASSERT_STRING_EQUAL(show(&l), "10-MAX-10");
	CU_ASSERT_EQUAL(setexpr_list_complement(&l, MAX), 0);
	CU_ASSERT_STRING_EQUAL(show(&l), "0-9 MAX-9-MAX");
	setexpr_list_fini(&l);

	/* single points at the edges and in the middle of a small universe */
	add(&l, 0, 0);
	add(&l, 80, 80);
	add(&l, 65535, 65535);
	CU_ASSERT_EQUAL(setexpr_list_complement(&l, 65535), 0);
	CU_ASSERT_STRING_EQUAL(show(&l), "1-79 81-65534");
	setexpr_list_fini(&l);
}

static void test_subtract(void)
{
	struct setexpr_list a = {0}, b = {0};

	/* b cuts a range in three places and reaches into the next one */
	add(&a, 10, 50);
	add(&a, 60, 70);
	add(&a, 80, 90);
	add(&b, 0, 10);
	add(&b, 20, 29);
	add(&b, 50, 65);
	add(&b, 90, 100);
	CU_ASSERT_EQUAL(setexpr_list_subtract(&a, &b), 0);
	CU_ASSERT_STRING_EQUAL(show(&a), "11-19 30-49 66-70 80-89");
	CU_ASSERT_STRING_EQUAL(show(&b), "0-10 20-29 50-65 90-100"); /* b untouched */
	setexpr_list_fini(&b);

	/* nothing to subtract; then everything */
	CU_ASSERT_EQUAL(setexpr_list_subtract(&a, &b), 0);
	CU_ASSERT_STRING_EQUAL(show(&a), "11-19 30-49 66-70 80-89");
	add(&b, 11, 89);
	CU_ASSERT_EQUAL(setexpr_list_subtract(&a, &b), 0);
	CU_ASSERT_EQUAL(a.n, 0);
	CU_ASSERT_EQUAL(setexpr_list_subtract(&a, &b), 0); /* empty minus anything */
	CU_ASSERT_EQUAL(a.n, 0);
	setexpr_list_fini(&b);

	/* one range of b spanning several of a, and the 128-bit edges */
	add(&a, 0, 5);
	add(&a, 7, 9);
	add(&a, MAX - 3, MAX);
	add(&b, 3, 8);
	add(&b, MAX, MAX);
	CU_ASSERT_EQUAL(setexpr_list_subtract(&a, &b), 0);
	CU_ASSERT_STRING_EQUAL(show(&a), "0-2 9-9 MAX-3-MAX-1");
	setexpr_list_fini(&a);
	setexpr_list_fini(&b);
	add(&a, 0, MAX);
	add(&b, 0, 0);
	add(&b, MAX, MAX);
	CU_ASSERT_EQUAL(setexpr_list_subtract(&a, &b), 0);
	CU_ASSERT_STRING_EQUAL(show(&a), "1-MAX-1");
	setexpr_list_fini(&a);
	setexpr_list_fini(&b);
}

/* ---- the parser, with a toy descriptor ------------------------------------ */

struct toy_range {
	uint8_t lo, hi;
};

/* `N` or `N-M` within 0..15, and `odd` (eight ranges, added backwards). */
static int toy_literal(const char *tok, size_t len, struct setexpr_list *out, char *err,
		       size_t errlen)
{
	unsigned lo, hi;
	char buf[16];

	if (len == 3 && memcmp(tok, "odd", 3) == 0) {
		for (int v = 15; v > 0; v -= 2)
			if (setexpr_list_add(out, (setexpr_u128)v, (setexpr_u128)v) < 0)
				return -ENOMEM;
		return 0;
	}
	if (len >= sizeof(buf))
		goto bad;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	{
		char *end, *end2;
		unsigned long a = strtoul(buf, &end, 10), b;

		if (end == buf)
			goto bad;
		if (*end == '-') {
			b = strtoul(end + 1, &end2, 10);
			if (end2 == end + 1 || *end2)
				goto bad;
		} else if (*end) {
			goto bad;
		} else {
			b = a;
		}
		lo = (unsigned)a;
		hi = (unsigned)b;
	}
	if (lo > hi || hi > 15)
		goto bad;
	return setexpr_list_add(out, lo, hi);
bad:
	snprintf(err, errlen, "invalid digit \"%.*s\"", (int)len, tok);
	return -EINVAL;
}

static void toy_store(void *dst, setexpr_u128 lo, setexpr_u128 hi)
{
	struct toy_range *r = dst;

	r->lo = (uint8_t)lo;
	r->hi = (uint8_t)hi;
}

static void toy_format(const void *src, char *buf, size_t len)
{
	const struct toy_range *r = src;

	if (r->lo == r->hi)
		snprintf(buf, len, "%u", r->lo);
	else
		snprintf(buf, len, "%u-%u", r->lo, r->hi);
}

static const struct setexpr_desc toy = {
    .max = 15,
    .nest_max = 8,
    .noun = "digit",
    .plural = "digits",
    .literal = toy_literal,
    .range_size = sizeof(struct toy_range),
    .store = toy_store,
    .format = toy_format,
};

/* The list parsed by toy with nest_max, as show() writes it, or "ERR: reason". */
static const char *parse_nest(unsigned nest_max, const char *text, const struct vars *v)
{
	static char out[512];
	struct setexpr_desc d = toy;
	struct setexpr_list l = {.n = 99}; /* setexpr_parse() must reset it */
	char err[256];
	int rc;

	d.nest_max = nest_max;
	rc = setexpr_parse(&d, text, v, &l, err, sizeof(err));

	if (rc < 0) {
		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT_EQUAL(l.n, 0);
		CU_ASSERT_PTR_NULL(l.r);
		snprintf(out, sizeof(out), "ERR: %s", err);
		return out;
	}
	snprintf(out, sizeof(out), "%s", show(&l));
	setexpr_list_fini(&l);
	return out;
}

static const char *parse(const char *text, const struct vars *v)
{
	return parse_nest(toy.nest_max, text, v);
}

static void test_parse(void)
{
	CU_ASSERT_STRING_EQUAL(parse("any", NULL), "0-15");
	CU_ASSERT_STRING_EQUAL(parse("aNy", NULL), "0-15");
	CU_ASSERT_STRING_EQUAL(parse(" 7\t", NULL), "7-7");
	CU_ASSERT_STRING_EQUAL(parse("odd", NULL), "1-1 3-3 5-5 7-7 9-9 11-11 13-13 15-15");
	CU_ASSERT_STRING_EQUAL(parse("[odd,2,4-6]", NULL), "1-7 9-9 11-11 13-13 15-15");
	CU_ASSERT_STRING_EQUAL(parse("!odd", NULL), "0-0 2-2 4-4 6-6 8-8 10-10 12-12 14-14");
	CU_ASSERT_STRING_EQUAL(parse("!0", NULL), "1-15");
	CU_ASSERT_STRING_EQUAL(parse("!15", NULL), "0-14");
	CU_ASSERT_STRING_EQUAL(parse("!!3", NULL), "3-3");
	CU_ASSERT_STRING_EQUAL(parse("[!3]", NULL), "0-2 4-15");
	CU_ASSERT_STRING_EQUAL(parse("[!3, !5]", NULL), "0-2 4-4 6-15");
	CU_ASSERT_STRING_EQUAL(parse("[0-9,!3,[!4-15]]", NULL), "0-2 4-9");
	CU_ASSERT_STRING_EQUAL(parse("![0-9,!3]", NULL), "3-3 10-15");
	/* a negated element that is empty removes nothing */
	CU_ASSERT_STRING_EQUAL(parse("[2,!!any]", NULL), "2-2");
	CU_ASSERT_STRING_EQUAL(parse("[!!any]", NULL), "0-15");
}

static void test_parse_errors(void)
{
	CU_ASSERT_STRING_EQUAL(parse("", NULL), "ERR: missing digit");
	CU_ASSERT_STRING_EQUAL(parse("!", NULL), "ERR: missing digit");
	CU_ASSERT_STRING_EQUAL(parse("16", NULL), "ERR: invalid digit \"16\"");
	CU_ASSERT_STRING_EQUAL(parse("[1,x]", NULL), "ERR: invalid digit \"x\"");
	CU_ASSERT_STRING_EQUAL(parse("1 2", NULL), "ERR: unexpected \"2\" after the digit");
	CU_ASSERT_STRING_EQUAL(parse("]", NULL), "ERR: unexpected \"]\"");
	CU_ASSERT_STRING_EQUAL(parse("[]", NULL), "ERR: empty list \"[]\"");
	CU_ASSERT_STRING_EQUAL(parse("[ ]", NULL), "ERR: empty list \"[]\"");
	CU_ASSERT_STRING_EQUAL(parse("[1,]", NULL), "ERR: unexpected \"]\"");
	/* a trailing comma after an empty negated element is still a trailing
	 * comma, not an empty list */
	CU_ASSERT_STRING_EQUAL(parse("[!!any,]", NULL), "ERR: unexpected \"]\"");
	CU_ASSERT_STRING_EQUAL(parse("[1", NULL), "ERR: missing \"]\"");
	CU_ASSERT_STRING_EQUAL(parse("[1 2]", NULL), "ERR: unexpected \"2\" in list");
	CU_ASSERT_STRING_EQUAL(parse("!any", NULL), "ERR: \"!any\" matches no digit");
	CU_ASSERT_STRING_EQUAL(parse("[!any]", NULL), "ERR: \"[!any]\" matches no digit");
	CU_ASSERT_STRING_EQUAL(parse("[0-7,!odd,![0-6]]", NULL),
			       "ERR: \"[0-7,!odd,![0-6]]\" matches no digit");
	/* nesting: three levels pass, the fourth fails, negations count */
	CU_ASSERT_STRING_EQUAL(parse_nest(3, "[[1]]", NULL), "1-1");
	CU_ASSERT_STRING_EQUAL(parse_nest(3, "!!1", NULL), "1-1");
	CU_ASSERT_STRING_EQUAL(parse_nest(3, "[[[1]]]", NULL), "ERR: digits nested deeper than 3");
	CU_ASSERT_STRING_EQUAL(parse_nest(3, "!!!1", NULL), "ERR: digits nested deeper than 3");
	CU_ASSERT_STRING_EQUAL(parse_nest(3, "[1,[!2]]", NULL), "0-1 3-15");
	CU_ASSERT_STRING_EQUAL(parse_nest(3, "[1,[![2]]]", NULL),
			       "ERR: digits nested deeper than 3");
	CU_ASSERT_STRING_EQUAL(parse("[1,[![2]]]", NULL), "0-1 3-15");
	/* the limit holds however long the input */
	{
		char deep[200];

		memset(deep, '[', 100);
		deep[100] = '\0';
		CU_ASSERT_STRING_EQUAL(parse(deep, NULL), "ERR: digits nested deeper than 8");
		memset(deep, '!', 100);
		CU_ASSERT_STRING_EQUAL(parse(deep, NULL), "ERR: digits nested deeper than 8");
	}
}

static void test_parse_vars(void)
{
	struct vars *v = vars_new();
	char err[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(vars_set(v, "LOW", "0-7", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vars_set(v, "NOTLOW", "!$LOW", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vars_set(v, "A", "[1,$B]", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vars_set(v, "B", "$A", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vars_set(v, "JUNK", "1 2", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vars_set(v, "NONE", "!any", err, sizeof(err)), 0);

	CU_ASSERT_STRING_EQUAL(parse("$LOW", v), "0-7");
	CU_ASSERT_STRING_EQUAL(parse("!$LOW", v), "8-15");
	CU_ASSERT_STRING_EQUAL(parse("[$LOW,!3]", v), "0-2 4-7");
	/* a variable is a sub-expression: its negation is not pasted as text */
	CU_ASSERT_STRING_EQUAL(parse("$NOTLOW", v), "8-15");
	CU_ASSERT_STRING_EQUAL(parse("[9,$NONE]", v), "9-9");
	CU_ASSERT_STRING_EQUAL(parse("$NONE", v), "ERR: \"$NONE\" matches no digit");
	CU_ASSERT_STRING_EQUAL(parse("$A", v), "ERR: variable loop: $A -> $B -> $A");
	CU_ASSERT_STRING_EQUAL(parse("[2,$B]", v), "ERR: variable loop: $B -> $A -> $B");
	CU_ASSERT_STRING_EQUAL(parse("$JUNK", v), "ERR: unexpected \"2\" in \"$JUNK\"");
	CU_ASSERT_STRING_EQUAL(parse("$NOPE", v), "ERR: unknown variable \"$NOPE\"");
	CU_ASSERT_STRING_EQUAL(parse("$LOW", NULL), "ERR: unknown variable \"$LOW\"");
	CU_ASSERT_STRING_EQUAL(parse("$", v), "ERR: missing variable name after \"$\"");
	CU_ASSERT_STRING_EQUAL(parse("$-1", v), "ERR: missing variable name after \"$\"");
	/* a variable is a level of nesting: !$LOW -> $LOW -> 0-7 is three,
	 * $NOTLOW -> !$LOW -> $LOW -> 0-7 four */
	CU_ASSERT_STRING_EQUAL(parse_nest(3, "!$LOW", v), "8-15");
	CU_ASSERT_STRING_EQUAL(parse_nest(3, "$NOTLOW", v), "ERR: digits nested deeper than 3");
	vars_free(v);
}

/* ---- public sets ---------------------------------------------------------- */

static int toy_in_range(const void *key, const void *range)
{
	uint8_t k = *(const uint8_t *)key;
	const struct toy_range *r = range;

	if (k < r->lo)
		return -1;
	return k > r->hi;
}

static void test_public_set(void)
{
	void *r = (void *)1;
	uint32_t n = 7;
	bool any = true;
	char err[128], buf[64];
	struct toy_range *t;

	CU_ASSERT_EQUAL(
	    setexpr_parse_set(&toy, "[!9-15,!5,!7]", NULL, &r, &n, &any, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(any);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	t = r;
	CU_ASSERT_EQUAL(t[0].lo, 0);
	CU_ASSERT_EQUAL(t[0].hi, 4);
	CU_ASSERT_EQUAL(t[1].lo, 6);
	CU_ASSERT_EQUAL(t[1].hi, 6);
	CU_ASSERT_EQUAL(t[2].lo, 8);
	CU_ASSERT_EQUAL(t[2].hi, 8);
	setexpr_format_set(&toy, r, n, any, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "[0-4,6,8]");
	for (uint8_t k = 0; k <= 15; k++)
		CU_ASSERT_EQUAL(setexpr_ranges_hold(r, n, sizeof(*t), &k, toy_in_range),
				k <= 4 || k == 6 || k == 8);
	/* truncation, and nothing at all for len 0 */
	setexpr_format_set(&toy, r, n, any, buf, 6);
	CU_ASSERT_STRING_EQUAL(buf, "[0-4,");
	buf[0] = 'x';
	setexpr_format_set(&toy, r, n, any, buf, 0);
	CU_ASSERT_EQUAL(buf[0], 'x');
	free(r);

	CU_ASSERT_EQUAL(setexpr_parse_set(&toy, "[0-7,8-15]", NULL, &r, &n, &any, err, sizeof(err)),
			0);
	CU_ASSERT_TRUE(any);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(n, 0);
	setexpr_format_set(&toy, r, n, any, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "any");

	CU_ASSERT_EQUAL(setexpr_parse_set(&toy, "5-9", NULL, &r, &n, &any, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 1);
	setexpr_format_set(&toy, r, n, any, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "5-9");
	free(r);

	CU_ASSERT_EQUAL(setexpr_parse_set(&toy, "[1", NULL, &r, &n, &any, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "missing \"]\"");
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_FALSE(any);
	CU_ASSERT_FALSE(setexpr_ranges_hold(NULL, 0, sizeof(*t), buf, toy_in_range));
}

static CU_TestInfo tests[] = {
    {"normalise", test_normalise},	 {"complement", test_complement},
    {"subtract", test_subtract},	 {"parse", test_parse},
    {"parse errors", test_parse_errors}, {"parse variables", test_parse_vars},
    {"public set", test_public_set},	 CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"setexpr", NULL, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
