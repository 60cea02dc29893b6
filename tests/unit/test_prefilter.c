/*
 * test_prefilter.c — what a rule set lets through early: port bitmaps per
 * protocol, whole protocols, indicator ranges with their rule ids, and the
 * libpcap expression with the same meaning.
 */
#include "unit.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "prefilter.h"
#include "vars.h"

static struct rules_db *compile(const char *text)
{
	struct vars *v = vars_new();
	struct ruleset *rs = ruleset_new();
	struct rules_db *db = NULL;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(ruleset_load_string(rs, "t.rules", text, v), 0);
	CU_ASSERT_EQUAL_FATAL(rules_db_compile(rs, &db, NULL, err, sizeof(err)), 0);
	vars_free(v);
	return db;
}

/* The db owns its rule set. */
static void drop(struct rules_db *db, struct prefilter *pf)
{
	prefilter_free(pf);
	rules_db_free(db);
}

/* The expression must compile with libpcap for Ethernet. */
static bool pcap_accepts(const char *expr)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	struct bpf_program prog;
	bool ok;

	ok = pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (ok)
		pcap_freecode(&prog);
	else
		fprintf(stderr, "pcap: %s\n", pcap_geterr(p));
	pcap_close(p);
	return ok;
}

static void test_ports(void)
{
	struct rules_db *db = compile(
		"alert tcp any any -> any 80 (msg:\"a\"; content:\"x\"; sid:1;)\n"
		"alert tcp any [1024:1030] -> any any (msg:\"b\"; content:\"y\"; sid:2;)\n"
		"alert udp any any -> any [53,5353] (msg:\"c\"; content:\"z\"; sid:3;)\n"
		"alert dns any any -> any 5300 (msg:\"d\"; dns.query; content:\"q\"; sid:4;)\n");
	struct prefilter *pf = prefilter_build(db);

	CU_ASSERT_PTR_NOT_NULL_FATAL(pf);
	CU_ASSERT_FALSE(pf->all_tcp || pf->all_udp || pf->all_other);
	CU_ASSERT_TRUE(prefilter_port(pf, 6, 80));
	CU_ASSERT_FALSE(prefilter_port(pf, 6, 81));
	CU_ASSERT_FALSE(prefilter_port(pf, 6, 1023));
	CU_ASSERT_TRUE(prefilter_port(pf, 6, 1024));
	CU_ASSERT_TRUE(prefilter_port(pf, 6, 1030));
	CU_ASSERT_FALSE(prefilter_port(pf, 6, 1031));
	CU_ASSERT_FALSE(prefilter_port(pf, 6, 53));
	CU_ASSERT_TRUE(prefilter_port(pf, 17, 53));
	CU_ASSERT_TRUE(prefilter_port(pf, 17, 5353));
	CU_ASSERT_FALSE(prefilter_port(pf, 17, 80));
	/* dns: both transports */
	CU_ASSERT_TRUE(prefilter_port(pf, 6, 5300));
	CU_ASSERT_TRUE(prefilter_port(pf, 17, 5300));
	CU_ASSERT_FALSE(prefilter_port(pf, 1, 0));
	CU_ASSERT_EQUAL(pf->n_indicators, 0);
	{
		char *e = prefilter_pcap_expression(pf);
		const char *want =
			"((tcp and (port 80 or portrange 1024-1030 or port 5300)) or "
			"(udp and (port 53 or port 5300 or port 5353)) or "
			"(ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] != 6 and ip6[6] != 17))";

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(strncmp(e, want, strlen(want)), 0);
		/* then want again after one tag, and after two */
		CU_ASSERT_EQUAL(strncmp(e + strlen(want), " or (vlan and (", 15), 0);
		CU_ASSERT_EQUAL(strncmp(e + strlen(want) + 15, want, strlen(want)), 0);
		CU_ASSERT_EQUAL(strncmp(e + 2 * strlen(want) + 15, " or (vlan and ", 14), 0);
		CU_ASSERT_EQUAL(strncmp(e + 2 * strlen(want) + 29, want, strlen(want)), 0);
		CU_ASSERT_STRING_EQUAL(e + 3 * strlen(want) + 29, ")))");
		CU_ASSERT_TRUE(pcap_accepts(e));
		free(e);
	}
	drop(db, pf);
}

static void test_whole_protocols(void)
{
	struct rules_db *db = compile(
		"alert tcp any any -> any any (msg:\"a\"; content:\"x\"; sid:1;)\n"
		"alert icmp any any -> any any (msg:\"b\"; content:\"y\"; sid:2;)\n");
	struct prefilter *pf = prefilter_build(db);
	char *e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pf);
	CU_ASSERT_TRUE(pf->all_tcp);
	CU_ASSERT_FALSE(pf->all_udp);
	CU_ASSERT_TRUE(pf->all_other);
	CU_ASSERT_TRUE(prefilter_port(pf, 6, 12345));
	CU_ASSERT_FALSE(prefilter_port(pf, 17, 53));
	CU_ASSERT_TRUE(prefilter_port(pf, 1, 0));
	e = prefilter_pcap_expression(pf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(strncmp(e, "(tcp or ((ip or ip6) and not tcp and not udp) or ", 47), 0);
	CU_ASSERT_TRUE(pcap_accepts(e));
	free(e);
	drop(db, pf);

	/* an ip any any rule wants everything: no filter at all */
	db = compile("alert ip any any -> any any (msg:\"c\"; content:\"z\"; sid:3;)\n");
	pf = prefilter_build(db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pf);
	CU_ASSERT_TRUE(pf->all_tcp && pf->all_udp && pf->all_other);
	CU_ASSERT_PTR_NULL(prefilter_pcap_expression(pf));
	drop(db, pf);
}

static void test_indicators(void)
{
	struct rules_db *db = compile(
		"alert tcp any any -> any 443 (msg:\"a\"; content:\"x\"; sid:1;)\n"
		"alert ip any any -> 198.51.100.7 any (msg:\"ioc1\"; sid:2;)\n"
		"alert ip [203.0.113.0/24,2001:db8::1] any -> any any (msg:\"ioc2\"; sid:3;)\n"
		"alert ip any any -> [10.0.0.1-10.0.0.6] any (msg:\"ioc3\"; sid:4;)\n"
		/* header-only with a port: judged by the port, not an indicator */
		"alert tcp !10.30.1.10 any -> 10.30.2.0/24 502 (msg:\"m\"; sid:5;)\n");
	struct prefilter *pf = prefilter_build(db);
	char *e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pf);
	/* indicators do not open whole protocols */
	CU_ASSERT_FALSE(pf->all_tcp || pf->all_udp || pf->all_other);
	CU_ASSERT_EQUAL_FATAL(pf->n_indicators, 4);
	CU_ASSERT_EQUAL(pf->indicator_ids[0], 1);
	CU_ASSERT_EQUAL(pf->indicator_ids[1], 2);
	CU_ASSERT_EQUAL(pf->indicator_ids[2], 2);
	CU_ASSERT_EQUAL(pf->indicator_ids[3], 3);
	CU_ASSERT_TRUE(prefilter_port(pf, 6, 502));
	CU_ASSERT_FALSE(prefilter_port(pf, 17, 502));
	e = prefilter_pcap_expression(pf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e, " or net 198.51.100.7/32 or net 203.0.113.0/24 or "
				       "net 2001:db8::1/128 or net 10.0.0.1/32 or net 10.0.0.2/31 or "
				       "net 10.0.0.4/31 or net 10.0.0.6/32)"));
	CU_ASSERT_TRUE(pcap_accepts(e));
	free(e);
	drop(db, pf);
}

static void test_too_large_for_pcap(void)
{
	char *text = malloc(300 * 80), *p = text;
	struct rules_db *db;
	struct prefilter *pf;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (int i = 0; i < 300; i++)
		p += sprintf(p, "alert tcp any any -> any %d (msg:\"p\"; content:\"x\"; sid:%d;)\n",
			     1000 + 2 * i, i + 1);
	db = compile(text);
	pf = prefilter_build(db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pf);
	CU_ASSERT_TRUE(prefilter_port(pf, 6, 1598));
	CU_ASSERT_FALSE(prefilter_port(pf, 6, 1599));
	CU_ASSERT_PTR_NULL(prefilter_pcap_expression(pf));
	drop(db, pf);
	free(text);
}

static CU_TestInfo tests[] = {
	{"ports", test_ports},
	{"whole protocols", test_whole_protocols},
	{"indicators", test_indicators},
	{"too large for pcap", test_too_large_for_pcap},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"prefilter", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
