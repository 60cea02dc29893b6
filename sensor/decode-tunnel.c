/*
 * decode-tunnel.c — IP in IP: IPv4 (protocol 4) or IPv6 (41) inside IPv4
 * or IPv6, decapsulated one level. The inner header replaces the outer one
 * in the packet (addresses, ports, l3 and below; VLANs stay) and
 * PKT_F_TUNNELED is set. A tunnel inside the tunnel is dropped as
 * DEC_ERR_TUNNEL_DEPTH: it bounds the work per packet, and nested
 * encapsulation is rare outside evasion attempts.
 *
 * Threading: uses only the caller's context (one worker).
 */
#include "decode.h"

enum decode_status decode_tunnel(struct decode_ctx *ctx, struct packet *p, uint8_t proto,
				 const uint8_t *d, uint32_t len)
{
	if (p->flags & PKT_F_TUNNELED) {
		COUNTER_INC(ctx->counters[DEC_ERR_TUNNEL_DEPTH]);
		return DECODE_DROP;
	}
	p->flags |= PKT_F_TUNNELED;
	COUNTER_INC(ctx->counters[DEC_TUNNEL]);
	return proto == 4 ? decode_ipv4(ctx, p, d, len) : decode_ipv6(ctx, p, d, len);
}
