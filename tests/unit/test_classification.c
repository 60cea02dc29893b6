/*
 * test_classification.c — the built-in classification.config table.
 */
#include "unit.h"

#include "classification.h"

#include <string.h>

static void test_lookup(void)
{
	const struct classtype *ct = classtype_lookup("trojan-activity");

	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	CU_ASSERT_STRING_EQUAL(ct->name, "trojan-activity");
	CU_ASSERT_STRING_EQUAL(ct->description, "A Network Trojan was detected");
	CU_ASSERT_EQUAL(ct->priority, 1);

	ct = classtype_lookup("Bad-Unknown");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	CU_ASSERT_STRING_EQUAL(ct->name, "bad-unknown");
	CU_ASSERT_STRING_EQUAL(ct->description, "Potentially Bad Traffic");
	CU_ASSERT_EQUAL(ct->priority, 2);

	ct = classtype_lookup("tcp-connection");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	CU_ASSERT_EQUAL(ct->priority, 4);

	ct = classtype_lookup("command-and-control");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	CU_ASSERT_STRING_EQUAL(ct->description, "Malware Command and Control Activity Detected");

	CU_ASSERT_PTR_NULL(classtype_lookup("no-such-class"));
	CU_ASSERT_PTR_NULL(classtype_lookup(""));
	CU_ASSERT_PTR_NULL(classtype_lookup("trojan-activity "));
}

static void test_table(void)
{
	size_t n, i, j;
	const struct classtype *t = classtype_table(&n);

	/* Suricata's etc/classification.config: 43 entries */
	CU_ASSERT_EQUAL(n, 43);
	CU_ASSERT_STRING_EQUAL(t[0].name, "not-suspicious");
	CU_ASSERT_STRING_EQUAL(t[n - 1].name, "command-and-control");
	for (i = 0; i < n; i++) {
		CU_ASSERT(t[i].priority >= 1 && t[i].priority <= 4);
		CU_ASSERT(strlen(t[i].description) > 0);
		CU_ASSERT_PTR_EQUAL(classtype_lookup(t[i].name), &t[i]);
		for (j = i + 1; j < n; j++)
			CU_ASSERT(strcmp(t[i].name, t[j].name) != 0);
	}
}

static CU_TestInfo tests[] = {
	{"lookup", test_lookup},
	{"table", test_table},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"classification", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
