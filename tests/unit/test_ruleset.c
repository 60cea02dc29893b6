/*
 * test_ruleset.c — loading rule text, files and directories: comments,
 * blank lines, CRLF, continuations, FILE:LINE errors, duplicates, the
 * gid:sid index under removal, and unreadable paths.
 */
#include "unit.h"

#include "ruleset.h"
#include "vars.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct vars *V;
static char tmpdir[64];

static int setup(void)
{
	V = vars_new();
	strcpy(tmpdir, "/tmp/spotter-test-ruleset-XXXXXX");
	return V && mkdtemp(tmpdir) ? 0 : 1;
}

static int teardown(void)
{
	char cmd[128];

	vars_free(V);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : 1;
}

static const char *fmt_error(const struct ruleset *rs, uint32_t i)
{
	static char buf[1024];

	CU_ASSERT_FATAL(i < rs->n_errors);
	rule_error_format(&rs->errors[i], buf, sizeof(buf));
	return buf;
}

static void write_file(const char *name, const char *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, f), len);
	fclose(f);
}

#define R(sid) "alert tcp any any -> any any (msg:\"m\"; sid:" #sid ";)"

static void test_lines(void)
{
	struct ruleset *rs = ruleset_new();
	const char *text =
		"# a comment\n"
		"\n"
		"   # an indented comment\n"
		"\t\n" R(1) "\r\n"
		"  " R(2) "  \n"
		"alert tcp any any -> any any (msg:\"m\"; \\\n"
		"   content:\"a\"; \\\r\n"
		"sid:3;)\n"
		"alert tcp any any -> any any (msg:\"m\"; byte_test:1; sid:4;)\n"
		"alert tcp any any -> any any (msg:\"m\"; \\\n"
		"   nocase; sid:5;)\n" R(6);

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(ruleset_load_string(rs, "t.rules", text, V), 0);
	CU_ASSERT_EQUAL(rs->n_files, 0);
	CU_ASSERT_EQUAL_FATAL(rs->n_rules, 4);
	CU_ASSERT_EQUAL(rs->rules[0]->sid, 1);
	CU_ASSERT_EQUAL(rs->rules[0]->line, 5);
	CU_ASSERT_STRING_EQUAL(rs->rules[0]->file, "t.rules");
	CU_ASSERT_STRING_EQUAL(rs->rules[0]->text, R(1));
	CU_ASSERT_EQUAL(rs->rules[1]->sid, 2);
	CU_ASSERT_EQUAL(rs->rules[1]->line, 6);
	CU_ASSERT_EQUAL(rs->rules[2]->sid, 3);
	CU_ASSERT_EQUAL(rs->rules[2]->line, 7);
	CU_ASSERT_STRING_EQUAL(rs->rules[2]->text, "alert tcp any any -> any any (msg:\"m\";    "
						   "content:\"a\"; sid:3;)");
	CU_ASSERT_EQUAL(rs->rules[3]->sid, 6);
	CU_ASSERT_EQUAL(rs->rules[3]->line, 13);
	CU_ASSERT_EQUAL_FATAL(rs->n_errors, 2);
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 0), "t.rules:10: unsupported keyword \"byte_test\"");
	CU_ASSERT_STRING_EQUAL(rs->errors[0].keyword, "byte_test");
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 1), "t.rules:11: \"nocase\" needs a preceding content");
	CU_ASSERT_STRING_EQUAL(rs->errors[1].keyword, "nocase");
	ruleset_free(rs);
	ruleset_free(NULL);
}

static void test_edge_text(void)
{
	struct ruleset *rs = ruleset_new();
	char *big;

	/* empty text, only comments: 0 rules, no error */
	CU_ASSERT_EQUAL(ruleset_load_string(rs, "e.rules", "", V), 0);
	CU_ASSERT_EQUAL(ruleset_load_string(rs, "e.rules", "# x\n\n#y", V), 0);
	CU_ASSERT_EQUAL(rs->n_rules, 0);
	CU_ASSERT_EQUAL(rs->n_errors, 0);

	/* a continuation on the last line ends the rule there */
	CU_ASSERT_EQUAL(ruleset_load_string(rs, "c.rules", R(1) "\\", V), 0);
	CU_ASSERT_EQUAL(rs->n_rules, 1);
	/* a line that is not a rule */
	CU_ASSERT_EQUAL(ruleset_load_string(rs, "g.rules", "\n\ngarbage\n", V), 0);
	CU_ASSERT_EQUAL_FATAL(rs->n_errors, 1);
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 0),
			       "g.rules:3: incomplete header: missing protocol (expected ACTION "
			       "PROTO SRC SPORT DIR DST DPORT (OPTIONS))");
	CU_ASSERT_STRING_EQUAL(rs->errors[0].keyword, "header");

	/* a rule longer than the cap, joined from continuation lines */
	big = malloc(RULESET_RULE_MAX + 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'a', RULESET_RULE_MAX + 10);
	memcpy(big + 1000, "\\\n", 2);
	big[RULESET_RULE_MAX + 10] = '\0';
	CU_ASSERT_EQUAL(ruleset_load_string(rs, "big.rules", big, V), 0);
	CU_ASSERT_EQUAL_FATAL(rs->n_errors, 2);
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 1), "big.rules:1: rule is longer than 1048576 bytes");
	CU_ASSERT_STRING_EQUAL(rs->errors[1].keyword, "length");
	free(big);
	ruleset_free(rs);
}

static void test_duplicates(void)
{
	struct ruleset *rs = ruleset_new();

	CU_ASSERT_EQUAL(ruleset_load_string(rs, "a.rules", R(10) "\n" R(11) "\n", V), 0);
	CU_ASSERT_EQUAL(ruleset_load_string(rs, "b.rules",
					    "\n" R(11) "\n"
					    "alert tcp any any -> any any (msg:\"m\"; sid:11; gid:2;)\n"
					    "alert tcp any any -> any any (msg:\"m\"; sid:11; gid:2;)\n",
					    V),
			0);
	CU_ASSERT_EQUAL(rs->n_rules, 3);
	CU_ASSERT_EQUAL_FATAL(rs->n_errors, 2);
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 0), "b.rules:2: duplicate gid:sid 1:11 (first at a.rules:2)");
	CU_ASSERT_STRING_EQUAL(rs->errors[0].keyword, "duplicate");
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 1), "b.rules:4: duplicate gid:sid 2:11 (first at b.rules:3)");
	CU_ASSERT_PTR_NOT_NULL(ruleset_find(rs, 2, 11));
	CU_ASSERT_PTR_NOT_NULL(ruleset_find(rs, 1, 10));
	CU_ASSERT_PTR_NULL(ruleset_find(rs, 3, 11));
	ruleset_free(rs);

	/* find on an empty set */
	rs = ruleset_new();
	CU_ASSERT_PTR_NULL(ruleset_find(rs, 1, 1));
	ruleset_remove(rs, 0); /* out of range: no-op */
	ruleset_free(rs);
}

static void test_remove(void)
{
	struct ruleset *rs = ruleset_new();
	char buf[128];

	/* enough rules to grow the index several times */
	for (uint32_t sid = 1; sid <= 5000; sid++) {
		snprintf(buf, sizeof(buf), "alert tcp any any -> any any (msg:\"m\"; sid:%u;)", sid);
		CU_ASSERT_EQUAL(ruleset_load_string(rs, "x.rules", buf, V), 0);
	}
	CU_ASSERT_EQUAL_FATAL(rs->n_rules, 5000);
	/* remove every third rule, from the back, keeping the order */
	for (int i = 4999; i >= 0; i--)
		if (i % 3 == 0)
			ruleset_remove(rs, (uint32_t)i);
	CU_ASSERT_EQUAL(rs->n_rules, 3333);
	CU_ASSERT_EQUAL(rs->rules[0]->sid, 2);
	CU_ASSERT_EQUAL(rs->rules[1]->sid, 3);
	CU_ASSERT_EQUAL(rs->rules[2]->sid, 5);
	for (uint32_t sid = 1; sid <= 5000; sid++) {
		struct rule *r = ruleset_find(rs, 1, sid);

		if ((sid - 1) % 3 == 0) {
			CU_ASSERT_PTR_NULL(r);
		} else {
			CU_ASSERT(r && r->sid == sid);
		}
	}
	/* a removed sid can be loaded again, a kept one cannot */
	CU_ASSERT_EQUAL(ruleset_load_string(rs, "y.rules", R(1) "\n" R(2), V), 0);
	CU_ASSERT_EQUAL(rs->n_rules, 3334);
	CU_ASSERT_EQUAL_FATAL(rs->n_errors, 1);
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 0), "y.rules:2: duplicate gid:sid 1:2 (first at x.rules:1)");
	ruleset_free(rs);
}

static void test_add_rule(void)
{
	struct ruleset *rs = ruleset_new();
	struct rule *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	a->gid = b->gid = 1;
	a->sid = b->sid = 9;
	CU_ASSERT_EQUAL(ruleset_add_rule(rs, a), 0);
	CU_ASSERT_EQUAL(ruleset_add_rule(rs, b), -EEXIST);
	CU_ASSERT_EQUAL_FATAL(rs->n_errors, 1);
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 0), "duplicate gid:sid 1:9");
	rule_free(b);
	ruleset_free(rs);
}

static void test_errors(void)
{
	struct ruleset *rs = ruleset_new();
	struct rule_error e = {.file = "f.rules", .line = 3, .reason = "why", .keyword = "k"};
	char buf[64];

	rule_error_format(&e, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "f.rules:3: why");
	e.line = 0;
	rule_error_format(&e, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "f.rules: why");
	e.file = NULL;
	rule_error_format(&e, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "why");

	ruleset_add_error(rs, "c.rules", 7, "sid %u failed to compile: %s", 5u, "bad");
	ruleset_add_error(rs, NULL, 0, "no rule loaded");
	CU_ASSERT_EQUAL_FATAL(rs->n_errors, 2);
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 0), "c.rules:7: sid 5 failed to compile: bad");
	CU_ASSERT_STRING_EQUAL(rs->errors[0].keyword, "error");
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 1), "no rule loaded");
	CU_ASSERT_PTR_NULL(rs->errors[1].file);
	ruleset_free(rs);
}

static void test_files(void)
{
	struct ruleset *rs = ruleset_new();
	char path[256], sub[256], expect[512];
	static const char nul_rule[] = R(30) "\n" "alert tcp any any -> any any (msg:\"a\0b\"; sid:31;)\n"
		R(32) "\n";

	write_file("b.rules", R(20) "\n", strlen(R(20) "\n"));
	write_file("a.rules", "# only a comment\n" R(10) "\r\n" R(11), strlen("# only a comment\n" R(10) "\r\n" R(11)));
	write_file("c.rules.txt", R(99) "\n", strlen(R(99) "\n"));
	write_file(".hidden.rules", R(98) "\n", strlen(R(98) "\n"));
	write_file("empty.rules", "", 0);
	write_file("nul.rules", nul_rule, sizeof(nul_rule) - 1);
	snprintf(sub, sizeof(sub), "%s/sub.rules", tmpdir);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);

	/* a directory: *.rules in byte order, no recursion, no hidden files */
	CU_ASSERT_EQUAL(ruleset_load_path(rs, tmpdir, V), 0);
	CU_ASSERT_EQUAL(rs->n_files, 4); /* a, b, empty, nul */
	CU_ASSERT_EQUAL_FATAL(rs->n_rules, 5);
	CU_ASSERT_EQUAL(rs->rules[0]->sid, 10);
	CU_ASSERT_EQUAL(rs->rules[0]->line, 2);
	CU_ASSERT_EQUAL(rs->rules[1]->sid, 11);
	CU_ASSERT_EQUAL(rs->rules[1]->line, 3);
	CU_ASSERT_EQUAL(rs->rules[2]->sid, 20);
	CU_ASSERT_EQUAL(rs->rules[3]->sid, 30);
	CU_ASSERT_EQUAL(rs->rules[4]->sid, 32);
	snprintf(path, sizeof(path), "%s/a.rules", tmpdir);
	CU_ASSERT_STRING_EQUAL(rs->rules[0]->file, path);
	CU_ASSERT_EQUAL_FATAL(rs->n_errors, 1);
	snprintf(expect, sizeof(expect), "%s/nul.rules:2: rule contains a NUL byte", tmpdir);
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 0), expect);
	ruleset_free(rs);

	/* a single file, whatever its name */
	rs = ruleset_new();
	snprintf(path, sizeof(path), "%s/c.rules.txt", tmpdir);
	CU_ASSERT_EQUAL(ruleset_load_path(rs, path, V), 0);
	CU_ASSERT_EQUAL(rs->n_files, 1);
	CU_ASSERT_EQUAL(rs->n_rules, 1);
	/* an empty file */
	snprintf(path, sizeof(path), "%s/empty.rules", tmpdir);
	CU_ASSERT_EQUAL(ruleset_load_path(rs, path, V), 0);
	CU_ASSERT_EQUAL(rs->n_files, 2);
	CU_ASSERT_EQUAL(rs->n_errors, 0);
	/* a missing path */
	snprintf(path, sizeof(path), "%s/missing.rules", tmpdir);
	CU_ASSERT_EQUAL(ruleset_load_path(rs, path, V), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(rs->n_errors, 1);
	snprintf(expect, sizeof(expect), "%s: No such file or directory", path);
	CU_ASSERT_STRING_EQUAL(fmt_error(rs, 0), expect);
	CU_ASSERT_STRING_EQUAL(rs->errors[0].keyword, "file");
	CU_ASSERT_EQUAL(rs->errors[0].line, 0);
	/* an empty directory */
	CU_ASSERT_EQUAL(ruleset_load_path(rs, sub, V), 0);
	CU_ASSERT_EQUAL(rs->n_files, 2);
	ruleset_free(rs);
}

static CU_TestInfo tests[] = {
	{"lines", test_lines},
	{"edge text", test_edge_text},
	{"duplicates", test_duplicates},
	{"remove", test_remove},
	{"add rule", test_add_rule},
	{"errors", test_errors},
	{"files", test_files},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"ruleset", setup, teardown, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
