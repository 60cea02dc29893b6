/*
 * decode.c — the decode stage's entry: context lifecycle, link-type
 * dispatch, the transport dispatch shared by IPv4 and IPv6, the counter
 * names and the reader's dispatch hash.
 *
 * Threading: decode_packet() uses only its context (one per worker);
 * decode_dispatch_hash() is pure and runs on the reader thread.
 * Ownership: decode_ctx_init() creates the context's defragmenter,
 * decode_ctx_fini() frees it.
 */
#include "decode.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "defrag.h"

/* DLT_RAW as libpcap's pcap_datalink() reports it (12 on most systems,
 * 14 on OpenBSD) when a reader does not map it back to LINKTYPE_RAW. */
#define DLT_RAW_A 12
#define DLT_RAW_B 14

#define ETH_HLEN 14
#define SLL_HLEN 16
#define SLL2_HLEN 20

const char *const decode_counter_names[DEC_COUNTER_MAX] = {
	[DEC_PKTS] = "decoder.pkts",
	[DEC_BYTES] = "decoder.bytes",
	[DEC_IPV4] = "decoder.ipv4",
	[DEC_IPV6] = "decoder.ipv6",
	[DEC_TCP] = "decoder.tcp",
	[DEC_UDP] = "decoder.udp",
	[DEC_ICMP] = "decoder.icmp",
	[DEC_OTHER_IP] = "decoder.other_ip",
	[DEC_VLAN] = "decoder.vlan",
	[DEC_MPLS] = "decoder.mpls",
	[DEC_NON_IP] = "decoder.non_ip",
	[DEC_TUNNEL] = "decoder.tunnel",
	[DEC_ERR_LINKTYPE] = "decoder.err.linktype",
	[DEC_ERR_ETH_TRUNC] = "decoder.err.eth_trunc",
	[DEC_ERR_VLAN_TRUNC] = "decoder.err.vlan_trunc",
	[DEC_ERR_VLAN_DEPTH] = "decoder.err.vlan_depth",
	[DEC_ERR_SLL_TRUNC] = "decoder.err.sll_trunc",
	[DEC_ERR_NULL_TRUNC] = "decoder.err.null_trunc",
	[DEC_ERR_PPP_TRUNC] = "decoder.err.ppp_trunc",
	[DEC_ERR_MPLS_TRUNC] = "decoder.err.mpls_trunc",
	[DEC_ERR_RAW_VERSION] = "decoder.err.raw_version",
	[DEC_ERR_IPV4_TRUNC] = "decoder.err.ipv4_trunc",
	[DEC_ERR_IPV4_VERSION] = "decoder.err.ipv4_version",
	[DEC_ERR_IPV4_HLEN] = "decoder.err.ipv4_hlen",
	[DEC_ERR_IPV4_LEN] = "decoder.err.ipv4_len",
	[DEC_ERR_IPV4_OPTS] = "decoder.err.ipv4_opts",
	[DEC_ERR_IPV6_TRUNC] = "decoder.err.ipv6_trunc",
	[DEC_ERR_IPV6_VERSION] = "decoder.err.ipv6_version",
	[DEC_ERR_IPV6_LEN] = "decoder.err.ipv6_len",
	[DEC_ERR_IPV6_EXTHDR] = "decoder.err.ipv6_exthdr",
	[DEC_ERR_TCP_TRUNC] = "decoder.err.tcp_trunc",
	[DEC_ERR_TCP_HLEN] = "decoder.err.tcp_hlen",
	[DEC_ERR_TCP_OPTS] = "decoder.err.tcp_opts",
	[DEC_ERR_UDP_TRUNC] = "decoder.err.udp_trunc",
	[DEC_ERR_UDP_LEN] = "decoder.err.udp_len",
	[DEC_ERR_ICMP_TRUNC] = "decoder.err.icmp_trunc",
	[DEC_ERR_ICMPV6_TRUNC] = "decoder.err.icmpv6_trunc",
	[DEC_ERR_TUNNEL_DEPTH] = "decoder.err.tunnel_depth",
	[DEC_FRAG_SEEN] = "defrag.fragments",
	[DEC_FRAG_REASSEMBLED] = "defrag.reassembled",
	[DEC_FRAG_OVERLAP] = "defrag.overlap",
	[DEC_FRAG_TOO_LARGE] = "defrag.too_large",
	[DEC_FRAG_TIMEOUT] = "defrag.timeout",
	[DEC_FRAG_TABLE_FULL] = "defrag.table_full",
	[DEC_FRAG_MEMCAP] = "defrag.memcap",
	[DEC_FRAG_INVALID] = "defrag.invalid",
	[DEC_FRAG_TOO_MANY] = "defrag.too_many",
};

void decode_config_defaults(struct decode_config *c)
{
	c->defrag_max_trackers = 4096;
	c->defrag_memcap = 32ull << 20;
	c->defrag_timeout_ns = 60ull * 1000000000ull;
}

int decode_ctx_init(struct decode_ctx *ctx, const struct decode_config *cfg)
{
	struct decode_config def;

	if (!cfg) {
		decode_config_defaults(&def);
		cfg = &def;
	}
	for (int i = 0; i < DEC_COUNTER_MAX; i++)
		COUNTER_SET(ctx->counters[i], 0);
	ctx->defrag = defrag_new(cfg, ctx->counters);
	return ctx->defrag ? 0 : -ENOMEM;
}

void decode_ctx_fini(struct decode_ctx *ctx)
{
	defrag_free(ctx->defrag);
	ctx->defrag = NULL;
}

enum decode_status decode_packet(struct decode_ctx *ctx, struct packet *p)
{
	const size_t first = offsetof(struct packet, l3);

	memset((uint8_t *)p + first, 0, sizeof(*p) - first);
	COUNTER_INC(ctx->counters[DEC_PKTS]);
	COUNTER_ADD(ctx->counters[DEC_BYTES], p->caplen);
	defrag_expire(ctx->defrag, p->ts_ns);

	switch (p->linktype) {
	case LINKTYPE_ETHERNET:
		return decode_ether(ctx, p, p->data, p->caplen);
	case LINKTYPE_LINUX_SLL:
		return decode_sll(ctx, p, p->data, p->caplen);
	case LINKTYPE_LINUX_SLL2:
		return decode_sll2(ctx, p, p->data, p->caplen);
	case LINKTYPE_RAW:
	case DLT_RAW_A:
	case DLT_RAW_B:
		return decode_raw(ctx, p, p->data, p->caplen);
	case LINKTYPE_IPV4:
		return decode_ipv4(ctx, p, p->data, p->caplen);
	case LINKTYPE_IPV6:
		return decode_ipv6(ctx, p, p->data, p->caplen);
	case LINKTYPE_NULL_BSD:
	case LINKTYPE_LOOP:
		return decode_null(ctx, p, p->data, p->caplen);
	case LINKTYPE_PPP:
	case LINKTYPE_PPP_HDLC:
		return decode_ppp(ctx, p, p->data, p->caplen);
	default:
		COUNTER_INC(ctx->counters[DEC_ERR_LINKTYPE]);
		return DECODE_DROP;
	}
}

enum decode_status decode_transport(struct decode_ctx *ctx, struct packet *p, uint8_t proto,
				    const uint8_t *d, uint32_t len)
{
	p->proto = proto;
	switch (proto) {
	case 6:
		return decode_tcp(ctx, p, d, len);
	case 17:
		return decode_udp(ctx, p, d, len);
	case 1:
		return decode_icmp(ctx, p, d, len);
	case 58:
		return decode_icmpv6(ctx, p, d, len);
	case 4:
	case 41:
		return decode_tunnel(ctx, p, proto, d, len);
	default:
		/* ESP, GRE, SCTP, no next header, ...: an IP packet whose
		 * payload rules can still see. */
		p->l4 = d;
		p->l4_len = len;
		p->payload = d;
		p->payload_len = len;
		COUNTER_INC(ctx->counters[DEC_OTHER_IP]);
		return DECODE_OK;
	}
}

/* ---- dispatch hash ---- */

static uint32_t mix64(uint64_t x)
{
	/* the finaliser of MurmurHash3 (fmix64) */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (uint32_t)x;
}

static uint64_t fold128(const uint8_t *a)
{
	uint64_t hi, lo;

	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	return hi ^ (lo * 0x9e3779b97f4a7c15ull);
}

/* Symmetric: min/max of the two addresses (folded to 64 bits for IPv6),
 * then a full-avalanche mix; never 0 for an IP packet. */
static uint32_t hash_ip(const uint8_t *d, uint32_t len)
{
	uint64_t a, b;
	uint32_t h;

	if (len < 1)
		return 0;
	switch (d[0] >> 4) {
	case 4:
		if (len < 20)
			return 0;
		a = decode_be32(d + 12);
		b = decode_be32(d + 16);
		h = mix64(a < b ? a << 32 | b : b << 32 | a);
		break;
	case 6:
		if (len < 40)
			return 0;
		a = fold128(d + 8);
		b = fold128(d + 24);
		h = mix64((a < b ? a : b) * 0x9e3779b97f4a7c15ull + (a < b ? b : a));
		break;
	default:
		return 0;
	}
	return h ? h : 1;
}

/* Walks VLAN tags and an MPLS label stack from EtherType `type` at d[off]. */
static uint32_t hash_ethertype(const uint8_t *d, uint32_t len, uint32_t off, uint16_t type)
{
	for (int tags = 0; tags < 8; tags++) {
		switch (type) {
		case 0x0800:
		case 0x86dd:
			return hash_ip(d + off, len - off);
		case 0x8100:
		case 0x88a8:
		case 0x9100:
			if (len - off < 4)
				return 0;
			type = decode_be16(d + off + 2);
			off += 4;
			break;
		case 0x8847:
		case 0x8848:
			do {
				if (len - off < 4)
					return 0;
				off += 4;
			} while (!(d[off - 2] & 1));
			return hash_ip(d + off, len - off);
		default:
			return 0;
		}
	}
	return 0;
}

uint32_t decode_dispatch_hash(const uint8_t *data, uint32_t caplen, uint32_t linktype)
{
	uint32_t hlen;
	int type;

	switch (linktype) {
	case LINKTYPE_ETHERNET:
		if (caplen < ETH_HLEN)
			return 0;
		return hash_ethertype(data, caplen, ETH_HLEN, decode_be16(data + 12));
	case LINKTYPE_LINUX_SLL:
		if (caplen < SLL_HLEN)
			return 0;
		return hash_ethertype(data, caplen, SLL_HLEN, decode_be16(data + 14));
	case LINKTYPE_LINUX_SLL2:
		if (caplen < SLL2_HLEN)
			return 0;
		return hash_ethertype(data, caplen, SLL2_HLEN, decode_be16(data));
	case LINKTYPE_RAW:
	case DLT_RAW_A:
	case DLT_RAW_B:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		return hash_ip(data, caplen);
	case LINKTYPE_NULL_BSD:
	case LINKTYPE_LOOP:
		return caplen < 4 ? 0 : hash_ip(data + 4, caplen - 4);
	case LINKTYPE_PPP:
	case LINKTYPE_PPP_HDLC:
		type = decode_ppp_header(data, caplen, &hlen);
		return type <= 0 ? 0 : hash_ethertype(data, caplen, hlen, (uint16_t)type);
	default:
		return 0;
	}
}
