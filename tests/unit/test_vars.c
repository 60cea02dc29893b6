/*
 * test_vars.c — Suricata's default variables, vars_set checks, --set
 * assignments, the resolution chain with loop detection, and every error.
 */
#include "unit.h"

#include "vars.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void test_defaults(void)
{
	static const char *const home[] = {
		"HTTP_SERVERS", "SMTP_SERVERS", "SQL_SERVERS", "DNS_SERVERS", "TELNET_SERVERS",
		"DC_SERVERS", "DNP3_SERVER", "DNP3_CLIENT", "MODBUS_CLIENT", "MODBUS_SERVER",
		"ENIP_CLIENT", "ENIP_SERVER",
	};
	struct vars *v = vars_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_STRING_EQUAL(vars_get(v, "HOME_NET"), "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "EXTERNAL_NET"), "!$HOME_NET");
	for (size_t i = 0; i < sizeof(home) / sizeof(home[0]); i++)
		CU_ASSERT_STRING_EQUAL(vars_get(v, home[i]), "$HOME_NET");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "AIM_SERVERS"), "$EXTERNAL_NET");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "HTTP_PORTS"), "80");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "SHELLCODE_PORTS"), "!80");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "ORACLE_PORTS"), "1521");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "SSH_PORTS"), "22");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "DNP3_PORTS"), "20000");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "MODBUS_PORTS"), "502");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "FILE_DATA_PORTS"), "[$HTTP_PORTS,110,143]");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "FTP_PORTS"), "21");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "GENEVE_PORTS"), "6081");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "VXLAN_PORTS"), "4789");
	CU_ASSERT_STRING_EQUAL(vars_get(v, "TEREDO_PORTS"), "3544");
	CU_ASSERT_EQUAL(vars_count(v), 26);
	CU_ASSERT_STRING_EQUAL(vars_name(v, 0), "HOME_NET");
	CU_ASSERT_PTR_NULL(vars_name(v, 26));
	CU_ASSERT_PTR_NULL(vars_get(v, "home_net")); /* names are case-sensitive */
	CU_ASSERT_PTR_NULL(vars_get(v, "NOPE"));
	CU_ASSERT_PTR_NULL(vars_get(NULL, "HOME_NET"));
	vars_free(v);
	vars_free(NULL);
}

static void test_set(void)
{
	struct vars *v = vars_new();
	char err[128];

	CU_ASSERT_EQUAL(vars_set(v, "HOME_NET", "[10.20.0.0/16, 2001:db8::/32]", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(vars_get(v, "HOME_NET"), "[10.20.0.0/16, 2001:db8::/32]");
	CU_ASSERT_EQUAL(vars_count(v), 26); /* replaced, not added */
	CU_ASSERT_EQUAL(vars_set(v, "S7_PORTS", "102", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vars_count(v), 27);
	CU_ASSERT_STRING_EQUAL(vars_name(v, 26), "S7_PORTS");

	CU_ASSERT_EQUAL(vars_set(v, "", "1", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable name is empty");
	CU_ASSERT_EQUAL(vars_set(v, "A-B", "1", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "invalid variable name \"A-B\"");
	CU_ASSERT_EQUAL(vars_set(v, "X", "", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable \"$X\": empty value");
	CU_ASSERT_EQUAL(vars_set(v, "X", "  ", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable \"$X\": empty value");
	CU_ASSERT_EQUAL(vars_set(v, "X", "[1.2.3.4", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable \"$X\": unbalanced brackets in \"[1.2.3.4\"");
	CU_ASSERT_EQUAL(vars_set(v, "X", "1.2.3.4]", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable \"$X\": unbalanced brackets in \"1.2.3.4]\"");
	CU_ASSERT_EQUAL(vars_set(v, "X", "1.2.3.4;", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable \"$X\": invalid character ';' in \"1.2.3.4;\"");
	CU_ASSERT_EQUAL(vars_set(v, "X", "[1.2.3.4,$X]", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable \"$X\" refers to itself");
	/* $XY is not $X */
	CU_ASSERT_EQUAL(vars_set(v, "X", "$XY", err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(vars_get(v, "Y"));
	vars_free(v);
}

static void test_assignment(void)
{
	struct vars *v = vars_new();
	char err[128];

	CU_ASSERT_EQUAL(vars_set_assignment(v, "HOME_NET=[10.0.0.0/8]", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(vars_get(v, "HOME_NET"), "[10.0.0.0/8]");
	CU_ASSERT_EQUAL(vars_set_assignment(v, "$DNP3_PORTS=20000:20001", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(vars_get(v, "DNP3_PORTS"), "20000:20001");
	CU_ASSERT_EQUAL(vars_set_assignment(v, "vars.address-groups.S7_SERVER=10.1.1.1", err,
					    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(vars_get(v, "S7_SERVER"), "10.1.1.1");
	CU_ASSERT_EQUAL(vars_set_assignment(v, "vars.port-groups.S7_PORTS=102", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(vars_get(v, "S7_PORTS"), "102");
	/* the value may contain '=' only where the syntax allows it: not at all */
	CU_ASSERT_EQUAL(vars_set_assignment(v, "A=B=C", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable \"$A\": invalid character '=' in \"B=C\"");
	CU_ASSERT_EQUAL(vars_set_assignment(v, "HOME_NET", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "expected NAME=VALUE, got \"HOME_NET\"");
	CU_ASSERT_EQUAL(vars_set_assignment(v, "=1", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable name is empty");
	CU_ASSERT_EQUAL(vars_set_assignment(v, "X=", err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable \"$X\": empty value");
	vars_free(v);
}

static void test_chain(void)
{
	struct vars *v = vars_new();
	struct vars_chain c = {0};
	const char *val;
	char err[128];

	CU_ASSERT_EQUAL(vars_chain_push(&c, v, "HOME_NETX", 8, &val, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(val, "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
	CU_ASSERT_EQUAL(c.n, 1);
	CU_ASSERT_EQUAL(vars_chain_push(&c, v, "HOME_NET", 8, &val, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variable \"$HOME_NET\" refers to itself");
	CU_ASSERT_EQUAL(vars_chain_push(&c, v, "NOPE", 4, &val, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "unknown variable \"$NOPE\"");
	CU_ASSERT_EQUAL(vars_chain_push(&c, NULL, "NOPE", 4, &val, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "unknown variable \"$NOPE\"");
	vars_chain_pop(&c);
	CU_ASSERT_EQUAL(c.n, 0);
	vars_chain_pop(&c);
	CU_ASSERT_EQUAL(c.n, 0);

	/* a chain of distinct variables deeper than the limit */
	for (int i = 0; i <= VARS_DEPTH_MAX; i++) {
		char name[16], value[16];

		snprintf(name, sizeof(name), "V%d", i);
		snprintf(value, sizeof(value), "$V%d", i + 1);
		CU_ASSERT_EQUAL(vars_set(v, name, value, err, sizeof(err)), 0);
	}
	for (int i = 0; i < VARS_DEPTH_MAX; i++) {
		char name[16];

		snprintf(name, sizeof(name), "V%d", i);
		CU_ASSERT_EQUAL(vars_chain_push(&c, v, name, strlen(name), &val, err, sizeof(err)), 0);
	}
	CU_ASSERT_EQUAL(vars_chain_push(&c, v, "V16", 3, &val, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "variables nested deeper than 16 at \"$V16\"");
	vars_free(v);
}

static CU_TestInfo tests[] = {
	{"defaults", test_defaults},
	{"set", test_set},
	{"assignment", test_assignment},
	{"chain", test_chain},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"vars", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
