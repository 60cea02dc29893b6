/*
 * stream.h — TCP session tracking and per-direction stream reassembly.
 *
 * For each direction the reassembler delivers the byte stream in order,
 * exactly once, to a sink (detection and the application layer):
 *   - in-order data is delivered straight from the packet, without a copy;
 *   - out-of-order segments are copied into the worker's segment pool and
 *     held (bounded per direction and per worker) until the hole fills;
 *   - retransmitted and overlapping bytes are never delivered twice.
 *     Overlap policy: first wins — bytes already delivered or held are kept,
 *     later copies of the same sequence range are dropped; when a later copy
 *     differs from a held one it is counted (STREAM_CTR_OVERLAP_DIFF), the
 *     usual sign of an evasion attempt;
 *   - when a hole cannot be filled (held data over its bound, the pool
 *     exhausted, or the flow ending with data held behind a hole) the stream
 *     skips to the next byte it has (held, or of the segment that could not
 *     be held), raising STREAM_EV_GAP before that byte is delivered; the
 *     offsets count the skipped bytes;
 *   - after `depth` bytes of a direction nothing more is delivered
 *     (STREAM_EV_DEPTH is raised once);
 *   - FIN: the direction's bytes up to the FIN are still delivered (holes
 *     before it may fill); STREAM_EV_CLOSE is raised once they have been,
 *     or at flow end. RST (with a plausible sequence number): the direction
 *     is drained as at flow end, closed, and its later data — and the RST's
 *     own payload — ignored; the other direction still delivers segments
 *     in flight until its own FIN/RST or the flow's end.
 * stream.c's opening comment has the exact rules.
 *
 * Threading: a stream context belongs to one worker, like its flows.
 */
#ifndef SPOTTER_STREAM_H
#define SPOTTER_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "counter.h"
#include "packet.h"

struct flow;
struct stream_seg;

enum tcp_state {
	TCP_STATE_NONE = 0,
	TCP_STATE_SYN_SENT,
	TCP_STATE_SYN_RECV,
	TCP_STATE_ESTABLISHED,
	TCP_STATE_CLOSING,    /* FIN seen in one direction */
	TCP_STATE_CLOSED,     /* FIN both ways, or RST */
};

enum stream_dir_flag {
	STREAM_DIR_BASE_SET  = 1 << 0, /* isn/next_seq are known */
	STREAM_DIR_SYN       = 1 << 1,
	STREAM_DIR_FIN       = 1 << 2,
	STREAM_DIR_DEPTH     = 1 << 3, /* depth reached: nothing more delivered */
	STREAM_DIR_GAP       = 1 << 4, /* at least one gap so far */
	STREAM_DIR_RST       = 1 << 5, /* RST sent: later data is ignored */
	STREAM_DIR_CLOSED    = 1 << 6, /* STREAM_EV_CLOSE raised */
};

struct stream_dir {
	uint32_t isn;              /* sequence number before the first data byte */
	uint32_t next_seq;         /* next byte expected */
	uint32_t fin_seq;          /* sequence number of the FIN (STREAM_DIR_FIN) */
	uint64_t offset;           /* stream offset of next_seq (bytes delivered + skipped) */
	struct stream_seg *held;   /* out-of-order segments, sorted by seq */
	uint32_t held_bytes;
	uint16_t held_count;
	uint8_t flags;             /* enum stream_dir_flag */
};

struct tcp_session {
	struct stream_dir dir[2];  /* by enum flow_dir */
	uint8_t state;             /* enum tcp_state */
};

enum stream_event {
	STREAM_EV_GAP = 0,   /* bytes are missing before the next delivery */
	STREAM_EV_DEPTH,     /* the direction reached the stream depth */
	STREAM_EV_CLOSE,     /* FIN or RST: no more data will follow in this direction */
};

struct stream_sink {
	/* len > 0 bytes of direction dir starting at stream offset `offset`
	 * (0 = first byte after the SYN). */
	void (*data)(void *ud, struct flow *f, enum flow_dir dir, const uint8_t *data,
		     uint32_t len, uint64_t offset);
	void (*event)(void *ud, struct flow *f, enum flow_dir dir, enum stream_event ev);
};

struct stream_config {
	uint64_t depth;            /* bytes per direction, 0 = unlimited (default 1 MiB) */
	uint32_t max_held_segments; /* per direction, in pool chunks of up to 2032 bytes (default 256) */
	uint32_t max_held_bytes;   /* per direction (default 256 KiB) */
	uint64_t memcap;           /* bytes of held segments per worker (default 64 MiB) */
};

void stream_config_defaults(struct stream_config *c);

enum stream_counter {
	STREAM_CTR_SEGMENTS = 0,     /* TCP segments with payload */
	STREAM_CTR_IN_ORDER,         /* delivered straight from the packet */
	STREAM_CTR_OUT_OF_ORDER,     /* held for later */
	STREAM_CTR_RETRANSMIT,       /* entirely old data */
	STREAM_CTR_OVERLAP,          /* partly old data */
	STREAM_CTR_OVERLAP_DIFF,     /* old data that differs from a held copy */
	STREAM_CTR_GAPS,
	STREAM_CTR_DEPTH_REACHED,
	STREAM_CTR_MEMCAP,           /* segments not held: pool exhausted */
	STREAM_CTR_HELD_BYTES,       /* gauge: bytes held now */
	STREAM_CTR_MIDSTREAM,        /* sessions picked up without a SYN */
	STREAM_CTR_HELD_LIMIT,       /* segments not held: per-direction bound reached */
	STREAM_CTR_INVALID,          /* ignored: RST or FIN out of sequence, SYN with a new ISN */
	STREAM_CTR_MAX
};

extern const char *const stream_counter_names[STREAM_CTR_MAX];

struct stream_ctx;

/* Returns a new context (with an empty segment pool), or NULL (ENOMEM). */
struct stream_ctx *stream_ctx_new(const struct stream_config *cfg);
/* Frees the pool: every flow served must have had stream_flow_end() first. */
void stream_ctx_free(struct stream_ctx *ctx);

/*
 * Tracks one decoded TCP packet of flow f in direction dir: updates the
 * session state (and f->state: ESTABLISHED once the handshake completes or
 * the flow was picked up midstream, CLOSED on RST or FIN both ways) and
 * delivers any newly in-order bytes to the sink.
 */
void stream_handle_packet(struct stream_ctx *ctx, struct flow *f, const struct packet *p,
			  enum flow_dir dir, const struct stream_sink *sink, void *ud);

/*
 * The flow is ending: delivers held data behind holes (after a gap event),
 * raises STREAM_EV_CLOSE for a direction whose FIN was seen but not yet
 * reached, then releases every held segment. Idempotent. sink may be NULL
 * (held data is then only released).
 */
void stream_flow_end(struct stream_ctx *ctx, struct flow *f, const struct stream_sink *sink,
		     void *ud);

const counter_t *stream_ctx_counters(const struct stream_ctx *ctx);

#endif
