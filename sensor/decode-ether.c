/*
 * decode-ether.c — Ethernet II, 802.1Q / 802.1ad VLAN tags and MPLS label
 * stacks, and the EtherType dispatch that SLL, SLL2 and Cisco HDLC share.
 *
 * Up to PKT_MAX_VLAN tags are recorded (outermost first, VLAN id only);
 * a deeper stack is dropped as DEC_ERR_VLAN_DEPTH, as Suricata does. Tag
 * types 0x8100, 0x88a8 and 0x9100 are accepted at any depth. An MPLS stack
 * (unicast 0x8847, multicast 0x8848) is skipped to its bottom label and the
 * payload decoded when its first nibble says IPv4 or IPv6 (Zeek's rule);
 * anything else there (pseudowires) counts as non-IP.
 *
 * Threading: stateless; runs on the worker that owns the context.
 */
#include "decode.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define MPLS_HLEN 4

static enum decode_status drop(struct decode_ctx *ctx, enum decode_counter why)
{
	COUNTER_INC(ctx->counters[why]);
	return DECODE_DROP;
}

enum decode_status decode_ether(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
				uint32_t len)
{
	if (len < ETH_HLEN)
		return drop(ctx, DEC_ERR_ETH_TRUNC);
	return decode_ethertype(ctx, p, decode_be16(d + 12), d + ETH_HLEN, len - ETH_HLEN);
}

static enum decode_status decode_mpls(struct decode_ctx *ctx, struct packet *p, const uint8_t *d,
				      uint32_t len)
{
	bool bottom;

	COUNTER_INC(ctx->counters[DEC_MPLS]);
	do {
		if (len < MPLS_HLEN)
			return drop(ctx, DEC_ERR_MPLS_TRUNC);
		bottom = d[2] & 1;
		d += MPLS_HLEN;
		len -= MPLS_HLEN;
	} while (!bottom);
	if (len < 1)
		return drop(ctx, DEC_ERR_MPLS_TRUNC);
	switch (d[0] >> 4) {
	case 4:
		return decode_ipv4(ctx, p, d, len);
	case 6:
		return decode_ipv6(ctx, p, d, len);
	default:
		return drop(ctx, DEC_NON_IP);
	}
}

enum decode_status decode_ethertype(struct decode_ctx *ctx, struct packet *p, uint16_t type,
				    const uint8_t *d, uint32_t len)
{
	for (;;) {
		switch (type) {
		case 0x0800:
			return decode_ipv4(ctx, p, d, len);
		case 0x86dd:
			return decode_ipv6(ctx, p, d, len);
		case 0x8100:
		case 0x88a8:
		case 0x9100:
			if (p->vlan_count == PKT_MAX_VLAN)
				return drop(ctx, DEC_ERR_VLAN_DEPTH);
			if (len < VLAN_HLEN)
				return drop(ctx, DEC_ERR_VLAN_TRUNC);
			if (p->vlan_count == 0)
				COUNTER_INC(ctx->counters[DEC_VLAN]);
			p->vlan[p->vlan_count++] = decode_be16(d) & 0x0fff;
			type = decode_be16(d + 2);
			d += VLAN_HLEN;
			len -= VLAN_HLEN;
			break;
		case 0x8847:
		case 0x8848:
			return decode_mpls(ctx, p, d, len);
		default:
			/* ARP, LLDP, STP (an 802.3 length), ...: not ours */
			return drop(ctx, DEC_NON_IP);
		}
	}
}
