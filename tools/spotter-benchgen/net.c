/*
 * net.c — frame building with RFC 1071 checksums (see net.h).
 *
 * The checksum sums native-order 32-bit words into a 64-bit accumulator and
 * folds at the end; the ones' complement sum is byte-order independent, so
 * the folded value is stored back in native order.
 */
#include "net.h"

#include <netinet/in.h>
#include <string.h>

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint64_t csum_add(uint64_t sum, const uint8_t *p, uint32_t n)
{
	uint32_t w;

	while (n >= 16) {
		uint32_t a, b, c, d;

		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		memcpy(&c, p + 8, 4);
		memcpy(&d, p + 12, 4);
		sum += (uint64_t)a + b + c + d;
		p += 16;
		n -= 16;
	}
	while (n >= 4) {
		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		n -= 4;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		sum += w;
	}
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t net_l3_overhead(const struct net_path *p)
{
	return NET_ETH_HLEN + (p->vlan ? NET_VLAN_HLEN : 0) + (p->v6 ? NET_IP6_HLEN : NET_IP4_HLEN);
}

uint8_t *net_begin(struct net_frame *f, uint8_t *out, const struct net_path *p, uint8_t proto)
{
	uint8_t *q = out;

	memcpy(q, p->dmac, 6);
	memcpy(q + 6, p->smac, 6);
	q += 12;
	if (p->vlan) {
		put16(q, 0x8100);
		put16(q + 2, p->vlan & 0x0fff);
		q += 4;
	}
	put16(q, p->v6 ? 0x86dd : 0x0800);
	q += 2;

	f->base = out;
	f->l3 = q;
	f->v6 = p->v6;
	f->proto = proto;
	if (p->v6) {
		put32(q, 0x60000000u);
		q[6] = proto;
		q[7] = p->ttl;
		memcpy(q + 8, p->saddr, 16);
		memcpy(q + 24, p->daddr, 16);
		f->l4 = q + NET_IP6_HLEN;
	} else {
		q[0] = 0x45;
		q[1] = 0;
		put16(q + 4, (*p->ip_id)++);
		put16(q + 6, 0x4000); /* DF */
		q[8] = p->ttl;
		q[9] = proto;
		memcpy(q + 12, p->saddr, 4);
		memcpy(q + 16, p->daddr, 4);
		f->l4 = q + NET_IP4_HLEN;
	}
	return f->l4;
}

uint32_t net_tcp_header(uint8_t *l4, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			uint8_t flags, uint16_t win, const uint8_t *opts, uint32_t optlen)
{
	uint32_t hlen = NET_TCP_HLEN + optlen;

	put16(l4, sport);
	put16(l4 + 2, dport);
	put32(l4 + 4, seq);
	put32(l4 + 8, ack);
	l4[12] = (uint8_t)((hlen / 4) << 4);
	l4[13] = flags;
	put16(l4 + 14, win);
	put16(l4 + 16, 0);
	put16(l4 + 18, 0);
	if (optlen)
		memcpy(l4 + NET_TCP_HLEN, opts, optlen);
	return hlen;
}

void net_udp_header(uint8_t *l4, uint16_t sport, uint16_t dport)
{
	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, 0);
	put16(l4 + 6, 0);
}

static uint64_t pseudo_sum(const struct net_frame *f, uint32_t l4_len)
{
	uint8_t tail[8] = {0};

	if (f->v6) {
		put32(tail, l4_len);
		tail[7] = f->proto;
		return csum_add(csum_add(0, f->l3 + 8, 32), tail, 8);
	}
	tail[1] = f->proto;
	put16(tail + 2, (uint16_t)l4_len);
	return csum_add(csum_add(0, f->l3 + 12, 8), tail, 4);
}

uint32_t net_finish(struct net_frame *f, uint32_t l4_len)
{
	uint32_t csum_off;
	uint64_t sum;
	uint16_t c;

	if (f->v6) {
		put16(f->l3 + 4, (uint16_t)l4_len);
	} else {
		put16(f->l3 + 2, (uint16_t)(NET_IP4_HLEN + l4_len));
		put16(f->l3 + 10, 0);
		c = csum_fold(csum_add(0, f->l3, NET_IP4_HLEN));
		memcpy(f->l3 + 10, &c, 2);
	}

	switch (f->proto) {
	case IPPROTO_TCP:
		csum_off = 16;
		sum = pseudo_sum(f, l4_len);
		break;
	case IPPROTO_UDP:
		put16(f->l4 + 4, (uint16_t)l4_len);
		csum_off = 6;
		sum = pseudo_sum(f, l4_len);
		break;
	case IPPROTO_ICMPV6:
		csum_off = 2;
		sum = pseudo_sum(f, l4_len);
		break;
	default: /* ICMP: no pseudo header */
		csum_off = 2;
		sum = 0;
		break;
	}
	memset(f->l4 + csum_off, 0, 2);
	c = csum_fold(csum_add(sum, f->l4, l4_len));
	if (f->proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	memcpy(f->l4 + csum_off, &c, 2);
	return (uint32_t)(f->l4 - f->base) + l4_len;
}
