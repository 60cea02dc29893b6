/*
 * test_port.c — port sets: every syntax, normalisation, negation,
 * variables and every error.
 */
#include "unit.h"

#include "port.h"
#include "vars.h"

#include <errno.h>
#include <stdio.h>

static const char *norm(const char *text, const struct vars *v)
{
	static char out[512];
	struct port_set s;
	char err[256];

	if (port_set_parse(&s, text, v, err, sizeof(err)) < 0) {
		snprintf(out, sizeof(out), "ERR: %s", err);
		CU_ASSERT_PTR_NULL(s.r);
		return out;
	}
	port_set_format(&s, out, sizeof(out));
	port_set_fini(&s);
	return out;
}

static void test_syntax(void)
{
	CU_ASSERT_STRING_EQUAL(norm("any", NULL), "any");
	CU_ASSERT_STRING_EQUAL(norm("80", NULL), "80");
	CU_ASSERT_STRING_EQUAL(norm("0", NULL), "0");
	CU_ASSERT_STRING_EQUAL(norm("65535", NULL), "65535");
	CU_ASSERT_STRING_EQUAL(norm("1024:2048", NULL), "1024:2048");
	CU_ASSERT_STRING_EQUAL(norm("1024:", NULL), "1024:65535");
	CU_ASSERT_STRING_EQUAL(norm(":1023", NULL), "0:1023");
	CU_ASSERT_STRING_EQUAL(norm("0:65535", NULL), "any");
	CU_ASSERT_STRING_EQUAL(norm("80:80", NULL), "80");
	CU_ASSERT_STRING_EQUAL(norm("[80,443,8080]", NULL), "[80,443,8080]");
	CU_ASSERT_STRING_EQUAL(norm("[443, 80, 81, 82:90]", NULL), "[80:90,443]");
	CU_ASSERT_STRING_EQUAL(norm("[1:10,5:20]", NULL), "1:20");
	CU_ASSERT_STRING_EQUAL(norm("[80,[443,[8443]]]", NULL), "[80,443,8443]");
}

static void test_negation(void)
{
	CU_ASSERT_STRING_EQUAL(norm("!80", NULL), "[0:79,81:65535]");
	CU_ASSERT_STRING_EQUAL(norm("!0", NULL), "1:65535");
	CU_ASSERT_STRING_EQUAL(norm("!65535", NULL), "0:65534");
	CU_ASSERT_STRING_EQUAL(norm("![0:1023]", NULL), "1024:65535");
	CU_ASSERT_STRING_EQUAL(norm("[1024:,!8080]", NULL), "[1024:8079,8081:65535]");
	CU_ASSERT_STRING_EQUAL(norm("[!80,!443]", NULL), "[0:79,81:442,444:65535]");
	CU_ASSERT_STRING_EQUAL(norm("!!80", NULL), "80");
	CU_ASSERT_STRING_EQUAL(norm("!any", NULL), "ERR: \"!any\" matches no port");
	CU_ASSERT_STRING_EQUAL(norm("[80,!80]", NULL), "ERR: \"[80,!80]\" matches no port");
	CU_ASSERT_STRING_EQUAL(norm("[80:90,![80:85,86:90]]", NULL),
			       "ERR: \"[80:90,![80:85,86:90]]\" matches no port");
}

static void test_contains(void)
{
	struct port_set s, t;
	char err[128];

	CU_ASSERT_EQUAL_FATAL(port_set_parse(&s, "[21,80:90,!85,443]", NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.n, 4);
	CU_ASSERT(!port_set_contains(&s, 20));
	CU_ASSERT(port_set_contains(&s, 21));
	CU_ASSERT(port_set_contains(&s, 80));
	CU_ASSERT(port_set_contains(&s, 84));
	CU_ASSERT(!port_set_contains(&s, 85));
	CU_ASSERT(port_set_contains(&s, 90));
	CU_ASSERT(!port_set_contains(&s, 91));
	CU_ASSERT(port_set_contains(&s, 443));
	CU_ASSERT(!port_set_contains(&s, 65535));
	CU_ASSERT_EQUAL_FATAL(port_set_parse(&t, "[443,21,80:84,86:90]", NULL, err, sizeof(err)), 0);
	CU_ASSERT(port_set_equal(&s, &t));
	port_set_fini(&t);
	CU_ASSERT_EQUAL_FATAL(port_set_parse(&t, "any", NULL, err, sizeof(err)), 0);
	CU_ASSERT(t.any);
	CU_ASSERT_PTR_NULL(t.r);
	CU_ASSERT(port_set_contains(&t, 0));
	CU_ASSERT(!port_set_equal(&s, &t));
	port_set_fini(&t);
	port_set_fini(&s);
	port_set_fini(NULL);
}

static void test_vars(void)
{
	struct vars *v = vars_new();
	char err[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_STRING_EQUAL(norm("$HTTP_PORTS", v), "80");
	CU_ASSERT_STRING_EQUAL(norm("$SHELLCODE_PORTS", v), "[0:79,81:65535]");
	CU_ASSERT_STRING_EQUAL(norm("$FILE_DATA_PORTS", v), "[80,110,143]");
	CU_ASSERT_STRING_EQUAL(norm("!$HTTP_PORTS", v), "[0:79,81:65535]");
	CU_ASSERT_STRING_EQUAL(norm("[$HTTP_PORTS,$SSH_PORTS,!22]", v), "80");
	CU_ASSERT_STRING_EQUAL(norm("$ORACLE_PORTS", v), "1521");
	CU_ASSERT_STRING_EQUAL(norm("$DNP3_PORTS", v), "20000");
	CU_ASSERT_STRING_EQUAL(norm("$MODBUS_PORTS", v), "502");
	CU_ASSERT_STRING_EQUAL(norm("$FTP_PORTS", v), "21");
	CU_ASSERT_STRING_EQUAL(norm("$GENEVE_PORTS", v), "6081");
	CU_ASSERT_STRING_EQUAL(norm("$VXLAN_PORTS", v), "4789");
	CU_ASSERT_STRING_EQUAL(norm("$TEREDO_PORTS", v), "3544");
	CU_ASSERT_STRING_EQUAL(norm("$NOPE", v), "ERR: unknown variable \"$NOPE\"");
	CU_ASSERT_STRING_EQUAL(norm("$HOME_NET", v),
			       "ERR: invalid port \"192.168.0.0/16\"");
	CU_ASSERT_EQUAL(vars_set(v, "P1", "[$P2,1]", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vars_set(v, "P2", "$P1", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(norm("$P1", v), "ERR: variable loop: $P1 -> $P2 -> $P1");
	CU_ASSERT_EQUAL(vars_set(v, "P3", "80 81", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(norm("$P3", v), "ERR: unexpected \"81\" in \"$P3\"");
	CU_ASSERT_STRING_EQUAL(norm("$", v), "ERR: missing variable name after \"$\"");
	vars_free(v);
}

static void test_errors(void)
{
	CU_ASSERT_STRING_EQUAL(norm("", NULL), "ERR: missing port");
	CU_ASSERT_STRING_EQUAL(norm("65536", NULL), "ERR: invalid port \"65536\"");
	CU_ASSERT_STRING_EQUAL(norm("123456", NULL), "ERR: invalid port \"123456\"");
	CU_ASSERT_STRING_EQUAL(norm("-1", NULL), "ERR: invalid port \"-1\"");
	CU_ASSERT_STRING_EQUAL(norm("http", NULL), "ERR: invalid port \"http\"");
	CU_ASSERT_STRING_EQUAL(norm(":", NULL), "ERR: invalid port \":\"");
	CU_ASSERT_STRING_EQUAL(norm("1:2:3", NULL), "ERR: invalid port \"1:2:3\"");
	CU_ASSERT_STRING_EQUAL(norm("90:80", NULL), "ERR: port range \"90:80\" is reversed");
	CU_ASSERT_STRING_EQUAL(norm("80:70000", NULL), "ERR: invalid port \"80:70000\"");
	CU_ASSERT_STRING_EQUAL(norm("[]", NULL), "ERR: empty list \"[]\"");
	CU_ASSERT_STRING_EQUAL(norm("[80", NULL), "ERR: missing \"]\"");
	CU_ASSERT_STRING_EQUAL(norm("[80;81]", NULL), "ERR: invalid port \"80;81\"");
	CU_ASSERT_STRING_EQUAL(norm("[80 81]", NULL), "ERR: unexpected \"8\" in list");
	CU_ASSERT_STRING_EQUAL(norm("[80,]", NULL), "ERR: unexpected \"]\"");
	CU_ASSERT_STRING_EQUAL(norm("80]", NULL), "ERR: unexpected \"]\" after the port");
	CU_ASSERT_STRING_EQUAL(norm("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[80]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
				    NULL),
			       "ERR: ports nested deeper than 32");
}

static CU_TestInfo tests[] = {
	{"syntax", test_syntax},
	{"negation", test_negation},
	{"contains", test_contains},
	{"variables", test_vars},
	{"errors", test_errors},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"port", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
