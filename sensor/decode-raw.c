/*
 * decode-raw.c — link types without a MAC header: raw IP (version nibble
 * picks IPv4 or IPv6), BSD loopback (LINKTYPE_NULL with the family word in
 * the capturing host's byte order, LINKTYPE_LOOP in network order; both
 * orders are accepted for both) and PPP (RFC 1661/1662, with or without
 * the HDLC address and control bytes, with or without protocol-field
 * compression), whose LINKTYPE_PPP_HDLC form may also hold Cisco HDLC.
 *
 * Threading: stateless; runs on the worker that owns the context.
 */
#include "decode.h"

#define NULL_HLEN 4

/* Address families BSD loopback headers carry for IPv4 and IPv6. */
#define BSD_AF_INET 2
#define BSD_AF_INET6_LINUX 10
#define BSD_AF_INET6_BSD 24     /* NetBSD, OpenBSD, BSD/OS */
#define BSD_AF_INET6_FREEBSD 28 /* FreeBSD, DragonFly */
#define BSD_AF_INET6_DARWIN 30  /* macOS, iOS */

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

static enum decode_status drop(struct decode_ctx *ctx, enum decode_counter why)
{
	COUNTER_INC(ctx->counters[why]);
	return DECODE_DROP;
}

enum decode_status decode_raw(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
			      uint32_t len)
{
	if (len < 1)
		return drop(ctx, DEC_ERR_RAW_VERSION);
	switch (d[0] >> 4) {
	case 4:
		return decode_ipv4(ctx, p, d, len);
	case 6:
		return decode_ipv6(ctx, p, d, len);
	default:
		return drop(ctx, DEC_ERR_RAW_VERSION);
	}
}

enum decode_status decode_null(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
			       uint32_t len)
{
	uint32_t family;

	if (len < NULL_HLEN)
		return drop(ctx, DEC_ERR_NULL_TRUNC);
	/* Families are small numbers: whichever reading fits in 16 bits is
	 * the byte order the writer used. */
	family = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
	if (family > 0xffff)
		family = decode_be32(d);
	switch (family) {
	case BSD_AF_INET:
		return decode_ipv4(ctx, p, d + NULL_HLEN, len - NULL_HLEN);
	case BSD_AF_INET6_LINUX:
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return decode_ipv6(ctx, p, d + NULL_HLEN, len - NULL_HLEN);
	default:
		return drop(ctx, DEC_NON_IP);
	}
}

int decode_ppp_header(const uint8_t *d, uint32_t len, uint32_t *hlen)
{
	uint32_t off = 0;
	uint16_t proto;

	if (len >= 2 && (d[0] == 0x0f || d[0] == 0x8f) && d[1] == 0x00) {
		/* Cisco HDLC: address (unicast/broadcast), control, EtherType */
		if (len < 4)
			return -1;
		*hlen = 4;
		return decode_be16(d + 2);
	}
	if (len >= 1 && d[0] == 0xff) {
		/* HDLC all-stations address (0xff is no PPP protocol), then
		 * unnumbered information */
		if (len < 2)
			return -1;
		if (d[1] == 0x03)
			off = 2;
	}
	if (len - off < 1)
		return -1;
	if (d[off] & 1) {
		proto = d[off]; /* compressed to one byte (RFC 1661 section 6.5) */
		off += 1;
	} else {
		if (len - off < 2)
			return -1;
		proto = decode_be16(d + off);
		off += 2;
	}
	*hlen = off;
	switch (proto) {
	case PPP_IPV4:
		return 0x0800;
	case PPP_IPV6:
		return 0x86dd;
	default:
		return 0; /* LCP, IPCP, CCP, ...: link control, not traffic */
	}
}

enum decode_status decode_ppp(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
			      uint32_t len)
{
	uint32_t hlen = 0;
	int type = decode_ppp_header(d, len, &hlen);

	if (type < 0)
		return drop(ctx, DEC_ERR_PPP_TRUNC);
	if (type == 0)
		return drop(ctx, DEC_NON_IP);
	return decode_ethertype(ctx, p, (uint16_t)type, d + hlen, len - hlen);
}
