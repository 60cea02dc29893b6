/*
 * test_output_seq.c — sequence numbers never repeat: across a clean
 * restart they continue exactly, across a crash they skip ahead.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output-seq.h"

static unsigned long long file_value(void)
{
	char path[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sequence", unit_tmpdir());
	f = fopen(path, "r");
	if (!f)
		return 0;
	{
		char line[64], *end;

		v = fgets(line, sizeof(line), f) ? strtoull(line, &end, 10) : 0;
	}
	fclose(f);
	return v;
}

static void test_restart_and_crash(void)
{
	struct output_seq *s;
	char err[256];
	uint64_t v = 0;

	CU_ASSERT_EQUAL_FATAL(output_seq_open(unit_tmpdir(), &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(output_seq_last(s), 0);
	/* the first block is on disk before any number is handed out */
	CU_ASSERT_EQUAL(file_value(), 1 + OUTPUT_SEQ_BLOCK);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(output_seq_next(s, &v), 0);
	CU_ASSERT_EQUAL(v, 3);
	CU_ASSERT_EQUAL(output_seq_last(s), 3);
	CU_ASSERT_EQUAL(output_seq_close(s), 0);
	CU_ASSERT_EQUAL(file_value(), 4); /* exact after a clean close */

	CU_ASSERT_EQUAL_FATAL(output_seq_open(unit_tmpdir(), &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(output_seq_next(s, &v), 0);
	CU_ASSERT_EQUAL(v, 4);
	/* cross a block boundary: the file moves ahead before the number is used */
	for (int i = 0; i < OUTPUT_SEQ_BLOCK; i++)
		output_seq_next(s, &v);
	CU_ASSERT_EQUAL(v, 4 + OUTPUT_SEQ_BLOCK);
	CU_ASSERT_EQUAL(file_value(), 4 + 2 * OUTPUT_SEQ_BLOCK);
	/* a crash: no close; the next run starts past everything handed out */
	free(s);
	CU_ASSERT_EQUAL_FATAL(output_seq_open(unit_tmpdir(), &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(output_seq_next(s, &v), 0);
	CU_ASSERT_EQUAL(v, 4 + 2 * OUTPUT_SEQ_BLOCK);
	CU_ASSERT_EQUAL(output_seq_close(s), 0);
	CU_ASSERT_EQUAL(output_seq_close(NULL), 0);
}

static void test_errors(void)
{
	struct output_seq *s;
	char err[256], path[256], want[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sequence", unit_tmpdir());
	f = fopen(path, "w");
	fputs("banana\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(output_seq_open(unit_tmpdir(), &s, err, sizeof(err)), -22);
	snprintf(want, sizeof(want), "%s: not a sequence number (\"banana\n\")", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	unlink(path);
	CU_ASSERT_EQUAL(output_seq_open("/nonexistent/spool", &s, err, sizeof(err)), -2);
	CU_ASSERT_STRING_EQUAL(err, "/nonexistent/spool/sequence: No such file or directory");
}

static CU_TestInfo tests[] = {
	{"restart and crash", test_restart_and_crash},
	{"errors", test_errors},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"output-seq", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
