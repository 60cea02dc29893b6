/*
 * test_defrag.c — IPv4 and IPv6 reassembly through decode_packet(): in
 * order, reverse, overlaps (first wins), duplicates, timeouts, every limit
 * (size, trackers, memcap, pieces), invalid fragments, IPv6 extension
 * headers before the fragment header, fragments in 802.1Q and in tunnels,
 * and the suricata-verify bug-6887 capture when CORPUS is set.
 */
#include "decode-test.h"

#include <stdlib.h>

#include "defrag.h"

#define SEC 1000000000ull

/* The datagram: UDP 4000 -> 5000 with 40 bytes "ABCD...". */
static uint8_t dgram[64]; /* 48 used; the rest lets tests run past the end */

static void dgram_init(void)
{
	dt_udp(dgram, 4000, 5000, 40);
	for (int i = 0; i < 40; i++)
		dgram[8 + i] = (uint8_t)('A' + i % 26);
}

/* IPv4 fragment: bytes [off, off + len) of data, MF when more. */
static size_t frag4(uint8_t *b, uint16_t id, const uint8_t *data, uint32_t off, uint32_t len,
		    bool more)
{
	size_t n = dt_ipv4(b, 17, DT_SRC4, DT_DST4, len, id,
			   (uint16_t)((more ? 0x2000 : 0) | off / 8));

	memcpy(b + n, data + off, len);
	return n + len;
}

static enum decode_status feed4(struct decode_ctx *ctx, struct packet *p, uint8_t *b, uint16_t id,
				const uint8_t *data, uint32_t off, uint32_t len, bool more,
				uint64_t ts)
{
	size_t n = frag4(b, id, data, off, len, more);

	return dt_decode_ts(ctx, p, LINKTYPE_IPV4, b, (uint32_t)n, ts);
}

static void usage_is(struct decode_ctx *ctx, uint32_t trackers, uint32_t chunks)
{
	uint32_t t, c;

	defrag_usage(ctx->defrag, &t, &c);
	CU_ASSERT_EQUAL(t, trackers);
	CU_ASSERT_EQUAL(c, chunks);
}

/* The rebuilt datagram of dgram: header, UDP fields, payload bytes. */
static void check_whole(const struct packet *p, const uint8_t *frame, const uint8_t *want)
{
	CU_ASSERT_EQUAL(p->flags, PKT_F_REASSEMBLED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->l3);
	CU_ASSERT(p->l3 < frame || p->l3 >= frame + 128); /* the defragmenter's buffer */
	CU_ASSERT_EQUAL(p->l3_len, 68);
	CU_ASSERT_EQUAL(decode_be16(p->l3 + 2), 68);
	CU_ASSERT_EQUAL(decode_be16(p->l3 + 6) & 0x3fff, 0);
	CU_ASSERT(dt_addr_is_v4(&p->src, DT_SRC4));
	CU_ASSERT(dt_addr_is_v4(&p->dst, DT_DST4));
	CU_ASSERT_EQUAL(p->proto, 17);
	CU_ASSERT_EQUAL(p->sport, 4000);
	CU_ASSERT_EQUAL(p->dport, 5000);
	CU_ASSERT_PTR_EQUAL(p->payload, p->l3 + 28);
	CU_ASSERT_EQUAL(p->payload_len, 40);
	CU_ASSERT_EQUAL(memcmp(p->l3 + 20, want, 48), 0);
}

static void test_in_order(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];

	dt_init(&ctx);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 7, dgram, 0, 16, true, SEC), DECODE_HELD);
	/* a held fragment is described, not decoded */
	CU_ASSERT_PTR_EQUAL(p.l3, b);
	CU_ASSERT_EQUAL(p.l3_len, 36);
	CU_ASSERT_EQUAL(p.proto, 17);
	CU_ASSERT(dt_addr_is_v4(&p.src, DT_SRC4));
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_PTR_NULL(p.l4);
	usage_is(&ctx, 1, 2);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 7, dgram, 16, 16, true, SEC), DECODE_HELD);
	usage_is(&ctx, 1, 3);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 7, dgram, 32, 16, false, SEC), DECODE_OK);
	check_whole(&p, b, dgram);
	CU_ASSERT_PTR_EQUAL(p.data, b); /* the frame is still the last fragment's */
	usage_is(&ctx, 0, 0);
	DT_COUNTERS(&ctx, DEC_IPV4, 3, DEC_FRAG_SEEN, 3, DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);
	decode_ctx_fini(&ctx);
}

static void test_reverse_and_df(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];

	dt_init(&ctx);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 7, dgram, 32, 16, false, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 7, dgram, 16, 16, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 7, dgram, 0, 16, true, SEC), DECODE_OK);
	check_whole(&p, b, dgram);
	DT_COUNTERS(&ctx, DEC_IPV4, 3, DEC_FRAG_SEEN, 3, DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);

	/* middle first; DF (and the reserved bit) survive, MF and offset don't */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 8, dgram, 16, 16, true, SEC), DECODE_HELD);
	frag4(b, 8, dgram, 0, 16, true);
	b[6] |= 0xc0;
	CU_ASSERT_EQUAL(dt_decode_ts(&ctx, &p, LINKTYPE_IPV4, b, 36, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 8, dgram, 32, 16, false, SEC), DECODE_OK);
	check_whole(&p, b, dgram);
	CU_ASSERT_EQUAL(decode_be16(p.l3 + 6), 0xc000);
	DT_COUNTERS(&ctx, DEC_IPV4, 3, DEC_FRAG_SEEN, 3, DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);
	decode_ctx_fini(&ctx);
}

static void test_overlap_first_wins(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128], xs[48], want[48];

	memset(xs, 'X', sizeof(xs));
	dt_init(&ctx);
	/* [0,16) then [8,24) of X: X only fills [16,24) */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 0, 16, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, xs, 8, 16, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_OVERLAP]), 1);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 24, 24, false, SEC), DECODE_OK);
	memcpy(want, dgram, 48);
	memset(want + 16, 'X', 8);
	CU_ASSERT_EQUAL(p.flags, PKT_F_REASSEMBLED);
	CU_ASSERT_EQUAL(p.payload_len, 40);
	CU_ASSERT_EQUAL(memcmp(p.l3 + 20, want, 48), 0);
	DT_COUNTERS(&ctx, DEC_IPV4, 3, DEC_FRAG_SEEN, 3, DEC_FRAG_OVERLAP, 1,
		    DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);

	/* a later fragment starting before an earlier one (where "bsd" would
	 * take the new bytes): still only the hole [8,16) is taken */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 16, 16, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, xs, 8, 24, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 0, 8, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 32, 16, false, SEC), DECODE_OK);
	memcpy(want, dgram, 48);
	memset(want + 8, 'X', 8);
	CU_ASSERT_EQUAL(memcmp(p.l3 + 20, want, 48), 0);
	DT_COUNTERS(&ctx, DEC_IPV4, 4, DEC_FRAG_SEEN, 4, DEC_FRAG_OVERLAP, 1,
		    DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);

	/* one fragment covering two held ones and the holes around them */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, dgram, 8, 8, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, dgram, 24, 8, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, xs, 0, 40, true, SEC), DECODE_HELD);
	/* (its UDP header is now X's, whose length is wrong: dropped there) */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, dgram, 40, 8, false, SEC), DECODE_DROP);
	memcpy(want, dgram, 48);
	memset(want, 'X', 8);
	memset(want + 16, 'X', 8);
	memset(want + 32, 'X', 8);
	CU_ASSERT_EQUAL(p.flags, PKT_F_REASSEMBLED);
	CU_ASSERT_EQUAL(p.l3_len, 68);
	CU_ASSERT_EQUAL(memcmp(p.l3 + 20, want, 48), 0);
	DT_COUNTERS(&ctx, DEC_IPV4, 4, DEC_FRAG_SEEN, 4, DEC_FRAG_OVERLAP, 1,
		    DEC_FRAG_REASSEMBLED, 1, DEC_ERR_UDP_LEN, 1);

	/* overlapping bytes that agree (a path that re-fragmented) */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 4, dgram, 0, 16, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 4, dgram, 8, 32, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 4, dgram, 24, 24, false, SEC), DECODE_OK);
	check_whole(&p, b, dgram);
	DT_COUNTERS(&ctx, DEC_IPV4, 3, DEC_FRAG_SEEN, 3, DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);
	usage_is(&ctx, 0, 0);
	decode_ctx_fini(&ctx);
}

static void test_duplicate(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];

	dt_init(&ctx);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 5, dgram, 0, 16, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 5, dgram, 0, 16, true, SEC), DECODE_HELD);
	usage_is(&ctx, 1, 2);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 5, dgram, 32, 16, false, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 5, dgram, 32, 16, false, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 5, dgram, 16, 16, true, SEC), DECODE_OK);
	check_whole(&p, b, dgram);
	/* a copy arriving after completion starts a datagram of its own */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 5, dgram, 16, 16, true, SEC), DECODE_HELD);
	usage_is(&ctx, 1, 1);
	DT_COUNTERS(&ctx, DEC_IPV4, 6, DEC_FRAG_SEEN, 6, DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);
	decode_ctx_fini(&ctx);
}

static void test_timeout(void)
{
	struct decode_config c;
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	size_t n;

	decode_config_defaults(&c);
	c.defrag_timeout_ns = 2 * SEC;
	dt_init_cfg(&ctx, &c);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 0, 16, true, 10 * SEC), DECODE_HELD);
	/* any packet advancing time reclaims it: one ns early is not enough */
	n = frag4(b, 99, dgram, 0, 48, false); /* not a fragment */
	CU_ASSERT_EQUAL(dt_decode_ts(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n, 12 * SEC - 1),
			DECODE_OK);
	usage_is(&ctx, 1, 2);
	CU_ASSERT_EQUAL(dt_decode_ts(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n, 12 * SEC), DECODE_OK);
	usage_is(&ctx, 0, 0);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_TIMEOUT]), 1);
	/* the rest of the datagram no longer completes it */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 16, 16, true, 12 * SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 32, 16, false, 12 * SEC), DECODE_HELD);
	DT_COUNTERS(&ctx, DEC_IPV4, 5, DEC_FRAG_SEEN, 3, DEC_FRAG_TIMEOUT, 1, DEC_UDP, 2);
	decode_ctx_fini(&ctx);
}

/* Expiry is bounded per packet; a fragment finding its tracker expired
 * reclaims it itself. */
static void test_timeout_bounded(void)
{
	const uint32_t N = 40, B = DEFRAG_EXPIRE_BATCH;
	struct decode_config c;
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	size_t n;

	CU_ASSERT_FATAL(N > 2 * B);
	decode_config_defaults(&c);
	c.defrag_timeout_ns = SEC;
	dt_init_cfg(&ctx, &c);
	for (uint16_t id = 1; id <= N; id++)
		CU_ASSERT_EQUAL(feed4(&ctx, &p, b, id, dgram, 16, 16, true, SEC), DECODE_HELD);
	usage_is(&ctx, N, N);
	/* one packet at the deadline reclaims the oldest B */
	n = frag4(b, 999, dgram, 0, 48, false);
	CU_ASSERT_EQUAL(dt_decode_ts(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n, 2 * SEC), DECODE_OK);
	usage_is(&ctx, N - B, N - B);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_TIMEOUT]), B);
	/* the next: B more, then the newest (id N) is found expired by its
	 * own next fragment, which starts a new datagram */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, (uint16_t)N, dgram, 0, 16, true, 2 * SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_TIMEOUT]), 2 * B + 1);
	usage_is(&ctx, N - 2 * B, N - 2 * B + 1);
	/* the next packet takes the rest, but not the new datagram */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, (uint16_t)N, dgram, 32, 16, false, 2 * SEC),
			DECODE_HELD);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_TIMEOUT]), N);
	usage_is(&ctx, 1, 3);
	decode_ctx_fini(&ctx);
}

/* Straight through the defrag API: a full table reclaims its oldest
 * tracker when that one has expired, even without defrag_expire(). */
static void test_full_table_reclaims_expired(void)
{
	struct decode_config c;
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	const uint8_t *out = NULL;
	uint32_t out_len = 0;

	decode_config_defaults(&c);
	c.defrag_max_trackers = 2;
	c.defrag_timeout_ns = SEC;
	dt_init_cfg(&ctx, &c);
	memset(&p, 0, sizeof(p));
	p.ts_ns = 0;
	frag4(b, 1, dgram, 0, 16, true);
	CU_ASSERT_EQUAL(defrag_ipv4(ctx.defrag, &p, b, 20, 36, &out, &out_len), DECODE_HELD);
	p.ts_ns = SEC / 2;
	frag4(b, 2, dgram, 0, 16, true);
	CU_ASSERT_EQUAL(defrag_ipv4(ctx.defrag, &p, b, 20, 36, &out, &out_len), DECODE_HELD);
	frag4(b, 3, dgram, 0, 16, true);
	CU_ASSERT_EQUAL(defrag_ipv4(ctx.defrag, &p, b, 20, 36, &out, &out_len), DECODE_DROP);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_TABLE_FULL]), 1);
	p.ts_ns = SEC; /* id 1 has expired, id 2 has not */
	CU_ASSERT_EQUAL(defrag_ipv4(ctx.defrag, &p, b, 20, 36, &out, &out_len), DECODE_HELD);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_TIMEOUT]), 1);
	frag4(b, 4, dgram, 0, 16, true);
	CU_ASSERT_EQUAL(defrag_ipv4(ctx.defrag, &p, b, 20, 36, &out, &out_len), DECODE_DROP);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_TABLE_FULL]), 2);
	usage_is(&ctx, 2, 4);
	/* id 3 completes in place: out points at the rebuilt datagram */
	frag4(b, 3, dgram, 16, 32, false);
	CU_ASSERT_EQUAL(defrag_ipv4(ctx.defrag, &p, b, 20, 52, &out, &out_len), DECODE_OK);
	CU_ASSERT_EQUAL(out_len, 68);
	CU_ASSERT_EQUAL(memcmp(out + 20, dgram, 48), 0);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_SEEN]), 6);
	usage_is(&ctx, 1, 2);
	decode_ctx_fini(&ctx);
}

static void test_table_full(void)
{
	struct decode_config c;
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];

	decode_config_defaults(&c);
	c.defrag_max_trackers = 2;
	dt_init_cfg(&ctx, &c);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 0, 16, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 0, 16, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, dgram, 0, 16, true, SEC), DECODE_DROP);
	usage_is(&ctx, 2, 4);
	/* live datagrams are not pushed out: both still complete */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 16, 32, false, SEC), DECODE_OK);
	check_whole(&p, b, dgram);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, dgram, 0, 16, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 16, 32, false, SEC), DECODE_OK);
	check_whole(&p, b, dgram);
	DT_COUNTERS(&ctx, DEC_IPV4, 6, DEC_FRAG_SEEN, 6, DEC_FRAG_TABLE_FULL, 1,
		    DEC_FRAG_REASSEMBLED, 2, DEC_UDP, 2);

	/* no trackers at all: every fragment is refused */
	decode_ctx_fini(&ctx);
	c.defrag_max_trackers = 0;
	dt_init_cfg(&ctx, &c);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 0, 16, true, SEC), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_FRAG_SEEN, 1, DEC_FRAG_TABLE_FULL, 1);
	decode_ctx_fini(&ctx);
}

static void test_memcap(void)
{
	struct decode_config c;
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];
	size_t n;

	decode_config_defaults(&c);
	c.defrag_memcap = 3 * DEFRAG_CHUNK_SIZE + DEFRAG_CHUNK_SIZE - 1; /* 3 chunks */
	c.defrag_timeout_ns = SEC;
	dt_init_cfg(&ctx, &c);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 0, 16, true, SEC), DECODE_HELD); /* 2 */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 16, 16, true, SEC), DECODE_HELD); /* 3 */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 32, 16, false, SEC), DECODE_DROP);
	usage_is(&ctx, 1, 3);
	/* a new datagram that cannot hold its first bytes leaves no tracker */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 16, 16, true, SEC), DECODE_DROP);
	usage_is(&ctx, 1, 3);
	/* a duplicate needs no chunk, so it is no memcap event */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 0, 16, true, SEC), DECODE_HELD);
	DT_COUNTERS(&ctx, DEC_IPV4, 5, DEC_FRAG_SEEN, 5, DEC_FRAG_MEMCAP, 2);
	/* once the tracker expires its chunks come back */
	n = frag4(b, 99, dgram, 0, 48, false);
	CU_ASSERT_EQUAL(dt_decode_ts(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n, 2 * SEC), DECODE_OK);
	usage_is(&ctx, 0, 0);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 32, 16, false, 2 * SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 0, 32, true, 2 * SEC), DECODE_OK);
	check_whole(&p, b, dgram);
	decode_ctx_fini(&ctx);

	/* a memcap below one chunk holds nothing */
	c.defrag_memcap = DEFRAG_CHUNK_SIZE - 1;
	dt_init_cfg(&ctx, &c);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 0, 16, true, SEC), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV4, 1, DEC_FRAG_SEEN, 1, DEC_FRAG_MEMCAP, 1);
	usage_is(&ctx, 0, 0);
	decode_ctx_fini(&ctx);
}

static void test_too_many_pieces(void)
{
	struct decode_ctx ctx;
	struct packet p;
	static uint8_t data[8192];
	uint8_t b[128];

	dt_init(&ctx);
	/* 8-byte fragments with 8-byte holes: one chunk each, plus the header */
	for (uint32_t k = 0; k < DEFRAG_MAX_PIECES - 1; k++)
		CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, data, 16 * k, 8, true, SEC), DECODE_HELD);
	usage_is(&ctx, 1, DEFRAG_MAX_PIECES);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, data, 16 * (DEFRAG_MAX_PIECES - 1), 8, true, SEC),
			DECODE_DROP);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, data, 8, 8, true, SEC), DECODE_DROP);
	/* nothing new: still fine */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, data, 16, 8, true, SEC), DECODE_HELD);
	DT_COUNTERS(&ctx, DEC_IPV4, DEFRAG_MAX_PIECES + 2, DEC_FRAG_SEEN, DEFRAG_MAX_PIECES + 2,
		    DEC_FRAG_TOO_MANY, 2);
	decode_ctx_fini(&ctx);
}

static void test_too_large(void)
{
	struct decode_ctx ctx;
	struct packet p;
	static uint8_t big[65536 + 64], b[65536 + 64];
	size_t n;

	dt_init(&ctx);
	/* 20 + 65528 + 16 > 65535 */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, big, 65528, 16, true, SEC), DECODE_DROP);
	/* exactly 65535: accepted */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, big, 65512, 3, false, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, big, 65512, 4, false, SEC), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV4, 3, DEC_FRAG_SEEN, 3, DEC_FRAG_TOO_LARGE, 2);

	/* each fragment fits with its own header, the whole does not with
	 * the first fragment's 60-byte one: refused at rebuild, tracker gone */
	dt_reset(&ctx);
	n = frag4(b, 2, big, 0, 32768, true);
	b[0] = 0x4f;
	memmove(b + 60, b + 20, 32768);
	memset(b + 20, 1, 40); /* NOPs */
	dt_put16(b + 2, 60 + 32768);
	CU_ASSERT_EQUAL(dt_decode_ts(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n + 40, SEC),
			DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, big, 32768, 65512 - 32768, false, SEC), DECODE_DROP);
	usage_is(&ctx, 1, 1); /* only id 1's tracker is left */
	DT_COUNTERS(&ctx, DEC_IPV4, 2, DEC_FRAG_SEEN, 2, DEC_FRAG_TOO_LARGE, 1);

	/* the largest datagram there is */
	dt_reset(&ctx);
	for (uint32_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	dt_udp(big, 1, 2, 65515 - 8);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, big, 32768, 65515 - 32768, false, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, big, 0, 32768, true, SEC), DECODE_OK);
	CU_ASSERT_EQUAL(p.l3_len, 65535);
	CU_ASSERT_EQUAL(p.payload_len, 65515 - 8);
	CU_ASSERT_EQUAL(memcmp(p.l3 + 20, big, 65515), 0);
	DT_COUNTERS(&ctx, DEC_IPV4, 2, DEC_FRAG_SEEN, 2, DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);
	decode_ctx_fini(&ctx);
}

static void test_invalid(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[128];

	dt_init(&ctx);
	/* a middle fragment whose length is not a multiple of 8 */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 0, 12, true, SEC), DECODE_DROP);
	/* no data */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 8, 0, true, SEC), DECODE_DROP);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 8, 0, false, SEC), DECODE_DROP);
	usage_is(&ctx, 0, 0);
	DT_COUNTERS(&ctx, DEC_IPV4, 3, DEC_FRAG_SEEN, 3, DEC_FRAG_INVALID, 3);

	dt_reset(&ctx);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 32, 16, false, SEC), DECODE_HELD);
	/* a second end elsewhere, before or after */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 32, 8, false, SEC), DECODE_DROP);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 40, 16, false, SEC), DECODE_DROP);
	/* data past the end */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 40, 16, true, SEC), DECODE_DROP);
	/* the same end again is a duplicate, fine */
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 40, 8, false, SEC), DECODE_HELD);
	usage_is(&ctx, 1, 1);
	DT_COUNTERS(&ctx, DEC_IPV4, 5, DEC_FRAG_SEEN, 5, DEC_FRAG_INVALID, 3);

	/* an end before bytes already held */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, dgram, 24, 16, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, dgram, 8, 24, false, SEC), DECODE_DROP);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, dgram, 0, 24, true, SEC), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 3, dgram, 40, 8, false, SEC), DECODE_OK);
	check_whole(&p, b, dgram);
	DT_COUNTERS(&ctx, DEC_IPV4, 4, DEC_FRAG_SEEN, 4, DEC_FRAG_INVALID, 1,
		    DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);
	decode_ctx_fini(&ctx);
}

/* The key: id, protocol, addresses and VLANs separate datagrams. */
static void test_key(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[160];
	size_t n;

	dt_init(&ctx);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 0, 16, true, SEC), DECODE_HELD);
	n = frag4(b, 1, dgram, 16, 32, false);
	b[9] = 6; /* another protocol */
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_HELD);
	n = frag4(b, 1, dgram, 16, 32, false);
	b[19] ^= 1; /* another destination */
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)n), DECODE_HELD);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 2, dgram, 16, 32, false, SEC), DECODE_HELD);
	/* the same datagram seen on VLAN 7 */
	n = dt_eth(b, 0x8100);
	dt_put16(b + n, 7);
	dt_put16(b + n + 2, 0x0800);
	n += 4;
	n += frag4(b + n, 1, dgram, 16, 32, false);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n), DECODE_HELD);
	usage_is(&ctx, 5, 6);
	CU_ASSERT_EQUAL(feed4(&ctx, &p, b, 1, dgram, 16, 32, false, SEC), DECODE_OK);
	check_whole(&p, b, dgram);
	decode_ctx_fini(&ctx);
}

/* bug-6887's shape: a TCP SYN in three fragments on VLAN 6. */
static void test_vlan_fragments(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t tcp[20], b[128];
	const uint32_t offs[] = {0, 8, 16}, lens[] = {8, 8, 4};

	dt_tcp(tcp, 12345, 8080, 1, 0, TCP_SYN);
	dt_init(&ctx);
	for (int i = 0; i < 3; i++) {
		size_t n = dt_eth(b, 0x8100);

		dt_put16(b + n, 6);
		dt_put16(b + n + 2, 0x0800);
		n += 4;
		n += dt_ipv4(b + n, 6, 0x01010101, 0x02020202, lens[i], 1,
			     (uint16_t)((i < 2 ? 0x2000 : 0) | offs[i] / 8));
		memcpy(b + n, tcp + offs[i], lens[i]);
		n += lens[i];
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_ETHERNET, b, (uint32_t)n),
				i < 2 ? DECODE_HELD : DECODE_OK);
	}
	CU_ASSERT_EQUAL(p.flags, PKT_F_REASSEMBLED);
	CU_ASSERT_EQUAL(p.vlan_count, 1);
	CU_ASSERT_EQUAL(p.vlan[0], 6);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_SYN);
	CU_ASSERT_EQUAL(p.sport, 12345);
	CU_ASSERT_EQUAL(p.dport, 8080);
	CU_ASSERT_EQUAL(p.l3_len, 40);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	DT_COUNTERS(&ctx, DEC_VLAN, 3, DEC_IPV4, 3, DEC_FRAG_SEEN, 3, DEC_FRAG_REASSEMBLED, 1,
		    DEC_TCP, 1);
	decode_ctx_fini(&ctx);
}

/*
 * IPv6 fragment of dgram6 with hop-by-hop and routing headers before the
 * fragment header (unfragmentable) and destination options after it
 * (fragmentable). ext false: the fragment header follows the IPv6 header.
 */
static uint8_t dgram6[8 + 48]; /* destination options + the UDP datagram */

static size_t frag6(uint8_t *b, bool ext, uint32_t id, uint32_t off, uint32_t len, bool more)
{
	size_t n = 40;

	if (ext) {
		n += unit_hex("2b00 0104 00000000", b + n, 8); /* HBH -> routing */
		n += unit_hex("2c00 0000 00000000", b + n, 8); /* routing -> fragment */
	}
	b[n] = ext ? 60 : 17;
	b[n + 1] = 0;
	dt_put16(b + n + 2, (uint16_t)(off | (more ? 1 : 0)));
	dt_put32(b + n + 4, id);
	n += 8;
	memcpy(b + n, (ext ? dgram6 : dgram6 + 8) + off, len);
	n += len;
	dt_ipv6(b, ext ? 0 : 44, 1, 2, (uint32_t)(n - 40));
	return n;
}

static enum decode_status feed6(struct decode_ctx *ctx, struct packet *p, uint8_t *b, bool ext,
				uint32_t id, uint32_t off, uint32_t len, bool more)
{
	size_t n = frag6(b, ext, id, off, len, more);

	return dt_decode(ctx, p, LINKTYPE_IPV6, b, (uint32_t)n);
}

static void test_ipv6(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[256];

	unit_hex("1100 0104 00000000", dgram6, 8); /* dest opts -> UDP */
	memcpy(dgram6 + 8, dgram, 48);
	dt_init(&ctx);

	/* extension headers on both sides of the fragment header, in order */
	CU_ASSERT_EQUAL(feed6(&ctx, &p, b, true, 0x11223344, 0, 24, true), DECODE_HELD);
	CU_ASSERT_EQUAL(p.proto, 60);
	CU_ASSERT(dt_addr_is_v6(&p.src, 1));
	CU_ASSERT_EQUAL(feed6(&ctx, &p, b, true, 0x11223344, 24, 32, false), DECODE_OK);
	CU_ASSERT_EQUAL(p.flags, PKT_F_REASSEMBLED | PKT_F_IPV6_EXTHDR);
	CU_ASSERT_EQUAL(p.l3_len, 40 + 16 + 56);
	CU_ASSERT_EQUAL(decode_be16(p.l3 + 4), 16 + 56);
	CU_ASSERT_EQUAL(p.l3[6], 0);
	CU_ASSERT_EQUAL(p.l3[48], 60); /* routing now announces the destination options */
	CU_ASSERT_EQUAL(memcmp(p.l3 + 56, dgram6, 56), 0);
	CU_ASSERT_EQUAL(p.proto, 17);
	CU_ASSERT_EQUAL(p.sport, 4000);
	CU_ASSERT_EQUAL(p.dport, 5000);
	CU_ASSERT_PTR_EQUAL(p.payload, p.l3 + 40 + 16 + 16);
	CU_ASSERT_EQUAL(p.payload_len, 40);
	DT_COUNTERS(&ctx, DEC_IPV6, 2, DEC_FRAG_SEEN, 2, DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);

	/* reverse, with the fragment header right after the IPv6 header */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(feed6(&ctx, &p, b, false, 9, 32, 16, false), DECODE_HELD);
	CU_ASSERT_EQUAL(feed6(&ctx, &p, b, false, 9, 16, 16, true), DECODE_HELD);
	CU_ASSERT_EQUAL(feed6(&ctx, &p, b, false, 9, 0, 16, true), DECODE_OK);
	CU_ASSERT_EQUAL(p.flags, PKT_F_REASSEMBLED | PKT_F_IPV6_EXTHDR);
	CU_ASSERT_EQUAL(p.l3_len, 40 + 48);
	CU_ASSERT_EQUAL(p.l3[6], 17);
	CU_ASSERT_EQUAL(memcmp(p.l3 + 40, dgram, 48), 0);
	CU_ASSERT_EQUAL(p.payload_len, 40);
	DT_COUNTERS(&ctx, DEC_IPV6, 3, DEC_FRAG_SEEN, 3, DEC_FRAG_REASSEMBLED, 1, DEC_UDP, 1);

	/* the identification is 32 bits and part of the key */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(feed6(&ctx, &p, b, false, 0x10000 | 9, 0, 16, true), DECODE_HELD);
	CU_ASSERT_EQUAL(feed6(&ctx, &p, b, false, 9, 16, 32, false), DECODE_HELD);
	usage_is(&ctx, 2, 3);

	/* invalid and too large */
	dt_reset(&ctx);
	CU_ASSERT_EQUAL(feed6(&ctx, &p, b, false, 10, 0, 12, true), DECODE_DROP);
	CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_INVALID]), 1);
	{
		static uint8_t big[65536 + 64];
		size_t n = dt_ipv6(big, 44, 1, 2, 8 + 16);

		big[n] = 17;
		dt_put16(big + n + 2, 65520 | 1); /* 65520 + 16 > 65535 */
		n += 8 + 16;
		CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, big, (uint32_t)n), DECODE_DROP);
		CU_ASSERT_EQUAL(COUNTER_GET(ctx.counters[DEC_FRAG_TOO_LARGE]), 1);
	}
	decode_ctx_fini(&ctx);
}

/* A rebuilt datagram with a second, real fragment header is malformed. */
static void test_ipv6_nested_fragment(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t b[256];
	/* fragmentable part: a fragment header (offset 8, M) + 16 bytes */
	static const char inner[] = "1100 0009 00000001 0000000000000000 0000000000000000";
	uint8_t part[24];
	size_t n;

	dt_init(&ctx);
	CU_ASSERT_EQUAL(unit_hex(inner, part, sizeof(part)), 24);
	n = dt_ipv6(b, 44, 1, 2, 8 + 16);
	unit_hex("2c00 0001 00000005", b + 40, 8); /* fragment -> fragment, offset 0, M */
	memcpy(b + 48, part, 16);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, (uint32_t)(n + 8 + 16)),
			DECODE_HELD);
	dt_put16(b + 4, 8 + 8);
	unit_hex("2c00 0010 00000005", b + 40, 8); /* offset 16, last */
	memcpy(b + 48, part + 16, 8);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV6, b, 40 + 16), DECODE_DROP);
	DT_COUNTERS(&ctx, DEC_IPV6, 2, DEC_FRAG_SEEN, 2, DEC_FRAG_REASSEMBLED, 1,
		    DEC_ERR_IPV6_EXTHDR, 1);
	decode_ctx_fini(&ctx);
}

/*
 * Fragments on both sides of a tunnel: an inner fragmented datagram whose
 * second fragment rides in an outer datagram that is itself fragmented.
 * The inner rebuild reuses the buffer holding the outer one.
 */
static void test_tunnel_fragments(void)
{
	struct decode_ctx ctx;
	struct packet p;
	uint8_t inner1[64], inner2[64], outer[128], b[128];
	size_t n1 = frag4(inner1, 77, dgram, 0, 24, true);
	size_t n2 = frag4(inner2, 77, dgram, 24, 24, false), no;

	dt_init(&ctx);
	/* outer 1.1.1.1 -> 2.2.2.2 proto 4, unfragmented, carrying inner 1 */
	no = dt_ipv4(b, 4, 0x01010101, 0x02020202, (uint32_t)n1, 1, 0);
	memcpy(b + no, inner1, n1);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)(no + n1)), DECODE_HELD);
	CU_ASSERT_EQUAL(p.flags, PKT_F_TUNNELED);
	/* outer datagram carrying inner 2, in two fragments */
	memcpy(outer, inner2, n2); /* 44 bytes: [0,24) and [24,44) */
	CU_ASSERT_EQUAL(n2, 44);
	no = dt_ipv4(b, 4, 0x01010101, 0x02020202, 24, 2, 0x2000);
	memcpy(b + no, outer, 24);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)(no + 24)), DECODE_HELD);
	no = dt_ipv4(b, 4, 0x01010101, 0x02020202, 20, 2, 3);
	memcpy(b + no, outer + 24, 20);
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, b, (uint32_t)(no + 20)), DECODE_OK);
	CU_ASSERT_EQUAL(p.flags, PKT_F_REASSEMBLED | PKT_F_TUNNELED);
	CU_ASSERT(dt_addr_is_v4(&p.src, DT_SRC4));
	CU_ASSERT_EQUAL(p.sport, 4000);
	CU_ASSERT_EQUAL(p.l3_len, 68);
	CU_ASSERT_EQUAL(memcmp(p.l3 + 20, dgram, 48), 0);
	DT_COUNTERS(&ctx, DEC_IPV4, 5, DEC_TUNNEL, 2, DEC_FRAG_SEEN, 4, DEC_FRAG_REASSEMBLED, 2,
		    DEC_UDP, 1);
	/* an inner fragment is keyed apart from the same bytes outside */
	CU_ASSERT_EQUAL(dt_decode(&ctx, &p, LINKTYPE_IPV4, inner2, (uint32_t)n2), DECODE_HELD);
	usage_is(&ctx, 1, 1);
	decode_ctx_fini(&ctx);
}

/* ---- the suricata-verify capture, read without libpcap ---- */

static uint32_t rd32(const uint8_t *b, bool swap)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static void test_corpus_bug6887(void)
{
	const char *corpus = getenv("CORPUS");
	char path[1024];
	uint8_t file[4096];
	struct decode_ctx ctx;
	struct packet p;
	enum decode_status st = DECODE_DROP;
	size_t len, off = 24;
	bool swap;
	int pkts = 0;
	FILE *f;

	if (!corpus || !*corpus) {
		fprintf(stderr, "  (CORPUS not set: bug-6887 capture skipped)\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/suricata-verify/bug-6887-defrag-eth-vlan-ipv4-tcp-syn/"
				     "frag-eth-vlan-ip-tcp-syn.pcap", corpus);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "  (%s missing: skipped)\n", path);
		return;
	}
	len = fread(file, 1, sizeof(file), f);
	fclose(f);
	CU_ASSERT_FATAL(len >= 24);
	swap = rd32(file, false) == 0xd4c3b2a1;
	CU_ASSERT_FATAL(rd32(file, swap) == 0xa1b2c3d4);
	CU_ASSERT_EQUAL(rd32(file + 20, swap), LINKTYPE_ETHERNET);
	dt_init(&ctx);
	while (off + 16 <= len) {
		uint32_t caplen = rd32(file + off + 8, swap);

		CU_ASSERT_FATAL(off + 16 + caplen <= len);
		st = dt_decode(&ctx, &p, LINKTYPE_ETHERNET, file + off + 16, caplen);
		CU_ASSERT_EQUAL(st, ++pkts < 3 ? DECODE_HELD : DECODE_OK);
		off += 16 + caplen;
	}
	CU_ASSERT_EQUAL(pkts, 3);
	CU_ASSERT_EQUAL(st, DECODE_OK);
	CU_ASSERT_EQUAL(p.flags, PKT_F_REASSEMBLED);
	CU_ASSERT_EQUAL(p.vlan_count, 1);
	CU_ASSERT_EQUAL(p.vlan[0], 6);
	CU_ASSERT(dt_addr_is_v4(&p.src, 0x01010101));
	CU_ASSERT(dt_addr_is_v4(&p.dst, 0x02020202));
	CU_ASSERT_EQUAL(p.sport, 12345);
	CU_ASSERT_EQUAL(p.dport, 8080);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_SYN);
	DT_COUNTERS(&ctx, DEC_VLAN, 3, DEC_IPV4, 3, DEC_FRAG_SEEN, 3, DEC_FRAG_REASSEMBLED, 1,
		    DEC_TCP, 1);
	decode_ctx_fini(&ctx);
}

static int suite_init(void)
{
	dgram_init();
	return 0;
}

static CU_TestInfo tests[] = {
	{"in order", test_in_order},
	{"reverse order, DF kept", test_reverse_and_df},
	{"overlap: first wins", test_overlap_first_wins},
	{"duplicate", test_duplicate},
	{"timeout", test_timeout},
	{"timeout work is bounded", test_timeout_bounded},
	{"full table reclaims expired", test_full_table_reclaims_expired},
	{"tracker cap", test_table_full},
	{"memcap", test_memcap},
	{"pieces per datagram", test_too_many_pieces},
	{"too large", test_too_large},
	{"invalid fragments", test_invalid},
	{"key", test_key},
	{"fragments in 802.1Q", test_vlan_fragments},
	{"ipv6 with extension headers", test_ipv6},
	{"ipv6 nested fragment header", test_ipv6_nested_fragment},
	{"fragments around a tunnel", test_tunnel_fragments},
	{"corpus bug-6887", test_corpus_bug6887},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"defrag", suite_init, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
