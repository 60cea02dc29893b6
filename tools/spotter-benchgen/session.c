/*
 * session.c — from application messages to packets (see gen.h).
 *
 * TCP: three-way handshake with MSS, SACK-permitted, timestamps and window
 * scale options; data in segments of at most the flow's MSS, each carrying
 * the timestamp option (1448 payload bytes in a 1500-byte IPv4 packet);
 * a pure ACK from the receiver after every second full segment and
 * sometimes at the end of a message (delayed ACK), otherwise the ACK rides
 * on the peer's next data; closing with FIN, FIN, ACK (a few flows end in
 * RST). UDP and ICMP: one datagram per message.
 */
#include "gen.h"

#include <netinet/in.h>
#include <string.h>

#include "net.h"

#define T_FIN 0x01
#define T_SYN 0x02
#define T_RST 0x04
#define T_PSH 0x08
#define T_ACK 0x10

static void path_of(struct gflow *f, int side, struct net_path *p)
{
	p->smac = f->mac[side];
	p->dmac = f->mac[!side];
	p->vlan = f->vlan;
	p->v6 = f->v6;
	p->saddr = f->addr[side];
	p->daddr = f->addr[!side];
	p->ttl = f->ttl[side];
	p->ip_id = &f->ip_id[side];
}

static void fill_pool(const uint8_t *pool, uint32_t at, uint8_t *dst, uint32_t n)
{
	at %= POOL_SIZE;
	while (n) {
		uint32_t k = POOL_SIZE - at < n ? POOL_SIZE - at : n;

		memcpy(dst, pool + at, k);
		dst += k;
		n -= k;
		at = 0;
	}
}

/* TLS application-data records of random bytes over a body of total len. */
static void fill_tls(struct rng *r, uint32_t total, uint32_t b, uint8_t *dst, uint32_t n)
{
	while (n) {
		uint32_t rec = b / TLS_RECORD, in = b % TLS_RECORD;
		uint32_t rec_len =
		    total - rec * TLS_RECORD < TLS_RECORD ? total - rec * TLS_RECORD : TLS_RECORD;
		uint32_t k;

		if (in < 5) {
			uint8_t h[5] = {0x17, 0x03, 0x03, (uint8_t)((rec_len - 5) >> 8),
					(uint8_t)(rec_len - 5)};

			k = 5 - in < n ? 5 - in : n;
			memcpy(dst, h + in, k);
		} else {
			k = rec_len - in < n ? rec_len - in : n;
			rng_fill(r, dst, k);
		}
		dst += k;
		b += k;
		n -= k;
	}
}

static void fill_body(struct gen *g, const struct gmsg *m, uint8_t *dst, uint32_t b, uint32_t n)
{
	switch (m->body) {
	case BODY_HTML:
	case BODY_JSON:
	case BODY_SCRIPT:
		fill_pool(g->pool[m->body - BODY_HTML], m->body_seed + b, dst, n);
		break;
	case BODY_TLS:
		fill_tls(&g->rng, m->len - m->hdr_len, b, dst, n);
		break;
	default:
		rng_fill(&g->rng, dst, n);
		break;
	}
}

/* Writes message bytes [from, from + n) of f's current message to dst. */
static void fill_msg(struct gen *g, struct gflow *f, uint8_t *dst, uint32_t from, uint32_t n)
{
	const struct gmsg *m = &f->msg;
	uint32_t end = from + n, at = from;
	uint8_t *d = dst;

	if (at < m->hdr_len) {
		uint32_t k = (end < m->hdr_len ? end : m->hdr_len) - at;

		memcpy(d, f->hdr + at, k);
		d += k;
		at += k;
	}
	if (at < end)
		fill_body(g, m, d, at - m->hdr_len, end - at);
	if (m->plant_len) {
		uint32_t ps = m->plant_at > from ? m->plant_at : from;
		uint32_t pe = m->plant_at + m->plant_len < end ? m->plant_at + m->plant_len : end;

		if (ps < pe)
			memcpy(dst + (ps - from), f->plant->text + (ps - m->plant_at), pe - ps);
	}
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* TCP options: timestamps (12 bytes), or for a SYN the full set (20 bytes). */
static uint32_t tcp_options(const struct gen *g, const struct gflow *f, int side, bool syn,
			    uint8_t *o)
{
	uint32_t now_ms = (uint32_t)(g->now_ns / 1000000u);
	uint32_t tsval = f->ts_off[side] + now_ms;
	uint32_t tsecr = (syn && side == 0) ? 0 : f->ts_off[!side] + now_ms;

	if (!syn) {
		o[0] = 1;
		o[1] = 1;
		o[2] = 8;
		o[3] = 10;
		put32(o + 4, tsval);
		put32(o + 8, tsecr);
		return 12;
	}
	o[0] = 2;
	o[1] = 4;
	o[2] = (uint8_t)((f->mss + 12) >> 8);
	o[3] = (uint8_t)(f->mss + 12);
	o[4] = 4;
	o[5] = 2;
	o[6] = 8;
	o[7] = 10;
	put32(o + 8, tsval);
	put32(o + 12, tsecr);
	o[16] = 1;
	o[17] = 3;
	o[18] = 3;
	o[19] = 7;
	return 20;
}

static void tcp_segment(struct gen *g, struct gflow *f, int side, uint8_t flags, uint32_t plen)
{
	struct net_path p;
	struct net_frame fr;
	uint8_t opts[20];
	uint8_t *l4;
	uint32_t optlen, hl;
	bool syn = flags & T_SYN;

	path_of(f, side, &p);
	l4 = net_begin(&fr, pcapw_frame(&g->w), &p, IPPROTO_TCP);
	optlen = tcp_options(g, f, side, syn, opts);
	hl = net_tcp_header(l4, f->port[side], f->port[!side], f->seq[side],
			    (flags & T_ACK) ? f->seq[!side] : 0, flags, syn ? 64240 : f->win[side],
			    opts, optlen);
	if (plen)
		fill_msg(g, f, l4 + hl, f->msg.pos, plen);
	gen_commit(g, f, net_finish(&fr, hl + plen));
	f->seq[side] += plen + ((flags & (T_SYN | T_FIN)) ? 1 : 0);
}

static bool tcp_step(struct gen *g, struct gflow *f);

static bool tcp_data(struct gen *g, struct gflow *f)
{
	struct gmsg *m = &f->msg;
	uint32_t n;
	int side;
	bool last;

	if (f->ack_due) {
		f->ack_due = false;
		tcp_segment(g, f, f->ack_from, T_ACK, 0);
		return true;
	}
	if (!f->have_msg) {
		if (!app_ops[f->app].next(g, f) || f->msg.len == 0) {
			if (rng_chance(&g->rng, 0.03)) { /* some sessions are reset */
				tcp_segment(g, f, rng_below(&g->rng, 2), T_RST | T_ACK, 0);
				f->st = TCP_DONE;
				return false;
			}
			f->closer = rng_chance(&g->rng, 0.6) ? 0 : 1;
			f->st = TCP_FIN1;
			return tcp_step(g, f);
		}
		f->have_msg = true;
	}
	side = m->dir;
	n = m->len - m->pos < f->mss ? m->len - m->pos : f->mss;
	last = m->pos + n == m->len;
	tcp_segment(g, f, side, T_ACK | (last ? T_PSH : 0), n);
	m->pos += n;
	if (++f->unacked[side] >= 2) {
		f->ack_due = true;
		f->ack_from = (uint8_t)!side;
		f->unacked[side] = 0;
	}
	if (last) {
		f->have_msg = false;
		if (f->unacked[side] && rng_chance(&g->rng, 0.4)) {
			f->ack_due = true;
			f->ack_from = (uint8_t)!side;
		}
		f->unacked[side] = 0;
	}
	return true;
}

static bool tcp_step(struct gen *g, struct gflow *f)
{
	switch (f->st) {
	case TCP_SYN:
		tcp_segment(g, f, 0, T_SYN, 0);
		f->st = TCP_SYNACK;
		return true;
	case TCP_SYNACK:
		tcp_segment(g, f, 1, T_SYN | T_ACK, 0);
		f->st = TCP_ACK;
		return true;
	case TCP_ACK:
		tcp_segment(g, f, 0, T_ACK, 0);
		f->st = TCP_DATA;
		return true;
	case TCP_DATA:
		return tcp_data(g, f);
	case TCP_FIN1:
		tcp_segment(g, f, f->closer, T_FIN | T_ACK, 0);
		f->st = TCP_FIN2;
		return true;
	case TCP_FIN2:
		tcp_segment(g, f, !f->closer, T_FIN | T_ACK, 0);
		f->st = TCP_FIN3;
		return true;
	case TCP_FIN3:
		tcp_segment(g, f, f->closer, T_ACK, 0);
		f->st = TCP_DONE;
		return false;
	default:
		return false;
	}
}

/* UDP, ICMP and ICMPv6: the whole message is one datagram (for ICMP the
 * message includes the ICMP header, its checksum left to net_finish()). */
static bool datagram_step(struct gen *g, struct gflow *f)
{
	struct net_path p;
	struct net_frame fr;
	uint8_t *l4;
	uint32_t hl = 0, n;

	if (!app_ops[f->app].next(g, f))
		return false;
	path_of(f, f->msg.dir, &p);
	l4 = net_begin(&fr, pcapw_frame(&g->w), &p, f->proto);
	if (f->proto == IPPROTO_UDP) {
		net_udp_header(l4, f->port[f->msg.dir], f->port[!f->msg.dir]);
		hl = 8;
	}
	n = f->msg.len;
	if (n > NET_MTU - (f->v6 ? NET_IP6_HLEN : NET_IP4_HLEN) - hl) /* never fragment */
		n = NET_MTU - (f->v6 ? NET_IP6_HLEN : NET_IP4_HLEN) - hl;
	fill_msg(g, f, l4 + hl, 0, n);
	gen_commit(g, f, net_finish(&fr, hl + n));
	return true;
}

bool session_step(struct gen *g, struct gflow *f)
{
	if (f->proto == IPPROTO_TCP)
		return tcp_step(g, f);
	return datagram_step(g, f);
}
