/*
 * decode-sll.c — Linux "cooked" capture headers: LINKTYPE_LINUX_SLL (16
 * bytes, protocol last) and LINKTYPE_LINUX_SLL2 (20 bytes, protocol first).
 * The protocol field is an EtherType for the link types that carry IP; the
 * others (802.2 LLC, CAN, netlink, ...) fall to DEC_NON_IP in the EtherType
 * dispatch.
 *
 * Threading: stateless; runs on the worker that owns the context.
 */
#include "decode.h"

#define SLL_HLEN 16
#define SLL2_HLEN 20

enum decode_status decode_sll(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
			      uint32_t len)
{
	if (len < SLL_HLEN) {
		COUNTER_INC(ctx->counters[DEC_ERR_SLL_TRUNC]);
		return DECODE_DROP;
	}
	return decode_ethertype(ctx, p, decode_be16(d + 14), d + SLL_HLEN, len - SLL_HLEN);
}

enum decode_status decode_sll2(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
			       uint32_t len)
{
	if (len < SLL2_HLEN) {
		COUNTER_INC(ctx->counters[DEC_ERR_SLL_TRUNC]);
		return DECODE_DROP;
	}
	return decode_ethertype(ctx, p, decode_be16(d), d + SLL2_HLEN, len - SLL2_HLEN);
}
