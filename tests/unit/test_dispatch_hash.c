/*
 * test_dispatch_hash.c — decode_dispatch_hash(): symmetric over the
 * address pair, the same for every fragment of a datagram and under every
 * link type, VLAN and MPLS stack; different pairs differ; non-IP and
 * truncated input hash to 0.
 */
#include "decode-test.h"

static uint32_t hash_eth(const uint8_t *ip, size_t len)
{
	uint8_t b[256];
	size_t n = dt_eth(b, (ip[0] >> 4) == 6 ? 0x86dd : 0x0800);

	memcpy(b + n, ip, len);
	return decode_dispatch_hash(b, (uint32_t)(n + len), LINKTYPE_ETHERNET);
}

static size_t v4(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	size_t n = dt_ipv4(b, 6, src, dst, 20, 1, 0);

	return n + dt_tcp(b + n, sport, dport, 0, 0, TCP_SYN);
}

static void test_symmetric_v4(void)
{
	uint8_t a[64], b[64];
	size_t na = v4(a, DT_SRC4, DT_DST4, 40000, 80), nb = v4(b, DT_DST4, DT_SRC4, 80, 40000);
	uint32_t h = hash_eth(a, na);

	CU_ASSERT_NOT_EQUAL(h, 0);
	CU_ASSERT_EQUAL(hash_eth(b, nb), h);
	/* ports and protocol do not enter it */
	nb = v4(b, DT_SRC4, DT_DST4, 1, 2);
	b[9] = 17;
	CU_ASSERT_EQUAL(hash_eth(b, nb), h);
	/* nor does the length of what is captured past the addresses */
	CU_ASSERT_EQUAL(hash_eth(a, 20), h);
	CU_ASSERT_EQUAL(decode_dispatch_hash(a, (uint32_t)na, LINKTYPE_RAW), h);
}

static void test_pairs_differ(void)
{
	uint8_t a[64];
	uint32_t seen[64];
	int n = 0;

	/* neighbouring pairs, pairs sharing one side, swapped halves */
	const uint32_t pairs[][2] = {
		{0x0a000001, 0x0a000002}, {0x0a000001, 0x0a000003}, {0x0a000002, 0x0a000003},
		{0x0a000005, 0x0a000006}, {0x0a000001, 0x0b000001}, {0xc0a80001, 0x0a000001},
		{0x00000000, 0x00000000}, {0xffffffff, 0xffffffff}, {0x0a000001, 0x0a000001},
		{0x01000000, 0x00000001}, {0x00000001, 0x00000100},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t len = v4(a, pairs[i][0], pairs[i][1], 1, 2);

		seen[n] = hash_eth(a, len);
		CU_ASSERT_NOT_EQUAL(seen[n], 0);
		for (int j = 0; j < n; j++)
			CU_ASSERT_NOT_EQUAL(seen[j], seen[n]);
		n++;
	}
	/* and IPv6 pairs, also distinct from the IPv4 ones */
	for (uint8_t s = 1; s <= 4; s++) {
		uint8_t d = (uint8_t)(s + 1);
		size_t len = dt_ipv6(a, 59, s, d, 0);

		seen[n] = hash_eth(a, len);
		CU_ASSERT_NOT_EQUAL(seen[n], 0);
		for (int j = 0; j < n; j++)
			CU_ASSERT_NOT_EQUAL(seen[j], seen[n]);
		n++;
	}
}

/* Spread: 4096 client addresses towards one server over 4 workers. */
static void test_spread(void)
{
	uint8_t a[64];
	unsigned buckets[4] = {0};

	for (uint32_t i = 0; i < 4096; i++) {
		size_t len = v4(a, 0x0a000000 + i, 0xc0a80001, 1, 2);

		buckets[hash_eth(a, len) % 4]++;
	}
	for (int w = 0; w < 4; w++)
		CU_ASSERT(buckets[w] > 900 && buckets[w] < 1150);
}

static void test_symmetric_v6(void)
{
	uint8_t a[64], b[64];
	size_t na = dt_ipv6(a, 59, 1, 2, 0), nb = dt_ipv6(b, 59, 2, 1, 0);
	uint32_t h = hash_eth(a, na);

	CU_ASSERT_NOT_EQUAL(h, 0);
	CU_ASSERT_EQUAL(hash_eth(b, nb), h);
	/* a difference in the high half of an address counts too */
	b[8] ^= 0x80;
	CU_ASSERT_NOT_EQUAL(hash_eth(b, nb), h);
	CU_ASSERT_EQUAL(decode_dispatch_hash(a, (uint32_t)na, LINKTYPE_IPV6), h);
}

static void test_fragments(void)
{
	uint8_t f0[64], f1[64], f6a[128], f6b[128];
	size_t n0 = dt_ipv4(f0, 17, DT_SRC4, DT_DST4, 16, 9, 0x2000);
	size_t n1 = dt_ipv4(f1, 17, DT_SRC4, DT_DST4, 8, 9, 2);
	size_t n6a, n6b;

	n0 += dt_udp(f0 + n0, 53, 1053, 8);
	memset(f1 + n1, 0x77, 8);
	n1 += 8;
	CU_ASSERT_EQUAL(hash_eth(f0, n0), hash_eth(f1, n1));

	/* IPv6: the first fragment behind extension headers, the second not */
	n6a = dt_ipv6(f6a, 0, 1, 2, 8 + 8 + 16);
	n6a += unit_hex("2c00 0104 00000000 1100 0001 00000001", f6a + n6a, 16);
	memset(f6a + n6a, 0, 16);
	n6a += 16;
	n6b = dt_ipv6(f6b, 44, 1, 2, 8 + 8);
	n6b += unit_hex("1100 0010 00000001 0000000000000000", f6b + n6b, 16);
	CU_ASSERT_EQUAL(hash_eth(f6a, n6a), hash_eth(f6b, n6b));
}

static void test_link_types(void)
{
	uint8_t ip[64], b[128];
	size_t ni = v4(ip, DT_SRC4, DT_DST4, 1, 2), n;
	uint32_t h = hash_eth(ip, ni);
	static const struct {
		const char *hdr;
		uint32_t lt;
	} links[] = {
		{"0000 0001 0006 00163e112233 0000 0800", LINKTYPE_LINUX_SLL},
		{"0800 0000 00000002 0001 00 06 00163e1122330000", LINKTYPE_LINUX_SLL2},
		{"02000000", LINKTYPE_NULL_BSD},
		{"00000002", LINKTYPE_LOOP},
		{"ff03 0021", LINKTYPE_PPP},
		{"21", LINKTYPE_PPP},
		{"0f00 0800", LINKTYPE_PPP_HDLC},
		{"", LINKTYPE_IPV4},
		{"", 12},
		/* VLAN, QinQ, MPLS in VLAN: VLAN-independent */
		{"001122334455 66778899aabb 8100 0064 0800", LINKTYPE_ETHERNET},
		{"001122334455 66778899aabb 88a8 0001 8100 0002 0800", LINKTYPE_ETHERNET},
		{"001122334455 66778899aabb 8100 000a 8847 00010040 00011140", LINKTYPE_ETHERNET},
		{"0000 0001 0006 00163e112233 0000 8100 0064 0800", LINKTYPE_LINUX_SLL},
	};

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		n = unit_hex(links[i].hdr, b, sizeof(b));
		memcpy(b + n, ip, ni);
		CU_ASSERT_EQUAL(decode_dispatch_hash(b, (uint32_t)(n + ni), links[i].lt), h);
	}
}

static void test_zero(void)
{
	uint8_t ip[64], b[128];
	size_t ni = v4(ip, DT_SRC4, DT_DST4, 1, 2), n;
	static const struct {
		const char *hdr;
		uint32_t lt;
		size_t ip_bytes; /* how much of the IPv4 packet follows */
	} zero[] = {
		{"001122334455 66778899aabb 0806", LINKTYPE_ETHERNET, 40},  /* ARP */
		{"001122334455 66778899aabb 0800", LINKTYPE_ETHERNET, 19},  /* cut */
		{"001122334455 66778899aabb 08", LINKTYPE_ETHERNET, 0},
		{"001122334455 66778899aabb 8100 00", LINKTYPE_ETHERNET, 0}, /* cut tag */
		{"001122334455 66778899aabb 8847 0001", LINKTYPE_ETHERNET, 0}, /* cut label */
		{"001122334455 66778899aabb 8847 00010040 00010040", LINKTYPE_ETHERNET, 0}, /* no bottom */
		{"001122334455 66778899aabb 8100 0001 8100 0002 8100 0003 8100 0004 "
		 "8100 0005 8100 0006 8100 0007 8100 0008 0800", LINKTYPE_ETHERNET, 40}, /* 8 tags */
		{"0000 0001 0006 00163e112233 0000", LINKTYPE_LINUX_SLL, 0},
		{"0800 0000 00000002 0001 00 06 00163e11", LINKTYPE_LINUX_SLL2, 0},
		{"020000", LINKTYPE_NULL_BSD, 0},
		{"ff03 c021", LINKTYPE_PPP, 40}, /* LCP */
		{"ff03", LINKTYPE_PPP, 0},
		{"", LINKTYPE_RAW, 0},
		{"", 105, 40}, /* unknown link type */
	};

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		n = unit_hex(zero[i].hdr, b, sizeof(b));
		memcpy(b + n, ip, zero[i].ip_bytes < ni ? zero[i].ip_bytes : ni);
		n += zero[i].ip_bytes < ni ? zero[i].ip_bytes : ni;
		CU_ASSERT_EQUAL(decode_dispatch_hash(b, (uint32_t)n, zero[i].lt), 0);
	}
	/* an IPv6 header cut at 39 bytes, a version that is neither */
	n = dt_ipv6(b, 59, 1, 2, 0);
	CU_ASSERT_EQUAL(decode_dispatch_hash(b, 39, LINKTYPE_RAW), 0);
	b[0] = 0x50;
	CU_ASSERT_EQUAL(decode_dispatch_hash(b, (uint32_t)n, LINKTYPE_RAW), 0);
	CU_ASSERT_EQUAL(decode_dispatch_hash(NULL, 0, LINKTYPE_ETHERNET), 0);
}

/* Tunnels are hashed by their outer addresses. */
static void test_tunnel_outer(void)
{
	uint8_t in[64], b[128], out_only[64];
	size_t ni = v4(in, DT_SRC4, DT_DST4, 1, 2), n;

	n = dt_ipv4(b, 4, 0x01010101, 0x02020202, (uint32_t)ni, 1, 0);
	memcpy(b + n, in, ni);
	dt_ipv4(out_only, 6, 0x02020202, 0x01010101, 0, 1, 0);
	CU_ASSERT_EQUAL(hash_eth(b, n + ni), hash_eth(out_only, 20));
	CU_ASSERT_NOT_EQUAL(hash_eth(b, n + ni), hash_eth(in, ni));
}

static CU_TestInfo tests[] = {
	{"symmetric ipv4", test_symmetric_v4},
	{"different pairs differ", test_pairs_differ},
	{"spread over workers", test_spread},
	{"symmetric ipv6", test_symmetric_v6},
	{"fragments of one datagram", test_fragments},
	{"every link type, vlan and mpls", test_link_types},
	{"non-ip and truncated are 0", test_zero},
	{"tunnels hash the outer pair", test_tunnel_outer},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"dispatch-hash", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
