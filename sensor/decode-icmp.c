/*
 * decode-icmp.c — ICMP and ICMPv6: type and code; the payload is what
 * follows the 8-byte header. An error message's quoted datagram is just
 * payload (not decoded, not matched against flows). No ports. The checksum
 * is not verified.
 *
 * Threading: uses only the caller's context (one worker).
 */
#include "decode.h"

#define ICMP_HLEN 8

static enum decode_status icmp_any(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
				   uint32_t len, enum decode_counter trunc)
{
	if (len < ICMP_HLEN) {
		COUNTER_INC(ctx->counters[trunc]);
		return DECODE_DROP;
	}
	p->icmp_type = d[0];
	p->icmp_code = d[1];
	p->l4 = d;
	p->l4_len = len;
	p->payload = d + ICMP_HLEN;
	p->payload_len = len - ICMP_HLEN;
	COUNTER_INC(ctx->counters[DEC_ICMP]);
	return DECODE_OK;
}

enum decode_status decode_icmp(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
			       uint32_t len)
{
	return icmp_any(ctx, p, d, len, DEC_ERR_ICMP_TRUNC);
}

enum decode_status decode_icmpv6(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
				 uint32_t len)
{
	return icmp_any(ctx, p, d, len, DEC_ERR_ICMPV6_TRUNC);
}
