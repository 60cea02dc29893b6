/*
 * test_histo.c — the latency histogram: exact small values, bounded error
 * for large ones, quantiles at the edges.
 */
#include "unit.h"

#include <string.h>

#include "histo.h"

static void test_small_and_edges(void)
{
	static struct histo h;

	memset(&h, 0, sizeof(h));
	CU_ASSERT_EQUAL(histo_quantile(&h, 0.5), 0);
	for (uint64_t v = 1; v <= 10; v++)
		histo_add(&h, v);
	CU_ASSERT_EQUAL(histo_quantile(&h, 0.0), 1);
	CU_ASSERT_EQUAL(histo_quantile(&h, 0.5), 6);
	CU_ASSERT_EQUAL(histo_quantile(&h, 0.99), 10);
	CU_ASSERT_EQUAL(histo_quantile(&h, 1.0), 10);
}

static void test_relative_error(void)
{
	static struct histo h;

	for (uint64_t v = 16; v < (1ull << 40); v = v * 3 / 2 + 1) {
		uint64_t top;

		memset(&h, 0, sizeof(h));
		histo_add(&h, v);
		top = histo_quantile(&h, 0.5);
		CU_ASSERT(top >= v);
		CU_ASSERT(top - v <= v / 16);
	}
	/* 990 fast, 10 slow: p50 fast, p99 at the slow edge */
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 990; i++)
		histo_add(&h, 100);
	for (int i = 0; i < 10; i++)
		histo_add(&h, 50000);
	CU_ASSERT(histo_quantile(&h, 0.5) >= 100 && histo_quantile(&h, 0.5) <= 103);
	CU_ASSERT(histo_quantile(&h, 0.99) >= 50000 && histo_quantile(&h, 0.99) < 53125);
	CU_ASSERT(histo_quantile(&h, 0.98) <= 103);
	histo_add(&h, ~0ull); /* the top bucket absorbs anything */
	CU_ASSERT(histo_quantile(&h, 1.0) > (1ull << 62));
}

static CU_TestInfo tests[] = {
	{"small values and edges", test_small_and_edges},
	{"relative error", test_relative_error},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"histo", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
