/*
 * test_hsexpr.c — content chains and pcre options as Hyperscan expressions:
 * the exact text, and what Hyperscan then matches at the window edges.
 */
#include "unit.h"

#include <hs/hs.h>
#include <string.h>

#include "hsexpr.h"

static struct rule_content C(const char *s)
{
	struct rule_content c;

	memset(&c, 0, sizeof(c));
	c.bytes = (uint8_t *)s;
	c.len = (uint32_t)strlen(s);
	return c;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
		    unsigned flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(int *)ctx)++;
	return 0;
}

/* Does the expression match data (block mode)? */
static bool hs_matches(const struct hsexpr *e, const char *data)
{
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	hs_scratch_t *s = NULL;
	const hs_expr_ext_t *ext = e->has_ext ? &e->ext : NULL;
	unsigned id = 0;
	int n = 0;

	if (hs_compile_ext_multi((const char *const *)&e->expr, &e->flags, &id, &ext, 1,
				 HS_MODE_BLOCK, NULL, &db, &cerr) != HS_SUCCESS) {
		CU_FAIL(cerr->message);
		hs_free_compile_error(cerr);
		return false;
	}
	hs_alloc_scratch(db, &s);
	hs_scan(db, data, (unsigned)strlen(data), 0, s, on_match, &n);
	hs_free_scratch(s);
	hs_free_database(db);
	return n > 0;
}

static void test_single(void)
{
	struct rule_content c = C("ab\"c");
	const struct rule_content *chain[] = {&c};
	struct hsexpr e;
	char err[128];

	CU_ASSERT_EQUAL(hsexpr_from_chain(chain, 1, &e, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(e.expr, "\\x61\\x62\\x22\\x63");
	CU_ASSERT_FALSE(e.has_ext);
	CU_ASSERT(hs_matches(&e, "xxab\"cxx"));
	hsexpr_fini(&e);

	c = C("GET");
	c.nocase = true;
	CU_ASSERT_EQUAL(hsexpr_from_chain(chain, 1, &e, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(e.expr, "(?i:\\x47\\x45\\x54)");
	CU_ASSERT(hs_matches(&e, "gEt /"));
	hsexpr_fini(&e);
}

static void test_offset_depth(void)
{
	struct rule_content c = C("abc");
	const struct rule_content *chain[] = {&c};
	struct hsexpr e;
	char err[128];

	/* offset 2, depth 5: the content must lie within bytes [2, 7) */
	c.has_offset = c.has_depth = true;
	c.offset = 2;
	c.depth = 5;
	CU_ASSERT_EQUAL(hsexpr_from_chain(chain, 1, &e, err, sizeof(err)), 0);
	CU_ASSERT(e.has_ext);
	CU_ASSERT_EQUAL(e.ext.min_offset, 5);
	CU_ASSERT_EQUAL(e.ext.max_offset, 7);
	CU_ASSERT_FALSE(hs_matches(&e, "xabc"));   /* starts at 1 */
	CU_ASSERT(hs_matches(&e, "xxabc"));        /* starts at 2 */
	CU_ASSERT(hs_matches(&e, "xxxxabc"));      /* ends at 7 */
	CU_ASSERT_FALSE(hs_matches(&e, "xxxxxabc")); /* ends at 8 */
	hsexpr_fini(&e);

	c.depth = 2; /* shorter than the content */
	CU_ASSERT_EQUAL(hsexpr_from_chain(chain, 1, &e, err, sizeof(err)), -22);
	CU_ASSERT_STRING_EQUAL(err, "depth 2 is shorter than the content");
}

static void test_chain(void)
{
	struct rule_content a = C("ab"), b = C("cd");
	const struct rule_content *chain[] = {&a, &b};
	struct hsexpr e;
	char err[128];

	/* distance 1, within 4: cd starts >= 1 after ab and ends <= 1 + 4 after it */
	b.has_distance = b.has_within = true;
	b.distance = 1;
	b.within = 4;
	CU_ASSERT_EQUAL(hsexpr_from_chain(chain, 2, &e, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(e.expr, "\\x61\\x62.{1,3}\\x63\\x64");
	CU_ASSERT_FALSE(hs_matches(&e, "abcd"));
	CU_ASSERT(hs_matches(&e, "abXcd"));
	CU_ASSERT(hs_matches(&e, "abXXXcd"));
	CU_ASSERT_FALSE(hs_matches(&e, "abXXXXcd"));
	hsexpr_fini(&e);

	/* distance 0 alone: anywhere after; first content with offset/depth */
	b.has_within = false;
	b.distance = 0;
	a.has_offset = a.has_depth = true;
	a.offset = 1;
	a.depth = 3;
	CU_ASSERT_EQUAL(hsexpr_from_chain(chain, 2, &e, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(e.expr, "^.{1,2}\\x61\\x62.*\\x63\\x64");
	CU_ASSERT(hs_matches(&e, "xabcd"));
	CU_ASSERT(hs_matches(&e, "xxab---cd"));
	CU_ASSERT_FALSE(hs_matches(&e, "abcd"));
	CU_ASSERT_FALSE(hs_matches(&e, "xxxabcd"));
	hsexpr_fini(&e);

	b.distance = -1;
	CU_ASSERT_EQUAL(hsexpr_from_chain(chain, 2, &e, err, sizeof(err)), -22);
	CU_ASSERT_STRING_EQUAL(err, "negative distance (-1) is not supported");
	b.distance = 0;
	b.has_within = true;
	b.within = 1;
	CU_ASSERT_EQUAL(hsexpr_from_chain(chain, 2, &e, err, sizeof(err)), -22);
	CU_ASSERT_STRING_EQUAL(err, "within 1 is shorter than the content");
}

static void test_pcre(void)
{
	struct rule_pcre p = {.re = "^a b # note", .flags = RULE_PCRE_EXTENDED | RULE_PCRE_CASELESS};
	struct hsexpr e;
	char err[128];

	CU_ASSERT_EQUAL(hsexpr_from_pcre(&p, &e, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(e.expr, "(?x)^a b # note\n");
	CU_ASSERT_EQUAL(e.flags, HS_FLAG_CASELESS);
	CU_ASSERT(hs_matches(&e, "AB"));
	hsexpr_fini(&e);

	p.re = "a.b$";
	p.flags = RULE_PCRE_DOTALL | RULE_PCRE_MULTILINE;
	CU_ASSERT_EQUAL(hsexpr_from_pcre(&p, &e, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(e.expr, "a.b$");
	CU_ASSERT_EQUAL(e.flags, HS_FLAG_DOTALL | HS_FLAG_MULTILINE);
	CU_ASSERT(hs_matches(&e, "a\nb\nc"));
	hsexpr_fini(&e);
}

static CU_TestInfo tests[] = {
	{"single content", test_single},
	{"offset and depth", test_offset_depth},
	{"chains", test_chain},
	{"pcre", test_pcre},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"hsexpr", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
