/*
 * test_applayer_detect.c — protocol detection: content over port, the
 * look-alikes that must be refused, giving up, both directions, UDP, the
 * ICS labels, gaps and pool exhaustion.
 */
#include "unit.h"

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

static void tcp_flow(uint16_t sport)
{
	rec_flow(&F, 6, 45000, sport);
	rec_reset(&R, &F);
}

static void udp_flow(uint16_t sport)
{
	rec_flow(&F, 17, 45000, sport);
	rec_reset(&R, &F);
}

static void cli(const void *d, size_t n)
{
	rec_stream(ctx, &F, DIR_TO_SERVER, d, n, &R);
}

static void srv(const void *d, size_t n)
{
	rec_stream(ctx, &F, DIR_TO_CLIENT, d, n, &R);
}

static void end(void)
{
	applayer_flow_end(ctx, &F);
	CU_ASSERT_PTR_NULL(F.app);
}

#define CLI(s) cli(s, sizeof(s) - 1)
#define SRV(s) srv(s, sizeof(s) - 1)

static void test_names(void)
{
	int i, j;

	CU_ASSERT_PTR_NULL(app_proto_name(APP_PROTO_UNKNOWN));
	CU_ASSERT_STRING_EQUAL(app_proto_name(APP_PROTO_HTTP), "http");
	CU_ASSERT_STRING_EQUAL(app_proto_name(APP_PROTO_TLS), "tls");
	CU_ASSERT_STRING_EQUAL(app_proto_name(APP_PROTO_DNS), "dns");
	CU_ASSERT_STRING_EQUAL(app_proto_name(APP_PROTO_MODBUS), "modbus");
	CU_ASSERT_STRING_EQUAL(app_proto_name(APP_PROTO_DNP3), "dnp3");
	CU_ASSERT_STRING_EQUAL(app_proto_name(APP_PROTO_FAILED), "failed");
	CU_ASSERT_PTR_NULL(app_proto_name(APP_PROTO_MAX));
	for (i = 0; i < APP_CTR_MAX; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_counter_names[i]);
		for (j = 0; j < i; j++)
			CU_ASSERT(strcmp(app_counter_names[i], app_counter_names[j]) != 0);
	}
}

static void test_http_any_port(void)
{
	uint64_t n = rec_ctr(ctx, APP_CTR_FLOWS_HTTP);

	tcp_flow(3000);
	CLI("G");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	CLI("ET /x HTTP/1.1\r\n\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_HTTP);
	CU_ASSERT_STRING_EQUAL(R.log, "http.method=GET\nhttp.uri=/x\n--\n");
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_FLOWS_HTTP), n + 1);
	end();
	/* WebDAV, and HTTP on the DNS port: content wins */
	tcp_flow(53);
	CLI("PROPFIND /dav HTTP/1.1\r\n\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_HTTP);
	CU_ASSERT_STRING_EQUAL(R.log, "http.method=PROPFIND\nhttp.uri=/dav\n--\n");
	end();
}

static void test_http_server_first(void)
{
	/* the response labels the flow; the client's held bytes are parsed */
	tcp_flow(8080);
	CLI("GE");
	SRV("HTTP/1.1 200 OK\r\n\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_HTTP);
	CLI("T /late HTTP/1.1\r\n\r\n");
	CU_ASSERT_STRING_EQUAL(R.log, "http.method=GET\nhttp.uri=/late\n--\n");
	end();
}

static void test_http_lookalikes(void)
{
	uint64_t failed = rec_ctr(ctx, APP_CTR_FLOWS_FAILED);

	tcp_flow(80);
	CLI("GETX / HTTP/1.1\r\n\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	SRV("SSH-2.0-OpenSSH_9.6\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_FAILED);
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_FLOWS_FAILED), failed + 1);
	CLI("GET / HTTP/1.1\r\n\r\n"); /* too late: nothing more is looked at */
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_FAILED);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	end();
	tcp_flow(80);
	CLI("get / HTTP/1.1\r\n\r\n"); /* methods are case-sensitive */
	CLI("GET / HTTP/1.1\r\n\r\n"); /* the direction was refused already */
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	end();
	tcp_flow(80);
	CLI("GET\t/ HTTP/1.1\r\n\r\n");
	SRV("HTTP/2 200\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_FAILED);
	end();
}

static void test_held_client(void)
{
	int i;

	/* an unknown method: the server's reply names the protocol, then the
	 * client's held bytes are parsed (Suricata does the same) */
	tcp_flow(80);
	CLI("FOO /x HTTP/1.1\r\nHost: weird.example\r\n\r\n");
	CLI("BAR /y HTTP/1.1\r\n\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	SRV("HTTP/1.1 405 Method Not Allowed\r\n\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_HTTP);
	CU_ASSERT_STRING_EQUAL(R.log, "http.method=FOO\nhttp.uri=/x\nhttp.host=weird.example\n--\n"
				      "http.method=BAR\nhttp.uri=/y\n--\n");
	CLI("BAZ /z HTTP/1.1\r\n\r\n");
	CU_ASSERT_EQUAL(R.txs, 3);
	end();
	/* midstream: a client that shows the protocol itself is parsed ... */
	tcp_flow(80);
	F.flags |= FLOW_F_MIDSTREAM;
	SRV("HTTP/1.1 200 OK\r\n\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_HTTP);
	CLI("GET /m HTTP/1.1\r\n\r\n");
	CU_ASSERT_STRING_EQUAL(R.log, "http.method=GET\nhttp.uri=/m\n--\n");
	end();
	/* ... one in the middle of a body is not */
	tcp_flow(80);
	F.flags |= FLOW_F_MIDSTREAM;
	SRV("HTTP/1.1 200 OK\r\n\r\n");
	CLI("dy of a POST\r\n\r\nGET /m HTTP/1.1\r\n\r\n");
	CU_ASSERT_STRING_EQUAL(R.log, "");
	end();
	/* not held in a flow picked up midstream: its start may be missing */
	tcp_flow(80);
	F.flags |= FLOW_F_MIDSTREAM;
	CLI("FOO /x HTTP/1.1\r\n\r\n");
	SRV("HTTP/1.1 405 Method Not Allowed\r\n\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_HTTP);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	end();
	/* more than APP_DETECT_MAX bytes before the server speaks: given up */
	tcp_flow(80);
	for (i = 0; i < 70; i++)
		CLI("FOO /x HTTP/1.1\r\n\r\n");
	SRV("HTTP/1.1 405 Method Not Allowed\r\n\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_HTTP);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	end();
}

static const uint8_t client_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x3c, 0x01, 0x00, 0x00, 0x38, 0x03, 0x03,
	/* random */
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	0x00,                               /* session id */
	0x00, 0x02, 0x13, 0x01,             /* cipher suites */
	0x01, 0x00,                         /* compression */
	0x00, 0x0d,                         /* extensions */
	0x00, 0x00, 0x00, 0x09, 0x00, 0x07, 0x00, 0x00, 0x04, 'a', '.', 'i', 'o',
};

static void test_tls_any_port(void)
{
	size_t cut;

	tcp_flow(8443);
	cli(client_hello, sizeof(client_hello));
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_TLS);
	CU_ASSERT_STRING_EQUAL(R.log, "tls.sni=a.io\n--\n");
	end();
	for (cut = 1; cut < 12; cut++) { /* detection across segments */
		tcp_flow(502);
		cli(client_hello, cut);
		cli(client_hello + cut, sizeof(client_hello) - cut);
		CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_TLS);
		CU_ASSERT_STRING_EQUAL(R.log, "tls.sni=a.io\n--\n");
		end();
	}
}

static void test_tls_lookalikes(void)
{
	static const uint8_t junk1[] = {0x16, 0x03, 0x01, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'};
	static const uint8_t junk2[] = {0x16, 0xff, 0x01, 0x02};
	static const uint8_t junk3[] = {0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x01,
					0x03, 0x03};  /* ClientHello of 1 byte */
	static const uint8_t junk4[] = {0x16, 0x03, 0x07, 0x00, 0x40};  /* version 3.7 */
	static const uint8_t sh[] = {0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00, 0x00, 0x30,
				     0x03, 0x03};   /* a ServerHello from the client */

	tcp_flow(443);
	cli(junk1, sizeof(junk1));
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	SRV("\x16\x03");
	SRV("\x03\x00\x40\x01"); /* a ClientHello from the server */
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_FAILED);
	end();
	tcp_flow(443);
	cli(junk2, sizeof(junk2));
	srv(junk3, sizeof(junk3));
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_FAILED);
	end();
	tcp_flow(443);
	cli(junk4, sizeof(junk4));
	srv(sh, sizeof(sh));
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_TLS); /* the server's side is right */
	CU_ASSERT_STRING_EQUAL(R.log, "");
	end();
}

static void test_dns_udp(void)
{
	/* query for x.example, A, IN */
	static const uint8_t q[] = {0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
				    1, 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
	/* mDNS response: no question, one PTR answer with a cache-flush class */
	static const uint8_t mdns[] = {0, 0, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0,
				       4, '_', 'i', 'p', 'p', 4, '_', 't', 'c', 'p', 5, 'l', 'o',
				       'c', 'a', 'l', 0, 0, 12, 0x80, 1, 0, 0, 0, 0x78, 0, 2,
				       0xc0, 12};
	uint8_t trail[sizeof(q) + 1];

	udp_flow(53);
	rec_datagram(ctx, &F, DIR_TO_SERVER, q, sizeof(q), &R);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_DNS);
	CU_ASSERT_STRING_EQUAL(R.log, "dns.query=x.example\n--\n");
	end();
	udp_flow(5353); /* any port: a message that parses exactly */
	rec_datagram(ctx, &F, DIR_TO_SERVER, q, sizeof(q), &R);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_DNS);
	end();
	udp_flow(5353);
	rec_datagram(ctx, &F, DIR_TO_SERVER, mdns, sizeof(mdns), &R);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_DNS);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	end();
	memcpy(trail, q, sizeof(q));
	trail[sizeof(q)] = 0x55;
	udp_flow(5353); /* a trailing byte: not exact, not DNS off port 53 */
	rec_datagram(ctx, &F, DIR_TO_SERVER, trail, sizeof(trail), &R);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	end();
	udp_flow(53); /* on port 53 the questions are enough */
	rec_datagram(ctx, &F, DIR_TO_SERVER, trail, sizeof(trail), &R);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_DNS);
	end();
	udp_flow(137); /* NetBIOS name service: DNS wire format, not DNS */
	rec_datagram(ctx, &F, DIR_TO_SERVER, q, sizeof(q), &R);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	end();
}

static void test_dns_udp_random(void)
{
	uint8_t buf[128];
	uint32_t seed = 777, i, j;
	int d;

	udp_flow(53);
	for (i = 0; i < 4; i++) {
		for (d = 0; d < 2; d++) {
			for (j = 0; j < sizeof(buf); j++) {
				seed = seed * 1103515245u + 12345u;
				buf[j] = (uint8_t)(seed >> 24);
			}
			rec_datagram(ctx, &F, (enum flow_dir)d, buf, 20 + i * 30, &R);
		}
		CU_ASSERT_EQUAL(F.app_proto, i < 3 ? APP_PROTO_UNKNOWN : APP_PROTO_FAILED);
	}
	CU_ASSERT_STRING_EQUAL(R.log, "");
	end();
	/* a DNS-like header with a question count that does not fit */
	udp_flow(53);
	rec_datagram(ctx, &F, DIR_TO_SERVER,
		     "\x12\x34\x01\x00\x00\x05\x00\x00\x00\x00\x00\x00\x01x\x00\x00\x01\x00\x01",
		     19, &R);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	end();
}

static void test_dns_tcp(void)
{
	static const uint8_t q[] = {0, 27, 0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
				    1, 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
	size_t cut;

	for (cut = 1; cut < sizeof(q); cut++) {
		tcp_flow(53);
		cli(q, cut);
		cli(q + cut, sizeof(q) - cut);
		CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_DNS);
		CU_ASSERT_STRING_EQUAL(R.log, "dns.query=x.example\n--\n");
		end();
	}
	tcp_flow(5353); /* DNS over TCP only on port 53 */
	cli(q, sizeof(q));
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	end();
}

static void test_modbus(void)
{
	static const uint8_t adu[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01,
				      0x03, 0x00, 0x00, 0x00, 0x0a};
	static const uint8_t bad[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x01,
				      0x03, 0x00, 0x00, 0x00, 0x0a};
	static const uint8_t fc0[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01,
				      0x00, 0x00, 0x00, 0x00, 0x00};
	uint64_t n = rec_ctr(ctx, APP_CTR_FLOWS_MODBUS);
	size_t i;

	tcp_flow(502);
	cli(adu, sizeof(adu));
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_MODBUS);
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_FLOWS_MODBUS), n + 1);
	cli(adu, sizeof(adu));
	srv(adu, sizeof(adu));
	CU_ASSERT_STRING_EQUAL(R.log, "");
	end();
	tcp_flow(1502); /* elsewhere: two consecutive ADUs, byte by byte */
	for (i = 0; i < 2 * sizeof(adu); i++) {
		CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
		cli(adu + i % sizeof(adu), 1);
	}
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_MODBUS);
	end();
	tcp_flow(502);
	cli(bad, sizeof(bad));
	SRV("\x00\x01\x00\x00\x00\x01\x01"); /* length 1: too short for an ADU */
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_FAILED);
	end();
	tcp_flow(502); /* an illegal function code is still Modbus on its port */
	cli(fc0, sizeof(fc0));
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_MODBUS);
	end();
	tcp_flow(1502); /* but not elsewhere */
	cli(fc0, sizeof(fc0));
	cli(fc0, sizeof(fc0));
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	end();
}

static void test_dnp3(void)
{
	static const uint8_t link[] = {0x05, 0x64, 0x05, 0xc0, 0x01, 0x00, 0x00, 0x04, 0xe9, 0x21};
	static const uint8_t badcrc[] = {0x05, 0x64, 0x05, 0xc0, 0x01, 0x00, 0x00, 0x04, 0xe9, 0x22};

	tcp_flow(20000);
	cli(link, 3);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	cli(link + 3, sizeof(link) - 3);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_DNP3);
	end();
	tcp_flow(20000);
	cli(badcrc, sizeof(badcrc));
	srv(badcrc, sizeof(badcrc));
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_FAILED);
	end();
	udp_flow(20000);
	rec_datagram(ctx, &F, DIR_TO_SERVER, link, sizeof(link), &R);
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_DNP3);
	end();
}

static void test_gap_before_decision(void)
{
	tcp_flow(80);
	CLI("GE");
	applayer_stream_gap(ctx, &F, DIR_TO_SERVER);
	CLI("T / HTTP/1.1\r\n\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_UNKNOWN);
	SRV("HTTP/1.1 200 OK\r\n");
	CU_ASSERT_EQUAL(F.app_proto, APP_PROTO_HTTP);
	CLI("GET /after HTTP/1.1\r\n\r\n"); /* the client side stays off */
	CU_ASSERT_STRING_EQUAL(R.log, "");
	end();
	applayer_stream_gap(ctx, &F, DIR_TO_SERVER); /* no state: nothing */
}

static void test_pool_exhausted(void)
{
	struct applayer_config c;
	struct applayer_ctx *small;

	applayer_config_defaults(&c);
	c.memcap = 64; /* less than one slab */
	small = applayer_ctx_new(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(small);
	tcp_flow(80);
	applayer_stream_data(small, &F, DIR_TO_SERVER, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n",
			     18, &rec_sink, &R);
	applayer_stream_data(small, &F, DIR_TO_SERVER, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n",
			     18, &rec_sink, &R);
	CU_ASSERT_STRING_EQUAL(R.log, "");
	CU_ASSERT_EQUAL(rec_ctr(small, APP_CTR_POOL_EXHAUSTED), 1);
	CU_ASSERT_EQUAL(rec_ctr(small, APP_CTR_POOL_BYTES), 0);
	applayer_flow_end(small, &F);
	CU_ASSERT_PTR_NULL(F.app);
	applayer_ctx_free(small);
	applayer_ctx_free(NULL);
}

static void test_pool_reuse(void)
{
	uint64_t bytes = 0;
	int i;

	for (i = 0; i < 3; i++) { /* slabs grow once, then chunks are reused */
		tcp_flow(80);
		CLI("GET / HTTP/1.1\r\nHost: a");
		CLI("\r\n\r\n");
		CU_ASSERT_STRING_EQUAL(R.log, "http.method=GET\nhttp.uri=/\nhttp.host=a\n--\n");
		end();
		if (i == 0)
			bytes = rec_ctr(ctx, APP_CTR_POOL_BYTES);
	}
	CU_ASSERT(bytes > 0);
	CU_ASSERT_EQUAL(rec_ctr(ctx, APP_CTR_POOL_BYTES), bytes);
}

static CU_TestInfo tests[] = {
	{"names", test_names},
	{"HTTP on any port", test_http_any_port},
	{"HTTP server first", test_http_server_first},
	{"HTTP look-alikes", test_http_lookalikes},
	{"held client bytes", test_held_client},
	{"TLS on any port", test_tls_any_port},
	{"TLS look-alikes", test_tls_lookalikes},
	{"DNS over UDP", test_dns_udp},
	{"random UDP on port 53", test_dns_udp_random},
	{"DNS over TCP", test_dns_tcp},
	{"Modbus", test_modbus},
	{"DNP3", test_dnp3},
	{"gap before a decision", test_gap_before_decision},
	{"pool exhausted", test_pool_exhausted},
	{"pool reuse", test_pool_reuse},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"applayer-detect", suite_init, suite_fini, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
