/*
 * test_compile.c — rules to parts, slots and databases: how each construct
 * is split, where it lands, what is rejected and with which message, and
 * the header-only index.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "header.h"
#include "vars.h"

static struct rules_db *compile(const char *text, struct ruleset **rs_out)
{
	struct vars *v = vars_new();
	struct ruleset *rs = ruleset_new();
	struct rules_db *db = NULL;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(ruleset_load_string(rs, "t.rules", text, v), 0);
	if (rules_db_compile(rs, &db, NULL, err, sizeof(err)) != 0) {
		db = NULL;
		*rs_out = rs;
	} else {
		*rs_out = db->rs;
	}
	vars_free(v);
	return db;
}

static const char *error_of(const struct ruleset *rs, uint32_t i)
{
	static char buf[512];

	if (i >= rs->n_errors)
		return "";
	rule_error_format(&rs->errors[i], buf, sizeof(buf));
	return buf;
}

static void test_parts_and_slots(void)
{
	struct ruleset *rs;
	struct rules_db *db = compile(
		/* 1: one content on TCP to_server: one part, stream to_server only */
		"alert tcp any any -> any 80 (msg:\"a\"; flow:to_server; content:\"evil\"; sid:1;)\n"
		/* 2: chain + independent content: two parts */
		"alert tcp any any -> any any (msg:\"b\"; content:\"ab\"; content:\"cd\"; distance:0; "
		"content:\"zz\"; sid:2;)\n"
		/* 3: content + pcre on one buffer: the pcre verifies */
		"alert udp any any -> any any (msg:\"c\"; content:\"x\"; pcre:\"/x[0-9]+/\"; sid:3;)\n"
		/* 4: sticky buffers: one part each */
		"alert http any any -> any any (msg:\"d\"; http.host; content:\"bad.example\"; "
		"http.uri; content:\"/gate\"; sid:4;)\n"
		/* 5: header only */
		"alert ip any any -> 198.51.100.7 any (msg:\"e\"; sid:5;)\n"
		/* 6: pcre alone, Hyperscan cannot: prefilter + pcre2 */
		"alert tcp any any -> any any (msg:\"f\"; pcre:\"/(ab)\\1/\"; sid:6;)\n"
		/* 7: ip content: stream and packet, both directions */
		"alert ip any any -> any any (msg:\"g\"; content:\"uid=0\"; sid:7;)\n"
		/* 9 (listed 8th): offset/depth become bounds on the match end */
		"alert udp any any -> any any (msg:\"i\"; content:\"abc\"; offset:2; depth:5; "
		"sid:9;)\n"
		/* 8: a negated content next to a positive one */
		"alert tcp any any -> any any (msg:\"h\"; content:\"GET\"; content:!\"Mozilla\"; "
		"sid:8;)\n",
		&rs);
	const struct rules_rule *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	CU_ASSERT_EQUAL(rs->n_errors, 0);
	CU_ASSERT_EQUAL(db->n_rules, 9);

	r = &db->rules[0];
	CU_ASSERT_EQUAL(r->n_parts, 1);
	CU_ASSERT_EQUAL(r->flags, RULES_F_SIMPLE | RULES_F_STREAM_PARTS);
	CU_ASSERT_STRING_EQUAL(r->key, "1:1");
	r = &db->rules[1];
	CU_ASSERT_EQUAL(r->n_parts, 2);
	CU_ASSERT_EQUAL(r->need, 3);
	CU_ASSERT_EQUAL(r->payload_mask, 3);
	CU_ASSERT_FALSE(r->flags & RULES_F_SIMPLE);
	r = &db->rules[2];
	CU_ASSERT_EQUAL(r->n_parts, 2);
	CU_ASSERT_EQUAL(r->verify_mask, 2);
	CU_ASSERT(r->flags & RULES_F_VERIFY);
	CU_ASSERT_EQUAL(db->parts[r->first_part + 1].kind, PART_VERIFY);
	/* Hyperscan accepts this one: it verifies, PCRE2 is not needed */
	CU_ASSERT_PTR_NOT_NULL(db->parts[r->first_part + 1].vdb);
	CU_ASSERT_PTR_NULL(db->parts[r->first_part + 1].re);
	r = &db->rules[3];
	CU_ASSERT_EQUAL(r->n_parts, 2);
	CU_ASSERT_EQUAL(db->parts[r->first_part].buffer, BUFFER_HTTP_URI);
	CU_ASSERT_EQUAL(db->parts[r->first_part + 1].buffer, BUFFER_HTTP_HOST);
	CU_ASSERT_EQUAL(r->payload_mask, 0);
	r = &db->rules[4];
	CU_ASSERT_EQUAL(r->n_parts, 0);
	CU_ASSERT_EQUAL(r->flags, RULES_F_IP_ONLY);
	CU_ASSERT_EQUAL(db->n_ip_only, 1);
	CU_ASSERT_EQUAL(db->n_ip_wide, 0);
	r = &db->rules[5];
	CU_ASSERT_EQUAL(r->n_parts, 1);
	CU_ASSERT(db->parts[r->first_part].prefilter);
	CU_ASSERT(r->flags & RULES_F_SIMPLE);
	r = &db->rules[7];
	CU_ASSERT_EQUAL(r->r->sid, 9);
	CU_ASSERT_EQUAL(db->parts[r->first_part].min_end, 5);
	CU_ASSERT_EQUAL(db->parts[r->first_part].max_end, 7);
	CU_ASSERT(db->parts[r->first_part].anchored);
	CU_ASSERT_EQUAL(db->parts[db->rules[0].first_part].max_end, UINT64_MAX);
	r = &db->rules[8];
	CU_ASSERT_EQUAL(r->need, 1);
	CU_ASSERT_EQUAL(r->neg, 2);

	/* slot contents: rule 1 to_server only; 2, 6, 7, 8 both ways; 3 and 7 in packets */
	CU_ASSERT_EQUAL(db->n_patterns[SLOT_STREAM_TS], 1 + 2 + 1 + 1 + 2);
	CU_ASSERT_EQUAL(db->n_patterns[SLOT_STREAM_TC], 2 + 1 + 1 + 2);
	CU_ASSERT_EQUAL(db->n_patterns[SLOT_PACKET_TS], 1 + 1 + 1);
	CU_ASSERT_EQUAL(db->n_patterns[SLOT_PACKET_TC], 1 + 1 + 1);
	CU_ASSERT_EQUAL(db->n_patterns[SLOT_HTTP_HOST], 1);
	CU_ASSERT_EQUAL(db->n_patterns[SLOT_HTTP_URI], 1);
	CU_ASSERT_PTR_NULL(db->db[SLOT_DNS_QUERY]);
	CU_ASSERT(db->stream_state_bytes[0] > 0);
	rules_db_free(db);
}

static void test_rejections(void)
{
	struct ruleset *rs;
	struct rules_db *db = compile(
		"alert tcp any any -> any any (msg:\"ok\"; content:\"fine\"; sid:1;)\n"
		"alert tcp any any -> any any (msg:\"neg\"; content:\"a\"; content:\"b\"; "
		"distance:-2; sid:2;)\n"
		"alert tcp any any -> any any (msg:\"onlyneg\"; content:!\"a\"; sid:3;)\n"
		"alert tcp any any -> any any (msg:\"negpcre\"; pcre:!\"/a/\"; sid:4;)\n"
		"alert tcp any any -> any any (msg:\"negrel\"; content:\"a\"; content:!\"b\"; "
		"distance:0; sid:5;)\n",
		&rs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	CU_ASSERT_EQUAL(db->n_rules, 1);
	CU_ASSERT_EQUAL(rs->n_rules, 1);
	CU_ASSERT_EQUAL(rs->rules[0]->sid, 1);
	CU_ASSERT_EQUAL(rs->n_errors, 4);
	CU_ASSERT_STRING_EQUAL(error_of(rs, 0),
			       "t.rules:2: sid 2: negative distance (-2) is not supported");
	CU_ASSERT_STRING_EQUAL(
		error_of(rs, 1),
		"t.rules:3: sid 3: a rule needs at least one content or pcre that is not negated");
	CU_ASSERT_STRING_EQUAL(error_of(rs, 2),
			       "t.rules:4: sid 4: a negated pcre needs a content on the same buffer");
	CU_ASSERT_STRING_EQUAL(
		error_of(rs, 3),
		"t.rules:5: sid 5: negated content with distance/within is not supported");
	rules_db_free(db);
}

static void test_nothing_left(void)
{
	struct vars *v = vars_new();
	struct ruleset *rs = ruleset_new();
	struct rules_db *db = NULL;
	char err[256];

	ruleset_load_string(rs, "t.rules",
			    "alert tcp any any -> any any (msg:\"x\"; content:!\"a\"; sid:1;)\n", v);
	CU_ASSERT_EQUAL(rules_db_compile(rs, &db, NULL, err, sizeof(err)), -2);
	CU_ASSERT_PTR_NULL(db);
	CU_ASSERT_STRING_EQUAL(err, "no rule could be compiled");
	CU_ASSERT_EQUAL(rs->n_rules, 0);
	CU_ASSERT_EQUAL(rs->n_errors, 1);
	ruleset_free(rs);
	vars_free(v);
}

static struct addr128 A(const char *s)
{
	struct addr128 a;
	uint8_t v4[4];

	if (inet_pton(AF_INET, s, v4) == 1)
		addr_from_v4(&a, v4);
	else
		inet_pton(AF_INET6, s, a.b);
	return a;
}

static int collect(void *ud, uint32_t v)
{
	uint32_t *mask = ud;

	*mask |= 1u << v;
	return 0;
}

static void test_ip_only_index(void)
{
	struct ruleset *rs;
	struct rules_db *db = compile(
		"alert ip any any -> 198.51.100.7 any (msg:\"dst\"; sid:1;)\n"
		"alert ip 203.0.113.0/24 any -> any any (msg:\"src\"; sid:2;)\n"
		"alert ip 203.0.113.9 any <> $HOME_NET any (msg:\"both\"; sid:3;)\n"
		"alert tcp any any -> any 502 (msg:\"wide\"; sid:4;)\n",
		&rs);
	struct addr128 a;
	uint32_t src = 0, dst = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	CU_ASSERT_EQUAL(db->n_ip_only, 4);
	CU_ASSERT_EQUAL(db->n_ip_wide, 1);
	CU_ASSERT_EQUAL(db->ip_wide[0], 3);
	a = A("203.0.113.9");
	iptree_lookup(db->ip_by_src, &a, collect, &src);
	iptree_lookup(db->ip_by_dst, &a, collect, &dst);
	CU_ASSERT_EQUAL(src, (1u << 1) | (1u << 2));
	CU_ASSERT_EQUAL(dst, 1u << 2); /* <> indexes the other end too */
	src = dst = 0;
	a = A("198.51.100.7");
	iptree_lookup(db->ip_by_dst, &a, collect, &dst);
	CU_ASSERT_EQUAL(dst, 1u << 0);
	rules_db_free(db);
}

/* The narrower side is judged over the families both sides share. */
static void test_ip_only_families(void)
{
	struct ruleset *rs;
	struct rules_db *db = compile(
		/* an IPv6 source and an IPv4-only destination: never */
		"alert ip 2001:db8:bad::/48 any -> [10.20.0.0/16,10.30.0.0/16] any (msg:\"a\"; "
		"sid:1;)\n"
		/* the IPv6 half of the source does not count: /24 vs one address */
		"alert ip [10.0.0.0/8,2001:db8::/32] any -> 192.0.2.1 any (msg:\"b\"; sid:2;)\n"
		/* over IPv4 the source is a /24, the destination two /16: by source */
		"alert ip 192.0.2.0/24 any -> [10.20.0.0/16,10.30.0.0/16,2001:db8::1] any "
		"(msg:\"c\"; sid:3;)\n"
		/* an IPv6 range straddling nothing, against any: by source */
		"alert ip 2001:db8:bad::/48 any -> any any (msg:\"d\"; sid:4;)\n",
		&rs);
	struct addr128 a;
	uint32_t src = 0, dst = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	CU_ASSERT_EQUAL(db->rules[0].ip_key, RULES_IP_KEY_NEVER);
	CU_ASSERT_EQUAL(db->rules[1].ip_key, RULES_IP_KEY_DST);
	CU_ASSERT_EQUAL(db->rules[2].ip_key, RULES_IP_KEY_SRC);
	CU_ASSERT_EQUAL(db->rules[3].ip_key, RULES_IP_KEY_SRC);
	a = A("10.20.1.1");
	iptree_lookup(db->ip_by_src, &a, collect, &src);
	iptree_lookup(db->ip_by_dst, &a, collect, &dst);
	CU_ASSERT_EQUAL(src, 0);
	CU_ASSERT_EQUAL(dst, 0); /* rule 1 is indexed nowhere, rule 3 by source */
	rules_db_free(db);
}

static void test_header_match(void)
{
	struct ruleset *rs;
	struct rules_db *db = compile(
		"alert tcp 10.0.0.0/8 any -> !10.0.0.0/8 [80,443,8000:8080] (msg:\"a\"; sid:1;)\n"
		"alert tcp 10.1.1.1 1000:2000 <> 192.0.2.1 any (msg:\"b\"; sid:2;)\n"
		"alert ip any any -> 2001:db8::/32 any (msg:\"c\"; sid:3;)\n",
		&rs);
	struct addr128 in = A("10.2.3.4"), out = A("192.0.2.1"), one = A("10.1.1.1"),
		       v6 = A("2001:db8::5"), v6b = A("2001:db9::5");

	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	CU_ASSERT(rule_header_match(db->rules[0].r, &in, 5555, &out, 443, true));
	CU_ASSERT(rule_header_match(db->rules[0].r, &in, 5555, &out, 8080, true));
	CU_ASSERT_FALSE(rule_header_match(db->rules[0].r, &in, 5555, &out, 8081, true));
	CU_ASSERT_FALSE(rule_header_match(db->rules[0].r, &out, 443, &in, 5555, true));
	CU_ASSERT_FALSE(rule_header_match(db->rules[0].r, &in, 5555, &in, 443, true));
	CU_ASSERT_FALSE(rule_header_match(db->rules[0].r, &in, 0, &out, 0, false));
	/* <> either way, ports follow their address */
	CU_ASSERT(rule_header_match(db->rules[1].r, &one, 1500, &out, 80, true));
	CU_ASSERT(rule_header_match(db->rules[1].r, &out, 80, &one, 1500, true));
	CU_ASSERT_FALSE(rule_header_match(db->rules[1].r, &out, 1500, &one, 80, true));
	/* no ports: only any/any rules */
	CU_ASSERT(rule_header_match(db->rules[2].r, &in, 0, &v6, 0, false));
	CU_ASSERT_FALSE(rule_header_match(db->rules[2].r, &in, 0, &v6b, 0, false));
	rules_db_free(db);
}

static CU_TestInfo tests[] = {
	{"parts and slots", test_parts_and_slots},
	{"rejections", test_rejections},
	{"no rule left", test_nothing_left},
	{"header-only index", test_ip_only_index},
	{"header-only index by family", test_ip_only_families},
	{"header match", test_header_match},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"compile", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
