/*
 * test_decode_link.c — the link types without Ethernet (Linux SLL and
 * SLL2, raw IP, BSD loopback and OpenBSD LOOP, PPP and Cisco HDLC), link
 * type dispatch, the context's lifecycle and the counter names.
 */
#include "decode-test.h"

#include <errno.h>

/* A small IPv4/UDP and IPv6/UDP datagram to put behind each link header. */
static size_t ip4(uint8_t *b)
{
	size_t n = dt_ipv4(b, 17, DT_SRC4, DT_DST4, 8 + 2, 1, 0);

	n += dt_udp(b + n, 111, 222, 2);
	b[n] = 'x';
	b[n + 1] = 'y';
	return n + 2;
}

static size_t ip6(uint8_t *b)
{
	size_t n = dt_ipv6(b, 17, 1, 2, 8 + 2);

	n += dt_udp(b + n, 111, 222, 2);
	b[n] = 'x';
	b[n + 1] = 'y';
	return n + 2;
}

/* Link header from hex, then an IPv4 (v == 4) or IPv6 datagram. */
static size_t framed(uint8_t *b, const char *hdr_hex, int v)
{
	size_t n = unit_hex(hdr_hex, b, 64);

	return n + (v == 4 ? ip4(b + n) : ip6(b + n));
}

static void expect_udp(struct decode_ctx *ctx, uint32_t lt, const uint8_t *b, size_t n,
		       size_t hlen, int v)
{
	struct packet p;

	dt_reset(ctx);
	CU_ASSERT_EQUAL(dt_decode(ctx, &p, lt, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_PTR_EQUAL(p.l3, b + hlen);
	CU_ASSERT_EQUAL(p.ip_version, v);
	CU_ASSERT_EQUAL(p.sport, 111);
	CU_ASSERT_EQUAL(p.dport, 222);
	CU_ASSERT_EQUAL(p.payload_len, 2);
	CU_ASSERT_PTR_EQUAL(p.payload, b + n - 2);
	if (v == 4)
		DT_COUNTERS(ctx, DEC_IPV4, 1, DEC_UDP, 1);
	else
		DT_COUNTERS(ctx, DEC_IPV6, 1, DEC_UDP, 1);
}

static void expect_drop(struct decode_ctx *ctx, uint32_t lt, const uint8_t *b, size_t n,
			enum decode_counter why)
{
	struct packet p;

	dt_reset(ctx);
	CU_ASSERT_EQUAL(dt_decode(ctx, &p, lt, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(ctx, why, 1);
}

/* SLL: packet type, ARPHRD, address length, 8 address bytes, protocol. */
#define SLL_HDR "0000 0001 0006 00163e112233 0000 "

static void test_sll(void)
{
	struct decode_ctx ctx;
	uint8_t b[128];
	size_t n;

	dt_init(&ctx);
	n = framed(b, SLL_HDR "0800", 4);
	expect_udp(&ctx, LINKTYPE_LINUX_SLL, b, n, 16, 4);
	n = framed(b, SLL_HDR "86dd", 6);
	expect_udp(&ctx, LINKTYPE_LINUX_SLL, b, n, 16, 6);
	for (size_t cut = 0; cut < 16; cut++)
		expect_drop(&ctx, LINKTYPE_LINUX_SLL, b, cut, DEC_ERR_SLL_TRUNC);
	n = unit_hex(SLL_HDR "0806 0001080006040001", b, sizeof(b));
	expect_drop(&ctx, LINKTYPE_LINUX_SLL, b, n, DEC_NON_IP);
	n = unit_hex(SLL_HDR "0004 424203000000", b, sizeof(b)); /* 802.2 LLC */
	expect_drop(&ctx, LINKTYPE_LINUX_SLL, b, n, DEC_NON_IP);

	/* an untouched VLAN tag behind SLL */
	{
		struct packet p;

		n = framed(b, SLL_HDR "8100 0064 0800", 4);
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_LINUX_SLL, b, (uint32_t)n), DECODE_OK);
		CU_ASSERT_EQUAL(p.vlan_count, 1);
		CU_ASSERT_EQUAL(p.vlan[0], 100);
		CU_ASSERT_EQUAL(p.sport, 111);
		DT_COUNTERS(&ctx, DEC_VLAN, 1, DEC_IPV4, 1, DEC_UDP, 1);
	}
	decode_ctx_fini(&ctx);
}

/* SLL2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address. */
#define SLL2_HDR(proto) proto " 0000 00000002 0001 00 06 00163e1122330000"

static void test_sll2(void)
{
	struct decode_ctx ctx;
	uint8_t b[128];
	size_t n;

	dt_init(&ctx);
	n = framed(b, SLL2_HDR("0800"), 4);
	expect_udp(&ctx, LINKTYPE_LINUX_SLL2, b, n, 20, 4);
	n = framed(b, SLL2_HDR("86dd"), 6);
	expect_udp(&ctx, LINKTYPE_LINUX_SLL2, b, n, 20, 6);
	for (size_t cut = 0; cut < 20; cut++)
		expect_drop(&ctx, LINKTYPE_LINUX_SLL2, b, cut, DEC_ERR_SLL_TRUNC);
	n = unit_hex(SLL2_HDR("88cc"), b, sizeof(b));
	expect_drop(&ctx, LINKTYPE_LINUX_SLL2, b, n, DEC_NON_IP);
	/* the cut right after the header reaches IPv6 */
	n = framed(b, SLL2_HDR("86dd"), 6);
	expect_drop(&ctx, LINKTYPE_LINUX_SLL2, b, 20, DEC_ERR_IPV6_TRUNC);
	decode_ctx_fini(&ctx);
}

static void test_raw(void)
{
	struct decode_ctx ctx;
	uint8_t b[128];
	size_t n;

	dt_init(&ctx);
	memset(b, 0, sizeof(b));
	n = ip4(b);
	expect_udp(&ctx, LINKTYPE_RAW, b, n, 0, 4);
	expect_udp(&ctx, 12, b, n, 0, 4); /* DLT_RAW as pcap_datalink() says it */
	expect_udp(&ctx, 14, b, n, 0, 4);
	expect_udp(&ctx, LINKTYPE_IPV4, b, n, 0, 4);
	expect_drop(&ctx, LINKTYPE_IPV6, b, n, DEC_ERR_IPV6_TRUNC);
	expect_drop(&ctx, LINKTYPE_IPV6, b, 48, DEC_ERR_IPV6_VERSION);
	n = ip6(b);
	expect_udp(&ctx, LINKTYPE_RAW, b, n, 0, 6);
	expect_udp(&ctx, LINKTYPE_IPV6, b, n, 0, 6);
	expect_drop(&ctx, LINKTYPE_IPV4, b, n, DEC_ERR_IPV4_VERSION);

	expect_drop(&ctx, LINKTYPE_RAW, b, 0, DEC_ERR_RAW_VERSION);
	expect_drop(&ctx, LINKTYPE_IPV4, b, 0, DEC_ERR_IPV4_TRUNC);
	expect_drop(&ctx, LINKTYPE_IPV6, b, 0, DEC_ERR_IPV6_TRUNC);
	for (int v = 0; v < 16; v++) {
		if (v == 4 || v == 6)
			continue;
		b[0] = (uint8_t)(v << 4);
		expect_drop(&ctx, LINKTYPE_RAW, b, n, DEC_ERR_RAW_VERSION);
	}
	/* one byte saying IPv4 */
	b[0] = 0x45;
	expect_drop(&ctx, LINKTYPE_RAW, b, 1, DEC_ERR_IPV4_TRUNC);
	decode_ctx_fini(&ctx);
}

static void test_null(void)
{
	static const struct {
		const char *hdr;
		int v;
	} ok[] = {
		{"02000000", 4}, {"00000002", 4}, /* AF_INET, little and big endian */
		{"0a000000", 6}, {"0000000a", 6}, /* Linux AF_INET6 */
		{"18000000", 6}, {"00000018", 6}, /* NetBSD / OpenBSD */
		{"1c000000", 6}, {"0000001c", 6}, /* FreeBSD */
		{"1e000000", 6}, {"0000001e", 6}, /* macOS */
	};
	struct decode_ctx ctx;
	uint8_t b[128];
	size_t n;

	dt_init(&ctx);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = framed(b, ok[i].hdr, ok[i].v);
		expect_udp(&ctx, LINKTYPE_NULL_BSD, b, n, 4, ok[i].v);
		expect_udp(&ctx, LINKTYPE_LOOP, b, n, 4, ok[i].v);
	}
	for (size_t cut = 0; cut < 4; cut++)
		expect_drop(&ctx, LINKTYPE_NULL_BSD, b, cut, DEC_ERR_NULL_TRUNC);
	n = framed(b, "07000000", 4); /* AF_IMPLINK or whatever: not IP */
	expect_drop(&ctx, LINKTYPE_NULL_BSD, b, n, DEC_NON_IP);
	n = framed(b, "00000700", 4);
	expect_drop(&ctx, LINKTYPE_NULL_BSD, b, n, DEC_NON_IP);
	/* the family and the header disagree */
	n = framed(b, "02000000", 6);
	expect_drop(&ctx, LINKTYPE_NULL_BSD, b, n, DEC_ERR_IPV4_VERSION);
	decode_ctx_fini(&ctx);
}

static void test_ppp(void)
{
	struct decode_ctx ctx;
	uint8_t b[128];
	size_t n;

	dt_init(&ctx);
	n = framed(b, "ff03 0021", 4);
	expect_udp(&ctx, LINKTYPE_PPP, b, n, 4, 4);
	expect_udp(&ctx, LINKTYPE_PPP_HDLC, b, n, 4, 4);
	n = framed(b, "ff03 0057", 6);
	expect_udp(&ctx, LINKTYPE_PPP, b, n, 4, 6);
	n = framed(b, "0021", 4); /* address and control compressed away */
	expect_udp(&ctx, LINKTYPE_PPP, b, n, 2, 4);
	n = framed(b, "21", 4); /* and the protocol field too */
	expect_udp(&ctx, LINKTYPE_PPP, b, n, 1, 4);
	n = framed(b, "ff03 57", 6);
	expect_udp(&ctx, LINKTYPE_PPP, b, n, 3, 6);
	n = framed(b, "0f00 0800", 4); /* Cisco HDLC */
	expect_udp(&ctx, LINKTYPE_PPP_HDLC, b, n, 4, 4);
	n = framed(b, "8f00 86dd", 6);
	expect_udp(&ctx, LINKTYPE_PPP_HDLC, b, n, 4, 6);

	n = unit_hex("ff03 c021 0101000a", b, sizeof(b)); /* LCP */
	expect_drop(&ctx, LINKTYPE_PPP, b, n, DEC_NON_IP);
	n = unit_hex("0f00 8035 00000000", b, sizeof(b)); /* Cisco SLARP */
	expect_drop(&ctx, LINKTYPE_PPP_HDLC, b, n, DEC_NON_IP);

	n = unit_hex("ff03 0021", b, sizeof(b));
	for (size_t cut = 0; cut < 4; cut++)
		expect_drop(&ctx, LINKTYPE_PPP, b, cut, DEC_ERR_PPP_TRUNC);
	expect_drop(&ctx, LINKTYPE_PPP, b, 4, DEC_ERR_IPV4_TRUNC);
	n = unit_hex("0f00 0800", b, sizeof(b));
	for (size_t cut = 2; cut < 4; cut++)
		expect_drop(&ctx, LINKTYPE_PPP_HDLC, b, cut, DEC_ERR_PPP_TRUNC);
	decode_ctx_fini(&ctx);
}

static void test_linktype(void)
{
	struct decode_ctx ctx;
	uint8_t b[128];
	size_t n = ip4(b);

	dt_init(&ctx);
	expect_drop(&ctx, 105, b, n, DEC_ERR_LINKTYPE); /* 802.11 */
	expect_drop(&ctx, 0xffffffffu, b, n, DEC_ERR_LINKTYPE);
	decode_ctx_fini(&ctx);
}

/* Decoding resets every decode field, whatever an earlier packet left. */
static void test_reset(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	size_t n = framed(b, "07000000", 4);

	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_NULL_BSD, b, (uint32_t)n), DECODE_DROP);
	CU_ASSERT_PTR_NULL(p.l3);
	CU_ASSERT_PTR_NULL(p.l4);
	CU_ASSERT_PTR_NULL(p.payload);
	CU_ASSERT_EQUAL(p.l3_len + p.l4_len + p.payload_len, 0);
	CU_ASSERT_EQUAL(p.sport + p.dport + p.vlan_count + p.ip_version + p.proto, 0);
	CU_ASSERT_EQUAL(p.flags + p.tcp_flags + p.tcp_win + p.icmp_type + p.icmp_code, 0);
	CU_ASSERT_EQUAL(p.tcp_seq + p.tcp_ack + p.ttl + p.vlan[0] + p.vlan[1], 0);
	CU_ASSERT_EQUAL(p.src.b[0] + p.dst.b[15], 0);
	/* capture fields are the caller's */
	CU_ASSERT_PTR_EQUAL(p.data, b);
	CU_ASSERT_EQUAL(p.caplen, n);
	CU_ASSERT_EQUAL(p.pcap_cnt, 1);
	CU_ASSERT_EQUAL(p.linktype, LINKTYPE_NULL_BSD);
	CU_ASSERT_EQUAL(p.ts_ns, 1000000000ull);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_PKTS]), 1);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_BYTES]), n);
	decode_ctx_fini(&ctx);
}

static void test_ctx(void)
{
	struct decode_config c;
	struct decode_ctx ctx;

	memset(&c, 0xff, sizeof(c));
	decode_config_defaults(&c);
	CU_ASSERT_EQUAL(c.defrag_max_trackers, 4096);
	CU_ASSERT_EQUAL(c.defrag_memcap, 32ull << 20);
	CU_ASSERT_EQUAL(c.defrag_timeout_ns, 60000000000ull);
	memset(&ctx, 0xff, sizeof(ctx));
	CU_ASSERT_EQUAL(decode_ctx_init(&ctx, &c), 0);
	CU_ASSERT_PTR_NOT_NULL(ctx.defrag);
	for (int i = 0; i < DEC_COUNTER_MAX; i++)
		CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[i]), 0);
	decode_ctx_fini(&ctx);
	CU_ASSERT_PTR_NULL(ctx.defrag);
	decode_ctx_fini(&ctx); /* twice is harmless */

	c.defrag_max_trackers = 1u << 31; /* absurd: refused, not attempted */
	CU_ASSERT_EQUAL(decode_ctx_init(&ctx, &c), -ENOMEM);
	CU_ASSERT_PTR_NULL(ctx.defrag);
}

static void test_counter_names(void)
{
	for (int i = 0; i < DEC_COUNTER_MAX; i++) {
		const char *n = decode_counter_names[i];

		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT(strncmp(n, "decoder.", 8) == 0 || strncmp(n, "defrag.", 7) == 0);
		for (int j = 0; j < i; j++)
			CU_ASSERT(strcmp(n, decode_counter_names[j]) != 0);
	}
	CU_ASSERT_STRING_EQUAL(decode_counter_names[DEC_PKTS], "decoder.pkts");
	CU_ASSERT_STRING_EQUAL(decode_counter_names[DEC_ERR_IPV4_OPTS], "decoder.err.ipv4_opts");
	CU_ASSERT_STRING_EQUAL(decode_counter_names[DEC_FRAG_TOO_MANY], "defrag.too_many");
}

static CU_TestInfo tests[] = {
	{"linux sll", test_sll},
	{"linux sll2", test_sll2},
	{"raw, ipv4, ipv6", test_raw},
	{"bsd null and loop", test_null},
	{"ppp and cisco hdlc", test_ppp},
	{"unknown link type", test_linktype},
	{"decode fields reset", test_reset},
	{"context lifecycle", test_ctx},
	{"counter names", test_counter_names},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"decode-link", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
