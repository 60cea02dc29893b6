/*
 * test_applayer_dns.c — dns.query from hand-built messages over UDP and
 * TCP: one and several questions, responses, compression (loops, cuts),
 * truncation, TCP framing split at every byte, several messages per
 * segment, messages over dns_tcp_max.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "applayer.h"
#include "applayer_rec.h"

static struct rec R;
static struct flow F;
static struct applayer_ctx *ctx;

static int suite_init(void)
{
	struct applayer_config c;

	applayer_config_defaults(&c);
	c.dns_tcp_max = 200;
	ctx = applayer_ctx_new(&c);
	return ctx ? 0 : 1;
}

static int suite_fini(void)
{
	applayer_ctx_free(ctx);
	ctx = NULL;
	return 0;
}

struct msg {
	uint8_t b[4096];
	size_t n;
};

static void put8(struct msg *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)v;
}

static void put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void put_raw(struct msg *m, const void *d, size_t n)
{
	memcpy(m->b + m->n, d, n);
	m->n += n;
}

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		put8(m, (unsigned)l);
		put_raw(m, name, l);
		name += l + (dot ? 1 : 0);
	}
	put8(m, 0);
}

static void header(struct msg *m, unsigned flags, unsigned qd, unsigned an)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

static void query(struct msg *m, const char *const *names, unsigned n)
{
	unsigned i;

	header(m, 0x0100, n, 0);
	for (i = 0; i < n; i++) {
		put_name(m, names[i]);
		put16(m, 1);
		put16(m, 1);
	}
}

static void udp_flow(void)
{
	rec_flow(&F, 17, 33333, 53);
	rec_reset(&R, &F);
}

static void dgram(enum flow_dir dir, const struct msg *m)
{
	rec_datagram(ctx, &F, dir, m->b, m->n, &R);
}

static void test_one_question(void)
{
	static const char *const q[] = {"www.example.com"};
	struct msg m;
	uint64_t n = rec_ctr(ctx, APP_CTR_DNS_QUERIES);

	query(&m, q, 1);
	udp_flow();
	dgram(DIR_TO_SERVER, &m);
	CU_ASSERT_STRING_EQUAL(R.log, "dns.query=www.example.com\n--\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_DNS);
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_DNS_QUERIES), n + 1);
	CU_ASSERT_PTR_NULL(F.app); /* UDP DNS needs no per-flow state */
	applayer_flow_end(ctx, &F);
}

static void test_several_questions(void)
{
	static const char *const q[] = {"a.example", "B.Example.ORG", ""};
	struct msg m;

	query(&m, q, 3);
	/* a fourth question compressed against the first: www + pointer */
	m.b[5] = 4;
	put_raw(&m, "\x03www\xc0\x0c\x00\x01\x00\x01", 10);
	udp_flow();
	dgram(DIR_TO_SERVER, &m);
	CU_ASSERT_STRING_EQUAL(R.log, "dns.query=a.example\ndns.query=B.Example.ORG\n"
				      "dns.query=\ndns.query=www.a.example\n--\n");
	/* a query the other way round is still a query */
	rec_reset(&R, &F);
	dgram(DIR_TO_CLIENT, &m);
	CU_ASSERT_EQUAL(R.txs, 1);
	CU_ASSERT_EQUAL(strncmp(R.log, "<dns.query=a.example\n", 21), 0);
	applayer_flow_end(ctx, &F);
}

static void test_response(void)
{
	static const char *const q[] = {"resp.example"};
	struct msg m;

	query(&m, q, 1);
	udp_flow();
	dgram(DIR_TO_SERVER, &m);
	m.b[2] = 0x81; /* QR */
	m.b[3] = 0x80;
	m.b[7] = 1;
	put_raw(&m, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x01", 16);
	rec_reset(&R, &F);
	dgram(DIR_TO_CLIENT, &m);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	applayer_flow_end(ctx, &F);
}

static void test_compression_loop(void)
{
	static const char *const q[] = {"ok.example"};
	struct msg ok, m;
	uint64_t e = rec_ctr(ctx, APP_CTR_PARSE_ERRORS);
	char expect[2048];
	size_t i;

	query(&ok, q, 1);
	udp_flow();
	dgram(DIR_TO_SERVER, &ok);
	/* a name that points at itself */
	header(&m, 0x0100, 1, 0);
	put_raw(&m, "\xc0\x0c\x00\x01\x00\x01", 6);
	rec_reset(&R, &F);
	dgram(DIR_TO_SERVER, &m);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 1);
	/* label + pointer back to it: cut after 255 steps (128 labels) */
	header(&m, 0x0100, 1, 0);
	put_raw(&m, "\x01\x61\xc0\x0c\x00\x01\x00\x01", 8);
	rec_reset(&R, &F);
	dgram(DIR_TO_SERVER, &m);
	strcpy(expect, "dns.query=a");
	for (i = 1; i < 128; i++)
		strcat(expect, ".a");
	strcat(expect, "\n--\n");
	CU_ASSERT_STRING_EQUAL(R.log, expect);
	/* 63-byte labels in a loop: the name is cut at 1025 bytes */
	header(&m, 0x0100, 1, 0);
	put8(&m, 63);
	for (i = 0; i < 63; i++)
		put8(&m, 'b');
	put_raw(&m, "\xc0\x0c\x00\x01\x00\x01", 6);
	rec_reset(&R, &F);
	dgram(DIR_TO_SERVER, &m);
	CU_ASSERT_EQUAL(R.len, strlen("dns.query=") + 1025 + strlen("\n--\n"));
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 1);
	applayer_flow_end(ctx, &F);
}

static void test_truncated(void)
{
	static const char *const q[] = {"cut.example.com"};
	struct msg m;
	uint64_t e = rec_ctr(ctx, APP_CTR_PARSE_ERRORS);
	size_t full, n;

	query(&m, q, 1);
	udp_flow();
	dgram(DIR_TO_SERVER, &m);
	full = m.n;
	rec_reset(&R, &F);
	for (n = 0; n < full; n++) {
		m.n = n;
		dgram(DIR_TO_SERVER, &m);
	}
	CU_ASSERT_STRING_EQUAL(R.log, "");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + full - 1); /* n = 0 is no datagram */
	/* bad label type and pointer past the end */
	header(&m, 0x0100, 1, 0);
	put_raw(&m, "\x41x\x00\x00\x01\x00\x01", 7);
	dgram(DIR_TO_SERVER, &m);
	header(&m, 0x0100, 1, 0);
	put_raw(&m, "\xc3\xff\x00\x01\x00\x01", 6);
	dgram(DIR_TO_SERVER, &m);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + full + 1);
	/* more questions than DNS_QD_MAX (256): refused */
	header(&m, 0x0100, 257, 0);
	for (n = 0; n < 257; n++)
		put_raw(&m, "\x01q\x00\x00\x01\x00\x01", 7);
	dgram(DIR_TO_SERVER, &m);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + full + 2);
	m.b[4] = 1;
	m.b[5] = 0; /* 256 is fine */
	m.n -= 7;
	dgram(DIR_TO_SERVER, &m);
	CU_ASSERT_EQUAL(R.txs, 1);
	CU_ASSERT_EQUAL(R.fields, 256);
	rec_reset(&R, &F);
	/* no questions: an empty transaction */
	header(&m, 0x0100, 0, 0);
	dgram(DIR_TO_SERVER, &m);
	CU_ASSERT_STRING_EQUAL(R.log, "--\n");
	applayer_flow_end(ctx, &F);
}

/* Two framed queries, then a response, back to back. */
static void tcp_stream(struct msg *s)
{
	static const char *const q1[] = {"one.example"};
	static const char *const q2[] = {"two.example", "three.example"};
	struct msg m;

	s->n = 0;
	query(&m, q1, 1);
	put16(s, (unsigned)m.n);
	put_raw(s, m.b, m.n);
	query(&m, q2, 2);
	put16(s, (unsigned)m.n);
	put_raw(s, m.b, m.n);
}

static const char tcp_out[] = "dns.query=one.example\n--\n"
			      "dns.query=two.example\ndns.query=three.example\n--\n";

static const char *tcp_run(const struct msg *s, const size_t *cuts, size_t ncuts)
{
	rec_flow(&F, 6, 40000, 53);
	rec_reset(&R, &F);
	rec_stream_cut(ctx, &F, DIR_TO_SERVER, s->b, s->n, cuts, ncuts, &R);
	applayer_flow_end(ctx, &F);
	return R.log;
}

static void test_tcp_two_in_one(void)
{
	struct msg s;

	tcp_stream(&s);
	CU_ASSERT_STRING_EQUAL(tcp_run(&s, NULL, 0), tcp_out);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_DNS);
}

static void test_tcp_split_every_byte(void)
{
	struct msg s;
	size_t cut, bad = 0, cuts[4096];

	tcp_stream(&s);
	for (cut = 1; cut < s.n; cut++)
		if (strcmp(tcp_run(&s, &cut, 1), tcp_out) != 0 && !bad)
			bad = cut;
	CU_ASSERT_EQUAL(bad, 0);
	for (cut = 1; cut < s.n; cut++)
		cuts[cut - 1] = cut;
	CU_ASSERT_STRING_EQUAL(tcp_run(&s, cuts, s.n - 1), tcp_out);
}

static void test_tcp_too_long(void)
{
	static const char *const big[] = {
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
		"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.example"};
	static const char *const small[] = {"after.example"};
	struct msg s, m;
	uint64_t t = rec_ctr(ctx, APP_CTR_TOO_LONG);
	size_t cuts[] = {3, 50, 150, 230};

	s.n = 0;
	query(&m, small, 1);
	put16(&s, (unsigned)m.n);
	put_raw(&s, m.b, m.n);
	query(&m, big, 1);          /* over dns_tcp_max (200): skipped */
	put16(&s, (unsigned)m.n);
	put_raw(&s, m.b, m.n);
	query(&m, small, 1);
	put16(&s, (unsigned)m.n);
	put_raw(&s, m.b, m.n);
	put16(&s, 5);               /* shorter than a header: skipped */
	put_raw(&s, "12345", 5);
	put16(&s, (unsigned)m.n);
	put_raw(&s, m.b, m.n);
	CU_ASSERT_STRING_EQUAL(tcp_run(&s, NULL, 0), "dns.query=after.example\n--\n"
						     "dns.query=after.example\n--\n"
						     "dns.query=after.example\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_TOO_LONG), t + 1);
	CU_ASSERT_STRING_EQUAL(tcp_run(&s, cuts, 4), "dns.query=after.example\n--\n"
						     "dns.query=after.example\n--\n"
						     "dns.query=after.example\n--\n");
}

static void test_tcp_gap(void)
{
	struct msg s;

	tcp_stream(&s);
	rec_flow(&F, 6, 40000, 53);
	rec_reset(&R, &F);
	rec_stream(ctx, &F, DIR_TO_SERVER, s.b, 20, &R);
	applayer_stream_gap(ctx, &F, DIR_TO_SERVER);
	rec_stream(ctx, &F, DIR_TO_SERVER, s.b + 20, s.n - 20, &R);
	CU_ASSERT_STRING_EQUAL(R.log, ""); /* framing lost: the direction stops */
	applayer_flow_end(ctx, &F);
}

static CU_TestInfo tests[] = {
	{"one question", test_one_question},
	{"several questions", test_several_questions},
	{"response", test_response},
	{"compression loop", test_compression_loop},
	{"truncated and malformed", test_truncated},
	{"TCP: two messages in one segment", test_tcp_two_in_one},
	{"TCP: framing split at every byte", test_tcp_split_every_byte},
	{"TCP: messages over dns_tcp_max", test_tcp_too_long},
	{"TCP: gap", test_tcp_gap},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"applayer-dns", suite_init, suite_fini, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
