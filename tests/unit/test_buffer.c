/*
 * test_buffer.c — buffer names as the rule language spells them.
 */
#include "unit.h"

#include "buffer.h"

#include <string.h>

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(buffer_name(BUFFER_PAYLOAD), "pkt_data");
	CU_ASSERT_STRING_EQUAL(buffer_name(BUFFER_DNS_QUERY), "dns.query");
	CU_ASSERT_STRING_EQUAL(buffer_name(BUFFER_TLS_SNI), "tls.sni");
	CU_ASSERT_STRING_EQUAL(buffer_name(BUFFER_MAX), "?");
}

static CU_TestInfo tests[] = {
	{"names", test_names},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"buffer", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
