/*
 * decode-ipv4.c — the IPv4 header: version, header length, total length
 * (the packet is trimmed to it, which drops Ethernet padding), options,
 * and fragments, which go to the defragmenter.
 *
 * Options are walked as type-length-value items: an item whose length runs
 * past the header, is below 2, or does not fit its type's rule counts
 * DEC_ERR_IPV4_OPTS once, and the packet is decoded on (as Suricata does:
 * options do not move the payload). Fragments count DEC_IPV4 each; the
 * datagram rebuilt from them is counted by DEC_FRAG_REASSEMBLED and
 * decoded on with PKT_F_REASSEMBLED.
 *
 * Threading: uses only the caller's context (one worker).
 */
#include "decode.h"

#include <stdbool.h>

#include "defrag.h"

#define IPV4_HLEN 20
#define IPV4_MF 0x2000
#define IPV4_OFFMASK 0x1fff

#define IPOPT_EOL 0
#define IPOPT_NOP 1
#define IPOPT_RR 7
#define IPOPT_TS 68
#define IPOPT_LSRR 131
#define IPOPT_SID 136
#define IPOPT_SSRR 137
#define IPOPT_RTRALT 148

static enum decode_status drop(struct decode_ctx *ctx, enum decode_counter why)
{
	COUNTER_INC(ctx->counters[why]);
	return DECODE_DROP;
}

/* The length rules of the options whose layout is fixed by their RFCs. */
static bool ipv4_opt_len_ok(uint8_t type, uint8_t olen)
{
	switch (type) {
	case IPOPT_RR:
	case IPOPT_LSRR:
	case IPOPT_SSRR:
		return olen >= 3 && (olen - 3) % 4 == 0; /* RFC 791: pointer + routes */
	case IPOPT_TS:
		return olen >= 4;
	case IPOPT_SID:
	case IPOPT_RTRALT:
		return olen == 4;
	default:
		return true;
	}
}

static bool ipv4_opts_valid(const uint8_t *o, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t type = o[i], olen;

		if (type == IPOPT_EOL)
			return true; /* the rest is padding */
		if (type == IPOPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2)
			return false;
		olen = o[i + 1];
		if (olen < 2 || olen > n - i || !ipv4_opt_len_ok(type, olen))
			return false;
		i += olen;
	}
	return true;
}

/* Fills p from a valid header and decodes the payload. */
static enum decode_status ipv4_datagram(struct decode_ctx *ctx, struct packet *p,
					const uint8_t *d, uint32_t hlen, uint32_t len)
{
	p->l3 = d;
	p->l3_len = len;
	p->ip_version = 4;
	p->ttl = d[8];
	addr_from_v4(&p->src, d + 12);
	addr_from_v4(&p->dst, d + 16);
	return decode_transport(ctx, p, d[9], d + hlen, len - hlen);
}

enum decode_status decode_ipv4(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
			       uint32_t len)
{
	const uint8_t *whole;
	uint32_t hlen, total, whole_len;
	enum decode_status st;

	if (len < IPV4_HLEN)
		return drop(ctx, DEC_ERR_IPV4_TRUNC);
	if (d[0] >> 4 != 4)
		return drop(ctx, DEC_ERR_IPV4_VERSION);
	hlen = (uint32_t)(d[0] & 0x0f) * 4;
	if (hlen < IPV4_HLEN || hlen > len)
		return drop(ctx, DEC_ERR_IPV4_HLEN);
	total = decode_be16(d + 2);
	if (total < hlen || total > len)
		return drop(ctx, DEC_ERR_IPV4_LEN);
	COUNTER_INC(ctx->counters[DEC_IPV4]);
	if (hlen > IPV4_HLEN) {
		p->flags |= PKT_F_IPV4_OPTS;
		if (!ipv4_opts_valid(d + IPV4_HLEN, hlen - IPV4_HLEN))
			COUNTER_INC(ctx->counters[DEC_ERR_IPV4_OPTS]);
	}
	if (!(decode_be16(d + 6) & (IPV4_MF | IPV4_OFFMASK)))
		return ipv4_datagram(ctx, p, d, hlen, total);

	/* A fragment: p describes it (addresses, protocol) while it is held. */
	p->l3 = d;
	p->l3_len = total;
	p->ip_version = 4;
	p->ttl = d[8];
	p->proto = d[9];
	addr_from_v4(&p->src, d + 12);
	addr_from_v4(&p->dst, d + 16);
	st = defrag_ipv4(ctx->defrag, p, d, hlen, total, &whole, &whole_len);
	if (st != DECODE_OK)
		return st;
	p->flags |= PKT_F_REASSEMBLED;
	return ipv4_datagram(ctx, p, whole, (uint32_t)(whole[0] & 0x0f) * 4, whole_len);
}
