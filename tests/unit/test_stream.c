/*
 * test_stream.c — TCP session tracking and stream reassembly: what the sink
 * receives (bytes, offsets, events, in order) for in-order, split,
 * reordered, retransmitted, overlapping and lost segments, depth, SYN data,
 * midstream pickup, sequence wraparound, FIN, RST and pool exhaustion.
 *
 * Packets are built by hand; the flow is a zeroed struct flow, the
 * direction given per packet. The recording sink writes every call into
 * one log: "<dir>@<offset> <bytes>;" for data, "<dir> GAP;", "<dir> DEPTH;",
 * "<dir> CLOSE;" for events.
 */
#include "unit.h"

#include "flow.h"
#include "stream-pool.h"
#include "stream.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	char log[1 << 16];
	size_t len;
	uint8_t bytes[2][1 << 16]; /* concatenated data per direction */
	uint32_t nbytes[2];
	uint64_t next_off[2][2];   /* by (other flow, dir): offset after the last delivery */
	unsigned ncalls;
	unsigned bad;              /* deliveries overlapping earlier ones */
	const uint8_t *last_ptr;
};

static void logf_(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void logf_(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->log + r->len, sizeof(r->log) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n < sizeof(r->log) - r->len ? (size_t)n : sizeof(r->log) - r->len - 1;
}

static struct flow flow;

static void rec_data(void *ud, struct flow *f, enum flow_dir dir, const uint8_t *data,
		     uint32_t len, uint64_t offset)
{
	struct rec *r = ud;
	uint64_t *next = &r->next_off[f != &flow][dir];

	if (len == 0 || offset < *next)
		r->bad++;
	*next = offset + len;
	r->ncalls++;
	r->last_ptr = data;
	if (len <= 64)
		logf_(r, "%d@%llu %.*s;", (int)dir, (unsigned long long)offset, (int)len,
		      (const char *)data);
	else
		logf_(r, "%d@%llu [%u];", (int)dir, (unsigned long long)offset, len);
	if (r->nbytes[dir] + len <= sizeof(r->bytes[dir])) {
		memcpy(r->bytes[dir] + r->nbytes[dir], data, len);
		r->nbytes[dir] += len;
	}
}

static void rec_event(void *ud, struct flow *f, enum flow_dir dir, enum stream_event ev)
{
	static const char *const names[] = {"GAP", "DEPTH", "CLOSE"};

	(void)f;
	logf_(ud, "%d %s;", (int)dir, ev <= STREAM_EV_CLOSE ? names[ev] : "?");
}

static const struct stream_sink sink = {rec_data, rec_event};

/* ---- fixture ------------------------------------------------------------ */

static struct stream_config cfg;
static struct stream_ctx *ctx;
static struct rec *rec;

static void start(const struct stream_config *c)
{
	if (c)
		cfg = *c;
	else
		stream_config_defaults(&cfg);
	ctx = stream_ctx_new(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	memset(&flow, 0, sizeof(flow));
	flow.key.proto = IPPROTO_TCP;
	if (!rec)
		rec = malloc(sizeof(*rec));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	memset(rec, 0, sizeof(*rec));
}

static uint64_t ctr(enum stream_counter c)
{
	return COUNTER_GET(stream_ctx_counters(ctx)[c]);
}

static void end_flow(void)
{
	stream_flow_end(ctx, &flow, &sink, rec);
}

static void stop(void)
{
	stream_flow_end(ctx, &flow, NULL, NULL);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_BYTES), 0);
	CU_ASSERT_EQUAL(rec->bad, 0);
	stream_ctx_free(ctx);
	ctx = NULL;
}

static struct packet mk(int dir, uint8_t flags, uint32_t seq, const void *data, uint32_t len)
{
	static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.proto = IPPROTO_TCP;
	p.ip_version = 4;
	addr_from_v4(&p.src, dir ? srv : cli);
	addr_from_v4(&p.dst, dir ? cli : srv);
	p.sport = dir ? 80 : 40000;
	p.dport = dir ? 40000 : 80;
	p.tcp_flags = flags;
	p.tcp_seq = seq;
	p.payload = data;
	p.payload_len = len;
	return p;
}

static void seg_n(int dir, uint8_t flags, uint32_t seq, const void *data, uint32_t len)
{
	struct packet p = mk(dir, flags, seq, data, len);

	stream_handle_packet(ctx, &flow, &p, (enum flow_dir)dir, &sink, rec);
}

static void seg(int dir, uint8_t flags, uint32_t seq, const char *data)
{
	seg_n(dir, flags, seq, data, (uint32_t)strlen(data));
}

#define CISN 1000u
#define SISN 5000u
#define C(off) (CISN + 1 + (off)) /* client stream offset -> sequence number */
#define S(off) (SISN + 1 + (off))

static void handshake(void)
{
	seg(0, TCP_SYN, CISN, "");
	seg(1, TCP_SYN | TCP_ACK, SISN, "");
	seg(0, TCP_ACK, C(0), "");
}

#define LOG_IS(s) CU_ASSERT_STRING_EQUAL(rec->log, s)

/* ---- tests -------------------------------------------------------------- */

static void test_defaults(void)
{
	struct stream_config c;

	stream_config_defaults(&c);
	CU_ASSERT_EQUAL(c.depth, 1u << 20);
	CU_ASSERT_EQUAL(c.max_held_segments, 256);
	CU_ASSERT_EQUAL(c.max_held_bytes, 256u << 10);
	CU_ASSERT_EQUAL(c.memcap, UINT64_C(64) << 20);
	CU_ASSERT_STRING_EQUAL(stream_counter_names[STREAM_CTR_SEGMENTS], "tcp.segments");
	CU_ASSERT_STRING_EQUAL(stream_counter_names[STREAM_CTR_INVALID], "tcp.invalid");
	for (int i = 0; i < STREAM_CTR_MAX; i++)
		CU_ASSERT_PTR_NOT_NULL(stream_counter_names[i]);
	CU_ASSERT_EQUAL(sizeof(struct stream_seg), STREAM_SEG_SIZE);
	stream_ctx_free(NULL);
}

static void test_in_order(void)
{
	static const char hello[] = "hello";

	start(NULL);
	seg(0, TCP_SYN, CISN, "");
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_SYN_SENT);
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_NEW);
	seg(1, TCP_SYN | TCP_ACK, SISN, "");
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_SYN_RECV);
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_NEW);
	seg(0, TCP_ACK, C(0), "");
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_ESTABLISHED);
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_ESTABLISHED);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].isn, CISN);
	CU_ASSERT_EQUAL(flow.tcp.dir[1].isn, SISN);

	seg(0, TCP_ACK | TCP_PSH, C(0), hello);
	CU_ASSERT_PTR_EQUAL(rec->last_ptr, (const uint8_t *)hello); /* no copy */
	seg(0, TCP_ACK | TCP_PSH, C(5), " world");
	seg(1, TCP_ACK | TCP_PSH, S(0), "HTTP/1.1 200");
	LOG_IS("0@0 hello;0@5  world;1@0 HTTP/1.1 200;");
	CU_ASSERT_EQUAL(flow.tcp.dir[0].offset, 11);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].next_seq, C(11));
	CU_ASSERT_EQUAL(flow.tcp.dir[1].offset, 12);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_SEGMENTS), 3);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_IN_ORDER), 3);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OUT_OF_ORDER), 0);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_MIDSTREAM), 0);
	CU_ASSERT_EQUAL(flow.flags & FLOW_F_MIDSTREAM, 0);
	/* Pure ACKs deliver nothing. */
	seg(1, TCP_ACK, S(12), "");
	seg(0, TCP_ACK, C(11), "");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_SEGMENTS), 3);
	/* Not TCP: ignored. */
	{
		struct packet p = mk(0, 0, C(11), "udp", 3);

		p.proto = IPPROTO_UDP;
		stream_handle_packet(ctx, &flow, &p, DIR_TO_SERVER, &sink, rec);
	}
	LOG_IS("0@0 hello;0@5  world;1@0 HTTP/1.1 200;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_SEGMENTS), 3);
	stop();
}

static void test_split(void)
{
	start(NULL);
	handshake();
	seg(0, TCP_ACK, C(0), "GET /ind");
	seg(0, TCP_ACK, C(8), "ex.html HT");
	seg(0, TCP_ACK, C(18), "TP/1.1\r\n");
	LOG_IS("0@0 GET /ind;0@8 ex.html HT;0@18 TP/1.1\r\n;");
	CU_ASSERT_EQUAL(rec->nbytes[0], 26);
	CU_ASSERT_EQUAL(memcmp(rec->bytes[0], "GET /index.html HTTP/1.1\r\n", 26), 0);
	stop();
}

static void test_out_of_order_permutations(void)
{
	static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
					{1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
	static const char *const data[3] = {"abc", "defg", "hi"};
	static const uint32_t off[3] = {0, 3, 7};
	static const unsigned held[6] = {0, 1, 1, 2, 1, 2}; /* segments that had to wait */

	for (int i = 0; i < 6; i++) {
		start(NULL);
		handshake();
		for (int j = 0; j < 3; j++) {
			int s = perms[i][j];

			seg(0, TCP_ACK, C(off[s]), data[s]);
		}
		LOG_IS("0@0 abc;0@3 defg;0@7 hi;");
		CU_ASSERT_EQUAL(rec->nbytes[0], 9);
		CU_ASSERT_EQUAL(memcmp(rec->bytes[0], "abcdefghi", 9), 0);
		CU_ASSERT_EQUAL(ctr(STREAM_CTR_IN_ORDER) + ctr(STREAM_CTR_OUT_OF_ORDER), 3);
		CU_ASSERT_EQUAL(ctr(STREAM_CTR_OUT_OF_ORDER), held[i]);
		CU_ASSERT_EQUAL(ctr(STREAM_CTR_GAPS), 0);
		CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_BYTES), 0);
		CU_ASSERT_EQUAL(flow.tcp.dir[0].held_count, 0);
		CU_ASSERT_PTR_NULL(flow.tcp.dir[0].held);
		end_flow();
		LOG_IS("0@0 abc;0@3 defg;0@7 hi;");
		stop();
	}
}

static void test_held_accounting(void)
{
	start(NULL);
	handshake();
	seg(0, TCP_ACK, C(10), "0123456789");
	seg(0, TCP_ACK, C(30), "abc");
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_bytes, 13);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_count, 2);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_BYTES), 13);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OUT_OF_ORDER), 2);
	LOG_IS("");
	seg(0, TCP_ACK, C(0), "ABCDEFGHIJ");
	LOG_IS("0@0 ABCDEFGHIJ;0@10 0123456789;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_BYTES), 3);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_count, 1);
	stop();
}

static void test_retransmission(void)
{
	start(NULL);
	handshake();
	seg(0, TCP_ACK, C(0), "abc");
	seg(0, TCP_ACK, C(0), "abc");
	seg(0, TCP_ACK, C(0), "ab");
	/* A held segment retransmitted before the hole fills. */
	seg(0, TCP_ACK, C(6), "ghi");
	seg(0, TCP_ACK, C(6), "ghi");
	seg(0, TCP_ACK, C(7), "h");
	seg(0, TCP_ACK, C(3), "def");
	seg(0, TCP_ACK, C(3), "defghi");
	/* Keep-alive: one old byte. */
	seg(0, TCP_ACK, C(8), "i");
	seg(0, TCP_ACK, C(8), "");
	LOG_IS("0@0 abc;0@3 def;0@6 ghi;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_SEGMENTS), 9);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_RETRANSMIT), 6);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_IN_ORDER), 2);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OUT_OF_ORDER), 1);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP), 0);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP_DIFF), 0);
	stop();
}

static void test_partial_overlap(void)
{
	start(NULL);
	handshake();
	seg(0, TCP_ACK, C(0), "abc");
	seg(0, TCP_ACK, C(1), "bcdef");
	LOG_IS("0@0 abc;0@3 def;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP), 1);
	/* New bytes around a held range: the packet before and after it, the
	 * held copy in between. */
	seg(0, TCP_ACK, C(8), "ijk");
	seg(0, TCP_ACK, C(6), "ghijklmn");
	LOG_IS("0@0 abc;0@3 def;0@6 gh;0@8 ijk;0@11 lmn;");
	/* An out-of-order segment overlapping held ranges is held around them. */
	seg(0, TCP_ACK, C(20), "uv");
	seg(0, TCP_ACK, C(24), "yz");
	seg(0, TCP_ACK, C(18), "stuvwxyz!");
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_bytes, 9);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_count, 5);
	seg(0, TCP_ACK, C(14), "opqr");
	LOG_IS("0@0 abc;0@3 def;0@6 gh;0@8 ijk;0@11 lmn;0@14 opqr;0@18 st;0@20 uv;0@22 wx;"
	       "0@24 yz;0@26 !;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP), 3);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP_DIFF), 0);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_RETRANSMIT), 0);
	CU_ASSERT_EQUAL(rec->nbytes[0], 27);
	CU_ASSERT_EQUAL(memcmp(rec->bytes[0], "abcdefghijklmnopqrstuvwxyz!", 27), 0);
	stop();
}

static void test_overlap_diff(void)
{
	start(NULL);
	handshake();
	/* The held copy wins over a later in-order one... */
	seg(0, TCP_ACK, C(3), "XYZ");
	seg(0, TCP_ACK, C(0), "abcdef");
	LOG_IS("0@0 abc;0@3 XYZ;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP), 1);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP_DIFF), 1);
	/* ...and over a later out-of-order one. */
	seg(0, TCP_ACK, C(9), "jkl");
	seg(0, TCP_ACK, C(9), "JKL");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_RETRANSMIT), 1);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP_DIFF), 2);
	seg(0, TCP_ACK, C(8), "IJkLM");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP), 2);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP_DIFF), 3);
	seg(0, TCP_ACK, C(6), "gh");
	LOG_IS("0@0 abc;0@3 XYZ;0@6 gh;0@8 I;0@9 jkl;0@12 M;");
	/* Same bytes again: no difference counted. */
	seg(0, TCP_ACK, C(20), "same");
	seg(0, TCP_ACK, C(20), "same");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP_DIFF), 3);
	stop();
}

static void test_gap_held_bound(void)
{
	struct stream_config c;

	stream_config_defaults(&c);
	c.max_held_bytes = 8;
	start(&c);
	handshake();
	seg(0, TCP_ACK, C(0), "ab");
	seg(0, TCP_ACK, C(4), "efgh");
	seg(0, TCP_ACK, C(12), "mnop");
	LOG_IS("0@0 ab;");
	/* 4 more bytes would exceed 8: the hole [2, 4) is given up. */
	seg(0, TCP_ACK, C(20), "uvwx");
	LOG_IS("0@0 ab;0 GAP;0@4 efgh;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_LIMIT), 1);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_GAPS), 1);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_bytes, 8); /* mnop, uvwx */
	CU_ASSERT_TRUE(flow.tcp.dir[0].flags & STREAM_DIR_GAP);
	seg(0, TCP_ACK, C(8), "ijkl");
	LOG_IS("0@0 ab;0 GAP;0@4 efgh;0@8 ijkl;0@12 mnop;");
	/* The lost bytes come late: old now. */
	seg(0, TCP_ACK, C(2), "cd");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_RETRANSMIT), 1);
	/* At flow end, the held bytes behind the last hole. */
	end_flow();
	LOG_IS("0@0 ab;0 GAP;0@4 efgh;0@8 ijkl;0@12 mnop;0 GAP;0@20 uvwx;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_GAPS), 2);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OUT_OF_ORDER), 3);
	stop();

	/* The segment-count bound; the new segment is the lowest byte. */
	stream_config_defaults(&c);
	c.max_held_segments = 2;
	start(&c);
	handshake();
	seg(0, TCP_ACK, C(10), "k");
	seg(0, TCP_ACK, C(20), "u");
	seg(0, TCP_ACK, C(5), "fghij");
	LOG_IS("0 GAP;0@5 fghij;0@10 k;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_LIMIT), 1);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_count, 1);
	/* At the bound again, the new segment below every held one: skip to it. */
	seg(0, TCP_ACK, C(21), "v");
	seg(0, TCP_ACK, C(12), "m");
	LOG_IS("0 GAP;0@5 fghij;0@10 k;0 GAP;0@12 m;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_LIMIT), 2);
	stop();

	/* The bound counts the chunks a segment would add around held ones. */
	stream_config_defaults(&c);
	c.max_held_segments = 4;
	start(&c);
	handshake();
	seg(0, TCP_ACK, C(2), "c");
	seg(0, TCP_ACK, C(4), "e");
	seg(0, TCP_ACK, C(1), "bcdef"); /* b, d, f: 3 more chunks */
	LOG_IS("0 GAP;0@1 b;0@2 c;0@3 d;0@4 e;0@5 f;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_LIMIT), 1);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP), 1);
	stop();

	/* Nothing may be held at all: every hole is a gap at once. */
	stream_config_defaults(&c);
	c.max_held_segments = 0;
	start(&c);
	handshake();
	seg(0, TCP_ACK, C(3), "def");
	seg(0, TCP_ACK, C(0), "abc");
	LOG_IS("0 GAP;0@3 def;");
	stop();
}

static void test_gap_at_end(void)
{
	start(NULL);
	handshake();
	seg(0, TCP_ACK, C(0), "abc");
	seg(0, TCP_ACK, C(6), "ghi");
	seg(0, TCP_ACK, C(12), "mno");
	seg(1, TCP_ACK, S(4), "late");
	LOG_IS("0@0 abc;");
	end_flow();
	LOG_IS("0@0 abc;0 GAP;0@6 ghi;0 GAP;0@12 mno;1 GAP;1@4 late;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_GAPS), 3);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_BYTES), 0);
	end_flow(); /* idempotent */
	LOG_IS("0@0 abc;0 GAP;0@6 ghi;0 GAP;0@12 mno;1 GAP;1@4 late;");
	stop();
}

static void test_depth(void)
{
	struct stream_config c;

	stream_config_defaults(&c);
	c.depth = 10;
	start(&c);
	handshake();
	seg(0, TCP_ACK, C(14), "opq"); /* held, beyond the depth */
	seg(0, TCP_ACK, C(0), "abcdef");
	seg(0, TCP_ACK, C(6), "ghijkl");
	LOG_IS("0@0 abcdef;0@6 ghij;0 DEPTH;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_DEPTH_REACHED), 1);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_BYTES), 0);
	CU_ASSERT_TRUE(flow.tcp.dir[0].flags & STREAM_DIR_DEPTH);
	seg(0, TCP_ACK, C(12), "mn");
	seg(0, TCP_ACK, C(20), "later");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_BYTES), 0);
	/* The other direction has its own depth. */
	seg(1, TCP_ACK, S(0), "0123456789");
	seg(1, TCP_ACK, S(10), "x");
	/* FIN after the depth: the close comes at once (nothing more will be
	 * delivered before it anyway). */
	seg(0, TCP_ACK | TCP_FIN, C(25), "");
	LOG_IS("0@0 abcdef;0@6 ghij;0 DEPTH;1@0 0123456789;1 DEPTH;0 CLOSE;");
	end_flow();
	LOG_IS("0@0 abcdef;0@6 ghij;0 DEPTH;1@0 0123456789;1 DEPTH;0 CLOSE;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_DEPTH_REACHED), 2);
	stop();

	/* A gap past the depth reaches it too. */
	c.depth = 4;
	c.max_held_segments = 0;
	start(&c);
	handshake();
	seg(0, TCP_ACK, C(0), "ab");
	seg(0, TCP_ACK, C(6), "gh");
	LOG_IS("0@0 ab;0 GAP;0 DEPTH;");
	stop();

	/* depth 0: unlimited. */
	c.depth = 0;
	c.max_held_segments = 256;
	start(&c);
	handshake();
	{
		static uint8_t big[40000];

		memset(big, 'z', sizeof(big));
		seg_n(0, TCP_ACK, C(0), big, sizeof(big));
		seg_n(0, TCP_ACK, C(40000), big, sizeof(big));
	}
	LOG_IS("0@0 [40000];0@40000 [40000];");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_DEPTH_REACHED), 0);
	stop();
}

static void test_syn_data(void)
{
	start(NULL);
	seg(0, TCP_SYN, CISN, "GET /");         /* TCP Fast Open */
	LOG_IS("0@0 GET /;");
	seg(0, TCP_SYN, CISN, "GET /");         /* SYN retransmitted */
	seg(1, TCP_SYN | TCP_ACK, SISN, "");
	seg(0, TCP_ACK, C(5), " HTTP/1.0\r\n"); /* the ACK with more data */
	LOG_IS("0@0 GET /;0@5  HTTP/1.0\r\n;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_RETRANSMIT), 1);
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_ESTABLISHED);
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_ESTABLISHED);
	/* A SYN/ACK with data. */
	stop();
	start(NULL);
	seg(0, TCP_SYN, CISN, "");
	seg(1, TCP_SYN | TCP_ACK, SISN, "220 ");
	seg(1, TCP_ACK, S(4), "ready");
	LOG_IS("1@0 220 ;1@4 ready;");
	stop();
}

static void test_syn_new_isn(void)
{
	start(NULL);
	seg(0, TCP_SYN, CISN, "");
	/* The client retries with a new ISN before anything was sent: re-based. */
	seg(0, TCP_SYN, 7000, "");
	CU_ASSERT_EQUAL(flow.tcp.dir[0].isn, 7000);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].next_seq, 7001);
	seg(1, TCP_SYN | TCP_ACK, SISN, "");
	seg(0, TCP_ACK, 7001, "abc");
	/* Once data went through, a SYN with another ISN is ignored. */
	seg(0, TCP_SYN, 9000, "evil");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_INVALID), 1);
	seg(1, TCP_ACK, S(0), "x");
	LOG_IS("0@0 abc;1@0 x;");
	CU_ASSERT_EQUAL(flow.tcp.dir[0].isn, 7000);
	stop();

	/* A SYN in a direction picked up without one: ignored. */
	start(NULL);
	seg(0, TCP_ACK, 100, "a");
	seg(0, TCP_SYN, 50, "b");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_INVALID), 1);
	LOG_IS("0@0 a;");
	stop();
}

static void test_synack_first(void)
{
	start(NULL);
	seg(1, TCP_SYN | TCP_ACK, SISN, "");
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_SYN_RECV);
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_NEW);
	seg(0, TCP_ACK, C(0), "hi");
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_ESTABLISHED);
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_ESTABLISHED);
	CU_ASSERT_EQUAL(flow.flags & FLOW_F_MIDSTREAM, 0);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_MIDSTREAM), 0);
	seg(1, TCP_ACK, S(0), "yo");
	LOG_IS("0@0 hi;1@0 yo;");
	stop();
}

static void test_midstream(void)
{
	start(NULL);
	seg(0, TCP_ACK | TCP_PSH, 7777, "mid");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_MIDSTREAM), 1);
	CU_ASSERT_TRUE(flow.flags & FLOW_F_MIDSTREAM);
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_ESTABLISHED);
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_ESTABLISHED);
	seg(1, TCP_ACK, 99999, "resp");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_MIDSTREAM), 1);
	seg(0, TCP_ACK, 7780, "dle");
	/* Bytes before the base are never delivered. */
	seg(0, TCP_ACK, 7770, "0123456");
	seg(0, TCP_ACK, 7775, "xxmidd");
	LOG_IS("0@0 mid;1@0 resp;0@3 dle;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_RETRANSMIT), 2);
	stop();
}

static void test_wraparound(void)
{
	char a[17] = "ABCDEFGHIJKLMNOP", b[] = "qrstuvwx";

	start(NULL);
	seg(0, TCP_SYN, 0xfffffff0u, "");
	seg(1, TCP_SYN | TCP_ACK, SISN, "");
	seg(0, TCP_ACK, 0xfffffff1u, "");
	/* 0xfffffff1 + 15 = 0: the second segment starts after the wrap. */
	seg(0, TCP_ACK, 0x00000000u + 1, b + 1);
	seg(0, TCP_ACK, 0x00000000u, "q");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OUT_OF_ORDER), 2);
	a[15] = 0;
	seg(0, TCP_ACK, 0xfffffff1u, a);
	LOG_IS("0@0 ABCDEFGHIJKLMNO;0@15 q;0@16 rstuvwx;");
	CU_ASSERT_EQUAL(flow.tcp.dir[0].next_seq, 8);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].offset, 23);
	/* Old data from before the wrap is old. */
	seg(0, TCP_ACK, 0xfffffff5u, "EFGHIJKLMNOqrs");
	seg(0, TCP_ACK, 0xfffffffeu, "NOqrstuvwxyz");
	LOG_IS("0@0 ABCDEFGHIJKLMNO;0@15 q;0@16 rstuvwx;0@23 yz;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_RETRANSMIT), 1);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP), 1);
	stop();
}

static void test_zero_window_probe(void)
{
	start(NULL);
	handshake();
	seg(0, TCP_ACK, C(0), "abc");
	seg(0, TCP_ACK, C(3), "d");    /* probe: the next byte */
	seg(0, TCP_ACK, C(3), "defg"); /* the window opens */
	LOG_IS("0@0 abc;0@3 d;0@4 efg;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_OVERLAP), 1);
	stop();
}

static void test_fin(void)
{
	start(NULL);
	handshake();
	seg(0, TCP_ACK | TCP_FIN, C(0), "bye");
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_CLOSING);
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_ESTABLISHED);
	seg(0, TCP_ACK | TCP_FIN, C(0), "bye"); /* retransmitted FIN */
	seg(0, TCP_ACK, C(3), "more");          /* beyond the FIN: ignored */
	seg(1, TCP_ACK, S(0), "ok");
	seg(1, TCP_ACK | TCP_FIN, S(2), "");
	LOG_IS("0@0 bye;0 CLOSE;1@0 ok;1 CLOSE;");
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_CLOSED);
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_CLOSED);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].fin_seq, C(3));
	seg(0, TCP_ACK, C(4), "");
	end_flow();
	LOG_IS("0@0 bye;0 CLOSE;1@0 ok;1 CLOSE;");
	stop();

	/* A FIN behind a hole: the close waits for the bytes before it. */
	start(NULL);
	handshake();
	seg(0, TCP_ACK, C(0), "abc");
	seg(0, TCP_ACK | TCP_FIN, C(6), "ghi");
	LOG_IS("0@0 abc;");
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_CLOSING);
	seg(0, TCP_ACK, C(3), "def");
	LOG_IS("0@0 abc;0@3 def;0@6 ghi;0 CLOSE;");
	stop();

	/* A FIN cuts held bytes beyond it; the hole never fills: at flow end. */
	start(NULL);
	handshake();
	seg(0, TCP_ACK, C(6), "ghijkl");
	seg(0, TCP_ACK, C(20), "zz");
	seg(0, TCP_ACK | TCP_FIN, C(9), "");
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_bytes, 3);
	/* A FIN before bytes already delivered is impossible: ignored. */
	seg(1, TCP_ACK, S(0), "abc");
	seg(1, TCP_ACK | TCP_FIN, S(1), "");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_INVALID), 1);
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_CLOSING);
	end_flow();
	LOG_IS("1@0 abc;0 GAP;0@6 ghi;0 CLOSE;");
	stop();
}

static void test_rst(void)
{
	start(NULL);
	handshake();
	seg(0, TCP_ACK, C(0), "abc");
	seg(0, TCP_ACK, C(6), "ghi");
	/* An RST far before next_seq, or beyond any window: ignored. */
	seg(0, TCP_RST, C(0), "");
	seg(0, TCP_RST | TCP_ACK, C(3) + (1u << 30), "");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_INVALID), 2);
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_ESTABLISHED);
	seg(0, TCP_RST | TCP_ACK, C(3) + (1u << 30) - 1, "diagnostic");
	CU_ASSERT_EQUAL(flow.tcp.state, TCP_STATE_CLOSED);
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_CLOSED);
	CU_ASSERT_TRUE(flow.tcp.dir[0].flags & STREAM_DIR_RST);
	/* Later data in the reset direction is ignored, in the other still
	 * delivered (in flight). */
	seg(0, TCP_ACK, C(3), "def");
	seg(0, TCP_ACK, C(9), "jkl");
	seg(0, TCP_RST, C(12), "");
	seg(1, TCP_ACK, S(0), "inflight");
	end_flow();
	LOG_IS("0@0 abc;0 GAP;0@6 ghi;0 CLOSE;1@0 inflight;");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_BYTES), 0);
	stop();

	/* RST answering a SYN: the server direction has no base. */
	start(NULL);
	seg(0, TCP_SYN, CISN, "");
	seg(1, TCP_RST | TCP_ACK, 0, "");
	LOG_IS("1 CLOSE;");
	CU_ASSERT_EQUAL(flow.state, FLOW_STATE_CLOSED);
	stop();
}

static void test_pool_exhaustion(void)
{
	struct stream_config c;
	struct flow other;
	static uint8_t big[5000];

	stream_config_defaults(&c);
	c.memcap = 3 * STREAM_SEG_SIZE;
	start(&c);
	handshake();
	/* A long held segment takes several chunks and is delivered chunk by chunk. */
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)('a' + i % 26);
	seg_n(0, TCP_ACK, C(10), big, 2 * STREAM_SEG_DATA);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_count, 2);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_HELD_BYTES), 2 * STREAM_SEG_DATA);

	/* Another flow of the worker finds one chunk left: a segment needing
	 * two is not held; with nothing held it skips to it. */
	memset(&other, 0, sizeof(other));
	{
		struct packet p = mk(0, TCP_ACK, 100, "x", 1);

		stream_handle_packet(ctx, &other, &p, DIR_TO_SERVER, &sink, rec);
		p = mk(0, TCP_ACK, 200, big, STREAM_SEG_DATA + 1);
		stream_handle_packet(ctx, &other, &p, DIR_TO_SERVER, &sink, rec);
	}
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_MEMCAP), 1);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_GAPS), 1);
	CU_ASSERT_PTR_NULL(other.tcp.dir[0].held);
	CU_ASSERT_EQUAL(other.tcp.dir[0].offset, 100 + STREAM_SEG_DATA + 1);
	/* One chunk fits. */
	seg(0, TCP_ACK, C(10 + 2 * STREAM_SEG_DATA + 5), "tail");
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_count, 3);
	/* Now the pool is empty: the first flow gives up its hole [0, 10). */
	seg(0, TCP_ACK, C(10 + 2 * STREAM_SEG_DATA + 100), "far");
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_MEMCAP), 2);
	CU_ASSERT_EQUAL(ctr(STREAM_CTR_GAPS), 2);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].offset, 10 + 2 * STREAM_SEG_DATA);
	CU_ASSERT_EQUAL(flow.tcp.dir[0].held_count, 2); /* "tail" and "far" */
	CU_ASSERT_EQUAL(rec->nbytes[0], 1 + STREAM_SEG_DATA + 1 + 2 * STREAM_SEG_DATA);
	CU_ASSERT_EQUAL(memcmp(rec->bytes[0] + 1 + STREAM_SEG_DATA + 1, big, 2 * STREAM_SEG_DATA),
			0);
	end_flow();
	stream_flow_end(ctx, &other, &sink, rec);
	LOG_IS("0@0 x;0 GAP;0@100 [2033];0 GAP;0@10 [2032];0@2042 [2032];0 GAP;0@4079 tail;"
	       "0 GAP;0@4174 far;");
	stop();
}

static CU_TestInfo tests[] = {
	{"defaults", test_defaults},
	{"in order", test_in_order},
	{"split segments", test_split},
	{"out of order, every permutation", test_out_of_order_permutations},
	{"held accounting", test_held_accounting},
	{"retransmission", test_retransmission},
	{"partial overlap", test_partial_overlap},
	{"overlap with different data", test_overlap_diff},
	{"gap at the held bounds", test_gap_held_bound},
	{"gap at flow end", test_gap_at_end},
	{"depth", test_depth},
	{"syn data", test_syn_data},
	{"syn with a new isn", test_syn_new_isn},
	{"syn/ack first", test_synack_first},
	{"midstream", test_midstream},
	{"wraparound", test_wraparound},
	{"zero-window probe", test_zero_window_probe},
	{"fin", test_fin},
	{"rst", test_rst},
	{"pool exhaustion", test_pool_exhaustion},
	CU_TEST_INFO_NULL,
};

static int suite_clean(void)
{
	free(rec);
	rec = NULL;
	return 0;
}

static CU_SuiteInfo suites[] = {
	{"stream", NULL, suite_clean, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
