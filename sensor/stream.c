/*
 * stream.c — TCP session tracking and per-direction stream reassembly.
 *
 * Owns the session state in struct flow's tcp member and the segment
 * chunks its directions hold; the chunks come from the worker's pool
 * (stream-pool.c) and go back to it on delivery, at depth, on RST and in
 * stream_flow_end(), which must run before the flow's memory is reused.
 * Threading: a context and the flows it serves belong to one worker.
 *
 * Sequence numbers are compared with serial-number arithmetic (RFC 1982)
 * everywhere, so a stream may wrap past 2^32. Stream offsets are 64-bit and
 * count every byte of the direction after the SYN, delivered or skipped.
 *
 * Base of a direction. A SYN sets it (ISN = its sequence number, offset 0 =
 * the byte after it; data carried by the SYN — TCP Fast Open — is data like
 * any other). A repeated SYN with the same ISN is a retransmission; one
 * with a new ISN re-bases the direction only while nothing of it has been
 * delivered or held, otherwise it is ignored (STREAM_CTR_INVALID). Without
 * a SYN, the first packet seen in a direction sets the base at its sequence
 * number; if it is the first packet of the session, the session was picked
 * up midstream (STREAM_CTR_MIDSTREAM, FLOW_F_MIDSTREAM, ESTABLISHED at
 * once). Bytes before a direction's base are never delivered.
 *
 * Overlap policy: first wins. A byte is delivered at most once, the first
 * copy seen of it: bytes before next_seq are dropped (a segment entirely
 * before it is a retransmission — a keep-alive's one old byte included —
 * one straddling it has only its new part delivered); bytes of a held
 * range are kept, later copies dropped, and a later copy that differs from
 * the held bytes counts STREAM_CTR_OVERLAP_DIFF. Delivered bytes are not
 * kept, so a retransmission of delivered bytes cannot be compared. A
 * zero-window probe carries the next byte of the stream and is delivered;
 * the later full segment then only adds the bytes after it.
 *
 * Holding and gaps. A segment beyond next_seq is copied into pool chunks
 * and held, sorted, until the hole before it fills. Holding is
 * all-or-nothing per segment and bounded per direction (max_held_segments
 * chunks, max_held_bytes) and per worker (the pool's memcap). When a
 * segment cannot be held (STREAM_CTR_HELD_LIMIT or STREAM_CTR_MEMCAP), the
 * hole before the lowest byte the direction has — held or in this segment
 * — is declared lost: STREAM_EV_GAP is raised, the offset advances by the
 * skipped bytes, everything now contiguous is delivered and the segment is
 * tried again (each round frees held chunks or delivers the segment, so it
 * ends). At flow end, and when the direction is reset, held data behind
 * holes is delivered the same way, one GAP event before each hole's data.
 *
 * Depth: exactly `depth` bytes of offset are covered per direction (a chunk
 * crossing it is cut), then STREAM_EV_DEPTH is raised once, held chunks are
 * released and later data of the direction is ignored. A gap that skips
 * past the depth reaches it too.
 *
 * FIN: records the direction's end (fin_seq); data beyond it is ignored,
 * data before it is still delivered as holes fill, and STREAM_EV_CLOSE is
 * raised once next_seq reaches fin_seq (or at depth, or at flow end). A FIN
 * before next_seq is impossible and ignored (STREAM_CTR_INVALID). FIN both
 * ways makes the session CLOSED.
 *
 * RST: accepted when the direction has no base yet or its sequence number
 * lies in [next_seq, next_seq + 2^30) — the most any window could accept —
 * otherwise ignored (STREAM_CTR_INVALID), so an injected RST cannot blind
 * the sensor. An accepted RST drains the direction as at flow end, raises
 * STREAM_EV_CLOSE for it and makes the session CLOSED; the direction's
 * later data and the RST's own payload are ignored (the receiver discards
 * them). The other direction still delivers segments that were in flight.
 *
 * Counters: a segment is counted once as IN_ORDER, OUT_OF_ORDER (held) or
 * RETRANSMIT (nothing new); OVERLAP when it had both old and new bytes.
 */
#include "stream.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "stream-pool.h"

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

#define STREAM_RST_WINDOW (UINT32_C(1) << 30)
#define STREAM_MAX_PAYLOAD (UINT32_C(1) << 30) /* keeps serial arithmetic valid */

const char *const stream_counter_names[STREAM_CTR_MAX] = {
	[STREAM_CTR_SEGMENTS] = "tcp.segments",
	[STREAM_CTR_IN_ORDER] = "tcp.in_order",
	[STREAM_CTR_OUT_OF_ORDER] = "tcp.out_of_order",
	[STREAM_CTR_RETRANSMIT] = "tcp.retransmit",
	[STREAM_CTR_OVERLAP] = "tcp.overlap",
	[STREAM_CTR_OVERLAP_DIFF] = "tcp.overlap_diff",
	[STREAM_CTR_GAPS] = "tcp.gaps",
	[STREAM_CTR_DEPTH_REACHED] = "tcp.depth_reached",
	[STREAM_CTR_MEMCAP] = "tcp.memcap",
	[STREAM_CTR_HELD_BYTES] = "tcp.held_bytes",
	[STREAM_CTR_MIDSTREAM] = "tcp.midstream",
	[STREAM_CTR_HELD_LIMIT] = "tcp.held_limit",
	[STREAM_CTR_INVALID] = "tcp.invalid",
};

struct stream_ctx {
	struct stream_config cfg;
	struct stream_pool pool;
	counter_t ctr[STREAM_CTR_MAX];
};

/* Everything a delivery needs, for one direction of one flow. */
struct dctx {
	struct stream_ctx *ctx;
	struct flow *f;
	enum flow_dir dir;
	struct stream_dir *sd;
	const struct stream_sink *sink;
	void *ud;
};

void stream_config_defaults(struct stream_config *c)
{
	c->depth = UINT64_C(1) << 20;
	c->max_held_segments = 256;
	c->max_held_bytes = 256u << 10;
	c->memcap = UINT64_C(64) << 20;
}

struct stream_ctx *stream_ctx_new(const struct stream_config *cfg)
{
	struct stream_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->cfg = *cfg;
	stream_pool_init(&ctx->pool, cfg->memcap);
	return ctx;
}

void stream_ctx_free(struct stream_ctx *ctx)
{
	if (!ctx)
		return;
	stream_pool_fini(&ctx->pool);
	free(ctx);
}

const counter_t *stream_ctx_counters(const struct stream_ctx *ctx)
{
	return ctx->ctr;
}

/* ---- held chunks -------------------------------------------------------- */

static struct stream_seg *held_pop(struct dctx *dc)
{
	struct stream_dir *sd = dc->sd;
	struct stream_seg *h = sd->held;

	sd->held = h->next;
	sd->held_bytes -= h->len;
	sd->held_count--;
	COUNTER_ADD(dc->ctx->ctr[STREAM_CTR_HELD_BYTES], -(int64_t)h->len);
	return h;
}

static void held_release(struct dctx *dc)
{
	while (dc->sd->held)
		stream_pool_put(&dc->ctx->pool, held_pop(dc));
}

/* Drops held bytes at or beyond seq (the FIN). */
static void held_cut(struct dctx *dc, uint32_t seq)
{
	struct stream_dir *sd = dc->sd;
	struct stream_seg **pp = &sd->held;

	while (*pp && SEQ_LEQ((*pp)->seq + (*pp)->len, seq))
		pp = &(*pp)->next;
	if (*pp && SEQ_LT((*pp)->seq, seq)) {
		uint32_t keep = seq - (*pp)->seq;

		sd->held_bytes -= (*pp)->len - keep;
		COUNTER_ADD(dc->ctx->ctr[STREAM_CTR_HELD_BYTES], -(int64_t)((*pp)->len - keep));
		(*pp)->len = keep;
		pp = &(*pp)->next;
	}
	while (*pp) {
		struct stream_seg *h = *pp;

		*pp = h->next;
		sd->held_bytes -= h->len;
		sd->held_count--;
		COUNTER_ADD(dc->ctx->ctr[STREAM_CTR_HELD_BYTES], -(int64_t)h->len);
		stream_pool_put(&dc->ctx->pool, h);
	}
}

/* ---- delivery ----------------------------------------------------------- */

static void raise_event(struct dctx *dc, enum stream_event ev)
{
	if (dc->sink && dc->sink->event)
		dc->sink->event(dc->ud, dc->f, dc->dir, ev);
}

static void depth_reached(struct dctx *dc)
{
	dc->sd->flags |= STREAM_DIR_DEPTH;
	COUNTER_INC(dc->ctx->ctr[STREAM_CTR_DEPTH_REACHED]);
	raise_event(dc, STREAM_EV_DEPTH);
	held_release(dc);
}

static bool at_depth(const struct dctx *dc)
{
	return dc->ctx->cfg.depth && dc->sd->offset >= dc->ctx->cfg.depth;
}

/* Delivers len bytes at next_seq (cut at the depth) and advances. */
static void emit(struct dctx *dc, const uint8_t *data, uint32_t len)
{
	struct stream_dir *sd = dc->sd;
	uint64_t depth = dc->ctx->cfg.depth;
	uint32_t n = len;

	if (depth && sd->offset + n > depth)
		n = (uint32_t)(depth - sd->offset);
	if (n && dc->sink && dc->sink->data)
		dc->sink->data(dc->ud, dc->f, dc->dir, data, n, sd->offset);
	sd->offset += n;
	sd->next_seq += n;
	if (at_depth(dc))
		depth_reached(dc);
}

/* Declares the bytes [next_seq, seq) lost. Precondition: SEQ_GT(seq, next_seq). */
static void skip_to(struct dctx *dc, uint32_t seq)
{
	struct stream_dir *sd = dc->sd;

	COUNTER_INC(dc->ctx->ctr[STREAM_CTR_GAPS]);
	sd->flags |= STREAM_DIR_GAP;
	raise_event(dc, STREAM_EV_GAP);
	sd->offset += seq - sd->next_seq;
	sd->next_seq = seq;
	if (at_depth(dc))
		depth_reached(dc);
}

/* Delivers held chunks that are now contiguous with next_seq. */
static void drain_contiguous(struct dctx *dc)
{
	struct stream_dir *sd = dc->sd;

	while (!(sd->flags & STREAM_DIR_DEPTH) && sd->held && SEQ_LEQ(sd->held->seq, sd->next_seq)) {
		struct stream_seg *h = held_pop(dc);
		uint32_t skip = sd->next_seq - h->seq;

		if (skip < h->len)
			emit(dc, h->data + skip, h->len - skip);
		stream_pool_put(&dc->ctx->pool, h);
	}
}

/* Delivers everything held, skipping the holes (GAP before each). */
static void drain_all(struct dctx *dc)
{
	struct stream_dir *sd = dc->sd;

	while (!(sd->flags & STREAM_DIR_DEPTH) && sd->held) {
		if (SEQ_GT(sd->held->seq, sd->next_seq))
			skip_to(dc, sd->held->seq);
		drain_contiguous(dc);
	}
	held_release(dc);
}

/*
 * Delivers [seq, seq + len) of a packet, seq == next_seq: straight from the
 * packet, except where held chunks already cover it (first wins: the held
 * bytes are delivered). Then whatever became contiguous. Returns true when
 * a held chunk overlapped the packet; sets *diff when their bytes differed.
 */
static bool deliver_in_order(struct dctx *dc, const uint8_t *data, uint32_t seq, uint32_t len,
			     bool *diff)
{
	struct stream_dir *sd = dc->sd;
	uint32_t end = seq + len;
	bool overlap = false;

	while (!(sd->flags & STREAM_DIR_DEPTH) && SEQ_LT(sd->next_seq, end)) {
		uint32_t cur = sd->next_seq;
		const uint8_t *p = data + (cur - seq);
		struct stream_seg *h = sd->held;

		if (!h || SEQ_GEQ(h->seq, end)) {
			emit(dc, p, end - cur);
		} else if (SEQ_GT(h->seq, cur)) {
			emit(dc, p, h->seq - cur);
		} else {
			uint32_t skip = cur - h->seq;
			uint32_t hend = h->seq + h->len;
			uint32_t n = (SEQ_LT(hend, end) ? hend : end) - cur;

			overlap = true;
			if (memcmp(p, h->data + skip, n) != 0)
				*diff = true;
			h = held_pop(dc);
			emit(dc, h->data + skip, h->len - skip);
			stream_pool_put(&dc->ctx->pool, h);
		}
	}
	drain_contiguous(dc);
	return overlap;
}

/* ---- holding ------------------------------------------------------------ */

struct hold_plan {
	uint32_t bytes;   /* new bytes to hold */
	uint32_t chunks;  /* chunks they need */
	bool covered;     /* some bytes were held already */
	bool diff;        /* ... and differed */
};

static void plan_piece(struct hold_plan *hp, uint32_t len)
{
	hp->bytes += len;
	hp->chunks += (len + STREAM_SEG_DATA - 1) / STREAM_SEG_DATA;
}

/* What holding [seq, seq + len) would take, given the chunks held already. */
static void hold_plan(const struct stream_dir *sd, const uint8_t *data, uint32_t seq, uint32_t len,
		      struct hold_plan *hp)
{
	uint32_t end = seq + len, cur = seq;
	const struct stream_seg *h;

	memset(hp, 0, sizeof(*hp));
	for (h = sd->held; h && SEQ_LT(h->seq, end) && SEQ_LT(cur, end); h = h->next) {
		uint32_t hend = h->seq + h->len;
		uint32_t from, to;

		if (SEQ_LEQ(hend, cur))
			continue;
		if (SEQ_GT(h->seq, cur))
			plan_piece(hp, h->seq - cur);
		from = SEQ_GT(h->seq, cur) ? h->seq : cur;
		to = SEQ_LT(hend, end) ? hend : end;
		hp->covered = true;
		if (memcmp(data + (from - seq), h->data + (from - h->seq), to - from) != 0)
			hp->diff = true;
		cur = to;
	}
	if (SEQ_LT(cur, end))
		plan_piece(hp, end - cur);
}

/* Copies the bytes of [seq, seq + len) no held chunk covers into new chunks.
 * Returns 0, or -ENOMEM if the pool failed part way (what was copied stays
 * held: the list is consistent either way). */
static int hold_insert(struct dctx *dc, const uint8_t *data, uint32_t seq, uint32_t len)
{
	struct stream_dir *sd = dc->sd;
	struct stream_seg **pp = &sd->held;
	uint32_t end = seq + len, cur = seq;

	while (SEQ_LT(cur, end)) {
		struct stream_seg *h;
		uint32_t piece_end;

		while (*pp && SEQ_LEQ((*pp)->seq + (*pp)->len, cur))
			pp = &(*pp)->next;
		h = *pp;
		if (h && SEQ_LEQ(h->seq, cur)) {
			cur = h->seq + h->len;
			continue;
		}
		piece_end = (h && SEQ_LT(h->seq, end)) ? h->seq : end;
		while (cur != piece_end) {
			uint32_t n = piece_end - cur < STREAM_SEG_DATA ? piece_end - cur : STREAM_SEG_DATA;
			struct stream_seg *s = stream_pool_get(&dc->ctx->pool);

			if (!s)
				return -ENOMEM;
			s->seq = cur;
			s->len = n;
			memcpy(s->data, data + (cur - seq), n);
			s->next = *pp;
			*pp = s;
			pp = &s->next;
			sd->held_bytes += n;
			sd->held_count++;
			COUNTER_ADD(dc->ctx->ctr[STREAM_CTR_HELD_BYTES], n);
			cur += n;
		}
	}
	return 0;
}

/*
 * Holds an out-of-order segment (seq after next_seq). Returns 0 when held
 * or entirely covered by held chunks already, -ENOSPC over the direction's
 * bounds, -ENOMEM when the pool is exhausted.
 */
static int hold(struct dctx *dc, const uint8_t *data, uint32_t seq, uint32_t len,
		struct hold_plan *hp)
{
	struct stream_dir *sd = dc->sd;
	const struct stream_config *cfg = &dc->ctx->cfg;

	hold_plan(sd, data, seq, len, hp);
	if (hp->bytes == 0)
		return 0;
	if ((uint64_t)sd->held_count + hp->chunks > cfg->max_held_segments ||
	    (uint64_t)sd->held_bytes + hp->bytes > cfg->max_held_bytes) {
		COUNTER_INC(dc->ctx->ctr[STREAM_CTR_HELD_LIMIT]);
		return -ENOSPC;
	}
	if (stream_pool_avail(&dc->ctx->pool) < hp->chunks || hold_insert(dc, data, seq, len) < 0) {
		COUNTER_INC(dc->ctx->ctr[STREAM_CTR_MEMCAP]);
		return -ENOMEM;
	}
	return 0;
}

/* ---- data of one segment ------------------------------------------------ */

enum seg_kind { SEG_NEW = 0, SEG_OVERLAP, SEG_RETRANSMIT };

static void count_segment(struct dctx *dc, enum seg_kind kind, bool diff)
{
	counter_t *c = dc->ctx->ctr;

	if (kind == SEG_RETRANSMIT)
		COUNTER_INC(c[STREAM_CTR_RETRANSMIT]);
	else if (kind == SEG_OVERLAP)
		COUNTER_INC(c[STREAM_CTR_OVERLAP]);
	if (diff)
		COUNTER_INC(c[STREAM_CTR_OVERLAP_DIFF]);
}

/* Handles the payload [seq, seq + len) of a segment of a direction with a base. */
static void segment_data(struct dctx *dc, const uint8_t *data, uint32_t seq, uint32_t len)
{
	struct stream_dir *sd = dc->sd;
	enum seg_kind kind = SEG_NEW;
	bool diff = false, first = true;

	if (sd->flags & STREAM_DIR_FIN) {
		if (SEQ_GEQ(seq, sd->fin_seq))
			return;
		if (SEQ_GT(seq + len, sd->fin_seq))
			len = sd->fin_seq - seq;
	}
	while (!(sd->flags & STREAM_DIR_DEPTH)) {
		struct hold_plan hp;
		uint32_t low;

		if (SEQ_LEQ(seq + len, sd->next_seq)) {
			if (first)
				kind = SEG_RETRANSMIT;
			break;
		}
		if (SEQ_LT(seq, sd->next_seq)) {
			uint32_t old = sd->next_seq - seq;

			if (first)
				kind = SEG_OVERLAP;
			data += old;
			seq += old;
			len -= old;
		}
		if (seq == sd->next_seq) {
			if (first)
				COUNTER_INC(dc->ctx->ctr[STREAM_CTR_IN_ORDER]);
			if (deliver_in_order(dc, data, seq, len, &diff) && kind == SEG_NEW)
				kind = SEG_OVERLAP;
			break;
		}
		if (hold(dc, data, seq, len, &hp) == 0) {
			diff |= hp.diff;
			if (first && hp.bytes == 0)
				kind = SEG_RETRANSMIT;
			else if (hp.covered && kind == SEG_NEW)
				kind = SEG_OVERLAP;
			if (hp.bytes)
				COUNTER_INC(dc->ctx->ctr[STREAM_CTR_OUT_OF_ORDER]);
			break;
		}
		/* Cannot hold it: give up the hole before the lowest byte we have. */
		low = sd->held && SEQ_LT(sd->held->seq, seq) ? sd->held->seq : seq;
		skip_to(dc, low);
		drain_contiguous(dc);
		first = false;
	}
	count_segment(dc, kind, diff);
}

/* ---- session ------------------------------------------------------------ */

static void set_base(struct stream_dir *sd, uint32_t next_seq)
{
	sd->isn = next_seq - 1;
	sd->next_seq = next_seq;
	sd->offset = 0;
	sd->flags |= STREAM_DIR_BASE_SET;
}

static void maybe_close(struct dctx *dc)
{
	struct stream_dir *sd = dc->sd;

	if ((sd->flags & (STREAM_DIR_FIN | STREAM_DIR_CLOSED)) != STREAM_DIR_FIN)
		return;
	if ((sd->flags & STREAM_DIR_DEPTH) || SEQ_GEQ(sd->next_seq, sd->fin_seq)) {
		sd->flags |= STREAM_DIR_CLOSED;
		raise_event(dc, STREAM_EV_CLOSE);
	}
}

static void handle_rst(struct dctx *dc, uint32_t seq)
{
	struct stream_dir *sd = dc->sd;

	if ((sd->flags & STREAM_DIR_BASE_SET) &&
	    (SEQ_LT(seq, sd->next_seq) || seq - sd->next_seq >= STREAM_RST_WINDOW)) {
		COUNTER_INC(dc->ctx->ctr[STREAM_CTR_INVALID]);
		return;
	}
	if (sd->flags & STREAM_DIR_RST)
		return;
	drain_all(dc);
	sd->flags |= STREAM_DIR_RST;
	if (!(sd->flags & STREAM_DIR_CLOSED)) {
		sd->flags |= STREAM_DIR_CLOSED;
		raise_event(dc, STREAM_EV_CLOSE);
	}
	dc->f->tcp.state = TCP_STATE_CLOSED;
}

/* A SYN or SYN/ACK. Returns false when the packet is to be ignored. */
static bool handle_syn(struct dctx *dc, uint32_t seq, bool ack)
{
	struct stream_dir *sd = dc->sd;
	struct tcp_session *s = &dc->f->tcp;

	if (sd->flags & STREAM_DIR_BASE_SET) {
		if (!(sd->flags & STREAM_DIR_SYN))
			goto invalid;
		if (seq == sd->isn)
			return true; /* retransmitted SYN */
		if (sd->offset != 0 || sd->next_seq != sd->isn + 1 || sd->held)
			goto invalid;
	}
	set_base(sd, seq + 1);
	sd->flags |= STREAM_DIR_SYN;
	if (!ack && s->state == TCP_STATE_NONE)
		s->state = TCP_STATE_SYN_SENT;
	else if (ack && s->state <= TCP_STATE_SYN_SENT)
		s->state = TCP_STATE_SYN_RECV;
	return true;
invalid:
	COUNTER_INC(dc->ctx->ctr[STREAM_CTR_INVALID]);
	return false;
}

/* The first packet of a direction without a SYN. */
static void pick_up(struct dctx *dc, uint32_t seq)
{
	struct tcp_session *s = &dc->f->tcp;

	set_base(dc->sd, seq);
	if (s->state == TCP_STATE_NONE) {
		COUNTER_INC(dc->ctx->ctr[STREAM_CTR_MIDSTREAM]);
		dc->f->flags |= FLOW_F_MIDSTREAM;
		s->state = TCP_STATE_ESTABLISHED;
	}
}

static void handle_fin(struct dctx *dc, uint32_t fin_seq)
{
	struct stream_dir *sd = dc->sd;
	struct tcp_session *s = &dc->f->tcp;

	if (sd->flags & STREAM_DIR_FIN)
		return;
	if (SEQ_LT(fin_seq, sd->next_seq)) {
		COUNTER_INC(dc->ctx->ctr[STREAM_CTR_INVALID]);
		return;
	}
	sd->flags |= STREAM_DIR_FIN;
	sd->fin_seq = fin_seq;
	held_cut(dc, fin_seq);
	if (s->dir[!dc->dir].flags & STREAM_DIR_FIN)
		s->state = TCP_STATE_CLOSED;
	else if (s->state >= TCP_STATE_ESTABLISHED && s->state < TCP_STATE_CLOSED)
		s->state = TCP_STATE_CLOSING; /* a FIN never establishes a session */
}

static uint8_t flow_state_of(enum tcp_state s)
{
	switch (s) {
	case TCP_STATE_ESTABLISHED:
	case TCP_STATE_CLOSING:
		return FLOW_STATE_ESTABLISHED;
	case TCP_STATE_CLOSED:
		return FLOW_STATE_CLOSED;
	default:
		return FLOW_STATE_NEW;
	}
}

void stream_handle_packet(struct stream_ctx *ctx, struct flow *f, const struct packet *p,
			  enum flow_dir dir, const struct stream_sink *sink, void *ud)
{
	struct dctx dc = {ctx, f, dir, &f->tcp.dir[dir], sink, ud};
	struct stream_dir *sd = dc.sd;
	uint8_t fl = p->tcp_flags;
	uint32_t len = p->payload ? p->payload_len : 0;
	uint32_t data_seq;

	if (p->proto != IPPROTO_TCP)
		return;
	if (len)
		COUNTER_INC(ctx->ctr[STREAM_CTR_SEGMENTS]);
	if (len > STREAM_MAX_PAYLOAD) {
		COUNTER_INC(ctx->ctr[STREAM_CTR_INVALID]);
		return;
	}
	if (fl & TCP_RST) {
		handle_rst(&dc, p->tcp_seq);
		goto out;
	}
	if (sd->flags & STREAM_DIR_RST)
		goto out;
	if (fl & TCP_SYN) {
		if (!handle_syn(&dc, p->tcp_seq, fl & TCP_ACK))
			goto out;
	} else {
		if (!(sd->flags & STREAM_DIR_BASE_SET))
			pick_up(&dc, p->tcp_seq);
		/* the handshake completes with the client's ACK of the SYN-ACK;
		 * without a SYN-ACK seen the session is not established */
		if ((fl & TCP_ACK) && f->tcp.state == TCP_STATE_SYN_RECV && dir == DIR_TO_SERVER)
			f->tcp.state = TCP_STATE_ESTABLISHED;
	}
	data_seq = p->tcp_seq + ((fl & TCP_SYN) ? 1 : 0);
	if (fl & TCP_FIN)
		handle_fin(&dc, data_seq + len);
	/* the sink sees the state this packet brings (midstream: established) */
	f->state = flow_state_of(f->tcp.state);
	if (len)
		segment_data(&dc, p->payload, data_seq, len);
	maybe_close(&dc);
out:
	f->state = flow_state_of(f->tcp.state);
}

void stream_flow_end(struct stream_ctx *ctx, struct flow *f, const struct stream_sink *sink,
		     void *ud)
{
	for (int d = DIR_TO_SERVER; d <= DIR_TO_CLIENT; d++) {
		struct dctx dc = {ctx, f, (enum flow_dir)d, &f->tcp.dir[d], sink, ud};

		if (sink)
			drain_all(&dc);
		held_release(&dc);
		if ((dc.sd->flags & (STREAM_DIR_FIN | STREAM_DIR_CLOSED)) == STREAM_DIR_FIN) {
			dc.sd->flags |= STREAM_DIR_CLOSED;
			raise_event(&dc, STREAM_EV_CLOSE);
		}
	}
}
