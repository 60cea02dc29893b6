/*
 * decode-udp.c — the UDP header. A length field beyond the IP payload
 * drops the datagram (DEC_ERR_UDP_LEN); a shorter one trims the payload to
 * it (trailing bytes are not UDP data). The checksum is not verified.
 *
 * Threading: uses only the caller's context (one worker).
 */
#include "decode.h"

#define UDP_HLEN 8

enum decode_status decode_udp(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
			      uint32_t len)
{
	uint32_t ulen;

	if (len < UDP_HLEN) {
		COUNTER_INC(ctx->counters[DEC_ERR_UDP_TRUNC]);
		return DECODE_DROP;
	}
	ulen = decode_be16(d + 4);
	if (ulen < UDP_HLEN || ulen > len) {
		COUNTER_INC(ctx->counters[DEC_ERR_UDP_LEN]);
		return DECODE_DROP;
	}
	p->sport = decode_be16(d);
	p->dport = decode_be16(d + 2);
	p->l4 = d;
	p->l4_len = ulen;
	p->payload = d + UDP_HLEN;
	p->payload_len = ulen - UDP_HLEN;
	COUNTER_INC(ctx->counters[DEC_UDP]);
	return DECODE_OK;
}
