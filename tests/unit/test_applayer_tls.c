/*
 * test_applayer_tls.c — tls.sni from hand-built ClientHellos: whole, split
 * over records, split over segments at every byte, without SNI, truncated,
 * malformed extensions, bounds, SSLv2 and TLS inside an HTTP CONNECT.
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
	ctx = applayer_ctx_new(NULL);
	return ctx ? 0 : 1;
}

static int suite_fini(void)
{
	applayer_ctx_free(ctx);
	ctx = NULL;
	return 0;
}

struct bytes {
	uint8_t b[8192];
	size_t n;
};

static void put(struct bytes *o, const void *d, size_t n)
{
	memcpy(o->b + o->n, d, n);
	o->n += n;
}

static void put8(struct bytes *o, unsigned v)
{
	o->b[o->n++] = (uint8_t)v;
}

static void put16(struct bytes *o, unsigned v)
{
	put8(o, v >> 8);
	put8(o, v & 0xff);
}

static void put24(struct bytes *o, unsigned v)
{
	put8(o, v >> 16);
	put16(o, v & 0xffff);
}

static void fill(struct bytes *o, unsigned v, size_t n)
{
	memset(o->b + o->n, (int)v, n);
	o->n += n;
}

/* How to build the extensions of a ClientHello. */
struct ch_opts {
	const char *sni;            /* NULL: no server_name extension */
	unsigned sni_type;          /* name_type of the entry */
	int sni_len_delta;          /* added to the name length field */
	int ext_total_delta;        /* added to the extensions length field */
	int bogus_after;            /* an extension with a bad length after SNI */
	const char *sni2;           /* a second server_name extension */
	size_t pad;                 /* a padding extension of this size */
};

static void put_sni(struct bytes *e, const char *name, unsigned type, int delta)
{
	size_t l = strlen(name);

	put16(e, 0x0000);
	put16(e, (unsigned)(5 + l));
	put16(e, (unsigned)(3 + l));
	put8(e, type);
	put16(e, (unsigned)((int)l + delta));
	put(e, name, l);
}

/* A ClientHello handshake message (header included). */
static void client_hello(struct bytes *hs, const struct ch_opts *o)
{
	struct bytes body = {.n = 0}, ext = {.n = 0};

	put16(&body, 0x0303);
	fill(&body, 0x11, 32);                  /* random */
	put8(&body, 32);
	fill(&body, 0x22, 32);                  /* session id */
	put16(&body, 6);
	put16(&body, 0x0a0a);                   /* GREASE */
	put16(&body, 0x1301);
	put16(&body, 0x1302);
	put8(&body, 1);
	put8(&body, 0);
	put16(&ext, 0x1a1a);                    /* GREASE extension */
	put16(&ext, 0);
	if (o->sni)
		put_sni(&ext, o->sni, o->sni_type, o->sni_len_delta);
	if (o->sni2)
		put_sni(&ext, o->sni2, 0, 0);
	put16(&ext, 0x002b);                    /* supported_versions */
	put16(&ext, 5);
	put8(&ext, 4);
	put16(&ext, 0x0304);
	put16(&ext, 0x0303);
	put16(&ext, 0xfe0d);                    /* encrypted_client_hello */
	put16(&ext, 20);
	fill(&ext, 0xec, 20);
	if (o->pad) {
		put16(&ext, 0x0015);
		put16(&ext, (unsigned)o->pad);
		fill(&ext, 0, o->pad);
	}
	if (o->bogus_after) {
		put16(&ext, 0x0010);
		put16(&ext, 0x4000);
		fill(&ext, 0x33, 4);
	}
	put16(&body, (unsigned)((int)ext.n + o->ext_total_delta));
	put(&body, ext.b, ext.n);
	hs->n = 0;
	put8(hs, 1);
	put24(hs, (unsigned)body.n);
	put(hs, body.b, body.n);
}

/* Wraps handshake bytes into records of at most rs payload bytes. */
static void records(struct bytes *out, const struct bytes *hs, size_t rs)
{
	size_t off = 0;

	out->n = 0;
	while (off < hs->n) {
		size_t k = hs->n - off < rs ? hs->n - off : rs;

		put8(out, 0x16);
		put16(out, 0x0301);
		put16(out, (unsigned)k);
		put(out, hs->b + off, k);
		off += k;
	}
}

static void new_flow(uint16_t sport)
{
	rec_flow(&F, 6, 50000, sport);
	rec_reset(&R, &F);
}

static const char *run_cut(const struct bytes *b, const size_t *cuts, size_t ncuts)
{
	new_flow(443);
	rec_stream_cut(ctx, &F, DIR_TO_SERVER, b->b, b->n, cuts, ncuts, &R);
	applayer_flow_end(ctx, &F);
	CU_ASSERT_FALSE(R.bad_dir);
	return R.log;
}

static const char *run(const struct ch_opts *o, size_t rs)
{
	static struct bytes hs, rec;

	client_hello(&hs, o);
	records(&rec, &hs, rs);
	return run_cut(&rec, NULL, 0);
}

static const struct ch_opts with_sni = {.sni = "www.example.com"};
static const char sni_out[] = "tls.sni=www.example.com\n--\n";

static void test_whole(void)
{
	uint64_t n = rec_ctr(ctx, APP_CTR_TLS_CLIENT_HELLOS);

	CU_ASSERT_STRING_EQUAL(run(&with_sni, 16384), sni_out);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_TLS);
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_TLS_CLIENT_HELLOS), n + 1);
}

static void test_split_records(void)
{
	size_t rs;

	for (rs = 1; rs <= 40; rs++)
		CU_ASSERT_STRING_EQUAL(run(&with_sni, rs), sni_out);
	CU_ASSERT_STRING_EQUAL(run(&with_sni, 100), sni_out);
}

static void check_every_cut(const struct bytes *b, const char *expect)
{
	size_t cut, bad = 0;
	size_t *cuts = malloc(b->n * sizeof(*cuts));

	CU_ASSERT_PTR_NOT_NULL_FATAL(cuts);
	for (cut = 1; cut < b->n; cut++)
		if (strcmp(run_cut(b, &cut, 1), expect) != 0 && !bad)
			bad = cut;
	CU_ASSERT_EQUAL(bad, 0);
	for (cut = 1; cut < b->n; cut++)
		cuts[cut - 1] = cut;
	CU_ASSERT_STRING_EQUAL(run_cut(b, cuts, b->n - 1), expect);
	free(cuts);
}

static void test_split_segments(void)
{
	static struct bytes hs, rec;

	client_hello(&hs, &with_sni);
	records(&rec, &hs, 16384);
	check_every_cut(&rec, sni_out);
	records(&rec, &hs, 50);
	check_every_cut(&rec, sni_out);
}

static void test_without_sni(void)
{
	struct ch_opts o = {.sni = NULL};

	CU_ASSERT_STRING_EQUAL(run(&o, 16384), "--\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_TLS);
}

static void test_truncated(void)
{
	static struct bytes hs, rec;
	uint64_t n = rec_ctr(ctx, APP_CTR_TLS_CLIENT_HELLOS);

	client_hello(&hs, &with_sni);
	records(&rec, &hs, 16384);
	rec.n -= 30; /* the stream ends inside the ClientHello */
	CU_ASSERT_STRING_EQUAL(run_cut(&rec, NULL, 0), "");
	records(&rec, &hs, 64);
	rec.n -= 30;
	CU_ASSERT_STRING_EQUAL(run_cut(&rec, NULL, 0), "");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_TLS_CLIENT_HELLOS), n);
}

static void test_bogus_extensions(void)
{
	struct ch_opts o = {.sni = "a.example"};
	uint64_t e = rec_ctr(ctx, APP_CTR_PARSE_ERRORS);

	o.ext_total_delta = 1; /* extensions length past the end: nothing read */
	CU_ASSERT_STRING_EQUAL(run(&o, 16384), "--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 1);
	o.ext_total_delta = 0;
	o.bogus_after = 1; /* a bad extension after the SNI: the SNI stands */
	CU_ASSERT_STRING_EQUAL(run(&o, 16384), "tls.sni=a.example\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 2);
	o.bogus_after = 0;
	o.sni_type = 1; /* not host_name */
	CU_ASSERT_STRING_EQUAL(run(&o, 16384), "--\n");
	o.sni_type = 0;
	o.sni_len_delta = 1; /* name longer than the extension */
	CU_ASSERT_STRING_EQUAL(run(&o, 16384), "--\n");
	o.sni_len_delta = -9; /* zero-length name */
	CU_ASSERT_STRING_EQUAL(run(&o, 16384), "--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 5);
	o.sni_len_delta = 0;
	o.sni2 = "second.example"; /* a repeated server_name is ignored */
	CU_ASSERT_STRING_EQUAL(run(&o, 16384), "tls.sni=a.example\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 5);
}

static void test_long_sni(void)
{
	char name[300];
	struct ch_opts o = {.sni = name};
	char expect[320];

	memset(name, 'a', 255);
	name[255] = '\0';
	snprintf(expect, sizeof(expect), "tls.sni=%s\n--\n", name);
	CU_ASSERT_STRING_EQUAL(run(&o, 16384), expect);
	name[255] = 'a';
	name[256] = '\0'; /* over Suricata's 255 */
	CU_ASSERT_STRING_EQUAL(run(&o, 16384), "--\n");
}

static void test_too_long(void)
{
	struct applayer_config c;
	struct applayer_ctx *saved = ctx;
	struct ch_opts o = {.sni = "big.example", .pad = 400};

	applayer_config_defaults(&c);
	c.tls_max_hello = 256;
	ctx = applayer_ctx_new(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	CU_ASSERT_STRING_EQUAL(run(&o, 16384), "");
	CU_ASSERT_STRING_EQUAL(run(&o, 100), "");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_TOO_LONG), 2);
	o.pad = 0;
	CU_ASSERT_STRING_EQUAL(run(&o, 100), "tls.sni=big.example\n--\n");
	applayer_ctx_free(ctx);
	ctx = saved;
}

/* A ServerHello record from the server labels the flow. */
static void server_hello(void)
{
	struct bytes sh = {.n = 0};

	put8(&sh, 0x16);
	put16(&sh, 0x0303);
	put16(&sh, 42);
	put8(&sh, 2);
	put24(&sh, 38);
	put16(&sh, 0x0303);
	fill(&sh, 0x44, 32);
	put8(&sh, 0);
	put16(&sh, 0x1301);
	put8(&sh, 0);
	rec_stream(ctx, &F, DIR_TO_CLIENT, sh.b, sh.n, &R);
}

static void test_sslv2_hello(void)
{
	static const uint8_t v2[] = {0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00,
				     0x00, 0x10, 0x07, 0x00, 0xc0, 0x05, 0x00, 0x80};
	uint64_t e = rec_ctr(ctx, APP_CTR_PARSE_ERRORS);

	new_flow(443);
	server_hello();
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_TLS);
	rec_stream(ctx, &F, DIR_TO_SERVER, v2, sizeof(v2), &R);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e);
	applayer_flow_end(ctx, &F);
}

static void test_bad_hello_body(void)
{
	static struct bytes hs, rec;
	uint64_t e = rec_ctr(ctx, APP_CTR_PARSE_ERRORS);

	hs.n = 0; /* a 38-byte body whose session id runs past its end */
	put8(&hs, 1);
	put24(&hs, 38);
	put16(&hs, 0x0303);
	fill(&hs, 0x11, 32);
	put8(&hs, 32);
	fill(&hs, 0, 3);
	records(&rec, &hs, 16384);
	CU_ASSERT_STRING_EQUAL(run_cut(&rec, NULL, 0), "");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 1);
	/* the server labelled the flow, the client sends application data */
	new_flow(443);
	server_hello();
	rec_stream(ctx, &F, DIR_TO_SERVER, "\x17\x03\x03\x00\x02hi", 7, &R);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 2);
	applayer_flow_end(ctx, &F);
}

static void test_after_hello(void)
{
	static struct bytes hs, rec;

	client_hello(&hs, &with_sni);
	records(&rec, &hs, 16384);
	put(&rec, rec.b, rec.n < 4000 ? rec.n : 0); /* a second ClientHello: not parsed */
	put(&rec, "\x17\x03\x03\x00\x03xyz", 8);
	CU_ASSERT_STRING_EQUAL(run_cut(&rec, NULL, 0), sni_out);
}

static void test_connect_tunnel(void)
{
	static struct bytes hs, rec;
	static const char conn[] = "CONNECT www.example.com:443 HTTP/1.1\r\n"
				   "Host: www.example.com:443\r\n\r\n";
	static const char out[] = "http.method=CONNECT\nhttp.host=www.example.com\n--\n"
				  "tls.sni=www.example.com\n--\n";
	struct bytes all = {.n = 0};

	client_hello(&hs, &with_sni);
	records(&rec, &hs, 16384);
	put(&all, conn, strlen(conn));
	put(&all, rec.b, rec.n);
	new_flow(3128);
	rec_stream(ctx, &F, DIR_TO_SERVER, all.b, all.n, &R);
	CU_ASSERT_STRING_EQUAL(R.log, out);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_TLS);
	applayer_flow_end(ctx, &F);
	check_every_cut(&all, out);
}

static CU_TestInfo tests[] = {
	{"whole", test_whole},
	{"split over records", test_split_records},
	{"split over segments at every byte", test_split_segments},
	{"without SNI", test_without_sni},
	{"truncated", test_truncated},
	{"bogus extension lengths", test_bogus_extensions},
	{"SNI length bound", test_long_sni},
	{"over tls_max_hello", test_too_long},
	{"SSLv2-compatible hello", test_sslv2_hello},
	{"bad ClientHello body", test_bad_hello_body},
	{"after the ClientHello", test_after_hello},
	{"TLS inside CONNECT", test_connect_tunnel},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"applayer-tls", suite_init, suite_fini, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
