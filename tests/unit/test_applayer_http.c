/*
 * test_applayer_http.c — HTTP request fields, exactly as emitted: one
 * segment, every split point, pipelining with bodies, URI and Host
 * normalisation, folding, bounds, gaps, CONNECT and garbage.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "applayer.h"
#include "applayer_rec.h"

static struct rec R;
static struct flow F;
static struct applayer_ctx *ctx;

static void ctx_with(uint32_t max_header)
{
	struct applayer_config c;

	applayer_ctx_free(ctx);
	applayer_config_defaults(&c);
	if (max_header)
		c.http_max_header = max_header;
	ctx = applayer_ctx_new(&c);
}

static int suite_init(void)
{
	ctx_with(0);
	return ctx ? 0 : 1;
}

static int suite_fini(void)
{
	applayer_ctx_free(ctx);
	ctx = NULL;
	return 0;
}

/* A fresh client→server flow on port 80 fed with data cut at cuts[]. */
static const char *run_cut(const char *data, size_t len, const size_t *cuts, size_t ncuts)
{
	rec_flow(&F, 6, 40000, 80);
	rec_reset(&R, &F);
	rec_stream_cut(ctx, &F, DIR_TO_SERVER, data, len, cuts, ncuts, &R);
	applayer_flow_end(ctx, &F);
	CU_ASSERT_FALSE(R.overflow);
	CU_ASSERT_FALSE(R.bad_dir);
	return R.log;
}

static const char *run(const char *data)
{
	return run_cut(data, strlen(data), NULL, 0);
}

/* Same fields for every single cut, and for one byte per segment. */
static void check_splits(const char *data, const char *expect)
{
	size_t len = strlen(data), cut, bad = 0;
	size_t *cuts = malloc(len * sizeof(*cuts));

	CU_ASSERT_PTR_NOT_NULL_FATAL(cuts);
	for (cut = 1; cut < len; cut++) {
		if (strcmp(run_cut(data, len, &cut, 1), expect) != 0 && !bad) {
			bad = cut;
			fprintf(stderr, "split at %zu:\n%s", cut, R.log);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	for (cut = 1; cut < len; cut++)
		cuts[cut - 1] = cut;
	CU_ASSERT_STRING_EQUAL(run_cut(data, len, cuts, len - 1), expect);
	free(cuts);
}

static const char basic_req[] =
	"GET /index.html HTTP/1.1\r\nHost: Example.COM:8080\r\nUser-Agent: curl/8.0\r\n"
	"Accept: */*\r\n\r\n";
static const char basic_out[] =
	"http.method=GET\nhttp.uri=/index.html\nhttp.host=example.com\n"
	"http.user_agent=curl/8.0\n--\n";

static void test_one_segment(void)
{
	uint64_t before = rec_ctr(ctx, APP_CTR_HTTP_REQUESTS);

	CU_ASSERT_STRING_EQUAL(run(basic_req), basic_out);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_HTTP);
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_HTTP_REQUESTS), before + 1);
	CU_ASSERT_PTR_NULL(F.app);
}

static void test_split_every_byte(void)
{
	check_splits(basic_req, basic_out);
}

static const char pipeline[] =
	"POST /submit HTTP/1.1\r\nHost: a.example\r\nContent-Length: 29\r\n\r\n"
	"GET /decoy HTTP/1.1\r\n\r\nxyzabc"
	"GET /next?x=1 HTTP/1.1\r\nHost: b.example\r\n\r\n"
	"POST /chunked HTTP/1.1\r\nHost: c.example\r\nTransfer-Encoding: chunked\r\n\r\n"
	"5;ext=1\r\nGET /\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n"
	"\r\n"
	"HEAD /last HTTP/1.0\r\nUser-Agent: last\r\n\r\n";
static const char pipeline_out[] =
	"http.method=POST\nhttp.uri=/submit\nhttp.host=a.example\n--\n"
	"http.method=GET\nhttp.uri=/next?x=1\nhttp.host=b.example\n--\n"
	"http.method=POST\nhttp.uri=/chunked\nhttp.host=c.example\n--\n"
	"http.method=HEAD\nhttp.uri=/last\nhttp.user_agent=last\n--\n";

static void test_pipelined(void)
{
	CU_ASSERT_STRING_EQUAL(run(pipeline), pipeline_out);
	check_splits(pipeline, pipeline_out);
}

static void test_absolute_form(void)
{
	CU_ASSERT_STRING_EQUAL(
		run("GET http://Www.Example.COM.:8080/a/b?x=1 HTTP/1.1\r\nHost: other.org\r\n\r\n"),
		"http.method=GET\nhttp.uri=/a/b?x=1\nhttp.host=www.example.com\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET https://user:pw@h.example/p HTTP/1.1\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/p\nhttp.host=h.example\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET http://[::1]:8080/v6 HTTP/1.1\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/v6\nhttp.host=[::1]\n--\n");
	/* no path: no http.uri (libhtp has no normalised URI then) */
	CU_ASSERT_STRING_EQUAL(run("GET http://only.host HTTP/1.1\r\n\r\n"),
			       "http.method=GET\nhttp.host=only.host\n--\n");
}

static void test_percent_encoding(void)
{
	CU_ASSERT_STRING_EQUAL(
		run("GET /a%20b/%2e%2e/c%2Fd%5cE?q=%41%2B+x&y=%zz#f%41 HTTP/1.1\r\n\r\n"),
		"http.method=GET\nhttp.uri=/c/d/E?q=A++x&y=%zz#fA\n--\n");
	CU_ASSERT_STRING_EQUAL(
		run("GET /%u0041%uff0e/caf%C3%A9/%E2%82%AC/%u12/x%C3 HTTP/1.1\r\n\r\n"),
		"http.method=GET\nhttp.uri=/A./caf\\xe9/?/%u12/x\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET //a///b/./c/../d HTTP/1.1\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/a/b/d\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET /a\\b/%%41/%4 HTTP/1.1\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/a/b/%A/%4\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET /../../x?a=%00 HTTP/1.1\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/x?a=\\x00\n--\n");
}

static void test_uri_with_spaces(void)
{
	CU_ASSERT_STRING_EQUAL(
		run("GET /uri afterspace HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"),
		"http.method=GET\nhttp.uri=/uri afterspace\nhttp.host=127.0.0.1\n--\n");
}

static void test_host_forms(void)
{
	static const char nul[] = "GET /t HTTP/1.1\r\nHost: nul.example\0junk\r\n\r\n";

	CU_ASSERT_STRING_EQUAL(run("GET /t HTTP/1.1\r\nHost: [fd00:2:1::2]\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/t\nhttp.host=[fd00:2:1::2]\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET /t HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/t\nhttp.host=[::1]\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET /t HTTP/1.1\r\nhost:   EXAMPLE.com:80  \r\n\r\n"),
			       "http.method=GET\nhttp.uri=/t\nhttp.host=example.com\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET /t HTTP/1.1\r\nHost: a.com\r\nHost: B.com\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/t\nhttp.host=a.com, b.com\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET /t HTTP/1.1\r\nHost:\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/t\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET /t HTTP/1.1\r\nHost: /x\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/t\n--\n");
	CU_ASSERT_STRING_EQUAL(run_cut(nul, sizeof(nul) - 1, NULL, 0),
			       "http.method=GET\nhttp.uri=/t\nhttp.host=nul.example\n--\n");
}

static void test_missing_host(void)
{
	CU_ASSERT_STRING_EQUAL(run("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/\n--\n");
}

static void test_folded_header(void)
{
	CU_ASSERT_STRING_EQUAL(
		run("GET / HTTP/1.1\r\nUser-Agent: Mozilla/5.0\r\n (X11; Linux)\r\n"
		    "\tend\r\nHost: f.example\r\n\r\n"),
		"http.method=GET\nhttp.uri=/\nhttp.host=f.example\n"
		"http.user_agent=Mozilla/5.0 (X11; Linux)\\x09end\n--\n");
	/* a first header line with leading whitespace is a header, not a fold */
	CU_ASSERT_STRING_EQUAL(run("GET / HTTP/1.1\r\n Host: lead.example\r\n\r\n"),
			       "http.method=GET\nhttp.uri=/\nhttp.host=lead.example\n--\n");
	check_splits("GET / HTTP/1.1\r\nUser-Agent: a\r\n b\r\n\r\n",
		     "http.method=GET\nhttp.uri=/\nhttp.user_agent=a b\n--\n");
}

static void test_http09(void)
{
	size_t cut = 11;

	CU_ASSERT_STRING_EQUAL(run_cut("GET /path\r\nGET /two\n", 20, &cut, 1),
			       "http.method=GET\nhttp.uri=/path\n--\nhttp.method=GET\nhttp.uri=/two\n--\n");
	/* more in the same segment: libhtp takes the protocol as missing */
	CU_ASSERT_STRING_EQUAL(run("OPTIONS HTTP/1.1\r\nHost: www.google.com\r\n\r\n"),
			       "http.method=OPTIONS\nhttp.uri=HTTP/1.1\nhttp.host=www.google.com\n--\n");
	CU_ASSERT_STRING_EQUAL(run("GET /path\r\n \r\n"), "http.method=GET\nhttp.uri=/path\n--\n");
	check_splits("GET /path\r\n", "http.method=GET\nhttp.uri=/path\n--\n");
}

static void test_too_long(void)
{
	char req[512];
	size_t cuts[40], i;

	ctx_with(128);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	snprintf(req, sizeof(req), "GET /long HTTP/1.1\r\nHost: h\r\nX-Pad: %0200d\r\n\r\n"
		 "GET /after HTTP/1.1\r\n\r\n", 0);
	CU_ASSERT_STRING_EQUAL(run(req), "http.method=GET\nhttp.uri=/long\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_TOO_LONG), 1);
	for (i = 0; i < 40; i++)
		cuts[i] = (i + 1) * 7;
	CU_ASSERT_STRING_EQUAL(run_cut(req, strlen(req), cuts, 40),
			       "http.method=GET\nhttp.uri=/long\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_TOO_LONG), 2);
	/* the request line itself is over the bound: nothing to emit */
	snprintf(req, sizeof(req), "GET /%0200d HTTP/1.1\r\n\r\n", 0);
	CU_ASSERT_STRING_EQUAL(run(req), "");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_TOO_LONG), 3);
	/* exactly at the bound is fine */
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX: %0*d\r\n\r\n", 128 - 23, 0);
	CU_ASSERT_EQUAL(strlen(req), 128);
	CU_ASSERT_STRING_EQUAL(run(req), "http.method=GET\nhttp.uri=/\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_TOO_LONG), 3);
	ctx_with(0);
}

static void test_connect(void)
{
	CU_ASSERT_STRING_EQUAL(run("CONNECT / HTTP/1.1\r\nMp-Country: US\r\n\r\n"),
			       "http.method=CONNECT\n--\n");
	CU_ASSERT_STRING_EQUAL(
		run("CONNECT Proxy.Example:443 HTTP/1.1\r\nHost: other:443\r\n\r\n"
		    "GET /in HTTP/1.1\r\nHost: in.example\r\n\r\n"),
		"http.method=CONNECT\nhttp.host=proxy.example\n--\n"
		"http.method=GET\nhttp.uri=/in\nhttp.host=in.example\n--\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_HTTP);
	/* an opaque tunnel: nothing more is parsed */
	CU_ASSERT_STRING_EQUAL(
		run("CONNECT x:22 HTTP/1.1\r\n\r\nSSH-2.0-OpenSSH\r\nGET / HTTP/1.1\r\n\r\n"),
		"http.method=CONNECT\nhttp.host=x\n--\n");
	check_splits("CONNECT a:1 HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
		     "http.method=CONNECT\nhttp.host=a\n--\nhttp.method=GET\nhttp.uri=/b\n--\n");
}

static void test_h2_upgrade(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n\r\n"
				  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\x12\x04\0\0\0\0\0";

	CU_ASSERT_STRING_EQUAL(run_cut(req, sizeof(req) - 1, NULL, 0),
			       "http.method=GET\nhttp.uri=/\nhttp.host=x\n--\n");
}

static void test_body_errors(void)
{
	uint64_t e = rec_ctr(ctx, APP_CTR_PARSE_ERRORS);

	CU_ASSERT_STRING_EQUAL(
		run("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET / HTTP/1.1\r\n\r\n"),
		"http.method=POST\nhttp.uri=/\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 1);
	CU_ASSERT_STRING_EQUAL(
		run("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
		"http.method=POST\nhttp.uri=/\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 2);
	CU_ASSERT_STRING_EQUAL(
		run("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
		"http.method=POST\nhttp.uri=/\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 3);
	CU_ASSERT_STRING_EQUAL(
		run("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n80000000\r\n"),
		"http.method=POST\nhttp.uri=/\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 4);
	/* a repeated Content-Length: the first one counts; junk before digits is tolerated */
	CU_ASSERT_STRING_EQUAL(
		run("POST / HTTP/1.1\r\nContent-Length: x3\r\nContent-Length: 99\r\n\r\nabc"
		    "GET /2 HTTP/1.1\r\n\r\n"),
		"http.method=POST\nhttp.uri=/\n--\nhttp.method=GET\nhttp.uri=/2\n--\n");
	/* whitespace-only chunk lines are skipped */
	CU_ASSERT_STRING_EQUAL(
		run("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n \r\n3\r\nabc\r\n0\r\n\r\n"
		    "GET /3 HTTP/1.1\r\n\r\n"),
		"http.method=POST\nhttp.uri=/\n--\nhttp.method=GET\nhttp.uri=/3\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_PARSE_ERRORS), e + 4);
}

static void test_gap_resync(void)
{
	static const char a[] = "POST /a HTTP/1.1\r\nContent-Length: 100\r\n\r\n0123456789";
	static const char b[] = "rest-of-body GET /no\r\nGET /b HTTP/1.1\r\n\r\n";

	rec_flow(&F, 6, 40000, 80);
	rec_reset(&R, &F);
	rec_stream(ctx, &F, DIR_TO_SERVER, a, strlen(a), &R);
	applayer_stream_gap(ctx, &F, DIR_TO_SERVER);
	rec_stream(ctx, &F, DIR_TO_SERVER, b, strlen(b), &R);
	CU_ASSERT_STRING_EQUAL(R.log, "http.method=POST\nhttp.uri=/a\n--\n"
				      "http.method=GET\nhttp.uri=/b\n--\n");
	applayer_flow_end(ctx, &F);
	/* a gap inside a header block drops the partial request */
	rec_flow(&F, 6, 40000, 80);
	rec_reset(&R, &F);
	rec_stream(ctx, &F, DIR_TO_SERVER, "GET /x HTTP/1.1\r\nHo", 19, &R);
	applayer_stream_gap(ctx, &F, DIR_TO_SERVER);
	rec_stream(ctx, &F, DIR_TO_SERVER, "GET /y HTTP/1.1\r\n\r\n", 19, &R);
	CU_ASSERT_STRING_EQUAL(R.log, "http.method=GET\nhttp.uri=/y\n--\n");
	applayer_flow_end(ctx, &F);
	applayer_flow_end(ctx, &F); /* idempotent */
}

static void test_garbage(void)
{
	static const char g[] = "GET / HTTP/1.1\r\n\r\n\x01\x02 \xff\r\n";
	uint8_t buf[512];
	uint32_t seed = 12345, i, j;

	CU_ASSERT_STRING_EQUAL(run(g), "http.method=GET\nhttp.uri=/\n--\n"
				       "http.method=\\x01\\x02\nhttp.uri=?\n--\n");
	/* random bytes after a request: no crash, bounded, clean release */
	rec_flow(&F, 6, 40000, 80);
	rec_reset(&R, &F);
	rec_stream(ctx, &F, DIR_TO_SERVER, "GET / HTTP/1.1\r\n\r\n", 18, &R);
	for (i = 0; i < 3000 && F.app; i++) {
		uint32_t n;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % sizeof(buf) + 1;
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = (uint8_t)(seed >> 24);
			if (buf[j] > 0xf0)
				buf[j] = (seed & 1) ? '\n' : ' ';
		}
		if (i % 500 == 0)
			applayer_stream_gap(ctx, &F, DIR_TO_SERVER);
		rec_stream(ctx, &F, DIR_TO_SERVER, buf, n, &R);
		if (R.len > REC_CAP / 2)
			rec_reset(&R, &F);
	}
	CU_ASSERT_FALSE(R.overflow);
	applayer_flow_end(ctx, &F);
}

static CU_TestInfo tests[] = {
	{"one segment", test_one_segment},
	{"split at every byte", test_split_every_byte},
	{"pipelined with bodies", test_pipelined},
	{"absolute-form URI", test_absolute_form},
	{"percent-encoding", test_percent_encoding},
	{"URI with spaces", test_uri_with_spaces},
	{"Host forms", test_host_forms},
	{"missing Host", test_missing_host},
	{"folded header", test_folded_header},
	{"HTTP/0.9", test_http09},
	{"over-long headers", test_too_long},
	{"CONNECT", test_connect},
	{"h2c upgrade", test_h2_upgrade},
	{"body errors", test_body_errors},
	{"gap resync", test_gap_resync},
	{"garbage", test_garbage},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"applayer-http", suite_init, suite_fini, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
