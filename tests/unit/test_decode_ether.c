/*
 * test_decode_ether.c — Ethernet II, VLAN tags (802.1Q, 802.1ad, 0x9100)
 * and MPLS label stacks, down to the transport fields.
 */
#include "decode-test.h"

/* Ethernet + IPv4 (192.168.1.10 -> 10.0.0.1, TTL 64, id 0x1234, DF) +
 * TCP 12345 -> 80 seq 100 ack 200 PSH|ACK win 29200 + "ABCD". */
static const char ETH_IPV4_TCP[] = "001122334455 66778899aabb 0800"
				   "4500002c 12344000 40060000 c0a8010a 0a000001"
				   "30390050 00000064 000000c8 50187210 00000000"
				   "41424344";

static void check_ipv4_tcp(const struct packet *p, const uint8_t *ip, uint32_t ip_len)
{
	CU_ASSERT_PTR_EQUAL(p->l3, ip);
	CU_ASSERT_EQUAL(p->l3_len, ip_len);
	CU_ASSERT_EQUAL(p->ip_version, 4);
	CU_ASSERT_EQUAL(p->ttl, 64);
	CU_ASSERT_EQUAL(p->proto, 6);
	CU_ASSERT(dt_addr_is_v4(&p->src, DT_SRC4));
	CU_ASSERT(dt_addr_is_v4(&p->dst, DT_DST4));
	CU_ASSERT_PTR_EQUAL(p->l4, ip + 20);
	CU_ASSERT_EQUAL(p->l4_len, ip_len - 20);
	CU_ASSERT_EQUAL(p->sport, 12345);
	CU_ASSERT_EQUAL(p->dport, 80);
	CU_ASSERT_EQUAL(p->tcp_seq, 100);
	CU_ASSERT_EQUAL(p->tcp_ack, 200);
	CU_ASSERT_EQUAL(p->tcp_flags, TCP_PSH | TCP_ACK);
	CU_ASSERT_EQUAL(p->tcp_win, 29200);
	CU_ASSERT_PTR_EQUAL(p->payload, ip + 40);
	CU_ASSERT_EQUAL(p->payload_len, ip_len - 40);
}

static void test_ipv4_tcp(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	size_t n = unit_hex(ETH_IPV4_TCP, b, sizeof(b));

	dt_init(&ctx);
	CU_ASSERT_EQUAL(n, 58);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_OK);
	check_ipv4_tcp(&p, b + 14, 44);
	CU_ASSERT_EQUAL(p.vlan_count, 0);
	CU_ASSERT_EQUAL(p.vlan[0], 0);
	CU_ASSERT_EQUAL(p.flags, 0);
	CU_ASSERT_EQUAL(p.icmp_type, 0);
	CU_ASSERT_EQUAL(memcmp(p.payload, "ABCD", 4), 0);
	/* capture fields untouched */
	CU_ASSERT_PTR_EQUAL(p.data, b);
	CU_ASSERT_EQUAL(p.caplen, 58);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_PKTS]), 1);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_BYTES]), 58);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_TCP, 1);
	decode_ctx_fini(&ctx);
}

/* A minimum-size frame: 6 bytes of padding after a 40-byte datagram. */
static void test_padding_trimmed(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[64] = {0};
	size_t n = dt_eth(b, 0x0800);

	n += dt_ipv4(b + n, 6, DT_SRC4, DT_DST4, 20, 1, 0);
	n += dt_tcp(b + n, 1, 2, 3, 4, TCP_SYN);
	CU_ASSERT_EQUAL(n, 54);
	memset(b + n, 0xee, 6);
	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, 60), DECODE_OK);
	CU_ASSERT_EQUAL(p.l3_len, 40);
	CU_ASSERT_EQUAL(p.l4_len, 20);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_SYN);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_TCP, 1);
	decode_ctx_fini(&ctx);
}

static void test_eth_trunc(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	size_t n = unit_hex(ETH_IPV4_TCP, b, sizeof(b));

	(void)n;
	dt_init(&ctx);
	for (uint32_t cut = 0; cut < 14; cut++) {
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, cut), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_ERR_ETH_TRUNC, 1);
		CU_ASSERT_PTR_NULL(p.l3);
	}
	/* cut inside the IP header, then inside the datagram */
	for (uint32_t cut = 14; cut < 58; cut++) {
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, cut), DECODE_DROP);
		if (cut < 34)
			DT_COUNTERS(&ctx, DEC_ERR_IPV4_TRUNC, 1);
		else
			DT_COUNTERS(&ctx, DEC_ERR_IPV4_LEN, 1);
	}
	decode_ctx_fini(&ctx);
}

/* Builds Ethernet + tags (type, TCI pairs) + the IPv4/TCP datagram. */
static size_t tagged(uint8_t *b, const uint16_t *tags, int ntags)
{
	uint8_t tmp[128];
	size_t n = unit_hex(ETH_IPV4_TCP, tmp, sizeof(tmp)), off;

	off = dt_eth(b, ntags ? tags[0] : 0x0800);
	for (int i = 0; i < ntags; i++) {
		dt_put16(b + off, tags[2 * i + 1]);
		dt_put16(b + off + 2, i + 1 < ntags ? tags[2 * (i + 1)] : 0x0800);
		off += 4;
	}
	memcpy(b + off, tmp + 14, n - 14);
	return off + n - 14;
}

static void test_vlan_8021q(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[160];
	const uint16_t tags[] = {0x8100, 0xa064}; /* PCP 5, VID 100 */
	size_t n = tagged(b, tags, 1);

	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.vlan_count, 1);
	CU_ASSERT_EQUAL(p.vlan[0], 100);
	CU_ASSERT_EQUAL(p.vlan[1], 0);
	check_ipv4_tcp(&p, b + 18, 44);
	DT_COUNTERS(&ctx, DEC_VLAN, 1, DEC_IPV4, 1, DEC_TCP, 1);
	decode_ctx_fini(&ctx);
}

static void test_vlan_qinq(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[160];
	const uint16_t ad[] = {0x88a8, 0x0fff, 0x8100, 0x1002};
	const uint16_t old[] = {0x9100, 0x0007, 0x8100, 0x0008};
	size_t n = tagged(b, ad, 2);

	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.vlan_count, 2);
	CU_ASSERT_EQUAL(p.vlan[0], 4095);
	CU_ASSERT_EQUAL(p.vlan[1], 2);
	check_ipv4_tcp(&p, b + 22, 44);
	DT_COUNTERS(&ctx, DEC_VLAN, 1, DEC_IPV4, 1, DEC_TCP, 1);

	dt_reset(&ctx);
	n = tagged(b, old, 2);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.vlan_count, 2);
	CU_ASSERT_EQUAL(p.vlan[0], 7);
	CU_ASSERT_EQUAL(p.vlan[1], 8);
	DT_COUNTERS(&ctx, DEC_VLAN, 1, DEC_IPV4, 1, DEC_TCP, 1);
	decode_ctx_fini(&ctx);
}

static void test_vlan_depth(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[160];
	const uint16_t three[] = {0x88a8, 1, 0x8100, 2, 0x8100, 3};
	size_t n = tagged(b, three, 3);

	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_DROP);
	CU_ASSERT_EQUAL(p.vlan_count, 2);
	DT_COUNTERS(&ctx, DEC_VLAN, 1, DEC_ERR_VLAN_DEPTH, 1);
	decode_ctx_fini(&ctx);
}

static void test_vlan_trunc(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[160];
	const uint16_t two[] = {0x88a8, 1, 0x8100, 2};

	tagged(b, two, 2);
	dt_init(&ctx);
	/* cut inside the outer tag: nothing recorded yet */
	for (uint32_t cut = 14; cut < 18; cut++) {
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, cut), DECODE_DROP);
		CU_ASSERT_EQUAL(p.vlan_count, 0);
		DT_COUNTERS(&ctx, DEC_ERR_VLAN_TRUNC, 1);
	}
	/* cut inside the inner tag */
	for (uint32_t cut = 18; cut < 22; cut++) {
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, cut), DECODE_DROP);
		CU_ASSERT_EQUAL(p.vlan_count, 1);
		DT_COUNTERS(&ctx, DEC_VLAN, 1, DEC_ERR_VLAN_TRUNC, 1);
	}
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, 22), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_VLAN, 1, DEC_ERR_IPV4_TRUNC, 1);
	decode_ctx_fini(&ctx);
}

static void test_non_ip(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[64] = {0};
	const uint16_t arp_in_vlan[] = {0x8100, 0x0005};

	dt_init(&ctx);
	dt_eth(b, 0x0806); /* ARP */
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, 42), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_NON_IP, 1);

	dt_reset(&ctx);
	dt_eth(b, 0x0026); /* 802.3 length: LLC (STP) */
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, 60), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_NON_IP, 1);

	dt_reset(&ctx);
	dt_eth(b, 0x88cc); /* LLDP, header only */
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, 14), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_NON_IP, 1);

	dt_reset(&ctx);
	dt_eth(b, arp_in_vlan[0]);
	dt_put16(b + 14, arp_in_vlan[1]);
	dt_put16(b + 16, 0x0806);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, 46), DECODE_DROP);
	CU_ASSERT_EQUAL(p.vlan[0], 5);
	DT_COUNTERS(&ctx, DEC_VLAN, 1, DEC_NON_IP, 1);
	decode_ctx_fini(&ctx);
}

/* Ethernet [+ VLAN 10] + MPLS labels + the IPv4/TCP datagram. */
static size_t mpls(uint8_t *b, int nlabels, bool vlan)
{
	uint8_t tmp[128];
	size_t n = unit_hex(ETH_IPV4_TCP, tmp, sizeof(tmp)), off;

	off = dt_eth(b, vlan ? 0x8100 : 0x8847);
	if (vlan) {
		dt_put16(b + off, 10);
		dt_put16(b + off + 2, 0x8847);
		off += 4;
	}
	for (int i = 0; i < nlabels; i++) {
		/* label 16 + i, TC 0, bottom-of-stack on the last, TTL 64 */
		dt_put32(b + off, (uint32_t)(16 + i) << 12 | (i == nlabels - 1 ? 0x100u : 0) | 64);
		off += 4;
	}
	memcpy(b + off, tmp + 14, n - 14);
	return off + n - 14;
}

static void test_mpls(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[160];
	size_t n;

	dt_init(&ctx);
	n = mpls(b, 1, false);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_OK);
	check_ipv4_tcp(&p, b + 18, 44);
	DT_COUNTERS(&ctx, DEC_MPLS, 1, DEC_IPV4, 1, DEC_TCP, 1);

	dt_reset(&ctx);
	n = mpls(b, 3, true); /* the Zeek traces' MPLS-in-VLAN, with a deeper stack */
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.vlan_count, 1);
	CU_ASSERT_EQUAL(p.vlan[0], 10);
	check_ipv4_tcp(&p, b + 14 + 4 + 12, 44);
	DT_COUNTERS(&ctx, DEC_VLAN, 1, DEC_MPLS, 1, DEC_IPV4, 1, DEC_TCP, 1);

	/* IPv6 under the stack */
	dt_reset(&ctx);
	n = dt_eth(b, 0x8847);
	dt_put32(b + n, 2u << 12 | 0x100 | 64); /* IPv6 explicit null */
	n += 4;
	n += dt_ipv6(b + n, 59, 1, 2, 0);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_EQUAL(p.ip_version, 6);
	CU_ASSERT(dt_addr_is_v6(&p.dst, 2));
	DT_COUNTERS(&ctx, DEC_MPLS, 1, DEC_IPV6, 1, DEC_OTHER_IP, 1);
	decode_ctx_fini(&ctx);
}

static void test_mpls_malformed(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[160];
	size_t n;

	dt_init(&ctx);
	/* every cut inside a two-label stack, and right after its bottom */
	mpls(b, 2, false);
	for (uint32_t cut = 14; cut <= 22; cut++) {
		dt_reset(&ctx);
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, cut), DECODE_DROP);
		DT_COUNTERS(&ctx, DEC_MPLS, 1, DEC_ERR_MPLS_TRUNC, 1);
	}
	/* no bottom-of-stack label at all */
	n = dt_eth(b, 0x8847);
	for (int i = 0; i < 4; i++, n += 4)
		dt_put32(b + n, 100u << 12 | 64);
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_MPLS, 1, DEC_ERR_MPLS_TRUNC, 1);
	/* a pseudowire control word (first nibble 0) under the stack */
	n = dt_eth(b, 0x8847);
	dt_put32(b + n, 100u << 12 | 0x100 | 64);
	n += 4;
	memset(b + n, 0, 18);
	n += 18;
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_MPLS, 1, DEC_NON_IP, 1);
	decode_ctx_fini(&ctx);
}

static void test_ipv6(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	size_t n = dt_eth(b, 0x86dd);

	n += dt_ipv6(b + n, 17, 1, 2, 8 + 3);
	n += dt_udp(b + n, 5353, 53, 3);
	memcpy(b + n, "xyz", 3);
	n += 3;
	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_OK);
	CU_ASSERT_PTR_EQUAL(p.l3, b + 14);
	CU_ASSERT_EQUAL(p.l3_len, 51);
	CU_ASSERT_EQUAL(p.ip_version, 6);
	CU_ASSERT_EQUAL(p.proto, 17);
	CU_ASSERT_EQUAL(p.ttl, 63);
	CU_ASSERT(dt_addr_is_v6(&p.src, 1));
	CU_ASSERT(dt_addr_is_v6(&p.dst, 2));
	CU_ASSERT_EQUAL(p.sport, 5353);
	CU_ASSERT_EQUAL(p.dport, 53);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 14 + 48);
	CU_ASSERT_EQUAL(p.payload_len, 3);
	DT_COUNTERS(&ctx, DEC_IPV6, 1, DEC_UDP, 1);
	decode_ctx_fini(&ctx);
}

/* The EtherType says IPv4, the header says otherwise. */
static void test_type_version_mismatch(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	size_t n = dt_eth(b, 0x0800);

	n += dt_ipv6(b + n, 59, 1, 2, 0);
	dt_init(&ctx);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_ERR_IPV4_VERSION, 1);
	dt_reset(&ctx);
	n = dt_eth(b, 0x86dd);
	n += dt_ipv4(b + n, 6, DT_SRC4, DT_DST4, 20, 0, 0);
	n += dt_tcp(b + n, 1, 2, 0, 0, 0);
	n += 20; /* enough bytes for an IPv6 header */
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_ERR_IPV6_VERSION, 1);
	decode_ctx_fini(&ctx);
}

static CU_TestInfo tests[] = {
	{"ipv4 tcp", test_ipv4_tcp},
	{"padding trimmed", test_padding_trimmed},
	{"ethernet truncated", test_eth_trunc},
	{"802.1Q", test_vlan_8021q},
	{"802.1ad and 0x9100 QinQ", test_vlan_qinq},
	{"vlan depth", test_vlan_depth},
	{"vlan truncated", test_vlan_trunc},
	{"non-ip", test_non_ip},
	{"mpls", test_mpls},
	{"mpls malformed", test_mpls_malformed},
	{"ipv6", test_ipv6},
	{"ethertype/version mismatch", test_type_version_mismatch},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"decode-ether", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
