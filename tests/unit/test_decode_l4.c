/*
 * test_decode_l4.c — TCP, UDP, ICMP and ICMPv6: fields, every truncation
 * point of each header (with the IP length following the cut, so the
 * transport decoder is the one that sees it), malformed lengths and
 * options.
 */
#include "decode-test.h"

/* IPv4 carrying l4[0..len) as proto. */
static size_t over_ipv4(uint8_t *b, uint8_t proto, const uint8_t *l4, size_t len)
{
	size_t n = dt_ipv4(b, proto, DT_SRC4, DT_DST4, (uint32_t)len, 1, 0);

	memcpy(b + n, l4, len);
	return n + len;
}

static size_t over_ipv6(uint8_t *b, uint8_t nh, const uint8_t *l4, size_t len)
{
	size_t n = dt_ipv6(b, nh, 1, 2, (uint32_t)len);

	memcpy(b + n, l4, len);
	return n + len;
}

static void test_tcp_fields(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t t[64], b[128];
	size_t nt = unit_hex("c350 01bb 89abcdef 01234567 50 3f ffff 0000 0000 414243", t, sizeof(t));
	size_t n = over_ipv4(b, 6, t, nt);

	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.sport, 50000);
	CU_ASSERT_EQUAL(p.dport, 443);
	CU_ASSERT_EQUAL(p.tcp_seq, 0x89abcdef);
	CU_ASSERT_EQUAL(p.tcp_ack, 0x01234567);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG);
	CU_ASSERT_EQUAL(p.tcp_win, 65535);
	CU_ASSERT_PTR_EQUAL(p.l4, b + 20);
	CU_ASSERT_EQUAL(p.l4_len, 23);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 40);
	CU_ASSERT_EQUAL(p.payload_len, 3);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_TCP, 1);
	/* ECE and CWR are kept too */
	b[20 + 13] = 0xc2;
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.tcp_flags, 0xc2);
	decode_ctx_fini(&ctx);
}

static void test_tcp_trunc_hlen(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t t[64], b[128];
	size_t nt = dt_tcp(t, 1, 2, 3, 4, TCP_ACK), n;

	dt_init(&ctx);
	for (size_t cut = 0; cut < nt; cut++) {
		n = over_ipv4(b, 6, t, cut);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_TCP_TRUNC, 1);
	}
	for (uint8_t doff = 0; doff < 5; doff++) {
		t[12] = (uint8_t)(doff << 4);
		n = over_ipv4(b, 6, t, nt);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_TCP_HLEN, 1);
	}
	/* data offset 6 (24 bytes) in a 20-byte segment, then in 23 bytes */
	t[12] = 0x60;
	for (size_t len = 20; len < 24; len++) {
		n = over_ipv4(b, 6, t, len);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_TCP_HLEN, 1);
	}
	/* and over IPv6 */
	t[12] = 0x50;
	n = over_ipv6(b, 6, t, 19);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_ERR_TCP_TRUNC, 1);
	decode_ctx_fini(&ctx);
}

/* TCP with options (hex, a multiple of 4 bytes) and a 2-byte payload. */
static size_t tcp_opts(uint8_t *t, const char *opts_hex)
{
	size_t no = unit_hex(opts_hex, t + 20, 40);

	CU_ASSERT_FATAL(no % 4 == 0);
	dt_tcp(t, 80, 8080, 1, 1, TCP_SYN);
	t[12] = (uint8_t)((20 + no) / 4 << 4);
	t[20 + no] = 'o';
	t[21 + no] = 'k';
	return 22 + no;
}

static void test_tcp_options(void)
{
	static const char *const good[] = {
		"020405b4 0402080a 00000001 00000000 01030307", /* Linux SYN */
		"01010402",                                     /* NOP NOP SACK-permitted */
		"0101050a 00000001 00000002",                   /* one SACK block */
		"00ffffff",                                     /* EOL, then padding */
		"1e040000",                                     /* unknown kind, sane length */
		"1312 00000000000000000000000000000000 0000",   /* MD5 signature */
	};
	static const char *const bad[] = {
		"02030000",                 /* MSS of length 3 */
		"03040000",                 /* window scale of length 4 */
		"04030000",                 /* SACK-permitted of length 3 */
		"05060000 00000000",        /* SACK without a whole block */
		"080a 0000000000000000 01 1e", /* timestamps, NOP, a kind with no length */
		"08080000 00000000",        /* timestamps of length 8 */
		"1e000000",                 /* length 0 */
		"1e010000",                 /* length 1 */
		"1e050000",                 /* past the header */
		"1311 000000000000000000000000000000000000", /* MD5 of length 17 */
	};
	struct decode_ctx ctx;
	struct packet p;
	uint8_t t[128], b[160];

	dt_init(&ctx);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t nt = tcp_opts(t, good[i]), n = over_ipv4(b, 6, t, nt);

		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
		CU_ASSERT_EQUAL(p.payload_len, 2);
		CU_ASSERT_EQUAL(memcmp(p.payload, "ok", 2), 0);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_TCP, 1);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t nt = tcp_opts(t, bad[i]), n = over_ipv4(b, 6, t, nt);

		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
		CU_ASSERT_EQUAL(p.dport, 8080);
		CU_ASSERT_EQUAL(p.payload_len, 2);
		CU_ASSERT_EQUAL(memcmp(p.payload, "ok", 2), 0);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_TCP_OPTS, 1, DEC_TCP, 1);
	}
	decode_ctx_fini(&ctx);
}

static void test_udp(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t u[64], b[128];
	size_t nu = dt_udp(u, 5060, 5061, 6), n;

	memcpy(u + nu, "INVITE", 6);
	nu += 6;
	dt_init(&ctx);
	n = over_ipv4(b, 17, u, nu);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.sport, 5060);
	CU_ASSERT_EQUAL(p.dport, 5061);
	CU_ASSERT_PTR_EQUAL(p.l4, b + 20);
	CU_ASSERT_EQUAL(p.l4_len, 14);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 28);
	CU_ASSERT_EQUAL(p.payload_len, 6);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_UDP, 1);

	for (size_t cut = 0; cut < 8; cut++) {
		n = over_ipv4(b, 17, u, cut);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_UDP_TRUNC, 1);
	}
	/* the length field: below 8, one past the IP payload, then shorter */
	for (uint16_t ulen = 0; ulen < 8; ulen++) {
		dt_put16(u + 4, ulen);
		n = over_ipv4(b, 17, u, nu);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_UDP_LEN, 1);
	}
	dt_put16(u + 4, 15);
	n = over_ipv4(b, 17, u, nu);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_UDP_LEN, 1);
	dt_put16(u + 4, 11);
	n = over_ipv4(b, 17, u, nu);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.l4_len, 11);
	CU_ASSERT_EQUAL(p.payload_len, 3);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_UDP, 1);
	dt_put16(u + 4, 8);
	n = over_ipv6(b, 17, u, nu);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_UDP, 1);
	decode_ctx_fini(&ctx);
}

static void test_icmp(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t c[64], b[128];
	/* echo request id 1 seq 2 + "ping" */
	size_t nc = unit_hex("0800 0000 0001 0002 70696e67", c, sizeof(c)), n;

	dt_init(&ctx);
	n = over_ipv4(b, 1, c, nc);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.proto, 1);
	CU_ASSERT_EQUAL(p.icmp_type, 8);
	CU_ASSERT_EQUAL(p.icmp_code, 0);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.dport, 0);
	CU_ASSERT_PTR_EQUAL(p.l4, b + 20);
	CU_ASSERT_EQUAL(p.l4_len, 12);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 28);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ICMP, 1);
	for (size_t cut = 0; cut < 8; cut++) {
		n = over_ipv4(b, 1, c, cut);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ERR_ICMP_TRUNC, 1);
	}
	decode_ctx_fini(&ctx);
}

/* An error message quotes a datagram: it is payload, not decoded. */
static void test_icmp_error(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t c[128], b[160];
	size_t nc = unit_hex("0303 0000 00000000", c, sizeof(c)), n;

	nc += dt_ipv4(c + nc, 17, DT_DST4, DT_SRC4, 8, 5, 0);
	nc += dt_udp(c + nc, 33434, 53, 0);
	dt_init(&ctx);
	n = over_ipv4(b, 1, c, nc);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.icmp_type, 3);
	CU_ASSERT_EQUAL(p.icmp_code, 3);
	CU_ASSERT(dt_addr_is_v4(&p.src, DT_SRC4));
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.payload_len, 28);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_ICMP, 1);
	decode_ctx_fini(&ctx);
}

static void test_icmpv6(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t c[64], b[128];
	/* neighbour solicitation for 2001:db8::2 */
	size_t nc = unit_hex("8700 0000 00000000 20010db8000000000000000000000002", c, sizeof(c));
	size_t n = over_ipv6(b, 58, c, nc);

	b[7] = 255;
	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.proto, 58);
	CU_ASSERT_EQUAL(p.ttl, 255);
	CU_ASSERT_EQUAL(p.icmp_type, 135);
	CU_ASSERT_EQUAL(p.icmp_code, 0);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 48);
	CU_ASSERT_EQUAL(p.payload_len, 16);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_ICMP, 1);
	for (size_t cut = 0; cut < 8; cut++) {
		n = over_ipv6(b, 58, c, cut);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)n), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_ERR_ICMPV6_TRUNC, 1);
	}
	decode_ctx_fini(&ctx);
}

static CU_TestInfo tests[] = {
	{"tcp fields", test_tcp_fields},
	{"tcp truncated and header length", test_tcp_trunc_hlen},
	{"tcp options", test_tcp_options},
	{"udp", test_udp},
	{"icmp", test_icmp},
	{"icmp error is payload", test_icmp_error},
	{"icmpv6", test_icmpv6},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"decode-l4", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
