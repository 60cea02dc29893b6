/*
 * test_decode_ipv6.c — the IPv6 header and its extension header chain:
 * every truncation point, version, payload length, hop-by-hop / routing /
 * destination options / AH / atomic fragment, ESP and no-next-header,
 * malformed chains, and IPv4-in-IPv6 / IPv6-in-IPv6 tunnels.
 */
#include "decode-test.h"

/* IPv6 2001:db8::1 -> ::2 + TCP 40000 -> 443 SYN + "hi". */
static size_t ipv6_tcp(uint8_t *b)
{
	size_t n = dt_ipv6(b, 6, 1, 2, 22);

	n += dt_tcp(b + n, 40000, 443, 0x01020304, 0, TCP_SYN);
	memcpy(b + n, "hi", 2);
	return n + 2;
}

static void test_fields(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	size_t n = ipv6_tcp(b);

	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_PTR_EQUAL(p.l3, b);
	CU_ASSERT_EQUAL(p.l3_len, 62);
	CU_ASSERT_EQUAL(p.ip_version, 6);
	CU_ASSERT_EQUAL(p.ttl, 63);
	CU_ASSERT_EQUAL(p.proto, 6);
	CU_ASSERT(dt_addr_is_v6(&p.src, 1));
	CU_ASSERT(dt_addr_is_v6(&p.dst, 2));
	CU_ASSERT_PTR_EQUAL(p.l4, b + 40);
	CU_ASSERT_EQUAL(p.sport, 40000);
	CU_ASSERT_EQUAL(p.dport, 443);
	CU_ASSERT_EQUAL(p.tcp_seq, 0x01020304);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_SYN);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 60);
	CU_ASSERT_EQUAL(p.payload_len, 2);
	CU_ASSERT_EQUAL(p.flags, 0);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_TCP, 1);
	decode_ctx_fini(&ctx);
}

static void test_trunc_version_len(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	size_t n = ipv6_tcp(b);

	dt_init(&ctx);
	for (uint32_t cut = 0; cut < n; cut++) {
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, cut), DECODE_DROP);
		DT_COUNTERS(&ctx, cut < 40 ? DEC_ERR_IPV6_TRUNC : DEC_ERR_IPV6_LEN, 1);
	}
	for (uint8_t v = 0; v < 16; v++) {
		if (v == 6)
			continue;
		b[0] = (uint8_t)(v << 4);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_ERR_IPV6_VERSION, 1);
	}
	b[0] = 0x6f; /* traffic class and flow label are not checked */
	b[1] = 0xff;
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_OK);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_TCP, 1);

	/* payload length shorter than captured: trimmed (payload cut to 1 byte) */
	b[5] = 21;
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.l3_len, 61);
	CU_ASSERT_EQUAL(p.payload_len, 1);
	decode_ctx_fini(&ctx);
}

/*
 * IPv6 with the extension headers in hex (their first byte, the next
 * header, is written by this function) then UDP 53 -> 1053 "abc".
 * chain[] gives each header's protocol number, in order.
 */
static size_t with_ext(uint8_t *b, const uint8_t *chain, const char *const *hdrs, int nhdrs,
		       uint8_t last)
{
	size_t n = 40, start;

	for (int i = 0; i < nhdrs; i++) {
		start = n;
		n += unit_hex(hdrs[i], b + n, 512);
		b[start] = i + 1 < nhdrs ? chain[i + 1] : last;
	}
	if (last == 17) {
		n += dt_udp(b + n, 53, 1053, 3);
		memcpy(b + n, "abc", 3);
		n += 3;
	}
	dt_ipv6(b, nhdrs ? chain[0] : last, 1, 2, (uint32_t)(n - 40));
	return n;
}

static void test_ext_chain(void)
{
	static const uint8_t chain[] = {0, 43, 60, 51, 44};
	static const char *const hdrs[] = {
		"00 00 0104 00000000",                   /* hop-by-hop: PadN, 8 bytes */
		"00 02 04 00 00000000 20010db8 00000000 00000000 00000009", /* routing type 4, 24 */
		"00 01 01 0c 000000000000000000000000", /* dest opts, 16 bytes */
		"00 04 0000 00001000 00000001 000000000000000000000000", /* AH, 24 bytes */
		"00 00 0000 deadbeef",                   /* atomic fragment (RFC 6946) */
	};
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[512];
	size_t n = with_ext(b, chain, hdrs, 5, 17);

	CU_ASSERT_EQUAL(n, 40 + 8 + 24 + 16 + 24 + 8 + 11);
	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.flags, PKT_F_IPV6_EXTHDR);
	CU_ASSERT_EQUAL(p.proto, 17);
	CU_ASSERT_PTR_EQUAL(p.l4, b + n - 11);
	CU_ASSERT_EQUAL(p.sport, 53);
	CU_ASSERT_EQUAL(p.dport, 1053);
	CU_ASSERT_EQUAL(p.payload_len, 3);
	CU_ASSERT_EQUAL(memcmp(p.payload, "abc", 3), 0);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_UDP, 1);
	decode_ctx_fini(&ctx);
}

static void test_ext_stops(void)
{
	static const uint8_t chain[] = {60};
	static const char *const dst[] = {"00 00 010400000000"};
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[512];
	size_t n;

	dt_init(&ctx);
	/* ESP after destination options: the rest is opaque */
	n = with_ext(b, chain, dst, 1, 50);
	memset(b + n, 0x5a, 16);
	n += 16;
	dt_put16(b + 4, (uint16_t)(n - 40));
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.proto, 50);
	CU_ASSERT_EQUAL(p.flags, PKT_F_IPV6_EXTHDR);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 48);
	CU_ASSERT_EQUAL(p.payload_len, 16);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_OTHER_IP, 1);
	/* no next header, with bytes after it anyway */
	n = with_ext(b, chain, dst, 0, 59);
	memset(b + n, 0, 4);
	n += 4;
	dt_put16(b + 4, (uint16_t)(n - 40));
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.proto, 59);
	CU_ASSERT_EQUAL(p.flags, 0);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_OTHER_IP, 1);
	decode_ctx_fini(&ctx);
}

static void test_ext_malformed(void)
{
	static const uint8_t hbh_second[] = {60, 0};
	static const char *const two8[] = {"00 00 010400000000", "00 00 010400000000"};
	static const uint8_t chain[] = {0, 43, 51, 44};
	static const char *const hdrs[] = {
		"00 00 010400000000",
		"00 00 00 00 00000000",
		"00 01 0000 00001000 00000001",
		"00 00 0000 deadbeef",
	};
	/* header start offsets and the bytes before them */
	static const uint32_t starts[] = {40, 48, 56, 68, 76};
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[512];
	size_t n;

	dt_init(&ctx);
	/* hop-by-hop after another header */
	n = with_ext(b, hbh_second, two8, 2, 17);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_ERR_IPV6_EXTHDR, 1);

	/* every cut of the chain, payload length following the cut */
	n = with_ext(b, chain, hdrs, 4, 17);
	CU_ASSERT_EQUAL(n, starts[4] + 11);
	for (uint32_t cut = 40; cut < starts[4]; cut++) {
		dt_put16(b + 4, (uint16_t)(cut - 40));
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, cut), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_ERR_IPV6_EXTHDR, 1);
	}
	/* a cut right after the chain is a UDP problem */
	dt_put16(b + 4, (uint16_t)(starts[4] - 40));
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, starts[4]), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_ERR_UDP_TRUNC, 1);

	/* a length byte that runs past the payload */
	n = with_ext(b, chain, hdrs, 4, 17);
	b[41] = 200;
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_ERR_IPV6_EXTHDR, 1);
	b[41] = 0;
	b[57] = 9; /* AH: (9 + 2) * 4 = 44 bytes */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_ERR_IPV6_EXTHDR, 1);
	decode_ctx_fini(&ctx);
}

/* Outer IPv6 ::a -> ::b carrying the given inner packet as nh. */
static size_t ip6ip(uint8_t *b, uint8_t nh, const uint8_t *inner, size_t inner_len)
{
	size_t n = dt_ipv6(b, nh, 0x0a, 0x0b, (uint32_t)inner_len);

	memcpy(b + n, inner, inner_len);
	return n + inner_len;
}

static void test_tunnel_4in6_6in6(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t in[128], b[256];
	size_t ni = dt_ipv4(in, 17, DT_SRC4, DT_DST4, 8, 3, 0), n;

	ni += dt_udp(in + ni, 67, 68, 0);
	n = ip6ip(b, 4, in, ni);
	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.flags, PKT_F_TUNNELED);
	CU_ASSERT_EQUAL(p.ip_version, 4);
	CU_ASSERT_PTR_EQUAL(p.l3, b + 40);
	CU_ASSERT(dt_addr_is_v4(&p.src, DT_SRC4));
	CU_ASSERT_EQUAL(p.sport, 67);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_IPV6, 1, DEC_TUNNEL, 1, DEC_UDP, 1);

	ni = ipv6_tcp(in);
	n = ip6ip(b, 41, in, ni);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.flags, PKT_F_TUNNELED);
	CU_ASSERT(dt_addr_is_v6(&p.src, 1));
	CU_ASSERT(dt_addr_is_v6(&p.dst, 2));
	CU_ASSERT_EQUAL(p.dport, 443);
	DT_COUNTERS(&ctx, DEC_IPV6, 2, DEC_TUNNEL, 1, DEC_TCP, 1);

	/* 6in6 in 6in6 */
	{
		uint8_t twice[384];
		size_t n2 = ip6ip(twice, 41, b, n);

		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, twice, (uint32_t)n2),
				DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_IPV6, 2, DEC_TUNNEL, 1, DEC_ERR_TUNNEL_DEPTH, 1);
	}
	decode_ctx_fini(&ctx);
}

static CU_TestInfo tests[] = {
	{"fields", test_fields},
	{"truncated, version, payload length", test_trunc_version_len},
	{"extension header chain", test_ext_chain},
	{"ESP and no next header stop", test_ext_stops},
	{"extension headers malformed", test_ext_malformed},
	{"tunnels 4in6 and 6in6", test_tunnel_4in6_6in6},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"decode-ipv6", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
