/*
 * decode-test.h — helpers shared by the decode and defrag unit tests:
 * header builders, a decode call with the capture fields set, and an exact
 * check of every decode counter.
 */
#ifndef SPOTTER_DECODE_TEST_H
#define SPOTTER_DECODE_TEST_H

#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "unit.h"

#define DT_SRC4 0xc0a8010au /* 192.168.1.10 */
#define DT_DST4 0x0a000001u /* 10.0.0.1 */

static inline void dt_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void dt_put32(uint8_t *b, uint32_t v)
{
	dt_put16(b, (uint16_t)(v >> 16));
	dt_put16(b + 2, (uint16_t)v);
}

/* Ethernet II header with the given EtherType; returns 14. */
static inline size_t dt_eth(uint8_t *b, uint16_t type)
{
	static const uint8_t macs[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
					 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
	memcpy(b, macs, 12);
	dt_put16(b + 12, type);
	return 14;
}

/* 20-byte IPv4 header for plen payload bytes; frag is the flags/offset
 * word (0x2000 = MF, offset in 8-byte units). Returns 20. */
static inline size_t dt_ipv4(uint8_t *b, uint8_t proto, uint32_t src, uint32_t dst, uint32_t plen,
			     uint16_t id, uint16_t frag)
{
	b[0] = 0x45;
	b[1] = 0;
	dt_put16(b + 2, (uint16_t)(20 + plen));
	dt_put16(b + 4, id);
	dt_put16(b + 6, frag);
	b[8] = 64;
	b[9] = proto;
	dt_put16(b + 10, 0);
	dt_put32(b + 12, src);
	dt_put32(b + 16, dst);
	return 20;
}

/* 2001:db8::<last> */
static inline void dt_v6addr(uint8_t *a, uint8_t last)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[15] = last;
}

/* 40-byte IPv6 header 2001:db8::<s> -> 2001:db8::<d>, hop limit 63. */
static inline size_t dt_ipv6(uint8_t *b, uint8_t nh, uint8_t s, uint8_t d, uint32_t plen)
{
	b[0] = 0x60;
	b[1] = 0;
	b[2] = 0;
	b[3] = 0;
	dt_put16(b + 4, (uint16_t)plen);
	b[6] = nh;
	b[7] = 63;
	dt_v6addr(b + 8, s);
	dt_v6addr(b + 24, d);
	return 40;
}

/* 20-byte TCP header (data offset 5). */
static inline size_t dt_tcp(uint8_t *b, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			    uint8_t flags)
{
	dt_put16(b, sport);
	dt_put16(b + 2, dport);
	dt_put32(b + 4, seq);
	dt_put32(b + 8, ack);
	b[12] = 0x50;
	b[13] = flags;
	dt_put16(b + 14, 29200);
	dt_put16(b + 16, 0);
	dt_put16(b + 18, 0);
	return 20;
}

static inline size_t dt_udp(uint8_t *b, uint16_t sport, uint16_t dport, uint32_t plen)
{
	dt_put16(b, sport);
	dt_put16(b + 2, dport);
	dt_put16(b + 4, (uint16_t)(8 + plen));
	dt_put16(b + 6, 0);
	return 8;
}

static inline void dt_init_cfg(struct decode_ctx *ctx, const struct decode_config *cfg)
{
	CU_ASSERT_FATAL(decode_ctx_init(ctx, cfg) == 0);
}

static inline void dt_init(struct decode_ctx *ctx)
{
	dt_init_cfg(ctx, NULL);
}

static inline void dt_reset(struct decode_ctx *ctx)
{
	for (int i = 0; i < DEC_COUNTER_MAX; i++)
		COUNTER_SET(ctx->counters[i], 0);
}

/* Decodes d[0..len) as link type lt at time ts into *p (capture fields set
 * as a capture would, the rest poisoned to show decode resets it). */
static inline enum decode_status dt_decode_ts(struct decode_ctx *ctx, struct packet *p, uint32_t lt,
					      const uint8_t *d, uint32_t len, uint64_t ts)
{
	memset(p, 0xa5, sizeof(*p));
	p->data = d;
	p->caplen = len;
	p->wirelen = len;
	p->ts_ns = ts;
	p->pcap_cnt = 1;
	p->linktype = lt;
	p->hash = 0;
	return decode_packet(ctx, p);
}

static inline enum decode_status dt_decode(struct decode_ctx *ctx, struct packet *p, uint32_t lt,
					   const uint8_t *d, uint32_t len)
{
	return dt_decode_ts(ctx, p, lt, d, len, 1000000000ull);
}

/* Asserts every counter but DEC_PKTS and DEC_BYTES: those listed in
 * expect (counter, value, ..., -1) have their value, all others are 0. */
static inline void dt_counters_at(struct decode_ctx *ctx, const int *expect, const char *file,
				  unsigned line)
{
	for (int c = DEC_PKTS + 2; c < DEC_COUNTER_MAX; c++) {
		uint64_t want = 0, got = COUNTER_GET(ctx->counters[c]);
		char msg[160];

		for (const int *e = expect; *e >= 0; e += 2)
			if (e[0] == c)
				want = (uint64_t)e[1];
		snprintf(msg, sizeof(msg), "counter %s is %llu, expected %llu",
			 decode_counter_names[c], (unsigned long long)got, (unsigned long long)want);
		CU_assertImplementation(got == want, line, msg, file, "", CU_FALSE);
	}
}

#define DT_COUNTERS(ctx, ...) dt_counters_at((ctx), (const int[]){__VA_ARGS__, -1}, __FILE__, __LINE__)
#define DT_NO_COUNTERS(ctx) dt_counters_at((ctx), (const int[]){-1}, __FILE__, __LINE__)

/* The packet's address equals the IPv4 address v (host order). */
static inline int dt_addr_is_v4(const struct addr128 *a, uint32_t v)
{
	struct addr128 want;
	uint8_t b[4];

	dt_put32(b, v);
	addr_from_v4(&want, b);
	return addr_cmp(a, &want) == 0;
}

static inline int dt_addr_is_v6(const struct addr128 *a, uint8_t last)
{
	struct addr128 want;

	dt_v6addr(want.b, last);
	return addr_cmp(a, &want) == 0;
}

#endif
