/*
 * test_iptree.c — the prefix tree: exact prefixes, ranges split into
 * prefixes, nesting, IPv4-mapped and IPv6 lookups.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iptree.h"

static struct addr128 A(const char *s)
{
	struct addr128 a;
	uint8_t v4[4];

	if (inet_pton(AF_INET, s, v4) == 1)
		addr_from_v4(&a, v4);
	else if (inet_pton(AF_INET6, s, a.b) != 1)
		abort();
	return a;
}

struct hits {
	uint32_t v[16];
	unsigned n;
};

static int collect(void *ud, uint32_t value)
{
	struct hits *h = ud;

	if (h->n < 16)
		h->v[h->n++] = value;
	return 0;
}

static struct hits lookup(const struct iptree *t, const char *s)
{
	struct hits h = {0};
	struct addr128 a = A(s);

	iptree_lookup(t, &a, collect, &h);
	return h;
}

static void test_prefixes(void)
{
	struct iptree *t = iptree_new();
	struct addr128 a;
	struct hits h;

	a = A("10.0.0.0");
	CU_ASSERT_EQUAL(iptree_insert(t, &a, 96 + 8, 1), 0);
	a = A("10.1.0.0");
	CU_ASSERT_EQUAL(iptree_insert(t, &a, 96 + 16, 2), 0);
	a = A("10.1.2.3");
	CU_ASSERT_EQUAL(iptree_insert(t, &a, 128, 3), 0);
	CU_ASSERT_EQUAL(iptree_insert(t, &a, 128, 4), 0); /* two values, one prefix */
	a = A("192.168.0.0");
	CU_ASSERT_EQUAL(iptree_insert(t, &a, 96 + 16, 5), 0);

	h = lookup(t, "10.1.2.3"); /* shortest prefix first */
	CU_ASSERT_EQUAL(h.n, 4);
	CU_ASSERT_EQUAL(h.v[0], 1);
	CU_ASSERT_EQUAL(h.v[1], 2);
	CU_ASSERT_EQUAL(h.v[2], 3);
	CU_ASSERT_EQUAL(h.v[3], 4);
	h = lookup(t, "10.1.2.4");
	CU_ASSERT_EQUAL(h.n, 2);
	h = lookup(t, "10.2.0.1");
	CU_ASSERT_EQUAL(h.n, 1);
	CU_ASSERT_EQUAL(h.v[0], 1);
	h = lookup(t, "11.0.0.1");
	CU_ASSERT_EQUAL(h.n, 0);
	h = lookup(t, "192.168.255.255");
	CU_ASSERT_EQUAL(h.n, 1);
	CU_ASSERT_EQUAL(h.v[0], 5);
	h = lookup(t, "192.169.0.0");
	CU_ASSERT_EQUAL(h.n, 0);
	/* an IPv6 address never falls into a mapped IPv4 prefix */
	h = lookup(t, "2001:db8::1");
	CU_ASSERT_EQUAL(h.n, 0);
	CU_ASSERT(iptree_nodes(t) <= 2 * 5 + 1);
	iptree_free(t);
}

static void test_ranges(void)
{
	struct iptree *t = iptree_new();
	struct addr_range r;
	struct hits h;

	/* 10.0.0.5 .. 10.0.0.17 = /32 + /31 + /30 (8..11) + /30 (12..15) + /31 (16,17) */
	r.lo = A("10.0.0.5");
	r.hi = A("10.0.0.17");
	CU_ASSERT_EQUAL(iptree_insert_range(t, &r, 7), 0);
	CU_ASSERT_EQUAL(lookup(t, "10.0.0.4").n, 0);
	CU_ASSERT_EQUAL(lookup(t, "10.0.0.5").n, 1);
	CU_ASSERT_EQUAL(lookup(t, "10.0.0.11").n, 1);
	CU_ASSERT_EQUAL(lookup(t, "10.0.0.17").n, 1);
	CU_ASSERT_EQUAL(lookup(t, "10.0.0.18").n, 0);
	/* the whole space */
	memset(&r.lo, 0, sizeof(r.lo));
	memset(&r.hi, 0xff, sizeof(r.hi));
	CU_ASSERT_EQUAL(iptree_insert_range(t, &r, 9), 0);
	h = lookup(t, "2001:db8::1");
	CU_ASSERT_EQUAL(h.n, 1);
	CU_ASSERT_EQUAL(h.v[0], 9);
	h = lookup(t, "10.0.0.6");
	CU_ASSERT_EQUAL(h.n, 2);
	CU_ASSERT_EQUAL(h.v[0], 9);
	CU_ASSERT_EQUAL(h.v[1], 7);
	/* the top of the space, a single address */
	r.lo = r.hi;
	CU_ASSERT_EQUAL(iptree_insert_range(t, &r, 11), 0);
	CU_ASSERT_EQUAL(lookup(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").n, 2);
	/* an empty range is refused */
	r.lo = A("10.0.0.9");
	r.hi = A("10.0.0.8");
	CU_ASSERT_EQUAL(iptree_insert_range(t, &r, 12), -22);
	iptree_free(t);
}

static int stop_at_first(void *ud, uint32_t value)
{
	*(uint32_t *)ud = value;
	return 1;
}

static void test_many_and_stop(void)
{
	struct iptree *t = iptree_new();
	uint32_t first = 0;
	struct addr128 a;

	for (uint32_t i = 0; i < 10000; i++) {
		char s[32];

		snprintf(s, sizeof(s), "198.%u.%u.%u", 18 + i / 65536 % 2, i / 256 % 256, i % 256);
		a = A(s);
		CU_ASSERT_EQUAL_FATAL(iptree_insert(t, &a, 128, i), 0);
	}
	CU_ASSERT(iptree_nodes(t) <= 2 * 10000 + 1);
	CU_ASSERT_EQUAL(lookup(t, "198.18.39.15").n, 1);
	CU_ASSERT_EQUAL(lookup(t, "198.18.39.15").v[0], 39 * 256 + 15);
	CU_ASSERT_EQUAL(lookup(t, "198.18.40.16").n, 0);
	a = A("198.18.0.0");
	iptree_insert(t, &a, 96 + 16, 99999);
	a = A("198.18.1.1");
	iptree_lookup(t, &a, stop_at_first, &first);
	CU_ASSERT_EQUAL(first, 99999);
	iptree_free(t);
	iptree_free(NULL);
}

struct prefixes {
	char s[8][48];
	unsigned n;
};

static int collect_prefix(void *ud, const struct addr128 *pfx, unsigned len)
{
	struct prefixes *p = ud;
	char a[46];

	if (p->n == 8)
		return -E2BIG;
	addr_format(pfx, a, sizeof(a));
	snprintf(p->s[p->n++], sizeof(p->s[0]), "%s/%u", a, len);
	return 0;
}

static void test_range_to_prefixes(void)
{
	struct addr_range r = {A("10.0.0.5"), A("10.0.0.17")};
	struct prefixes p = {0};

	/* ascending, minimal, IPv4-mapped lengths (96 + v4 bits) */
	CU_ASSERT_EQUAL(iptree_range_to_prefixes(&r, collect_prefix, &p), 0);
	CU_ASSERT_EQUAL_FATAL(p.n, 4);
	CU_ASSERT_STRING_EQUAL(p.s[0], "10.0.0.5/128");
	CU_ASSERT_STRING_EQUAL(p.s[1], "10.0.0.6/127");
	CU_ASSERT_STRING_EQUAL(p.s[2], "10.0.0.8/125");
	CU_ASSERT_STRING_EQUAL(p.s[3], "10.0.0.16/127");
	/* one exact prefix stays one */
	memset(&p, 0, sizeof(p));
	r.lo = A("2001:db8::");
	r.hi = A("2001:db8:0:ffff:ffff:ffff:ffff:ffff");
	CU_ASSERT_EQUAL(iptree_range_to_prefixes(&r, collect_prefix, &p), 0);
	CU_ASSERT_EQUAL_FATAL(p.n, 1);
	CU_ASSERT_STRING_EQUAL(p.s[0], "2001:db8::/48");
	/* the whole space is ::/0 */
	memset(&p, 0, sizeof(p));
	memset(&r.lo, 0, sizeof(r.lo));
	memset(&r.hi, 0xff, sizeof(r.hi));
	CU_ASSERT_EQUAL(iptree_range_to_prefixes(&r, collect_prefix, &p), 0);
	CU_ASSERT_EQUAL_FATAL(p.n, 1);
	CU_ASSERT_STRING_EQUAL(p.s[0], "::/0");
	/* the callback's error stops the walk: ::1 .. ::ffff needs 16 prefixes */
	memset(&p, 0, sizeof(p));
	r.lo = A("::1");
	r.hi = A("::ffff");
	CU_ASSERT_EQUAL(iptree_range_to_prefixes(&r, collect_prefix, &p), -E2BIG);
	CU_ASSERT_EQUAL(p.n, 8);
	/* an empty range is refused before any call */
	memset(&p, 0, sizeof(p));
	r.lo = A("10.0.0.9");
	r.hi = A("10.0.0.8");
	CU_ASSERT_EQUAL(iptree_range_to_prefixes(&r, collect_prefix, &p), -EINVAL);
	CU_ASSERT_EQUAL(p.n, 0);
}

static CU_TestInfo tests[] = {
	{"prefixes", test_prefixes},
	{"ranges", test_ranges},
	{"many and early stop", test_many_and_stop},
	{"range to prefixes", test_range_to_prefixes},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"iptree", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
