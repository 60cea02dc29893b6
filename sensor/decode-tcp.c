/*
 * decode-tcp.c — the TCP header: ports, sequence and acknowledgement
 * numbers, flags, window, data offset and options.
 *
 * Options are walked as kind-length items: a length below 2 or past the
 * header, or a length that does not fit a kind with a fixed layout (MSS,
 * window scale, SACK-permitted, SACK, timestamps, MD5), counts
 * DEC_ERR_TCP_OPTS once and the segment is decoded on, as Suricata does.
 * The checksum is not verified (offload makes it wrong in most captures
 * taken on a sending host).
 *
 * Threading: uses only the caller's context (one worker).
 */
#include "decode.h"

#include <stdbool.h>

#define TCP_HLEN 20

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACKOK 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8
#define TCPOPT_MD5 19

static bool tcp_opt_len_ok(uint8_t kind, uint8_t olen)
{
	switch (kind) {
	case TCPOPT_MSS:
		return olen == 4;
	case TCPOPT_WS:
		return olen == 3;
	case TCPOPT_SACKOK:
		return olen == 2;
	case TCPOPT_SACK:
		return olen >= 10 && (olen - 2) % 8 == 0;
	case TCPOPT_TS:
		return olen == 10;
	case TCPOPT_MD5:
		return olen == 18;
	default:
		return true;
	}
}

static bool tcp_opts_valid(const uint8_t *o, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t kind = o[i], olen;

		if (kind == TCPOPT_EOL)
			return true;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2)
			return false;
		olen = o[i + 1];
		if (olen < 2 || olen > n - i || !tcp_opt_len_ok(kind, olen))
			return false;
		i += olen;
	}
	return true;
}

enum decode_status decode_tcp(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
			      uint32_t len)
{
	uint32_t hlen;

	if (len < TCP_HLEN) {
		COUNTER_INC(ctx->counters[DEC_ERR_TCP_TRUNC]);
		return DECODE_DROP;
	}
	hlen = (uint32_t)(d[12] >> 4) * 4;
	if (hlen < TCP_HLEN || hlen > len) {
		COUNTER_INC(ctx->counters[DEC_ERR_TCP_HLEN]);
		return DECODE_DROP;
	}
	if (hlen > TCP_HLEN && !tcp_opts_valid(d + TCP_HLEN, hlen - TCP_HLEN))
		COUNTER_INC(ctx->counters[DEC_ERR_TCP_OPTS]);
	p->sport = decode_be16(d);
	p->dport = decode_be16(d + 2);
	p->tcp_seq = decode_be32(d + 4);
	p->tcp_ack = decode_be32(d + 8);
	p->tcp_flags = d[13];
	p->tcp_win = decode_be16(d + 14);
	p->l4 = d;
	p->l4_len = len;
	p->payload = d + hlen;
	p->payload_len = len - hlen;
	COUNTER_INC(ctx->counters[DEC_TCP]);
	return DECODE_OK;
}
