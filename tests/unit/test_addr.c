/*
 * test_addr.c — address literals and address sets: parsing, normalisation,
 * negation over the whole 128-bit space, variables and every error.
 */
#include "unit.h"

#include "addr.h"
#include "vars.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct addr128 A(const char *s)
{
	struct addr128 a;
	uint8_t b[16];

	if (strchr(s, ':')) {
		CU_ASSERT_FATAL(inet_pton(AF_INET6, s, b) == 1);
		addr_from_v6(&a, b);
	} else {
		CU_ASSERT_FATAL(inet_pton(AF_INET, s, b) == 1);
		addr_from_v4(&a, b);
	}
	return a;
}

/* Parses text and returns its formatted normal form ("ERR: reason" on error). */
static const char *norm(const char *text, const struct vars *v)
{
	static char out[512];
	struct addr_set s;
	char err[256];

	if (addr_set_parse(&s, text, v, err, sizeof(err)) < 0) {
		snprintf(out, sizeof(out), "ERR: %s", err);
		CU_ASSERT_PTR_NULL(s.r);
		CU_ASSERT_EQUAL(s.n, 0);
		return out;
	}
	addr_set_format(&s, out, sizeof(out));
	addr_set_fini(&s);
	return out;
}

static void test_literal(void)
{
	struct addr_range r;
	char err[128], buf[64];

	CU_ASSERT_EQUAL(addr_parse_cidr("10.1.2.3", &r, err, sizeof(err)), 0);
	CU_ASSERT(addr_cmp(&r.lo, &r.hi) == 0);
	CU_ASSERT(addr_is_v4(&r.lo));
	addr_format(&r.lo, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "10.1.2.3");

	/* host bits are masked off */
	CU_ASSERT_EQUAL(addr_parse_cidr("10.1.2.3/8", &r, err, sizeof(err)), 0);
	addr_format(&r.lo, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "10.0.0.0");
	addr_format(&r.hi, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "10.255.255.255");

	/* dotted netmask */
	CU_ASSERT_EQUAL(addr_parse_cidr("192.168.1.0/255.255.255.0", &r, err, sizeof(err)), 0);
	addr_format(&r.hi, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "192.168.1.255");

	/* IPv6 */
	CU_ASSERT_EQUAL(addr_parse_cidr("2001:db8::1/32", &r, err, sizeof(err)), 0);
	CU_ASSERT(!addr_is_v4(&r.lo));
	addr_format(&r.lo, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8::");
	addr_format(&r.hi, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");

	/* v4-mapped literal is the same address as the IPv4 one */
	CU_ASSERT_EQUAL(addr_parse_cidr("::ffff:1.2.3.4", &r, err, sizeof(err)), 0);
	CU_ASSERT(addr_is_v4(&r.lo));
	addr_format(&r.lo, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1.2.3.4");

	/* /0 of a family is the whole family */
	CU_ASSERT_EQUAL(addr_parse_cidr("0.0.0.0/0", &r, err, sizeof(err)), 0);
	addr_format(&r.lo, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "0.0.0.0");
	addr_format(&r.hi, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "255.255.255.255");

	/* ranges */
	CU_ASSERT_EQUAL(addr_parse_cidr("1.2.3.4-1.2.3.10", &r, err, sizeof(err)), 0);
	addr_format(&r.hi, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1.2.3.10");
}

static void test_literal_errors(void)
{
	struct addr_range r;
	char err[128];

	CU_ASSERT_EQUAL(addr_parse_cidr("1.2.3", &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "invalid address \"1.2.3\"");
	CU_ASSERT_EQUAL(addr_parse_cidr("1.2.3.256", &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "invalid address \"1.2.3.256\"");
	CU_ASSERT_EQUAL(addr_parse_cidr("1.2.3.4/33", &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "invalid prefix \"/33\" in \"1.2.3.4/33\"");
	CU_ASSERT_EQUAL(addr_parse_cidr("::1/129", &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "invalid prefix \"/129\" in \"::1/129\"");
	CU_ASSERT_EQUAL(addr_parse_cidr("1.2.3.4/", &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "invalid prefix \"/\" in \"1.2.3.4/\"");
	CU_ASSERT_EQUAL(addr_parse_cidr("1.2.3.4/255.0.255.0", &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "invalid prefix \"/255.0.255.0\" in \"1.2.3.4/255.0.255.0\"");
	CU_ASSERT_EQUAL(addr_parse_cidr("1.2.3.9-1.2.3.4", &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "address range \"1.2.3.9-1.2.3.4\" is reversed");
	CU_ASSERT_EQUAL(addr_parse_cidr("1.2.3.4-::1", &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "invalid address \"1.2.3.4-::1\"");
	CU_ASSERT_EQUAL(addr_parse_cidr("", &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "invalid address \"\"");
	CU_ASSERT_EQUAL(addr_parse_cidr("example.com", &r, err, sizeof(err)), -EINVAL);
}

static void test_sets(void)
{
	CU_ASSERT_STRING_EQUAL(norm("any", NULL), "any");
	CU_ASSERT_STRING_EQUAL(norm("ANY", NULL), "any");
	CU_ASSERT_STRING_EQUAL(norm("::/0", NULL), "any");
	CU_ASSERT_STRING_EQUAL(norm("1.2.3.4", NULL), "1.2.3.4");
	CU_ASSERT_STRING_EQUAL(norm("[1.2.3.4]", NULL), "1.2.3.4");
	/* sorted, merged (overlap and adjacency) */
	CU_ASSERT_STRING_EQUAL(norm("[10.0.0.0/8,1.2.3.4,10.1.0.0/16]", NULL),
			       "[1.2.3.4,10.0.0.0/8]");
	CU_ASSERT_STRING_EQUAL(norm("[1.2.3.0/25,1.2.3.128/25]", NULL), "1.2.3.0/24");
	CU_ASSERT_STRING_EQUAL(norm("[1.2.3.4,1.2.3.5,1.2.3.6]", NULL), "1.2.3.4-1.2.3.6");
	/* spaces inside lists, nested lists */
	CU_ASSERT_STRING_EQUAL(norm("[ 1.2.3.4 , [5.6.7.8, [::1]] ]", NULL),
			       "[::1,1.2.3.4,5.6.7.8]");
	/* negated element inside a list */
	CU_ASSERT_STRING_EQUAL(norm("[10.0.0.0/8,!10.128.0.0/9]", NULL), "10.0.0.0/9");
	CU_ASSERT_STRING_EQUAL(norm("[10.0.0.0/8, !10.0.0.0/9, !10.255.255.255]", NULL),
			       "10.128.0.0-10.255.255.254");
	/* only negated elements: everything but them */
	CU_ASSERT_STRING_EQUAL(norm("[!0.0.0.0/1,!128.0.0.0/1,!::/1,!8000::/1]", NULL),
			       "ERR: \"[!0.0.0.0/1,!128.0.0.0/1,!::/1,!8000::/1]\" matches no address");
	/* negation of a v4 prefix covers the rest of v4 and all of v6 */
	CU_ASSERT_STRING_EQUAL(norm("!0.0.0.0/0", NULL), "[::-::fffe:ffff:ffff,::1:0:0:0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]");
	/* negated list */
	CU_ASSERT_STRING_EQUAL(norm("![::/1,8000::/1]", NULL),
			       "ERR: \"![::/1,8000::/1]\" matches no address");
	CU_ASSERT_STRING_EQUAL(norm("!!1.2.3.4", NULL), "1.2.3.4");
	/* a nested list is a set: [a,[b,!c]] = a + (b - c) */
	CU_ASSERT_STRING_EQUAL(norm("[1.2.3.4,[10.0.0.0/8,!1.2.3.4,!10.0.0.0/9]]", NULL),
			       "[1.2.3.4,10.128.0.0/9]");
}

static void test_contains(void)
{
	struct addr_set s;
	char err[128];
	struct addr128 a;

	CU_ASSERT_EQUAL_FATAL(addr_set_parse(&s, "[10.0.0.0/8,192.168.1.0/24,2001:db8::/32,!10.1.1.1]",
					     NULL, err, sizeof(err)), 0);
	CU_ASSERT(!s.any);
	CU_ASSERT_EQUAL(s.n, 4);
	a = A("10.1.1.0");
	CU_ASSERT(addr_set_contains(&s, &a));
	a = A("10.1.1.1");
	CU_ASSERT(!addr_set_contains(&s, &a));
	a = A("10.1.1.2");
	CU_ASSERT(addr_set_contains(&s, &a));
	a = A("11.0.0.0");
	CU_ASSERT(!addr_set_contains(&s, &a));
	a = A("192.168.1.255");
	CU_ASSERT(addr_set_contains(&s, &a));
	a = A("192.168.2.0");
	CU_ASSERT(!addr_set_contains(&s, &a));
	a = A("2001:db8:1::1");
	CU_ASSERT(addr_set_contains(&s, &a));
	a = A("2001:db9::");
	CU_ASSERT(!addr_set_contains(&s, &a));
	a = A("::");
	CU_ASSERT(!addr_set_contains(&s, &a));
	addr_set_fini(&s);

	/* !$HOME_NET-style negation: IPv6 outside it matches */
	CU_ASSERT_EQUAL_FATAL(addr_set_parse(&s, "!10.0.0.0/8", NULL, err, sizeof(err)), 0);
	a = A("2001:db8::1");
	CU_ASSERT(addr_set_contains(&s, &a));
	a = A("10.9.9.9");
	CU_ASSERT(!addr_set_contains(&s, &a));
	a = A("11.0.0.0");
	CU_ASSERT(addr_set_contains(&s, &a));
	addr_set_fini(&s);

	CU_ASSERT_EQUAL_FATAL(addr_set_parse(&s, "any", NULL, err, sizeof(err)), 0);
	CU_ASSERT(s.any);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_PTR_NULL(s.r);
	a = A("1.1.1.1");
	CU_ASSERT(addr_set_contains(&s, &a));
	addr_set_fini(&s);
	addr_set_fini(NULL);
}

static void test_equal(void)
{
	struct addr_set a, b, c;
	char err[128];

	CU_ASSERT_EQUAL(addr_set_parse(&a, "[10.0.0.0/9,10.128.0.0/9]", NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(addr_set_parse(&b, "10.0.0.0/8", NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(addr_set_parse(&c, "any", NULL, err, sizeof(err)), 0);
	CU_ASSERT(addr_set_equal(&a, &b));
	CU_ASSERT(!addr_set_equal(&a, &c));
	CU_ASSERT(addr_set_equal(&c, &c));
	addr_set_fini(&a);
	addr_set_fini(&b);
	addr_set_fini(&c);
}

static void test_vars(void)
{
	struct vars *v = vars_new();
	char err[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_STRING_EQUAL(norm("$HOME_NET", v), "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16]");
	CU_ASSERT_STRING_EQUAL(norm("[$HOME_NET,!10.0.0.0/8]", v), "[172.16.0.0/12,192.168.0.0/16]");
	CU_ASSERT_STRING_EQUAL(norm("[!$HOME_NET,!$EXTERNAL_NET]", v),
			       "ERR: \"[!$HOME_NET,!$EXTERNAL_NET]\" matches no address");
	/* EXTERNAL_NET = !$HOME_NET, so this is HOME_NET again */
	CU_ASSERT_STRING_EQUAL(norm("!$EXTERNAL_NET", v), "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16]");
	CU_ASSERT_STRING_EQUAL(norm("$HTTP_SERVERS", v), "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16]");
	CU_ASSERT_STRING_EQUAL(norm("$FOO", v), "ERR: unknown variable \"$FOO\"");
	CU_ASSERT_STRING_EQUAL(norm("$FOO", NULL), "ERR: unknown variable \"$FOO\"");
	CU_ASSERT_STRING_EQUAL(norm("$", v), "ERR: missing variable name after \"$\"");
	CU_ASSERT_STRING_EQUAL(norm("$HTTP_PORTS", v), "ERR: invalid address \"80\"");

	CU_ASSERT_EQUAL(vars_set(v, "A", "$B", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vars_set(v, "B", "[1.2.3.4,$A]", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(norm("$A", v), "ERR: variable loop: $A -> $B -> $A");
	CU_ASSERT_STRING_EQUAL(norm("[5.5.5.5,$B]", v), "ERR: variable loop: $B -> $A -> $B");
	CU_ASSERT_EQUAL(vars_set(v, "C", "1.2.3.4 junk", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(norm("$C", v), "ERR: unexpected \"junk\" in \"$C\"");
	vars_free(v);
}

static void test_errors(void)
{
	CU_ASSERT_STRING_EQUAL(norm("", NULL), "ERR: missing address");
	CU_ASSERT_STRING_EQUAL(norm("[]", NULL), "ERR: empty list \"[]\"");
	CU_ASSERT_STRING_EQUAL(norm("[1.2.3.4", NULL), "ERR: missing \"]\"");
	CU_ASSERT_STRING_EQUAL(norm("[1.2.3.4,]", NULL), "ERR: unexpected \"]\"");
	CU_ASSERT_STRING_EQUAL(norm("[1.2.3.4 5.6.7.8]", NULL), "ERR: unexpected \"5\" in list");
	CU_ASSERT_STRING_EQUAL(norm("1.2.3.4]", NULL), "ERR: unexpected \"]\" after the address");
	CU_ASSERT_STRING_EQUAL(norm("1.2.3.4 1.2.3.5", NULL),
			       "ERR: unexpected \"1.2.3.5\" after the address");
	CU_ASSERT_STRING_EQUAL(norm("!any", NULL), "ERR: \"!any\" matches no address");
	CU_ASSERT_STRING_EQUAL(norm("[1.2.3.4,!1.2.3.4]", NULL),
			       "ERR: \"[1.2.3.4,!1.2.3.4]\" matches no address");
	CU_ASSERT_STRING_EQUAL(norm("10.0.0.0/40", NULL),
			       "ERR: invalid prefix \"/40\" in \"10.0.0.0/40\"");
	CU_ASSERT_STRING_EQUAL(norm("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1.2.3.4]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
				    NULL),
			       "ERR: addresses nested deeper than 32");
	CU_ASSERT_STRING_EQUAL(norm("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				    NULL),
			       "ERR: invalid address \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"");
}

static CU_TestInfo tests[] = {
	{"literal", test_literal},
	{"literal errors", test_literal_errors},
	{"sets", test_sets},
	{"contains", test_contains},
	{"equal", test_equal},
	{"variables", test_vars},
	{"errors", test_errors},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"addr", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
