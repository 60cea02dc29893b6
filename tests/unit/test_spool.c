/*
 * test_spool.c — the on-disk spool: order, acknowledgements, rewind,
 * segments, the size cap, restarts clean and after a crash (a child
 * process that dies without closing), torn and corrupt data, write errors.
 *
 * Each test works in its own directory under $TMPDIR (or /tmp), removed
 * afterwards. Sizes are exact: a segment costs 64 bytes (header and
 * trailer), a record 32 bytes plus key and value (see spool.c).
 */
#include "unit.h"

#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SEG_OVERHEAD 64u
#define KEY_LEN	     9u /* "1:%07u" */
#define FRAME(v)     (32u + KEY_LEN + (v))
#define HOUR_NS	     3600000000000ull

static char tmp[4096]; /* the test's scratch directory */
static char dir[4200]; /* the spool directory inside it */

static const counter_t *ctr(const struct spool *sp)
{
	return spool_counters(sp);
}

#define CTR(sp, c) COUNTER_GET(ctr(sp)[c])

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void scratch_free(void)
{
	spool_test_pwrite = NULL;
	spool_test_fdatasync = NULL;
	if (tmp[0])
		nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmp[0] = '\0';
}

/* A test stopped by a fatal assertion leaves its directory: the next test
 * or the suite's cleanup removes it. */
static int suite_cleanup(void)
{
	scratch_free();
	return 0;
}

static void scratch_new(void)
{
	const char *t = getenv("TMPDIR");

	scratch_free();
	snprintf(tmp, sizeof(tmp), "%s/spotter-spool-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		abort();
	}
	snprintf(dir, sizeof(dir), "%s/spool", tmp);
}

static struct spool_config config(uint32_t segment_bytes, uint64_t max_bytes, uint64_t fsync_ns)
{
	struct spool_config c;

	spool_config_defaults(&c);
	c.dir = dir;
	if (segment_bytes)
		c.segment_bytes = segment_bytes;
	if (max_bytes)
		c.max_bytes = max_bytes;
	c.fsync_ns = fsync_ns;
	return c;
}

static struct spool *open_ok(const struct spool_config *c)
{
	struct spool *sp = NULL;
	char err[512] = "";
	int rc = spool_open(c, &sp, err, sizeof(err));

	if (rc)
		fprintf(stderr, "spool_open: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
	CU_ASSERT_STRING_EQUAL(spool_error(sp), "");
	return sp;
}

/* Record seq: key "1:<seq>", value of vlen bytes derived from seq. */
struct rec_buf {
	char key[16];
	char value[SPOOL_VALUE_MAX + 1];
};

static struct rec_buf rb;

static struct spool_record mkrec(uint64_t seq, uint32_t vlen)
{
	snprintf(rb.key, sizeof(rb.key), "1:%07u", (unsigned)(seq % 10000000));
	for (uint32_t i = 0; i < vlen; i++)
		rb.value[i] = (char)('a' + (seq * 7 + i) % 26);
	return (struct spool_record){
	    .seq = seq,
	    .tlp = (uint8_t)(seq % 6),
	    .kind = (uint8_t)(1 + seq % 2),
	    .key = rb.key,
	    .key_len = KEY_LEN,
	    .value = rb.value,
	    .value_len = vlen,
	};
}

static int append(struct spool *sp, uint64_t seq, uint32_t vlen)
{
	struct spool_record r = mkrec(seq, vlen);

	return spool_append(sp, &r);
}

static void append_n(struct spool *sp, uint64_t from, uint64_t n, uint32_t vlen)
{
	for (uint64_t s = from; s < from + n; s++)
		CU_ASSERT_EQUAL_FATAL(append(sp, s, vlen), 0);
}

/* True when r is exactly what mkrec(seq, vlen) appended. */
static int rec_is(const struct spool_record *r, uint64_t seq, uint32_t vlen)
{
	struct spool_record want = mkrec(seq, vlen);

	return r->seq == seq && r->tlp == want.tlp && r->kind == want.kind &&
	       r->key_len == KEY_LEN && memcmp(r->key, want.key, KEY_LEN) == 0 &&
	       r->value_len == vlen && memcmp(r->value, want.value, vlen) == 0;
}

/* Takes the next record; asserts it is seq. Returns its token. */
static uint64_t expect_next(struct spool *sp, uint64_t seq, uint32_t vlen)
{
	struct spool_record r;
	uint64_t token = UINT64_MAX;
	int rc = spool_next(sp, &r, &token);

	CU_ASSERT_EQUAL_FATAL(rc, 1);
	if (!rec_is(&r, seq, vlen))
		fprintf(stderr, "expected seq %llu, got %llu\n", (unsigned long long)seq,
			(unsigned long long)r.seq);
	CU_ASSERT_FATAL(rec_is(&r, seq, vlen));
	return token;
}

static void expect_end(struct spool *sp)
{
	struct spool_record r;
	uint64_t token;

	CU_ASSERT_EQUAL(spool_next(sp, &r, &token), 0);
}

static int count_segments(void)
{
	char cmd[4400];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -c '^seg-'", dir);
	f = popen(cmd, "r");
	if (f) {
		char line[32], *end;

		if (fgets(line, sizeof(line), f))
			n = (int)strtol(line, &end, 10);
	}
	if (f)
		pclose(f);
	return n;
}

static char *seg_path(uint64_t first)
{
	static char p[4300];

	snprintf(p, sizeof(p), "%s/seg-%016llx.spool", dir, (unsigned long long)first);
	return p;
}

static long long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static void flip_byte(const char *path, long long off)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pread(fd, &c, 1, off) == 1);
	c ^= 0x40;
	CU_ASSERT_FATAL(pwrite(fd, &c, 1, off) == 1);
	close(fd);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* ---- basics ----------------------------------------------------------- */

static void test_crc32c(void)
{
	CU_ASSERT_EQUAL(spool_crc32c(0, "123456789", 9), 0xe3069283u);
	CU_ASSERT_EQUAL(spool_crc32c(spool_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
	CU_ASSERT_EQUAL(spool_crc32c(0, "", 0), 0u);
}

static void test_config_errors(void)
{
	struct spool_config c;
	struct spool *sp = (struct spool *)&c;
	char err[512];

	scratch_new();
	spool_config_defaults(&c);
	CU_ASSERT_EQUAL(c.max_bytes, 1ull << 30);
	CU_ASSERT_EQUAL(c.segment_bytes, 16u << 20);
	CU_ASSERT_EQUAL(c.fsync_ns, 1000000000ull);
	CU_ASSERT_EQUAL(spool_open(&c, &sp, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(sp);
	CU_ASSERT_STRING_EQUAL(err, "spool: no directory given");

	c = config(95, 0, 0);
	CU_ASSERT_EQUAL(spool_open(&c, &sp, err, sizeof(err)), -EINVAL);
	CU_ASSERT_NSTRING_EQUAL(err, "spool /", 7);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/spool: segment size 95 is below the minimum 96"));
	c = config(96, 95, 0);
	CU_ASSERT_EQUAL(spool_open(&c, &sp, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/spool: size cap 95 is below the minimum 96"));
	scratch_free();
}

static void test_open_errors(void)
{
	struct spool_config c;
	struct spool *sp, *sp2;
	char err[512], want[4500], path[4300];

	scratch_new();
	/* the parent is a file */
	snprintf(path, sizeof(path), "%s/file", tmp);
	write_file(path, "x");
	snprintf(dir, sizeof(dir), "%s/file/spool", tmp);
	c = config(0, 0, 0);
	CU_ASSERT_EQUAL(spool_open(&c, &sp, err, sizeof(err)), -ENOTDIR);
	snprintf(want, sizeof(want), "cannot create spool directory %s: Not a directory", dir);
	CU_ASSERT_STRING_EQUAL(err, want);
	/* the path is a file */
	snprintf(dir, sizeof(dir), "%s/file", tmp);
	CU_ASSERT_EQUAL(spool_open(&c, &sp, err, sizeof(err)), -ENOTDIR);
	snprintf(want, sizeof(want), "cannot open spool directory %s: Not a directory", dir);
	CU_ASSERT_STRING_EQUAL(err, want);

	/* something else lives there */
	snprintf(dir, sizeof(dir), "%s/spool", tmp);
	CU_ASSERT_EQUAL(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	write_file(path, "hello");
	CU_ASSERT_EQUAL(spool_open(&c, &sp, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s is not a spool directory (unexpected entry notes.txt)",
		 dir);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(unlink(path), 0);

	/* a segment that is not one */
	write_file(seg_path(0), "#!/bin/sh\necho this is not a spool segment at all\n");
	CU_ASSERT_EQUAL(spool_open(&c, &sp, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a spool segment", seg_path(0));
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(unlink(seg_path(0)), 0);

	/* a state file that is not one */
	snprintf(path, sizeof(path), "%s/state", dir);
	write_file(path, "not a state file");
	CU_ASSERT_EQUAL(spool_open(&c, &sp, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s/state: not a spool state file", dir);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(unlink(path), 0);

	/* nothing can be created in it (a directory in the way works as root too) */
	snprintf(path, sizeof(path), "%s/state.tmp", dir);
	CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
	CU_ASSERT_EQUAL(spool_open(&c, &sp, err, sizeof(err)), -EISDIR);
	snprintf(want, sizeof(want), "spool directory %s is not writable: Is a directory", dir);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(rmdir(path), 0);
	if (geteuid() != 0) {
		CU_ASSERT_EQUAL(chmod(dir, 0500), 0);
		CU_ASSERT_EQUAL(spool_open(&c, &sp, err, sizeof(err)), -EACCES);
		snprintf(want, sizeof(want),
			 "spool directory %s is not writable: Permission denied", dir);
		CU_ASSERT_STRING_EQUAL(err, want);
		CU_ASSERT_EQUAL(chmod(dir, 0700), 0);
	}

	/* one process at a time (a second open in this process conflicts too) */
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_open(&c, &sp2, err, sizeof(err)), -EWOULDBLOCK);
	snprintf(want, sizeof(want), "spool directory %s is in use by another process", dir);
	CU_ASSERT_STRING_EQUAL(err, want);
	spool_close(sp);
	sp = open_ok(&c);
	spool_close(sp);
	spool_close(NULL);
	scratch_free();
}

static void test_create_mode(void)
{
	struct spool_config c;
	struct spool *sp;
	struct stat sb;

	scratch_new();
	c = config(0, 0, HOUR_NS);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(stat(dir, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0700);
	CU_ASSERT_EQUAL(spool_pending(sp), 0);
	CU_ASSERT_EQUAL(spool_bytes(sp), 0);
	CU_ASSERT_EQUAL(count_segments(), 0); /* segments are created by the first append */
	expect_end(sp);
	spool_close(sp);
	scratch_free();
}

static void test_order(void)
{
	struct spool_config c;
	struct spool *sp;
	struct spool_record r;
	uint64_t token;

	scratch_new();
	c = config(0, 0, HOUR_NS);
	sp = open_ok(&c);
	append_n(sp, 100, 10, 50);
	CU_ASSERT_EQUAL(spool_pending(sp), 10);
	CU_ASSERT_EQUAL(spool_bytes(sp), SEG_OVERHEAD + 10 * FRAME(50));
	CU_ASSERT_EQUAL(spool_unwritten(sp), 10);
	for (uint64_t s = 100; s < 110; s++)
		CU_ASSERT_EQUAL(expect_next(sp, s, 50), s - 100); /* tokens count from 0 */
	expect_end(sp);
	/* appending after the end: the reader picks it up */
	append_n(sp, 110, 1, 0);
	CU_ASSERT_EQUAL(spool_next(sp, &r, &token), 1);
	CU_ASSERT_EQUAL(r.seq, 110);
	CU_ASSERT_EQUAL(r.value_len, 0);
	CU_ASSERT_EQUAL(token, 10);
	expect_end(sp);
	CU_ASSERT_EQUAL(spool_pending(sp), 11);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_APPENDED), 11);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_ACKED), 0);
	/* handing out is not acknowledging */
	spool_rewind(sp);
	for (uint64_t s = 100; s < 110; s++)
		expect_next(sp, s, 50);
	spool_close(sp);
	scratch_free();
}

static void test_ack(void)
{
	struct spool_config c;
	struct spool *sp;
	uint64_t tok[10];

	scratch_new();
	c = config(0, 0, HOUR_NS);
	sp = open_ok(&c);
	append_n(sp, 0, 10, 20);
	for (int i = 0; i < 10; i++)
		tok[i] = expect_next(sp, (uint64_t)i, 20);
	/* in order */
	spool_ack(sp, tok[0]);
	spool_ack(sp, tok[1]);
	CU_ASSERT_EQUAL(spool_pending(sp), 8);
	/* twice, unknown, never issued: no-ops */
	spool_ack(sp, tok[1]);
	spool_ack(sp, 1000);
	spool_ack(sp, UINT64_MAX);
	CU_ASSERT_EQUAL(spool_pending(sp), 8);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_ACKED), 2);
	/* out of order: 9, 5, 3, 7 */
	spool_ack(sp, tok[9]);
	spool_ack(sp, tok[5]);
	spool_ack(sp, tok[3]);
	spool_ack(sp, tok[7]);
	CU_ASSERT_EQUAL(spool_pending(sp), 4);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_ACKED), 6);
	/* rewind: only what is not acknowledged, in order */
	spool_rewind(sp);
	expect_next(sp, 2, 20);
	expect_next(sp, 4, 20);
	expect_next(sp, 6, 20);
	expect_next(sp, 8, 20);
	expect_end(sp);
	spool_ack(sp, tok[4]);
	spool_rewind(sp);
	expect_next(sp, 2, 20);
	expect_next(sp, 6, 20);
	expect_next(sp, 8, 20);
	expect_end(sp);
	spool_ack(sp, tok[2]);
	spool_ack(sp, tok[6]);
	spool_ack(sp, tok[8]);
	CU_ASSERT_EQUAL(spool_pending(sp), 0);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_ACKED), 10);
	spool_rewind(sp);
	expect_end(sp);
	/* the active segment stays until it rolls or the spool closes */
	CU_ASSERT_EQUAL(count_segments(), 1);
	spool_close(sp);
	CU_ASSERT_EQUAL(count_segments(), 0);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), 0);
	CU_ASSERT_EQUAL(spool_bytes(sp), 0);
	expect_end(sp);
	/* tokens never go back */
	append_n(sp, 10, 1, 20);
	CU_ASSERT_EQUAL(expect_next(sp, 10, 20), 10);
	spool_close(sp);
	scratch_free();
}

/* Segments of exactly 4 records of value 100 (frame 141). */
#define V4   100u
#define SEG4 (SEG_OVERHEAD + 4 * FRAME(V4))

static void test_segments(void)
{
	struct spool_config c;
	struct spool *sp;
	uint64_t tok[12];

	scratch_new();
	c = config(SEG4, 0, HOUR_NS);
	sp = open_ok(&c);
	append_n(sp, 0, 12, V4);
	CU_ASSERT_EQUAL(count_segments(), 3);
	CU_ASSERT_EQUAL(spool_bytes(sp), 3 * SEG4);
	/* rolled segments are complete on disk, trailer included */
	CU_ASSERT_EQUAL(file_size(seg_path(0)), SEG4);
	CU_ASSERT_EQUAL(file_size(seg_path(4)), SEG4);
	for (int i = 0; i < 12; i++)
		tok[i] = expect_next(sp, (uint64_t)i, V4);
	expect_end(sp);
	/* the middle segment, out of order: deleted once all four are in */
	spool_ack(sp, tok[7]);
	spool_ack(sp, tok[5]);
	spool_ack(sp, tok[4]);
	CU_ASSERT_EQUAL(count_segments(), 3);
	spool_ack(sp, tok[6]);
	CU_ASSERT_EQUAL(count_segments(), 2);
	CU_ASSERT_EQUAL(file_size(seg_path(4)), -1);
	CU_ASSERT_EQUAL(spool_bytes(sp), 2 * SEG4);
	CU_ASSERT_EQUAL(spool_pending(sp), 8);
	spool_ack(sp, tok[1]);
	spool_rewind(sp);
	for (uint64_t s = 0; s < 12; s++)
		if (s != 1 && (s < 4 || s > 7))
			expect_next(sp, s, V4);
	expect_end(sp);
	/* restart: the gap left by the deleted segment is no damage */
	spool_close(sp);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), 7);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_RECOVERED), 7);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 0);
	CU_ASSERT_EQUAL(spool_bytes(sp), 2 * SEG4);
	tok[0] = expect_next(sp, 0, V4);
	tok[2] = expect_next(sp, 2, V4);
	tok[3] = expect_next(sp, 3, V4);
	for (uint64_t s = 8; s < 12; s++)
		tok[s] = expect_next(sp, s, V4);
	expect_end(sp);
	CU_ASSERT_EQUAL(tok[0], 0);
	CU_ASSERT_EQUAL(tok[8], 8);
	/* the first segment goes with its last ack */
	spool_ack(sp, tok[0]);
	spool_ack(sp, tok[3]);
	spool_ack(sp, tok[2]);
	CU_ASSERT_EQUAL(count_segments(), 1);
	CU_ASSERT_EQUAL(file_size(seg_path(0)), -1);
	/* a new segment starts with the next token */
	append_n(sp, 12, 1, V4);
	CU_ASSERT_EQUAL(count_segments(), 2);
	CU_ASSERT_EQUAL(file_size(seg_path(12)), 32);
	CU_ASSERT_EQUAL(expect_next(sp, 12, V4), 12);
	spool_close(sp);
	scratch_free();
}

static void test_large_record(void)
{
	struct spool_config c;
	struct spool *sp;
	struct spool_record r;

	scratch_new();
	c = config(4096, 0, HOUR_NS);
	sp = open_ok(&c);
	r = mkrec(1, SPOOL_VALUE_MAX + 1);
	CU_ASSERT_EQUAL(spool_append(sp, &r), -EMSGSIZE);
	append_n(sp, 0, 1, 10);
	append_n(sp, 1, 1, SPOOL_VALUE_MAX); /* larger than a segment: one of its own */
	append_n(sp, 2, 1, 10);
	CU_ASSERT_EQUAL(count_segments(), 3);
	CU_ASSERT_EQUAL(spool_bytes(sp), 3 * SEG_OVERHEAD + FRAME(10) * 2 + FRAME(SPOOL_VALUE_MAX));
	expect_next(sp, 0, 10);
	expect_next(sp, 1, SPOOL_VALUE_MAX);
	expect_next(sp, 2, 10);
	spool_close(sp);
	sp = open_ok(&c);
	expect_next(sp, 0, 10);
	expect_next(sp, 1, SPOOL_VALUE_MAX);
	expect_next(sp, 2, 10);
	expect_end(sp);
	spool_close(sp);
	scratch_free();
}

static void test_cap(void)
{
	struct spool_config c;
	struct spool *sp;
	uint64_t tok[8];

	scratch_new();
	/* one segment, room for exactly 3 records */
	c = config(0, SEG_OVERHEAD + 3 * FRAME(V4), HOUR_NS);
	sp = open_ok(&c);
	append_n(sp, 0, 3, V4);
	CU_ASSERT_EQUAL(spool_bytes(sp), SEG_OVERHEAD + 3 * FRAME(V4));
	CU_ASSERT_EQUAL(append(sp, 3, V4), -ENOSPC);
	CU_ASSERT_EQUAL(append(sp, 3, 0), -ENOSPC); /* 41 bytes do not fit either */
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_FULL), 2);
	CU_ASSERT_EQUAL(spool_pending(sp), 3);
	for (int i = 0; i < 3; i++)
		tok[i] = expect_next(sp, (uint64_t)i, V4);
	expect_end(sp);
	/* partly acknowledged: still full */
	spool_ack(sp, tok[0]);
	spool_ack(sp, tok[2]);
	CU_ASSERT_EQUAL(append(sp, 3, V4), -ENOSPC);
	/* all acknowledged: the segment is retired and space comes back */
	spool_ack(sp, tok[1]);
	CU_ASSERT_EQUAL(append(sp, 3, V4), 0);
	CU_ASSERT_EQUAL(spool_bytes(sp), SEG_OVERHEAD + FRAME(V4));
	CU_ASSERT_EQUAL(count_segments(), 1);
	CU_ASSERT_EQUAL(file_size(seg_path(0)), -1);
	expect_next(sp, 3, V4);
	expect_end(sp);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_FULL), 3);
	spool_close(sp);
	scratch_free();

	/* two segments of 4: the ninth record needs a third segment */
	scratch_new();
	c = config(SEG4, 2 * SEG4, HOUR_NS);
	sp = open_ok(&c);
	append_n(sp, 0, 8, V4);
	CU_ASSERT_EQUAL(spool_bytes(sp), 2 * SEG4);
	CU_ASSERT_EQUAL(append(sp, 8, 0), -ENOSPC);
	for (int i = 0; i < 8; i++)
		tok[i] = expect_next(sp, (uint64_t)i, V4);
	for (int i = 0; i < 4; i++)
		spool_ack(sp, tok[i]);
	CU_ASSERT_EQUAL(spool_bytes(sp), SEG4);
	append_n(sp, 8, 4, V4);
	CU_ASSERT_EQUAL(append(sp, 12, V4), -ENOSPC);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_FULL), 2);
	CU_ASSERT_EQUAL(spool_pending(sp), 8);
	for (int i = 8; i < 12; i++)
		expect_next(sp, (uint64_t)i, V4);
	expect_end(sp);
	spool_close(sp);
	scratch_free();
}

static void test_reopen(void)
{
	struct spool_config c;
	struct spool *sp;
	uint64_t tok[20];

	scratch_new();
	c = config(SEG4, 0, HOUR_NS);
	sp = open_ok(&c);
	append_n(sp, 500, 20, V4);
	for (int i = 0; i < 15; i++)
		tok[i] = expect_next(sp, 500 + (uint64_t)i, V4);
	/* acknowledged: 0-3 (a segment), 6, 9, 10, 14 */
	for (int i = 0; i < 4; i++)
		spool_ack(sp, tok[i]);
	spool_ack(sp, tok[10]);
	spool_ack(sp, tok[6]);
	spool_ack(sp, tok[14]);
	spool_ack(sp, tok[9]);
	CU_ASSERT_EQUAL(spool_pending(sp), 12);
	spool_close(sp);

	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), 12);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_RECOVERED), 12);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 0);
	CU_ASSERT_EQUAL(spool_bytes(sp), 4 * SEG4);
	for (uint64_t i = 4; i < 20; i++)
		if (i != 6 && i != 9 && i != 10 && i != 14)
			CU_ASSERT_EQUAL(expect_next(sp, 500 + i, V4), i);
	expect_end(sp);
	/* appends after a restart go to a new segment */
	append_n(sp, 520, 1, V4);
	CU_ASSERT_EQUAL(expect_next(sp, 520, V4), 20);
	CU_ASSERT_EQUAL(file_size(seg_path(20)), 32);
	spool_close(sp);
	scratch_free();
}

/* ---- crashes ------------------------------------------------------------ */

/* Runs fn in a child process that then dies without closing the spool. */
static void crash_child(void (*fn)(void))
{
	pid_t pid = fork();
	int status = -1;

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void child_fail(const char *what)
{
	fprintf(stderr, "child: %s\n", what);
	_exit(1);
}

static struct spool *child_open(uint32_t seg, uint64_t fsync_ns)
{
	struct spool_config c = config(seg, 0, fsync_ns);
	struct spool *sp;
	char err[512];

	if (spool_open(&c, &sp, err, sizeof(err)))
		child_fail(err);
	return sp;
}

static void child_append(struct spool *sp, uint64_t from, uint64_t n, uint32_t vlen)
{
	for (uint64_t s = from; s < from + n; s++)
		if (append(sp, s, vlen))
			child_fail("append");
}

/* 10 records handed to the kernel (spool_tick), 5 only buffered. */
static void crash_buffered(void)
{
	struct spool *sp = child_open(0, HOUR_NS);

	child_append(sp, 0, 10, V4);
	if (spool_tick(sp))
		child_fail("tick");
	child_append(sp, 10, 5, V4);
}

/* 12 records in 3 segments; the acks of the middle one persisted, then
 * more acks that were not. */
static void crash_acks(void)
{
	struct spool *sp = child_open(SEG4, HOUR_NS);
	struct spool_record r;
	uint64_t tok;

	child_append(sp, 0, 12, V4);
	for (int i = 0; i < 12; i++)
		if (spool_next(sp, &r, &tok) != 1 || tok != (uint64_t)i)
			child_fail("next");
	for (uint64_t t = 4; t < 8; t++)
		spool_ack(sp, t);
	spool_ack(sp, 1);
	if (spool_sync(sp))
		child_fail("sync");
	spool_ack(sp, 0);
	spool_ack(sp, 9);
}

static void crash_synced(void)
{
	struct spool *sp = child_open(0, 0);

	child_append(sp, 0, 10, V4);
}

static void test_crash(void)
{
	struct spool_config c;
	struct spool *sp;

	/* what reached the kernel comes back, the buffer is lost */
	scratch_new();
	crash_child(crash_buffered);
	CU_ASSERT_EQUAL(file_size(seg_path(0)), 32 + 10 * FRAME(V4));
	c = config(0, 0, HOUR_NS);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), 10);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_RECOVERED), 10);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 0);
	for (uint64_t s = 0; s < 10; s++)
		CU_ASSERT_EQUAL(expect_next(sp, s, V4), s);
	expect_end(sp);
	/* new tokens continue after the recovered ones */
	append_n(sp, 10, 1, V4);
	CU_ASSERT_EQUAL(expect_next(sp, 10, V4), 10);
	spool_close(sp);
	scratch_free();

	/* persisted acks hold, later ones are forgotten (at least once) */
	scratch_new();
	crash_child(crash_acks);
	CU_ASSERT_EQUAL(count_segments(), 2);
	c = config(SEG4, 0, HOUR_NS);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), 7);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 0);
	expect_next(sp, 0, V4);
	expect_next(sp, 2, V4);
	expect_next(sp, 3, V4);
	for (uint64_t s = 8; s < 12; s++)
		expect_next(sp, s, V4);
	expect_end(sp);
	spool_close(sp);
	scratch_free();
}

static void test_torn_tail(void)
{
	struct spool_config c;
	struct spool *sp;

	scratch_new();
	crash_child(crash_synced);
	CU_ASSERT_EQUAL(file_size(seg_path(0)), 32 + 10 * FRAME(V4));
	CU_ASSERT_EQUAL(truncate(seg_path(0), 32 + 10 * FRAME(V4) - 5), 0);
	c = config(0, 0, 0);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 1);
	CU_ASSERT_EQUAL(spool_pending(sp), 9);
	CU_ASSERT_EQUAL(file_size(seg_path(0)), 32 + 9 * FRAME(V4));
	CU_ASSERT_EQUAL(spool_bytes(sp), 32 + 9 * FRAME(V4));
	for (uint64_t s = 0; s < 9; s++)
		expect_next(sp, s, V4);
	expect_end(sp);
	/* the cut record's token is free again: nothing else refers to it */
	append_n(sp, 100, 1, V4);
	CU_ASSERT_EQUAL(expect_next(sp, 100, V4), 9);
	spool_close(sp);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 0);
	CU_ASSERT_EQUAL(spool_pending(sp), 10);
	spool_close(sp);
	scratch_free();

	/* a crash right after a segment was created: an empty file */
	scratch_new();
	CU_ASSERT_EQUAL(mkdir(dir, 0700), 0);
	write_file(seg_path(7), "");
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 0);
	CU_ASSERT_EQUAL(spool_pending(sp), 0);
	CU_ASSERT_EQUAL(count_segments(), 0);
	spool_close(sp);
	scratch_free();
}

/* Offset of record i (value V4) in a segment starting with token first. */
static long long rec_off(uint64_t first, uint64_t token)
{
	return 32 + (long long)(token - first) * FRAME(V4);
}

static void test_corrupt(void)
{
	struct spool_config c;
	struct spool *sp;
	uint64_t tok;
	struct spool_record r;

	/* in a segment without a trailer (the crash case): found at open */
	scratch_new();
	crash_child(crash_synced);
	flip_byte(seg_path(0), rec_off(0, 3) + 32 + KEY_LEN + 50); /* value of record 3 */
	flip_byte(seg_path(0), rec_off(0, 6) + 25);		   /* value_len of record 6 */
	c = config(0, 0, 0);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 2);
	CU_ASSERT_EQUAL(spool_pending(sp), 8);
	for (uint64_t s = 0; s < 10; s++)
		if (s != 3 && s != 6)
			CU_ASSERT_EQUAL(expect_next(sp, s, V4), s);
	expect_end(sp);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 2);
	spool_close(sp);
	/* the drops are remembered: not counted again */
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 0);
	CU_ASSERT_EQUAL(spool_pending(sp), 8);
	spool_close(sp);
	scratch_free();

	/* in closed segments: found while reading, later segments still read */
	scratch_new();
	c = config(SEG4, 0, HOUR_NS);
	sp = open_ok(&c);
	append_n(sp, 0, 12, V4);
	spool_close(sp);
	flip_byte(seg_path(4), rec_off(4, 5) + 32 + KEY_LEN + 7); /* value of 5 */
	flip_byte(seg_path(8), rec_off(8, 8));			  /* magic of 8 */
	flip_byte(seg_path(8), rec_off(8, 9) + 8);		  /* token of 9 */
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 0);
	CU_ASSERT_EQUAL(spool_pending(sp), 12);
	for (uint64_t s = 0; s < 12; s++)
		if (s != 5 && s != 8 && s != 9)
			CU_ASSERT_EQUAL(expect_next(sp, s, V4), s);
	expect_end(sp);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 3);
	CU_ASSERT_EQUAL(spool_pending(sp), 9);
	spool_rewind(sp);
	CU_ASSERT_EQUAL(spool_next(sp, &r, &tok), 1);
	CU_ASSERT_EQUAL(r.seq, 0);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 3);
	for (uint64_t t = 0; t < 12; t++)
		spool_ack(sp, t);
	CU_ASSERT_EQUAL(spool_pending(sp), 0);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_ACKED), 9);
	CU_ASSERT_EQUAL(count_segments(), 0);
	spool_close(sp);
	scratch_free();

	/* a damaged header: the segment is deleted and counted */
	scratch_new();
	sp = open_ok(&c);
	append_n(sp, 0, 8, V4);
	spool_close(sp);
	flip_byte(seg_path(0), 20);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 1);
	CU_ASSERT_EQUAL(spool_pending(sp), 4);
	CU_ASSERT_EQUAL(count_segments(), 1);
	for (uint64_t s = 4; s < 8; s++)
		expect_next(sp, s, V4);
	expect_end(sp);
	spool_close(sp);
	scratch_free();

	/* a damaged state file: acknowledgements forgotten, records resent */
	scratch_new();
	sp = open_ok(&c);
	append_n(sp, 0, 6, V4);
	for (uint64_t s = 0; s < 6; s++)
		expect_next(sp, s, V4);
	spool_ack(sp, 0);
	spool_ack(sp, 2);
	spool_close(sp);
	{
		char path[4300];

		snprintf(path, sizeof(path), "%s/state", dir);
		flip_byte(path, 30);
	}
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 1);
	CU_ASSERT_EQUAL(spool_pending(sp), 6);
	for (uint64_t s = 0; s < 6; s++)
		expect_next(sp, s, V4);
	spool_close(sp);
	scratch_free();
}

/* ---- write errors ------------------------------------------------------- */

static int pw_fail;    /* fail writes while set */
static int pw_partial; /* ...after writing this many bytes first */
static int sync_fail;
static int sync_calls;

static ssize_t hook_pwrite(int fd, const void *b, size_t n, off_t off)
{
	if (pw_fail) {
		if (pw_partial && (size_t)pw_partial < n) {
			ssize_t w = pwrite(fd, b, (size_t)pw_partial, off);

			pw_partial = 0;
			return w;
		}
		errno = ENOSPC;
		return -1;
	}
	return pwrite(fd, b, n, off);
}

static int hook_sync(int fd)
{
	sync_calls++;
	if (sync_fail) {
		errno = EIO;
		return -1;
	}
	return fsync(fd);
}

static void test_write_errors_buffered(void)
{
	struct spool_config c;
	struct spool *sp;
	char want[4500];
	uint64_t stored;

	scratch_new();
	spool_test_pwrite = hook_pwrite;
	c = config(0, 0, HOUR_NS);
	sp = open_ok(&c);
	append_n(sp, 0, 5, 1000);
	pw_fail = 1;
	pw_partial = 100;
	CU_ASSERT_EQUAL(spool_tick(sp), -EIO);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_SYNC_ERRORS), 1);
	snprintf(want, sizeof(want), "cannot write %s: No space left on device", seg_path(0));
	CU_ASSERT_STRING_EQUAL(spool_error(sp), want);
	CU_ASSERT_EQUAL(file_size(seg_path(0)), 32); /* the partial write was cut back */
	CU_ASSERT_EQUAL(spool_unwritten(sp), 5);
	/* appends fill the 256 KiB buffer, then fail */
	for (stored = 5; append(sp, stored, 1000) == 0; stored++)
		;
	CU_ASSERT_EQUAL(stored, 262144 / FRAME(1000));
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_WRITE_ERRORS), 1);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_APPENDED), stored);
	CU_ASSERT_EQUAL(spool_pending(sp), stored);
	CU_ASSERT_EQUAL(spool_bytes(sp), SEG_OVERHEAD + stored * FRAME(1000));
	/* buffered records can still be handed out */
	for (uint64_t s = 0; s < stored; s++)
		expect_next(sp, s, 1000);
	expect_end(sp);
	/* the disk has room again */
	pw_fail = 0;
	append_n(sp, 1000, 1, 1000);
	CU_ASSERT_EQUAL(spool_sync(sp), 0);
	CU_ASSERT_EQUAL(file_size(seg_path(0)), 32 + (stored + 1) * FRAME(1000));
	CU_ASSERT_EQUAL(spool_unwritten(sp), 0);
	expect_next(sp, 1000, 1000);
	spool_close(sp);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), stored + 1);
	for (uint64_t s = 0; s < stored; s++)
		expect_next(sp, s, 1000);
	expect_next(sp, 1000, 1000);
	expect_end(sp);
	/* records that cannot be written by the close are lost, and said so */
	append_n(sp, 2000, 3, 10);
	pw_fail = 1;
	CU_ASSERT_EQUAL(spool_sync(sp), -EIO);
	CU_ASSERT_EQUAL(spool_unwritten(sp), 3);
	spool_close(sp);
	pw_fail = 0;
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), stored + 1);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_CORRUPT), 0);
	CU_ASSERT_EQUAL(count_segments(), 1); /* the empty one was removed */
	spool_close(sp);
	scratch_free();
}

static void test_write_errors_sync_mode(void)
{
	struct spool_config c;
	struct spool *sp;
	char want[4500];

	scratch_new();
	spool_test_pwrite = hook_pwrite;
	spool_test_fdatasync = hook_sync;
	c = config(0, 0, 0);
	sp = open_ok(&c);
	sync_calls = 0;
	append_n(sp, 0, 1, V4);
	CU_ASSERT_EQUAL(sync_calls, 2); /* the segment and the directory */
	append_n(sp, 1, 2, V4);
	CU_ASSERT_EQUAL(sync_calls, 4); /* one per append */
	CU_ASSERT_EQUAL(file_size(seg_path(0)), 32 + 3 * FRAME(V4));
	/* a failed write: not stored */
	pw_fail = 1;
	CU_ASSERT_EQUAL(append(sp, 3, V4), -EIO);
	snprintf(want, sizeof(want), "cannot write %s: No space left on device", seg_path(0));
	CU_ASSERT_STRING_EQUAL(spool_error(sp), want);
	pw_fail = 0;
	/* a failed fsync: not stored either, cut back out of the file */
	sync_fail = 1;
	CU_ASSERT_EQUAL(append(sp, 4, V4), -EIO);
	snprintf(want, sizeof(want), "cannot sync %s: Input/output error", seg_path(0));
	CU_ASSERT_STRING_EQUAL(spool_error(sp), want);
	sync_fail = 0;
	CU_ASSERT_EQUAL(file_size(seg_path(0)), 32 + 3 * FRAME(V4));
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_WRITE_ERRORS), 2);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_APPENDED), 3);
	CU_ASSERT_EQUAL(spool_pending(sp), 3);
	CU_ASSERT_EQUAL(spool_bytes(sp), SEG_OVERHEAD + 3 * FRAME(V4));
	append_n(sp, 5, 1, V4);
	CU_ASSERT_EQUAL(expect_next(sp, 0, V4), 0);
	CU_ASSERT_EQUAL(expect_next(sp, 1, V4), 1);
	CU_ASSERT_EQUAL(expect_next(sp, 2, V4), 2);
	CU_ASSERT_EQUAL(expect_next(sp, 5, V4), 3);
	expect_end(sp);
	spool_close(sp);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), 4);
	expect_next(sp, 0, V4);
	spool_close(sp);
	scratch_free();
}

static void test_sync_policy(void)
{
	struct spool_config c;
	struct spool *sp;
	struct timespec wait = {0, 250000000};
	char want[4500];

	scratch_new();
	spool_test_fdatasync = hook_sync;
	/* buffered: nothing reaches the file before the interval or a tick */
	c = config(0, 0, HOUR_NS);
	sp = open_ok(&c);
	sync_calls = 0;
	append_n(sp, 0, 3, V4);
	spool_ack(sp, 0);
	CU_ASSERT_EQUAL(sync_calls, 0);
	CU_ASSERT_EQUAL(file_size(seg_path(0)), 32);
	CU_ASSERT_EQUAL(spool_tick(sp), 0);
	CU_ASSERT_EQUAL(sync_calls, 0);
	CU_ASSERT_EQUAL(file_size(seg_path(0)), 32 + 3 * FRAME(V4));
	CU_ASSERT_EQUAL(spool_sync(sp), 0);
	CU_ASSERT_EQUAL(sync_calls, 4); /* segment, directory; state file, directory */
	/* a failed state write is counted and retried */
	spool_ack(sp, 1);
	sync_fail = 1;
	CU_ASSERT_EQUAL(spool_sync(sp), -EIO);
	sync_fail = 0;
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_SYNC_ERRORS), 1);
	snprintf(want, sizeof(want), "cannot write %s/state: Input/output error", dir);
	CU_ASSERT_STRING_EQUAL(spool_error(sp), want);
	CU_ASSERT_EQUAL(spool_sync(sp), 0);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_SYNC_ERRORS), 1);
	spool_close(sp);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), 1);
	expect_next(sp, 2, V4);
	expect_end(sp);
	spool_close(sp);
	scratch_free();

	/* an interval of 200 ms: the first call after it syncs */
	scratch_new();
	spool_test_fdatasync = hook_sync;
	c = config(0, 0, 200000000);
	sp = open_ok(&c);
	sync_calls = 0;
	nanosleep(&wait, NULL);
	append_n(sp, 0, 1, V4);
	CU_ASSERT_EQUAL(sync_calls, 2);
	append_n(sp, 1, 1, V4);
	CU_ASSERT_EQUAL(sync_calls, 2);
	nanosleep(&wait, NULL);
	spool_ack(sp, 0);
	CU_ASSERT_EQUAL(sync_calls, 5); /* segment; state file, directory */
	nanosleep(&wait, NULL);
	CU_ASSERT_EQUAL(spool_tick(sp), 0);
	CU_ASSERT_EQUAL(sync_calls, 5); /* nothing to do */
	spool_close(sp);
	scratch_free();
}

static void test_many(void)
{
	struct spool_config c;
	struct spool *sp;
	struct spool_record r;
	uint64_t tok, n = 0;
	enum { N = 100000, V = 120 };

	scratch_new();
	c = config(1u << 20, 0, HOUR_NS);
	sp = open_ok(&c);
	append_n(sp, 0, N, V);
	CU_ASSERT_EQUAL(spool_pending(sp), N);
	CU_ASSERT_EQUAL(spool_bytes(sp),
			(uint64_t)count_segments() * SEG_OVERHEAD + (uint64_t)N * FRAME(V));
	spool_close(sp);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), N);
	while (spool_next(sp, &r, &tok) == 1) {
		if (!rec_is(&r, n, V) || tok != n)
			break;
		/* acknowledge in pairs, the second first */
		if (n & 1) {
			spool_ack(sp, tok);
			spool_ack(sp, tok - 1);
		}
		n++;
	}
	CU_ASSERT_EQUAL(n, N);
	CU_ASSERT_EQUAL(spool_pending(sp), 0);
	CU_ASSERT_EQUAL(CTR(sp, SPOOL_CTR_ACKED), N);
	CU_ASSERT_EQUAL(count_segments(), 0);
	CU_ASSERT_EQUAL(spool_bytes(sp), 0);
	spool_close(sp);
	sp = open_ok(&c);
	CU_ASSERT_EQUAL(spool_pending(sp), 0);
	expect_end(sp);
	spool_close(sp);
	scratch_free();
}

static void test_counter_names(void)
{
	CU_ASSERT_STRING_EQUAL(spool_counter_names[SPOOL_CTR_APPENDED], "appended");
	CU_ASSERT_STRING_EQUAL(spool_counter_names[SPOOL_CTR_ACKED], "acked");
	CU_ASSERT_STRING_EQUAL(spool_counter_names[SPOOL_CTR_FULL], "full");
	CU_ASSERT_STRING_EQUAL(spool_counter_names[SPOOL_CTR_WRITE_ERRORS], "write_errors");
	CU_ASSERT_STRING_EQUAL(spool_counter_names[SPOOL_CTR_RECOVERED], "recovered");
	CU_ASSERT_STRING_EQUAL(spool_counter_names[SPOOL_CTR_CORRUPT], "corrupt");
	CU_ASSERT_STRING_EQUAL(spool_counter_names[SPOOL_CTR_SYNC_ERRORS], "sync_errors");
}

static CU_TestInfo tests[] = {
    {"crc32c", test_crc32c},
    {"config errors", test_config_errors},
    {"open errors", test_open_errors},
    {"directory created 0700", test_create_mode},
    {"append and next in order", test_order},
    {"ack in and out of order, rewind", test_ack},
    {"segments roll and go when acknowledged", test_segments},
    {"records up to SPOOL_VALUE_MAX", test_large_record},
    {"size cap", test_cap},
    {"reopen after close", test_reopen},
    {"crash: reopen without close", test_crash},
    {"torn tail", test_torn_tail},
    {"corrupt records, headers, state", test_corrupt},
    {"write errors, buffered", test_write_errors_buffered},
    {"write errors, fsync on every append", test_write_errors_sync_mode},
    {"sync policy", test_sync_policy},
    {"100000 records round trip", test_many},
    {"counter names", test_counter_names},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"spool", NULL, suite_cleanup, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
