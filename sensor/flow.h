/*
 * flow.h — a flow (bidirectional 5-tuple + VLANs) and the per-worker table.
 *
 * Each worker owns one flow table; the reader's symmetric dispatch hash
 * guarantees that both directions of a flow reach the same worker, so the
 * table needs no locks. Flows come from slabs allocated as the table grows,
 * up to a memory cap; past the cap the least recently used flow is evicted
 * if it has been idle long enough, otherwise the new flow is refused (and
 * the packet is inspected without flow state). Timeouts run on packet time,
 * so replaying a capture is deterministic.
 *
 * Ownership: the table owns its flows. Other stages keep state inside the
 * flow (tcp, app, det) and release it in the table's end-of-flow callback,
 * which runs exactly once per flow, before the flow's memory is reused.
 */
#ifndef SPOTTER_FLOW_H
#define SPOTTER_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "counter.h"
#include "detect-flow.h"
#include "packet.h"
#include "stream.h"

/*
 * Normalised key: side 0 is the lower (address, port) pair, so both
 * directions of a flow have one key. VLAN ids (outer first, unused slots 0)
 * are part of the key. ICMP and ICMPv6 use ports 0: all ICMP between two
 * hosts (on the same VLANs) is one flow, whatever its type and code.
 * pad is always zero, so keys compare and hash as plain bytes.
 */
struct flow_key {
	struct addr128 addr[2];
	uint16_t port[2];
	uint16_t vlan[PKT_MAX_VLAN];
	uint8_t proto;
	uint8_t pad[3];
};

enum flow_state {
	FLOW_STATE_NEW = 0,      /* one direction seen (TCP: handshake not complete) */
	FLOW_STATE_ESTABLISHED,  /* both directions seen (TCP: handshake complete or midstream) */
	FLOW_STATE_CLOSED,       /* TCP FIN both ways or RST */
};

enum flow_flag {
	FLOW_F_MIDSTREAM = 1 << 0, /* TCP flow picked up without its SYN */
};

enum flow_end_reason {
	FLOW_END_TIMEOUT = 0,
	FLOW_END_EVICTED,   /* pushed out at the memory cap */
	FLOW_END_SHUTDOWN,  /* end of capture / exit */
	FLOW_END_REUSE,     /* TCP: a new SYN on a closed session starts a new flow */
};

struct flow {
	/* table linkage: owned by flow-table.c */
	struct flow *hnext;
	struct flow *lru_prev, *lru_next;
	uint32_t hash;

	struct flow_key key;
	uint64_t flow_id;        /* deterministic: hash of key and first packet time, < 2^51 */
	uint64_t first_ts_ns, last_ts_ns;
	uint64_t pkts[2], bytes[2]; /* by enum flow_dir */
	uint8_t client;          /* key side (0/1) of the client */
	uint8_t state;           /* enum flow_state */
	uint8_t flags;           /* enum flow_flag */
	uint8_t app_proto;       /* enum app_proto, set by the application layer */

	struct tcp_session tcp;  /* TCP only: reassembly state, owned by stream.c */
	void *app;               /* application-layer parser state, owned by applayer */
	struct detect_flow det;  /* owned by the detect engine */
};

/* Key side of a packet's source: 0 or 1. */
static inline enum flow_dir flow_dir_of(const struct flow *f, int src_side)
{
	return src_side == f->client ? DIR_TO_SERVER : DIR_TO_CLIENT;
}

struct flow_config {
	uint64_t memcap;             /* bytes of struct flow per table (default 64 MiB) */
	uint32_t hash_size;          /* buckets, power of two (default 65536) */
	uint64_t evict_min_idle_ns;  /* at the cap, evict LRU only if idle this long (default 1 s) */
	uint64_t timeout_new_ns;     /* per state; defaults: tcp 60 s/600 s/60 s, others 30 s/120 s */
	uint64_t timeout_est_ns;
	uint64_t timeout_closed_ns;
	uint64_t timeout_udp_new_ns; /* UDP, ICMP and every other non-TCP protocol */
	uint64_t timeout_udp_est_ns;
};

void flow_config_defaults(struct flow_config *c);

enum flow_counter {
	FLOW_CTR_CREATED = 0,
	FLOW_CTR_TIMEOUT,     /* ended by timeout */
	FLOW_CTR_EVICTED,     /* ended early to make room at the cap */
	FLOW_CTR_REFUSED,     /* not created: at the cap and nothing evictable */
	FLOW_CTR_ACTIVE,      /* gauge: flows in the table now */
	FLOW_CTR_PEAK,        /* gauge: most flows at once */
	FLOW_CTR_REUSED,      /* TCP flows ended by a new SYN on the closed session */
	FLOW_CTR_MEMUSE,      /* gauge: bytes of flow slabs allocated (never above memcap) */
	FLOW_CTR_MAX
};

extern const char *const flow_counter_names[FLOW_CTR_MAX];

struct flow_table;

/* Called once for every flow leaving the table, before its memory is reused. */
typedef void (*flow_end_fn)(void *ud, struct flow *f, enum flow_end_reason why);

/*
 * Returns a new empty table, or NULL with errno set: EINVAL when hash_size
 * is not a power of two in [1, 2^28], ENOMEM. The bucket array (8 bytes a
 * bucket) is outside the memcap; flow slabs are allocated on demand.
 * on_end may be NULL. The callback must not call back into the table.
 */
struct flow_table *flow_table_new(const struct flow_config *cfg, flow_end_fn on_end, void *ud);
void flow_table_free(struct flow_table *ft); /* ends remaining flows (FLOW_END_SHUTDOWN) */

/*
 * Fills *k with the normalised key of packet p (pad and unused VLAN slots
 * zeroed) and returns the key side (0/1) of the packet's source. A packet
 * whose source and destination (address, port) are equal has source side 0
 * in both directions.
 */
int flow_key_init(struct flow_key *k, const struct packet *p);

/*
 * Finds or creates the flow of a decoded packet. Sets *dir to the packet's
 * direction and *created when the flow is new. Returns NULL when the flow
 * would be new but the table is at its cap and nothing can be evicted
 * (*dir is then the direction the packet would have had in a new flow).
 * Updates last-seen time, LRU position and the per-direction counters.
 * A TCP SYN (without ACK) on a flow whose state is CLOSED ends that flow
 * (FLOW_END_REUSE) and starts a new one, as Suricata does on port reuse.
 * Ending flows to make room calls the end callback from inside this call.
 */
struct flow *flow_table_get(struct flow_table *ft, const struct packet *p,
			    enum flow_dir *dir, bool *created);

/*
 * The same lookup in stages, so a worker can overlap the cache misses of
 * several packets (VPP's habit): flow_table_prepare() computes the key and
 * hash and prefetches the bucket; flow_table_prefetch(), a little later,
 * prefetches the bucket's first flow; flow_table_get_prepared() then finds
 * or creates the flow exactly as flow_table_get() does. Nothing is held
 * between the stages: the table may change in between.
 */
struct flow_lookup {
	struct flow_key key;
	uint32_t hash;
	int src_side;
};

int flow_table_prepare(const struct flow_table *ft, const struct packet *p,
		       struct flow_lookup *lk);
void flow_table_prefetch(const struct flow_table *ft, const struct flow_lookup *lk);
struct flow *flow_table_get_prepared(struct flow_table *ft, const struct packet *p,
				     const struct flow_lookup *lk, enum flow_dir *dir,
				     bool *created);

/*
 * Ends flows idle for at least their timeout at packet time now_ns. Bounded
 * work: examines at most FLOW_EXPIRE_BUDGET flows per call, walking from the
 * least recently used end and resuming where the previous call stopped, so
 * long-lived flows do not hide expired ones behind them.
 */
#define FLOW_EXPIRE_BUDGET 512
void flow_table_expire(struct flow_table *ft, uint64_t now_ns);

/* Ends every flow (end of capture), least recently used first. */
void flow_table_flush(struct flow_table *ft);

/* Calls fn for every flow in the table (most recently seen first). fn must
 * not add or end flows. */
void flow_table_foreach(struct flow_table *ft, void (*fn)(void *ud, struct flow *f), void *ud);

const counter_t *flow_table_counters(const struct flow_table *ft);

/* Bytes per flow slot, for memory figures. */
size_t flow_table_flow_size(void);

#endif
