/*
 * test_decode_ipv4.c — the IPv4 header: every truncation point, version,
 * header and total length, options (valid and each kind of malformed),
 * other transports, and IPv4-in-IPv4 / IPv6-in-IPv4 tunnels.
 */
#include "decode-test.h"

/* IPv4 + UDP 1000 -> 2000 with payload "hello" (raw, LINKTYPE_IPV4). */
static size_t ipv4_udp(uint8_t *b)
{
	size_t n = dt_ipv4(b, 17, DT_SRC4, DT_DST4, 8 + 5, 0x0101, 0);

	n += dt_udp(b + n, 1000, 2000, 5);
	memcpy(b + n, "hello", 5);
	return n + 5;
}

static void test_fields(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[64];
	size_t n = ipv4_udp(b);

	b[8] = 17; /* TTL */
	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_PTR_EQUAL(p.l3, b);
	CU_ASSERT_EQUAL(p.l3_len, 33);
	CU_ASSERT_EQUAL(p.ip_version, 4);
	CU_ASSERT_EQUAL(p.ttl, 17);
	CU_ASSERT_EQUAL(p.proto, 17);
	CU_ASSERT(dt_addr_is_v4(&p.src, DT_SRC4));
	CU_ASSERT(dt_addr_is_v4(&p.dst, DT_DST4));
	CU_ASSERT_EQUAL(p.sport, 1000);
	CU_ASSERT_EQUAL(p.dport, 2000);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 28);
	CU_ASSERT_EQUAL(p.payload_len, 5);
	CU_ASSERT_EQUAL(p.flags, 0);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_UDP, 1);
	decode_ctx_fini(&ctx);
}

static void test_trunc(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[64];
	size_t n = ipv4_udp(b);

	dt_init(&ctx);
	for (uint32_t cut = 0; cut < n; cut++) {
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, cut), DECODE_DROP);
		DT_COUNTERS(&ctx, cut < 20 ? DEC_ERR_IPV4_TRUNC : DEC_ERR_IPV4_LEN, 1);
	}
	decode_ctx_fini(&ctx);
}

static void test_version(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[64];
	size_t n = ipv4_udp(b);

	dt_init(&ctx);
	for (uint8_t v = 0; v < 16; v++) {
		if (v == 4)
			continue;
		b[0] = (uint8_t)(v << 4 | 5);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_ERR_IPV4_VERSION, 1);
	}
	decode_ctx_fini(&ctx);
}

static void test_hlen(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[64];
	size_t n = ipv4_udp(b);

	dt_init(&ctx);
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		b[0] = 0x40 | ihl;
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_ERR_IPV4_HLEN, 1);
	}
	/* IHL 15 = 60 bytes, beyond the 33 captured */
	b[0] = 0x4f;
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_ERR_IPV4_HLEN, 1);
	/* IHL 6 within the packet but beyond the total length */
	b[0] = 0x46;
	dt_put16(b + 2, 22);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_ERR_IPV4_LEN, 1);
	decode_ctx_fini(&ctx);
}

static void test_total_len(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[64];
	size_t n = ipv4_udp(b);

	dt_init(&ctx);
	dt_put16(b + 2, 19); /* below the header */
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_ERR_IPV4_LEN, 1);
	dt_put16(b + 2, 0); /* TSO-style zero: a host would drop it too */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_ERR_IPV4_LEN, 1);
	dt_put16(b + 2, 34); /* one past the captured bytes */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_ERR_IPV4_LEN, 1);

	/* shorter than captured: trimmed, and the UDP length is then too long */
	dt_put16(b + 2, 30);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	CU_ASSERT_EQUAL(p.l3_len, 30);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_UDP_LEN, 1);
	/* exactly the header: a UDP datagram with no header at all */
	dt_put16(b + 2, 20);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_UDP_TRUNC, 1);
	decode_ctx_fini(&ctx);
}

/* IPv4 with the options in hex (a multiple of 4 bytes) + UDP "hello". */
static size_t with_opts(uint8_t *b, const char *opts_hex)
{
	uint8_t o[40];
	size_t no = unit_hex(opts_hex, o, sizeof(o)), n;

	CU_ASSERT_FATAL(no % 4 == 0);
	n = dt_ipv4(b, 17, DT_SRC4, DT_DST4, no + 8 + 5, 7, 0);
	b[0] = (uint8_t)(0x40 | (20 + no) / 4);
	memcpy(b + n, o, no);
	n += no;
	n += dt_udp(b + n, 1000, 2000, 5);
	memcpy(b + n, "hello", 5);
	return n + 5;
}

static void test_options_valid(void)
{
	static const char *const good[] = {
		"01010100",                      /* NOPs, then EOL */
		"00ffffff",                      /* EOL: the rest is padding, whatever it holds */
		"94040000",                      /* router alert */
		"0707040a000001 00",             /* record route, one slot, EOL */
		"44080500 00000000",             /* timestamp, one slot */
		"820b 000000000000000000 00",    /* security (layout not checked), EOL */
		"830b04 0a000001 0a000002 00",   /* loose source route, two hops, EOL */
	};
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];

	dt_init(&ctx);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t n = with_opts(b, good[i]);

		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
		CU_ASSERT_EQUAL(p.flags, PKT_F_IPV4_OPTS);
		CU_ASSERT_EQUAL(p.sport, 1000);
		CU_ASSERT_PTR_EQUAL(p.l4, b + (b[0] & 0x0f) * 4);
		CU_ASSERT_EQUAL(p.payload_len, 5);
		CU_ASSERT_EQUAL(memcmp(p.payload, "hello", 5), 0);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_UDP, 1);
	}
	decode_ctx_fini(&ctx);
}

/* A malformed option list is counted and the packet decoded on. */
static void test_options_malformed(void)
{
	static const char *const bad[] = {
		"01010182",             /* a type with no room for its length */
		"82000000",             /* length 0 */
		"82010000",             /* length 1 */
		"82050000",             /* length past the header */
		"07040400",             /* record route: no whole slot */
		"07080400 00000000",    /* record route: 5 bytes of slots */
		"44030000",             /* timestamp shorter than 4 */
		"94030000",             /* router alert must be 4 */
		"88030000",             /* stream id must be 4 */
		"01 82 08 00",          /* a NOP, then length past the header */
		"89 02 0000",           /* strict source route with no pointer */
	};
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];

	dt_init(&ctx);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = with_opts(b, bad[i]);

		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
		CU_ASSERT_EQUAL(p.flags, PKT_F_IPV4_OPTS);
		CU_ASSERT_EQUAL(p.dport, 2000);
		CU_ASSERT_EQUAL(p.payload_len, 5);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_IPV4_OPTS, 1, DEC_UDP, 1);
	}
	decode_ctx_fini(&ctx);
}

static void test_other_proto(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[64];
	size_t n = dt_ipv4(b, 47, DT_SRC4, DT_DST4, 8, 0, 0); /* GRE */

	memset(b + n, 0x11, 8);
	n += 8;
	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.proto, 47);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.dport, 0);
	CU_ASSERT_PTR_EQUAL(p.l4, b + 20);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 20);
	CU_ASSERT_EQUAL(p.payload_len, 8);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_OTHER_IP, 1);
	decode_ctx_fini(&ctx);
}

/* Outer IPv4 1.1.1.1 -> 2.2.2.2 carrying the given inner packet. */
static size_t ipip(uint8_t *b, uint8_t proto, const uint8_t *inner, size_t inner_len)
{
	size_t n = dt_ipv4(b, proto, 0x01010101, 0x02020202, (uint32_t)inner_len, 9, 0);

	memcpy(b + n, inner, inner_len);
	return n + inner_len;
}

static void test_tunnel_4in4(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t in[64], b[128];
	size_t ni = ipv4_udp(in), n = ipip(b, 4, in, ni);

	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.flags, PKT_F_TUNNELED);
	CU_ASSERT_PTR_EQUAL(p.l3, b + 20);
	CU_ASSERT_EQUAL(p.l3_len, 33);
	CU_ASSERT(dt_addr_is_v4(&p.src, DT_SRC4));
	CU_ASSERT(dt_addr_is_v4(&p.dst, DT_DST4));
	CU_ASSERT_EQUAL(p.proto, 17);
	CU_ASSERT_EQUAL(p.sport, 1000);
	CU_ASSERT_EQUAL(p.dport, 2000);
	CU_ASSERT_EQUAL(p.payload_len, 5);
	DT_COUNTERS(&ctx, DEC_IPV4, 2, DEC_TUNNEL, 1, DEC_UDP, 1);
	decode_ctx_fini(&ctx);
}

static void test_tunnel_6in4(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t in[64], b[128];
	size_t ni = dt_ipv6(in, 6, 7, 8, 20), n;

	ni += dt_tcp(in + ni, 443, 50000, 1, 2, TCP_SYN | TCP_ACK);
	n = ipip(b, 41, in, ni);
	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.flags, PKT_F_TUNNELED);
	CU_ASSERT_EQUAL(p.ip_version, 6);
	CU_ASSERT_PTR_EQUAL(p.l3, b + 20);
	CU_ASSERT(dt_addr_is_v6(&p.src, 7));
	CU_ASSERT(dt_addr_is_v6(&p.dst, 8));
	CU_ASSERT_EQUAL(p.sport, 443);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_SYN | TCP_ACK);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_IPV6, 1, DEC_TUNNEL, 1, DEC_TCP, 1);
	decode_ctx_fini(&ctx);
}

static void test_tunnel_depth(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t in[64], mid[128], b[160];
	size_t ni = ipv4_udp(in), nm = ipip(mid, 4, in, ni), n = ipip(b, 4, mid, nm);

	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV4, 2, DEC_TUNNEL, 1, DEC_ERR_TUNNEL_DEPTH, 1);
	/* 6in4 inside 4in4 is just as deep */
	ni = dt_ipv6(in, 59, 1, 2, 0);
	nm = ipip(mid, 41, in, ni);
	n = ipip(b, 4, mid, nm);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV4, 2, DEC_TUNNEL, 1, DEC_ERR_TUNNEL_DEPTH, 1);
	decode_ctx_fini(&ctx);
}

static void test_tunnel_inner_malformed(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t in[64], b[128];
	size_t ni = ipv4_udp(in), n;

	dt_init(&ctx);
	/* every cut of the inner packet (the outer length follows the cut) */
	for (size_t cut = 0; cut < ni; cut++) {
		n = ipip(b, 4, in, cut);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_TUNNEL, 1,
			    cut < 20 ? DEC_ERR_IPV4_TRUNC : DEC_ERR_IPV4_LEN, 1);
	}
	/* protocol 41 announcing IPv6, carrying IPv4 */
	n = ipip(b, 41, in, ni);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_TUNNEL, 1, DEC_ERR_IPV6_TRUNC, 1);
	decode_ctx_fini(&ctx);
}

static CU_TestInfo tests[] = {
	{"fields", test_fields},
	{"truncated", test_trunc},
	{"version", test_version},
	{"header length", test_hlen},
	{"total length", test_total_len},
	{"options valid", test_options_valid},
	{"options malformed", test_options_malformed},
	{"other transport", test_other_proto},
	{"tunnel 4in4", test_tunnel_4in4},
	{"tunnel 6in4", test_tunnel_6in4},
	{"tunnel depth", test_tunnel_depth},
	{"tunnel inner malformed", test_tunnel_inner_malformed},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"decode-ipv4", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
