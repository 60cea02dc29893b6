/*
 * flow-table.c — the per-worker flow table: lookup, creation, LRU, timeouts,
 * eviction at the memory cap.
 *
 * Layout: a power-of-two array of buckets, each a singly linked chain
 * (flow->hnext); every flow in the table is also on one intrusive LRU list
 * (head = most recently seen, tail = least). Flows live in slabs of up to
 * FLOW_SLAB_FLOWS allocated on demand until the slabs hold memcap bytes of
 * struct flow; a freed flow goes to a free list (linked through hnext) and
 * is reused before any new slab is allocated. Nothing is allocated per
 * packet once the table has grown.
 *
 * Policy at the cap, in order: reclaim a timed-out flow near the LRU tail
 * (FLOW_END_TIMEOUT), else evict the LRU flow if it has been idle for
 * evict_min_idle_ns (FLOW_END_EVICTED), else refuse the new flow.
 *
 * Keys: see flow.h (ICMP flows use ports 0: one flow per host pair and
 * VLANs, whatever the type and code, so echo requests and replies meet).
 *
 * Time is packet time only (replays are deterministic). The bucket hash is
 * seeded per table at random so chain lengths cannot be predicted from
 * outside; flow_id uses a fixed seed so it depends only on the key and the
 * first packet's time, not on which worker or table holds the flow (the
 * key is hashed as host-order words: ids are stable across little-endian
 * hosts, which is every target we build for).
 *
 * Expiry walks the LRU from its tail with a resumable cursor, so each call
 * does bounded work and long-lived flows near the tail cannot hide expired
 * ones behind them; see flow_table_expire().
 *
 * Threading: a table belongs to one worker; no locks. Ownership: the table
 * owns its slabs, buckets and flows; the end callback releases what other
 * stages keep inside a flow, exactly once, before the flow is reused.
 */
#include "flow.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define FLOW_SLAB_FLOWS 1024u
#define FLOW_RECLAIM_SCAN 8u   /* flows looked at from the LRU tail at the cap */
#define FLOW_ID_MASK ((UINT64_C(1) << 51) - 1)
#define FLOW_ID_SEED UINT64_C(0x53504f5454455221)

#define NS_PER_SEC UINT64_C(1000000000)

const char *const flow_counter_names[FLOW_CTR_MAX] = {
	[FLOW_CTR_CREATED] = "flow.created",
	[FLOW_CTR_TIMEOUT] = "flow.timeout",
	[FLOW_CTR_EVICTED] = "flow.evicted",
	[FLOW_CTR_REFUSED] = "flow.refused",
	[FLOW_CTR_ACTIVE] = "flow.active",
	[FLOW_CTR_PEAK] = "flow.peak",
	[FLOW_CTR_REUSED] = "flow.reused",
	[FLOW_CTR_MEMUSE] = "flow.memuse",
};

struct flow_slab {
	struct flow_slab *next;
	uint32_t n;
	struct flow flows[];
};

struct flow_table {
	struct flow_config cfg;
	flow_end_fn on_end;
	void *ud;

	struct flow **buckets;
	uint32_t mask;
	uint64_t seed;

	struct flow_slab *slabs;
	struct flow *free;          /* linked through hnext */
	uint64_t allocated;         /* flows in slabs */
	uint64_t max_flows;         /* memcap / sizeof(struct flow) */

	struct flow *lru_head;      /* most recently seen */
	struct flow *lru_tail;      /* least recently seen */
	struct flow *cursor;        /* where flow_table_expire() resumes; NULL = tail */
	uint64_t min_timeout;

	counter_t ctr[FLOW_CTR_MAX];
};

void flow_config_defaults(struct flow_config *c)
{
	c->memcap = UINT64_C(64) << 20;
	c->hash_size = 65536;
	c->evict_min_idle_ns = 1 * NS_PER_SEC;
	c->timeout_new_ns = 60 * NS_PER_SEC;
	c->timeout_est_ns = 600 * NS_PER_SEC;
	c->timeout_closed_ns = 60 * NS_PER_SEC;
	c->timeout_udp_new_ns = 30 * NS_PER_SEC;
	c->timeout_udp_est_ns = 120 * NS_PER_SEC;
}

size_t flow_table_flow_size(void)
{
	return sizeof(struct flow);
}

const counter_t *flow_table_counters(const struct flow_table *ft)
{
	return ft->ctr;
}

/* ---- hashing ------------------------------------------------------------ */

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* The folded 128-bit product of two words: wyhash's mixing step. */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * A seeded hash of the key: not cryptographic, but with a secret seed the
 * bucket of a key cannot be computed from outside. The three word pairs
 * are mixed independently (wyhash's scheme), so the multiplies run in
 * parallel instead of in one dependent chain. The short fields are read
 * as themselves, not as words overlapping them: the key was just written
 * field by field, and a wide load over narrow stores stalls store
 * forwarding. This runs for every packet.
 */
static uint64_t key_hash(const struct flow_key *k, uint64_t seed)
{
	uint64_t w[4], tail, a, b, c;

	memcpy(w, k->addr, sizeof(w));
	tail = (uint64_t)k->port[0] | (uint64_t)k->port[1] << 16 | (uint64_t)k->vlan[0] << 32 |
	       (uint64_t)k->vlan[1] << 48;
	a = mum(w[0] ^ seed ^ UINT64_C(0xa0761d6478bd642f), w[1] ^ UINT64_C(0xe7037ed1a0b428db));
	b = mum(w[2] ^ seed ^ UINT64_C(0x8ebc6af09c88c6e3), w[3] ^ UINT64_C(0x589965cc75374cc3));
	c = mum(tail ^ seed ^ UINT64_C(0x1d8e4e27c47d124f), k->proto ^ UINT64_C(0xa0761d6478bd642f));
	return mum(a ^ c ^ UINT64_C(0xe7037ed1a0b428db), b ^ sizeof(*k));
}

/* Deterministic, in [1, 2^51): EVE readers parse flow_id as a double. */
static uint64_t flow_id_of(const struct flow_key *k, uint64_t first_ts_ns)
{
	uint64_t id = mix64(key_hash(k, FLOW_ID_SEED) ^ mix64(first_ts_ns)) & FLOW_ID_MASK;

	return id ? id : 1;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
		return s;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return mix64((uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec);
}

/* ---- keys --------------------------------------------------------------- */

static bool is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

int flow_key_init(struct flow_key *k, const struct packet *p)
{
	uint16_t sport = p->sport, dport = p->dport;
	unsigned nvlan = p->vlan_count < PKT_MAX_VLAN ? p->vlan_count : PKT_MAX_VLAN;
	int c, src_side;

	memset(k, 0, sizeof(*k));
	if (is_icmp(p->proto))
		sport = dport = 0;
	c = addr_cmp(&p->src, &p->dst);
	src_side = (c > 0 || (c == 0 && sport > dport)) ? 1 : 0;
	k->addr[src_side] = p->src;
	k->addr[!src_side] = p->dst;
	k->port[src_side] = sport;
	k->port[!src_side] = dport;
	for (unsigned i = 0; i < nvlan; i++)
		k->vlan[i] = p->vlan[i];
	k->proto = p->proto;
	return src_side;
}

static uint64_t timeout_of(const struct flow_table *ft, const struct flow *f)
{
	if (f->key.proto == IPPROTO_TCP) {
		switch (f->state) {
		case FLOW_STATE_NEW:
			return ft->cfg.timeout_new_ns;
		case FLOW_STATE_ESTABLISHED:
			return ft->cfg.timeout_est_ns;
		default:
			return ft->cfg.timeout_closed_ns;
		}
	}
	return f->state == FLOW_STATE_NEW ? ft->cfg.timeout_udp_new_ns : ft->cfg.timeout_udp_est_ns;
}

static uint64_t idle_of(const struct flow *f, uint64_t now_ns)
{
	return now_ns > f->last_ts_ns ? now_ns - f->last_ts_ns : 0;
}

static bool timed_out(const struct flow_table *ft, const struct flow *f, uint64_t now_ns)
{
	return idle_of(f, now_ns) >= timeout_of(ft, f);
}

/* ---- LRU ---------------------------------------------------------------- */

static void lru_unlink(struct flow_table *ft, struct flow *f)
{
	if (ft->cursor == f)
		ft->cursor = f->lru_prev;
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		ft->lru_head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		ft->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_push_head(struct flow_table *ft, struct flow *f)
{
	f->lru_prev = NULL;
	f->lru_next = ft->lru_head;
	if (ft->lru_head)
		ft->lru_head->lru_prev = f;
	else
		ft->lru_tail = f;
	ft->lru_head = f;
}

static void lru_touch(struct flow_table *ft, struct flow *f)
{
	if (ft->lru_head == f)
		return;
	lru_unlink(ft, f);
	lru_push_head(ft, f);
}

/* ---- allocation --------------------------------------------------------- */

/* Adds a slab to the free list, never past the memcap. Returns 0 or -ENOMEM
 * (at the cap, or the allocation failed). */
static int slab_grow(struct flow_table *ft)
{
	uint64_t room = ft->max_flows - ft->allocated;
	uint32_t n = room < FLOW_SLAB_FLOWS ? (uint32_t)room : FLOW_SLAB_FLOWS;
	struct flow_slab *s;

	if (n == 0)
		return -ENOMEM;
	s = malloc(sizeof(*s) + (size_t)n * sizeof(struct flow));
	if (!s)
		return -ENOMEM;
	s->n = n;
	s->next = ft->slabs;
	ft->slabs = s;
	/* Push in reverse so the free list hands out slots in address order. */
	for (uint32_t i = n; i-- > 0;) {
		s->flows[i].hnext = ft->free;
		ft->free = &s->flows[i];
	}
	ft->allocated += n;
	COUNTER_SET(ft->ctr[FLOW_CTR_MEMUSE], ft->allocated * sizeof(struct flow));
	return 0;
}

static struct flow *flow_alloc(struct flow_table *ft)
{
	struct flow *f;

	if (!ft->free && slab_grow(ft) < 0)
		return NULL;
	f = ft->free;
	ft->free = f->hnext;
	return f;
}

/* Removes f from the table, runs the end callback, frees the slot. */
static void flow_end(struct flow_table *ft, struct flow *f, enum flow_end_reason why)
{
	struct flow **pp = &ft->buckets[f->hash & ft->mask];

	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	lru_unlink(ft, f);
	if (ft->on_end)
		ft->on_end(ft->ud, f, why);
	f->hnext = ft->free;
	ft->free = f;
	COUNTER_ADD(ft->ctr[FLOW_CTR_ACTIVE], -1);
	switch (why) {
	case FLOW_END_TIMEOUT:
		COUNTER_INC(ft->ctr[FLOW_CTR_TIMEOUT]);
		break;
	case FLOW_END_EVICTED:
		COUNTER_INC(ft->ctr[FLOW_CTR_EVICTED]);
		break;
	case FLOW_END_REUSE:
		COUNTER_INC(ft->ctr[FLOW_CTR_REUSED]);
		break;
	case FLOW_END_SHUTDOWN:
		break;
	}
}

/*
 * At the cap: makes one slot free by ending a flow, per the policy above.
 * Returns false when nothing may be ended.
 */
static bool make_room(struct flow_table *ft, uint64_t now_ns)
{
	struct flow *f = ft->lru_tail;

	for (unsigned i = 0; f && i < FLOW_RECLAIM_SCAN; i++, f = f->lru_prev) {
		if (timed_out(ft, f, now_ns)) {
			flow_end(ft, f, FLOW_END_TIMEOUT);
			return true;
		}
	}
	f = ft->lru_tail;
	if (f && idle_of(f, now_ns) >= ft->cfg.evict_min_idle_ns) {
		flow_end(ft, f, FLOW_END_EVICTED);
		return true;
	}
	return false;
}

/* ---- the table ---------------------------------------------------------- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

struct flow_table *flow_table_new(const struct flow_config *cfg, flow_end_fn on_end, void *ud)
{
	struct flow_table *ft;

	if (cfg->hash_size == 0 || cfg->hash_size > (1u << 28) ||
	    (cfg->hash_size & (cfg->hash_size - 1))) {
		errno = EINVAL;
		return NULL;
	}
	ft = calloc(1, sizeof(*ft));
	if (!ft)
		return NULL;
	ft->buckets = calloc(cfg->hash_size, sizeof(*ft->buckets));
	if (!ft->buckets) {
		free(ft);
		return NULL;
	}
	ft->cfg = *cfg;
	ft->on_end = on_end;
	ft->ud = ud;
	ft->mask = cfg->hash_size - 1;
	ft->seed = random_seed();
	ft->max_flows = cfg->memcap / sizeof(struct flow);
	ft->min_timeout = min_u64(min_u64(cfg->timeout_new_ns, cfg->timeout_est_ns),
				  min_u64(cfg->timeout_closed_ns,
					  min_u64(cfg->timeout_udp_new_ns, cfg->timeout_udp_est_ns)));
	return ft;
}

void flow_table_flush(struct flow_table *ft)
{
	while (ft->lru_tail)
		flow_end(ft, ft->lru_tail, FLOW_END_SHUTDOWN);
	ft->cursor = NULL;
}

void flow_table_foreach(struct flow_table *ft, void (*fn)(void *ud, struct flow *f), void *ud)
{
	for (struct flow *f = ft->lru_head; f; f = f->lru_next)
		fn(ud, f);
}

void flow_table_free(struct flow_table *ft)
{
	struct flow_slab *s, *next;

	if (!ft)
		return;
	flow_table_flush(ft);
	for (s = ft->slabs; s; s = next) {
		next = s->next;
		free(s);
	}
	free(ft->buckets);
	free(ft);
}

static struct flow *lookup(struct flow_table *ft, const struct flow_key *k, uint32_t h)
{
	struct flow *f;

	for (f = ft->buckets[h & ft->mask]; f; f = f->hnext)
		if (f->hash == h && memcmp(&f->key, k, sizeof(*k)) == 0)
			return f;
	return NULL;
}

static bool is_syn_ack(const struct packet *p)
{
	return p->proto == IPPROTO_TCP &&
	       (p->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
}

static bool reuses_closed(const struct flow *f, const struct packet *p)
{
	return f->key.proto == IPPROTO_TCP && f->state == FLOW_STATE_CLOSED &&
	       (p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN;
}

static struct flow *flow_create(struct flow_table *ft, const struct flow_key *k, uint32_t h,
				const struct packet *p, int src_side)
{
	struct flow *f = flow_alloc(ft);
	uint64_t active;

	if (!f) {
		if (!make_room(ft, p->ts_ns) || !(f = flow_alloc(ft))) {
			COUNTER_INC(ft->ctr[FLOW_CTR_REFUSED]);
			return NULL;
		}
	}
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->hash = h;
	f->flow_id = flow_id_of(k, p->ts_ns);
	f->first_ts_ns = f->last_ts_ns = p->ts_ns;
	/* A SYN/ACK first means its sender answered: the other side is the client. */
	f->client = (uint8_t)(is_syn_ack(p) ? !src_side : src_side);
	f->state = FLOW_STATE_NEW;
	f->hnext = ft->buckets[h & ft->mask];
	ft->buckets[h & ft->mask] = f;
	lru_push_head(ft, f);
	COUNTER_INC(ft->ctr[FLOW_CTR_CREATED]);
	COUNTER_INC(ft->ctr[FLOW_CTR_ACTIVE]);
	active = COUNTER_GET(ft->ctr[FLOW_CTR_ACTIVE]);
	if (active > COUNTER_GET(ft->ctr[FLOW_CTR_PEAK]))
		COUNTER_SET(ft->ctr[FLOW_CTR_PEAK], active);
	return f;
}

int flow_table_prepare(const struct flow_table *ft, const struct packet *p,
		       struct flow_lookup *lk)
{
	lk->src_side = flow_key_init(&lk->key, p);
	lk->hash = (uint32_t)key_hash(&lk->key, ft->seed);
	__builtin_prefetch(&ft->buckets[lk->hash & ft->mask]);
	return lk->src_side;
}

void flow_table_prefetch(const struct flow_table *ft, const struct flow_lookup *lk)
{
	const struct flow *f = ft->buckets[lk->hash & ft->mask];

	/* the whole flow: the lookup reads its key, the stages its state */
	if (f)
		for (size_t off = 0; off < sizeof(*f); off += 64)
			__builtin_prefetch((const char *)f + off);
}

struct flow *flow_table_get_prepared(struct flow_table *ft, const struct packet *p,
				     const struct flow_lookup *lk, enum flow_dir *dir,
				     bool *created)
{
	const struct flow_key *k = &lk->key;
	int src_side = lk->src_side;
	uint32_t h = lk->hash;
	struct flow *f = lookup(ft, k, h);

	*created = false;
	if (f && reuses_closed(f, p)) {
		flow_end(ft, f, FLOW_END_REUSE);
		f = NULL;
	}
	if (!f) {
		f = flow_create(ft, k, h, p, src_side);
		if (!f) {
			*dir = is_syn_ack(p) ? DIR_TO_CLIENT : DIR_TO_SERVER;
			return NULL;
		}
		*created = true;
	} else {
		lru_touch(ft, f);
		if (p->ts_ns > f->last_ts_ns)
			f->last_ts_ns = p->ts_ns;
	}
	*dir = flow_dir_of(f, src_side);
	f->pkts[*dir]++;
	f->bytes[*dir] += p->wirelen;
	if (f->key.proto != IPPROTO_TCP && f->state == FLOW_STATE_NEW && f->pkts[0] && f->pkts[1])
		f->state = FLOW_STATE_ESTABLISHED;
	return f;
}

struct flow *flow_table_get(struct flow_table *ft, const struct packet *p, enum flow_dir *dir,
			    bool *created)
{
	struct flow_lookup lk;

	flow_table_prepare(ft, p, &lk);
	return flow_table_get_prepared(ft, p, &lk, dir, created);
}

/*
 * The walk runs from the LRU tail toward the head and stops early at a flow
 * idle for less than the smallest timeout: flows nearer the head were seen
 * later, so none of them can have timed out either.
 */
void flow_table_expire(struct flow_table *ft, uint64_t now_ns)
{
	struct flow *f = ft->cursor ? ft->cursor : ft->lru_tail;
	unsigned budget = FLOW_EXPIRE_BUDGET;

	while (f && budget-- > 0) {
		struct flow *newer = f->lru_prev;
		uint64_t idle = idle_of(f, now_ns);

		if (idle >= timeout_of(ft, f))
			flow_end(ft, f, FLOW_END_TIMEOUT);
		else if (idle < ft->min_timeout)
			newer = NULL; /* restart from the tail next time */
		f = newer;
	}
	ft->cursor = f;
}
