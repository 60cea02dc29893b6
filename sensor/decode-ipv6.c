/*
 * decode-ipv6.c — the IPv6 header and its extension header chain.
 *
 * The packet is trimmed to 40 + payload length. Hop-by-hop (first only),
 * routing and destination options headers are skipped by their length,
 * AH by its own length rule; an atomic fragment header (offset 0, M clear;
 * RFC 6946) is skipped, a real one sends the packet to the defragmenter
 * and the rebuilt datagram's chain is walked again (a second fragment
 * header in it is malformed). ESP, no-next-header (59) and every other
 * value end the chain and go to the transport dispatch. Only the framing
 * is checked (lengths inside the packet, hop-by-hop first), not the options
 * inside a header: they do not move the payload. Jumbograms (payload
 * length 0 with a Jumbo option) are not supported.
 *
 * Threading: uses only the caller's context (one worker).
 */
#include "decode.h"

#include <stdbool.h>

#include "defrag.h"

#define IPV6_HLEN 40
#define IPV6_FRAG_HLEN 8

#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DSTOPTS 60

static enum decode_status drop(struct decode_ctx *ctx, enum decode_counter why)
{
	COUNTER_INC(ctx->counters[why]);
	return DECODE_DROP;
}

/*
 * Walks the extension headers of d[0..len) (a complete IPv6 packet) and
 * decodes what follows. reassembled: d is a rebuilt datagram, so a real
 * fragment header in it is malformed.
 */
static enum decode_status ipv6_chain(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
				     uint32_t len, bool reassembled)
{
	uint32_t off = IPV6_HLEN, nh_off = 6, hl;
	uint8_t nh = d[6];
	const uint8_t *whole;
	uint32_t whole_len;
	enum decode_status st;

	for (;;) {
		switch (nh) {
		case NH_HOPOPTS:
			if (off != IPV6_HLEN)
				return drop(ctx, DEC_ERR_IPV6_EXTHDR);
			/* fallthrough */
		case NH_ROUTING:
		case NH_DSTOPTS:
			if (len - off < 2)
				return drop(ctx, DEC_ERR_IPV6_EXTHDR);
			hl = ((uint32_t)d[off + 1] + 1) * 8;
			break;
		case NH_AH:
			if (len - off < 2)
				return drop(ctx, DEC_ERR_IPV6_EXTHDR);
			hl = ((uint32_t)d[off + 1] + 2) * 4;
			break;
		case NH_FRAGMENT:
			if (len - off < IPV6_FRAG_HLEN)
				return drop(ctx, DEC_ERR_IPV6_EXTHDR);
			hl = IPV6_FRAG_HLEN;
			if ((decode_be16(d + off + 2) & 0xfff9) == 0)
				break; /* atomic fragment */
			if (reassembled)
				return drop(ctx, DEC_ERR_IPV6_EXTHDR);
			p->flags |= PKT_F_IPV6_EXTHDR;
			p->proto = d[off];
			st = defrag_ipv6(ctx->defrag, p, d, len, off, nh_off, &whole, &whole_len);
			if (st != DECODE_OK)
				return st;
			p->flags |= PKT_F_REASSEMBLED;
			p->l3 = whole;
			p->l3_len = whole_len;
			return ipv6_chain(ctx, p, whole, whole_len, true);
		default:
			return decode_transport(ctx, p, nh, d + off, len - off);
		}
		if (hl > len - off)
			return drop(ctx, DEC_ERR_IPV6_EXTHDR);
		p->flags |= PKT_F_IPV6_EXTHDR;
		nh_off = off;
		nh = d[off];
		off += hl;
	}
}

enum decode_status decode_ipv6(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
			       uint32_t len)
{
	uint32_t total;

	if (len < IPV6_HLEN)
		return drop(ctx, DEC_ERR_IPV6_TRUNC);
	if (d[0] >> 4 != 6)
		return drop(ctx, DEC_ERR_IPV6_VERSION);
	total = IPV6_HLEN + decode_be16(d + 4);
	if (total > len)
		return drop(ctx, DEC_ERR_IPV6_LEN);
	COUNTER_INC(ctx->counters[DEC_IPV6]);
	p->l3 = d;
	p->l3_len = total;
	p->ip_version = 6;
	p->ttl = d[7];
	addr_from_v6(&p->src, d + 8);
	addr_from_v6(&p->dst, d + 24);
	return ipv6_chain(ctx, p, d, total, false);
}
