/*
 * detect.c — per-worker detection: scanning, rule evaluation, sightings
 * (see detect-engine.h for the call sequence and compile.h for the model).
 *
 * A *pass* is one evaluation unit: a packet, or one application-layer
 * transaction within it. Hyperscan calls on_match() for every part that
 * matches; a simple rule (one positive part) fires right there, every other
 * rule is *touched* — its matched part bits collected in a list that is
 * evaluated at the end of the pass (detect_tx_end, detect_packet_end). Bits
 * of parts on the TCP stream persist per flow direction in a partial node,
 * so a rule whose contents arrive in different segments still fires.
 * pcre2 verifiers run right after the scan of their buffer, while its bytes
 * are at hand.
 *
 * Sightings live in a per-worker pool of nodes linked from the flow: one
 * node per (rule, flow) that alerted, counting later matches (once per
 * pass). Partial nodes share the pool. The pool has a cap; when it is
 * exhausted alerts are still written, only not deduplicated, and counted.
 *
 * Threading: a detect_thread belongs to one worker; nothing here locks.
 * Allocation happens only at thread start and when the pool grows a slab.
 */
#include "detect-engine.h"

#include <errno.h>
#include <hs/hs.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applayer.h"
#include "eve-json.h"
#include "header.h"

#define SLAB_NODES 4096

enum node_kind {
	NODE_SIGHTING = 0,
	NODE_PARTIAL,
};

struct sighting {
	struct sighting *next;
	uint32_t rule;
	uint32_t count;      /* passes in which the rule matched */
	uint32_t last_pass;
	uint32_t bits[2];    /* NODE_PARTIAL: stream part bits per direction */
	uint64_t first_ts_ns, last_ts_ns;
	uint8_t kind;
	uint8_t dirs;        /* directions the rule matched in */
	uint8_t src_side;    /* key side of the alerting packet's source */
};

struct slab {
	struct slab *next;
	struct sighting nodes[SLAB_NODES];
};

struct touch {
	uint32_t rule;
	uint32_t bits;
};

/* What a detection context needs per engine, sized by its rules and parts;
 * built off the worker's thread at a reload (detect_tables_new()) so that
 * switching engines allocates nothing and cannot fail. */
struct detect_tables {
	const struct detect_engine *de;
	hs_scratch_t *scratch;
	pcre2_match_data *md;
	uint32_t *rule_stamp;   /* per rule: the pass it was last seen in */
	uint32_t *rule_slot;    /* per rule: index in touched[] for that pass */
	struct touch *touched;
	uint32_t *part_stamp;   /* per part: scan id of its cached confirmation */
	uint8_t *part_ok;
	counter_t *rule_alerts; /* per rule: alerts raised */
};

struct detect_thread {
	const struct detect_engine *de;
	const struct rules_db *db;
	struct output_ring *ring;
	struct detect_tables *t;
	/* copies of t's pointers, for the hot path */
	hs_scratch_t *scratch;
	pcre2_match_data *md;

	/* pass state */
	uint32_t pass;
	uint32_t *rule_stamp;
	uint32_t *rule_slot;
	struct touch *touched;
	uint32_t n_touched;
	uint32_t scan;          /* per scan, for the prefilter cache */
	uint32_t *part_stamp;
	uint8_t *part_ok;

	/* current context */
	struct flow *f;
	const struct packet *p;
	enum flow_dir dir;
	const uint8_t *buf;
	uint32_t buf_len;
	bool post_gap;          /* scanning a stream resumed after a gap */
	bool ip_retry;

	/* streams for packets without flow state, reset per packet */
	hs_stream_t *tmp_stream[2];

	/* sighting pool */
	struct slab *slabs;
	struct sighting *free_nodes;
	uint32_t pool_used, pool_cap;

	counter_t counters[DET_COUNTER_MAX];
	counter_t *rule_alerts;
};

const char *const detect_counter_names[DET_COUNTER_MAX] = {
	[DET_ALERTS] = "alerts",
	[DET_SIGHTINGS] = "sightings",
	[DET_REPEATS] = "repeats",
	[DET_UPDATES] = "sighting_updates",
	[DET_OUTPUT_DROPPED] = "output_dropped",
	[DET_POOL_EXHAUSTED] = "sighting_pool_exhausted",
	[DET_STREAM_BYTES] = "stream_bytes",
	[DET_PACKET_BYTES] = "packet_bytes",
	[DET_FIELDS] = "fields",
	[DET_STREAM_GAPS] = "stream_resumed_after_gap",
	[DET_FLOWLESS] = "flowless_packets",
	[DET_HS_ERRORS] = "hyperscan_errors",
	[DET_PCRE_ERRORS] = "pcre_errors",
};

/* ---- the sighting pool ------------------------------------------------ */

static struct sighting *node_alloc(struct detect_thread *dt)
{
	struct sighting *s = dt->free_nodes;

	if (!s) {
		struct slab *sl;

		if (dt->pool_used + SLAB_NODES > dt->pool_cap)
			return NULL;
		sl = malloc(sizeof(*sl));
		if (!sl)
			return NULL;
		sl->next = dt->slabs;
		dt->slabs = sl;
		dt->pool_used += SLAB_NODES;
		for (int i = SLAB_NODES - 1; i >= 0; i--) {
			sl->nodes[i].next = dt->free_nodes;
			dt->free_nodes = &sl->nodes[i];
		}
		s = dt->free_nodes;
	}
	dt->free_nodes = s->next;
	memset(s, 0, sizeof(*s));
	return s;
}

static void node_free(struct detect_thread *dt, struct sighting *s)
{
	s->next = dt->free_nodes;
	dt->free_nodes = s;
}

static struct sighting *node_find(const struct flow *f, uint32_t rule, enum node_kind kind)
{
	for (struct sighting *s = f->det.sightings; s; s = s->next)
		if (s->rule == rule && s->kind == kind)
			return s;
	return NULL;
}

/* ---- rendering ------------------------------------------------------- */

static const char *proto_name(uint8_t proto, char *tmp, size_t len)
{
	switch (proto) {
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 1:
		return "ICMP";
	case 58:
		return "IPv6-ICMP";
	case 47:
		return "GRE";
	case 132:
		return "SCTP";
	default: {
		struct jbuf jb;

		jb_init(&jb, tmp, len - 1);
		jb_u64(&jb, proto);
		*jb.p = '\0';
		return tmp;
	}
	}
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

/* The common head of a record: timestamp through app_proto and vlan. */
static void render_head(struct jbuf *jb, uint64_t ts_ns, const struct flow *f, uint64_t pcap_cnt,
			const char *event_type, const struct addr128 *src, uint16_t sport,
			const struct addr128 *dst, uint16_t dport, uint8_t proto,
			const uint16_t *vlan, uint8_t n_vlan)
{
	char tmp[8];
	const char *app = f ? app_proto_name((enum app_proto)f->app_proto) : NULL;

	jb_lit(jb, "{\"timestamp\":");
	jb_time(jb, ts_ns);
	if (f) {
		jb_lit(jb, ",\"flow_id\":");
		jb_u64(jb, f->flow_id);
	}
	if (pcap_cnt) {
		jb_lit(jb, ",\"pcap_cnt\":");
		jb_u64(jb, pcap_cnt);
	}
	jb_lit(jb, ",\"event_type\":\"");
	jb_lit(jb, event_type);
	jb_lit(jb, "\",\"src_ip\":");
	jb_addr(jb, src);
	if (has_ports(proto)) {
		jb_lit(jb, ",\"src_port\":");
		jb_u64(jb, sport);
	}
	jb_lit(jb, ",\"dest_ip\":");
	jb_addr(jb, dst);
	if (has_ports(proto)) {
		jb_lit(jb, ",\"dest_port\":");
		jb_u64(jb, dport);
	}
	jb_lit(jb, ",\"proto\":\"");
	jb_lit(jb, proto_name(proto, tmp, sizeof(tmp)));
	jb_lit(jb, "\"");
	if (n_vlan) {
		jb_lit(jb, ",\"vlan\":[");
		for (uint8_t i = 0; i < n_vlan; i++) {
			if (i)
				jb_lit(jb, ",");
			jb_u64(jb, vlan[i]);
		}
		jb_lit(jb, "]");
	}
	if (app) {
		jb_lit(jb, ",\"app_proto\":\"");
		jb_lit(jb, app);
		jb_lit(jb, "\"");
	}
}

#define HEAD_MAX 512

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reserves a record for rule ri in the ring; NULL (and counted) when full. */
static struct output_record *record_begin(struct detect_thread *dt, uint32_t ri, size_t extra,
					  enum output_kind kind, struct jbuf *jb)
{
	const struct detect_engine *de = dt->de;
	const struct rules_rule *rr = &dt->db->rules[ri];
	size_t key_len = strlen(rr->key);
	size_t max = sizeof(struct output_record) + key_len + HEAD_MAX + de->alert_obj_len[ri] +
		     de->sighting_obj_len[ri] + extra + 8;
	struct output_record *rec = output_ring_reserve(dt->ring, max);
	char *json;

	if (!rec) {
		COUNTER_INC(dt->counters[DET_OUTPUT_DROPPED]);
		return NULL;
	}
	rec->kind = (uint8_t)kind;
	rec->tlp = de->tlp[ri];
	rec->key_len = (uint16_t)key_len;
	rec->reserved = 0;
	rec->created_ns = mono_ns();
	memcpy((char *)(rec + 1), rr->key, key_len);
	json = (char *)(rec + 1) + key_len;
	jb_init(jb, json, max - sizeof(*rec) - key_len);
	return rec;
}

static void record_end(struct detect_thread *dt, struct output_record *rec, struct jbuf *jb)
{
	const char *json = output_record_json(rec);

	if (jb->overflow) { /* cannot happen with HEAD_MAX; never publish a torn record */
		COUNTER_INC(dt->counters[DET_OUTPUT_DROPPED]);
		output_ring_commit(dt->ring, 0);
		return;
	}
	rec->json_len = (uint32_t)(jb->p - json);
	output_ring_commit(dt->ring, (size_t)(jb->p - (char *)rec));
}

static void emit_alert(struct detect_thread *dt, uint32_t ri)
{
	const struct detect_engine *de = dt->de;
	const struct packet *p = dt->p;
	struct output_record *rec;
	struct jbuf jb;

	rec = record_begin(dt, ri, 0, OUTPUT_ALERT, &jb);
	if (!rec)
		return;
	render_head(&jb, p->ts_ns, dt->f, p->pcap_cnt, "alert", &p->src, p->sport, &p->dst,
		    p->dport, p->proto, p->vlan, p->vlan_count);
	jb_lit(&jb, ",");
	jb_raw(&jb, de->alert_obj[ri], de->alert_obj_len[ri]);
	jb_lit(&jb, ",");
	jb_raw(&jb, de->sighting_obj[ri], de->sighting_obj_len[ri]);
	jb_lit(&jb, "}}");
	record_end(dt, rec, &jb);
	COUNTER_INC(dt->counters[DET_ALERTS]);
	COUNTER_INC(dt->rule_alerts[ri]);
}

static void emit_update(struct detect_thread *dt, const struct flow *f, const struct sighting *s,
			uint64_t count)
{
	const struct detect_engine *de = dt->de;
	const struct flow_key *k = &f->key;
	int a = s->src_side, b = !s->src_side;
	struct output_record *rec;
	struct jbuf jb;

	rec = record_begin(dt, s->rule, 128, OUTPUT_SIGHTING, &jb);
	if (!rec)
		return;
	render_head(&jb, s->last_ts_ns, f, 0, "sighting", &k->addr[a], k->port[a], &k->addr[b],
		    k->port[b], k->proto, k->vlan, (uint8_t)(k->vlan[1] ? 2 : k->vlan[0] ? 1 : 0));
	jb_lit(&jb, ",");
	jb_raw(&jb, de->alert_obj[s->rule], de->alert_obj_len[s->rule]);
	jb_lit(&jb, ",");
	jb_raw(&jb, de->sighting_obj[s->rule], de->sighting_obj_len[s->rule]);
	jb_lit(&jb, ",\"count\":");
	jb_u64(&jb, count);
	jb_lit(&jb, ",\"first_seen\":");
	jb_time(&jb, s->first_ts_ns);
	jb_lit(&jb, ",\"last_seen\":");
	jb_time(&jb, s->last_ts_ns);
	jb_lit(&jb, "}}");
	record_end(dt, rec, &jb);
	COUNTER_INC(dt->counters[DET_UPDATES]);
}

/* ---- rule evaluation --------------------------------------------------- */

static bool is_app_proto_rule(const struct rule *r)
{
	return r->proto == RULE_PROTO_HTTP || r->proto == RULE_PROTO_TLS ||
	       r->proto == RULE_PROTO_DNS;
}

static bool proto_ok(const struct detect_thread *dt, const struct rule *r)
{
	const struct packet *p = dt->p;
	const struct flow *f = dt->f;

	switch (r->proto) {
	case RULE_PROTO_TCP:
		return p->proto == 6;
	case RULE_PROTO_UDP:
		return p->proto == 17;
	case RULE_PROTO_ICMP:
		return p->proto == 1 || p->proto == 58;
	case RULE_PROTO_HTTP:
		return f && f->app_proto == APP_PROTO_HTTP;
	case RULE_PROTO_TLS:
		return f && f->app_proto == APP_PROTO_TLS;
	case RULE_PROTO_DNS:
		return f && f->app_proto == APP_PROTO_DNS;
	default:
		return true;
	}
}

static bool header_ok(struct detect_thread *dt, const struct rule *r)
{
	const struct packet *p = dt->p;

	if (!proto_ok(dt, r)) {
		/* an application-protocol rule may match once detection has decided */
		if (dt->f && dt->f->app_proto == APP_PROTO_UNKNOWN && is_app_proto_rule(r))
			dt->ip_retry = true;
		return false;
	}
	if (r->flow & (RULE_FLOW_TO_SERVER | RULE_FLOW_TO_CLIENT | RULE_FLOW_ESTABLISHED)) {
		if (!dt->f)
			return false;
		if ((r->flow & RULE_FLOW_TO_SERVER) && dt->dir != DIR_TO_SERVER)
			return false;
		if ((r->flow & RULE_FLOW_TO_CLIENT) && dt->dir != DIR_TO_CLIENT)
			return false;
		if ((r->flow & RULE_FLOW_ESTABLISHED) && dt->f->state < FLOW_STATE_ESTABLISHED) {
			dt->ip_retry = true;
			return false;
		}
	}
	return rule_header_match(r, &p->src, p->sport, &p->dst, p->dport, has_ports(p->proto));
}

/* The rule's conditions hold for the current packet: alert, or count. */
static void fire(struct detect_thread *dt, uint32_t ri)
{
	const struct rules_rule *rr = &dt->db->rules[ri];
	struct flow *f = dt->f;
	struct sighting *s;

	if (!header_ok(dt, rr->r))
		return;
	if (f) {
		s = node_find(f, ri, NODE_SIGHTING);
		if (s) {
			if (s->last_pass != dt->pass) {
				s->last_pass = dt->pass;
				s->count++;
				s->last_ts_ns = dt->p->ts_ns;
				s->dirs |= (uint8_t)(1u << dt->dir);
				COUNTER_INC(dt->counters[DET_REPEATS]);
			}
			return;
		}
		s = node_alloc(dt);
		if (s) {
			s->kind = NODE_SIGHTING;
			s->rule = ri;
			s->count = 1;
			s->last_pass = dt->pass;
			s->first_ts_ns = s->last_ts_ns = dt->p->ts_ns;
			s->dirs = (uint8_t)(1u << dt->dir);
			s->src_side = (uint8_t)(dt->dir == DIR_TO_SERVER ? f->client : !f->client);
			s->next = f->det.sightings;
			f->det.sightings = s;
		} else {
			COUNTER_INC(dt->counters[DET_POOL_EXHAUSTED]);
		}
	}
	COUNTER_INC(dt->counters[DET_SIGHTINGS]);
	emit_alert(dt, ri);
}

static void touch(struct detect_thread *dt, uint32_t ri, uint32_t bits)
{
	if (dt->rule_stamp[ri] != dt->pass) {
		dt->rule_stamp[ri] = dt->pass;
		dt->rule_slot[ri] = dt->n_touched;
		dt->touched[dt->n_touched].rule = ri;
		dt->touched[dt->n_touched].bits = 0;
		dt->n_touched++;
	}
	dt->touched[dt->rule_slot[ri]].bits |= bits;
}

static bool pcre_match(struct detect_thread *dt, const struct rules_part *part)
{
	int rc = pcre2_match((const pcre2_code *)part->re, dt->buf, dt->buf_len, 0, 0, dt->md,
			     NULL);

	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		COUNTER_INC(dt->counters[DET_PCRE_ERRORS]);
	return rc >= 0;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	struct detect_thread *dt = ctx;
	const struct rules_part *part = &dt->db->parts[id];
	const struct rules_rule *rr = &dt->db->rules[part->rule];

	(void)from;
	(void)flags;
	/* a single content's offset/depth: the match must end in bounds */
	if (to < part->min_end || to > part->max_end)
		return 0;
	/* after a gap, positions no longer count from the stream start */
	if (dt->post_gap && part->anchored)
		return 0;
	if (part->prefilter) {
		if (dt->part_stamp[id] != dt->scan) {
			dt->part_stamp[id] = dt->scan;
			dt->part_ok[id] = pcre_match(dt, part);
		}
		if (!dt->part_ok[id])
			return 0;
	}
	if ((rr->flags & RULES_F_SIMPLE) &&
	    !(dt->f && dt->f->app_proto == APP_PROTO_UNKNOWN && is_app_proto_rule(rr->r))) {
		/* once per pass is enough: later matches only repeat it */
		if (dt->rule_stamp[part->rule] == dt->pass)
			return 0;
		dt->rule_stamp[part->rule] = dt->pass;
		dt->rule_slot[part->rule] = UINT32_MAX;
		fire(dt, part->rule);
		return 0;
	}
	if (dt->rule_stamp[part->rule] == dt->pass && dt->rule_slot[part->rule] == UINT32_MAX)
		return 0; /* a simple rule already fired in this pass */
	touch(dt, part->rule, 1u << part->bit);
	return 0;
}

static int on_verify(unsigned int id, unsigned long long from, unsigned long long to,
		     unsigned int flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	*(bool *)ctx = true;
	return 1; /* one match is enough: stop */
}

static bool verify(struct detect_thread *dt, const struct rules_part *part)
{
	bool hit = false;

	if (!part->vdb)
		return pcre_match(dt, part);
	/* HS_SCAN_TERMINATED is how on_verify stops the scan */
	hs_scan((const hs_database_t *)part->vdb, (const char *)dt->buf, dt->buf_len, 0,
		dt->scratch, on_verify, &hit);
	return hit;
}

/* Runs the verifiers on buffer `buf` of the rules touched so far. */
static void run_verifiers(struct detect_thread *dt, enum buffer buf)
{
	for (uint32_t i = 0; i < dt->n_touched; i++) {
		struct touch *t = &dt->touched[i];
		const struct rules_rule *rr = &dt->db->rules[t->rule];

		if (!(rr->flags & RULES_F_VERIFY))
			continue;
		for (uint32_t k = 0; k < rr->n_parts; k++) {
			const struct rules_part *part = &dt->db->parts[rr->first_part + k];

			if (part->kind != PART_VERIFY || part->buffer != buf ||
			    (t->bits & (1u << k)))
				continue;
			if (verify(dt, part))
				t->bits |= 1u << k;
		}
	}
}

static bool is_tcp_flow(const struct detect_thread *dt)
{
	return dt->f && dt->f->key.proto == 6;
}

/* End of a pass: evaluate every touched rule. */
static void flush(struct detect_thread *dt)
{
	for (uint32_t i = 0; i < dt->n_touched; i++) {
		const struct touch *t = &dt->touched[i];
		const struct rules_rule *rr = &dt->db->rules[t->rule];
		uint32_t mask = t->bits;
		struct sighting *partial = NULL;
		bool stream = is_tcp_flow(dt) && (rr->flags & RULES_F_STREAM_PARTS);

		if (stream) {
			partial = node_find(dt->f, t->rule, NODE_PARTIAL);
			if (partial)
				mask |= partial->bits[dt->dir];
		}
		if ((mask & rr->need) == rr->need && !(mask & rr->neg)) {
			fire(dt, t->rule);
			continue;
		}
		if (stream && (t->bits & rr->payload_mask)) {
			if (!partial) {
				partial = node_alloc(dt);
				if (!partial) {
					COUNTER_INC(dt->counters[DET_POOL_EXHAUSTED]);
					continue;
				}
				partial->kind = NODE_PARTIAL;
				partial->rule = t->rule;
				partial->next = dt->f->det.sightings;
				dt->f->det.sightings = partial;
			}
			partial->bits[dt->dir] |= t->bits & rr->payload_mask;
		}
	}
	dt->n_touched = 0;
	dt->pass++;
}

/* ---- header-only rules --------------------------------------------------- */

static int visit_ip_only(void *ud, uint32_t ri)
{
	struct detect_thread *dt = ud;

	if (dt->rule_stamp[ri] == dt->pass)
		return 0;
	dt->rule_stamp[ri] = dt->pass;
	dt->rule_slot[ri] = UINT32_MAX;
	fire(dt, ri);
	return 0;
}

static void ip_only(struct detect_thread *dt)
{
	const struct rules_db *db = dt->db;
	struct flow *f = dt->f;
	uint8_t bit = (uint8_t)(1u << dt->dir);

	if (!db->n_ip_only || (f && (f->det.ip_only_done & bit)))
		return;
	dt->ip_retry = false;
	iptree_lookup(db->ip_by_src, &dt->p->src, visit_ip_only, dt);
	iptree_lookup(db->ip_by_dst, &dt->p->dst, visit_ip_only, dt);
	for (uint32_t i = 0; i < db->n_ip_wide; i++)
		visit_ip_only(dt, db->ip_wide[i]);
	/* a rule that waits for the flow to be established is tried again */
	if (f && !dt->ip_retry)
		f->det.ip_only_done |= bit;
}

/* ---- scanning ---------------------------------------------------------- */

static void scan_block(struct detect_thread *dt, enum rules_slot slot, enum buffer buf,
		       const uint8_t *data, uint32_t len)
{
	const hs_database_t *db = (const hs_database_t *)dt->db->db[slot];

	if (!db || !len)
		return;
	dt->buf = data;
	dt->buf_len = len;
	dt->post_gap = false;
	dt->scan++;
	if (hs_scan(db, (const char *)data, len, 0, dt->scratch, on_match, dt) != HS_SUCCESS)
		COUNTER_INC(dt->counters[DET_HS_ERRORS]);
	run_verifiers(dt, buf);
}

void detect_packet_begin(struct detect_thread *dt, struct flow *f, const struct packet *p,
			 enum flow_dir dir)
{
	dt->f = f;
	dt->p = p;
	dt->dir = dir;
	/* a reload rebased every flow (detect_flow_rebase()): a flow on
	 * another generation is new */
	if (f && f->det.generation != dt->de->generation)
		f->det.generation = dt->de->generation;
	if (!f)
		COUNTER_INC(dt->counters[DET_FLOWLESS]);
}

void detect_stream_data(struct detect_thread *dt, struct flow *f, enum flow_dir dir,
			const uint8_t *data, uint32_t len)
{
	enum rules_slot slot = dir == DIR_TO_SERVER ? SLOT_STREAM_TS : SLOT_STREAM_TC;
	const hs_database_t *db = (const hs_database_t *)dt->db->db[slot];
	hs_stream_t **st = (hs_stream_t **)&f->det.hs[dir];

	if (!db || !len || (f->det.flags & (DETF_CLOSED_TS << dir)))
		return;
	if (!*st && hs_open_stream(db, 0, st) != HS_SUCCESS) {
		COUNTER_INC(dt->counters[DET_HS_ERRORS]);
		f->det.flags |= (uint8_t)(DETF_CLOSED_TS << dir);
		return;
	}
	dt->dir = dir;
	dt->buf = data;
	dt->buf_len = len;
	dt->post_gap = f->det.flags & (DETF_GAP_TS << dir);
	dt->scan++;
	COUNTER_ADD(dt->counters[DET_STREAM_BYTES], len);
	if (hs_scan_stream(*st, (const char *)data, len, 0, dt->scratch, on_match, dt) !=
	    HS_SUCCESS)
		COUNTER_INC(dt->counters[DET_HS_ERRORS]);
	run_verifiers(dt, BUFFER_PAYLOAD);
}

/* Ends the Hyperscan stream of a direction; `final` stops inspecting it. */
static void close_stream(struct flow *f, enum flow_dir dir, bool final)
{
	hs_stream_t *st = (hs_stream_t *)f->det.hs[dir];

	if (st) {
		/* no callback: matches that need end-of-data are not reported */
		hs_close_stream(st, NULL, NULL, NULL);
		f->det.hs[dir] = NULL;
	}
	if (final)
		f->det.flags |= (uint8_t)(DETF_CLOSED_TS << dir);
}

void detect_stream_event(struct detect_thread *dt, struct flow *f, enum flow_dir dir,
			 enum stream_event ev)
{
	switch (ev) {
	case STREAM_EV_GAP:
		/* A pattern never spans a gap: start a new stream after it. Its
		 * offsets no longer count from the start of the TCP stream, so
		 * parts anchored there (offset, depth, ^) are ignored from now on;
		 * everything else is still matched. */
		if (!(f->det.flags & (DETF_GAP_TS << dir)))
			COUNTER_INC(dt->counters[DET_STREAM_GAPS]);
		f->det.flags |= (uint8_t)(DETF_GAP_TS << dir);
		close_stream(f, dir, false);
		break;
	case STREAM_EV_DEPTH:
	case STREAM_EV_CLOSE:
		close_stream(f, dir, true);
		break;
	}
}

void detect_field(struct detect_thread *dt, enum buffer buf, const uint8_t *data, uint32_t len)
{
	enum rules_slot slot = rules_slot_of_buffer(buf);

	if (slot == SLOT_MAX)
		return;
	COUNTER_INC(dt->counters[DET_FIELDS]);
	scan_block(dt, slot, buf, data, len);
}

void detect_tx_end(struct detect_thread *dt)
{
	flush(dt);
}

/* TCP without flow state: scan the segment alone with a per-thread stream. */
static void flowless_tcp(struct detect_thread *dt)
{
	enum rules_slot slot = dt->dir == DIR_TO_SERVER ? SLOT_STREAM_TS : SLOT_STREAM_TC;
	const hs_database_t *db = (const hs_database_t *)dt->db->db[slot];
	hs_stream_t **st = &dt->tmp_stream[dt->dir];

	if (!db || !dt->p->payload_len)
		return;
	if (!*st && hs_open_stream(db, 0, st) != HS_SUCCESS) {
		COUNTER_INC(dt->counters[DET_HS_ERRORS]);
		return;
	}
	dt->buf = dt->p->payload;
	dt->buf_len = dt->p->payload_len;
	dt->post_gap = false;
	dt->scan++;
	if (hs_scan_stream(*st, (const char *)dt->buf, dt->buf_len, 0, dt->scratch, on_match, dt) !=
	    HS_SUCCESS)
		COUNTER_INC(dt->counters[DET_HS_ERRORS]);
	run_verifiers(dt, BUFFER_PAYLOAD);
	hs_reset_stream(*st, 0, NULL, NULL, NULL);
}

void detect_payload(struct detect_thread *dt)
{
	const struct packet *p = dt->p;
	enum rules_slot slot = dt->dir == DIR_TO_SERVER ? SLOT_PACKET_TS : SLOT_PACKET_TC;

	if (p->proto == 6) {
		flowless_tcp(dt);
		return;
	}
	COUNTER_ADD(dt->counters[DET_PACKET_BYTES], p->payload_len);
	scan_block(dt, slot, BUFFER_PAYLOAD, p->payload, p->payload_len);
}

void detect_packet_end(struct detect_thread *dt)
{
	ip_only(dt);
	flush(dt);
}

void detect_flow_end(struct detect_thread *dt, struct flow *f)
{
	struct sighting *s = f->det.sightings;

	for (int d = 0; d < 2; d++)
		if (f->det.hs[d]) {
			hs_close_stream((hs_stream_t *)f->det.hs[d], NULL, NULL, NULL);
			f->det.hs[d] = NULL;
		}
	while (s) {
		struct sighting *next = s->next;

		if (s->kind == NODE_SIGHTING) {
			uint64_t count = s->count;

			/* a header-only rule matches every packet of its direction */
			if (dt->db->rules[s->rule].flags & RULES_F_IP_ONLY)
				count = ((s->dirs & 1) ? f->pkts[0] : 0) +
					((s->dirs & 2) ? f->pkts[1] : 0);
			if (count > 1)
				emit_update(dt, f, s, count);
		}
		node_free(dt, s);
		s = next;
	}
	f->det.sightings = NULL;
	f->det.flags = 0;
	f->det.ip_only_done = 0;
}

/* ---- lifecycle --------------------------------------------------------- */

void detect_tables_free(struct detect_tables *t)
{
	if (!t)
		return;
	hs_free_scratch(t->scratch);
	pcre2_match_data_free(t->md);
	free(t->rule_stamp);
	free(t->rule_slot);
	free(t->touched);
	free(t->part_stamp);
	free(t->part_ok);
	free(t->rule_alerts);
	free(t);
}

struct detect_tables *detect_tables_new(const struct detect_engine *de)
{
	struct detect_tables *t = calloc(1, sizeof(*t));
	uint32_t nr = de->db->n_rules ? de->db->n_rules : 1;
	uint32_t np = de->db->n_parts ? de->db->n_parts : 1;

	if (!t)
		return NULL;
	t->de = de;
	t->rule_stamp = calloc(nr, sizeof(*t->rule_stamp));
	t->rule_slot = calloc(nr, sizeof(*t->rule_slot));
	t->touched = calloc(nr, sizeof(*t->touched));
	t->part_stamp = calloc(np, sizeof(*t->part_stamp));
	t->part_ok = calloc(np, sizeof(*t->part_ok));
	t->rule_alerts = calloc(nr, sizeof(*t->rule_alerts));
	t->md = pcre2_match_data_create(de->db->max_captures + 1, NULL);
	if (!t->rule_stamp || !t->rule_slot || !t->touched || !t->part_stamp || !t->part_ok ||
	    !t->rule_alerts || !t->md)
		goto fail;
	if (de->scratch &&
	    hs_clone_scratch((const hs_scratch_t *)de->scratch, &t->scratch) != HS_SUCCESS)
		goto fail;
	return t;
fail:
	detect_tables_free(t);
	return NULL;
}

const struct detect_engine *detect_tables_engine(const struct detect_tables *t)
{
	return t->de;
}

static void use_tables(struct detect_thread *dt, struct detect_tables *t)
{
	dt->t = t;
	dt->de = t->de;
	dt->db = t->de->db;
	dt->scratch = t->scratch;
	dt->md = t->md;
	dt->rule_stamp = t->rule_stamp;
	dt->rule_slot = t->rule_slot;
	dt->touched = t->touched;
	dt->part_stamp = t->part_stamp;
	dt->part_ok = t->part_ok;
	dt->rule_alerts = t->rule_alerts;
	dt->n_touched = 0;
}

struct detect_thread *detect_thread_new(const struct detect_engine *de, struct output_ring *ring)
{
	struct detect_thread *dt = calloc(1, sizeof(*dt));
	struct detect_tables *t = detect_tables_new(de);

	if (!dt || !t) {
		free(dt);
		detect_tables_free(t);
		return NULL;
	}
	dt->ring = ring;
	dt->pool_cap = de->sighting_pool;
	dt->pass = 1;
	use_tables(dt, t);
	return dt;
}

void detect_flow_rebase(struct detect_thread *dt, struct flow *f, uint32_t generation)
{
	uint8_t flags = f->det.flags;

	/* a direction already scanned resumes mid-stream: as after a gap,
	 * parts anchored at the stream start no longer apply */
	for (int d = 0; d < 2; d++)
		if (f->det.hs[d])
			flags |= (uint8_t)(DETF_GAP_TS << d);
	detect_flow_end(dt, f);
	f->det.flags = flags;
	f->det.ip_only_done = 0;
	f->det.generation = generation;
}

struct detect_tables *detect_thread_switch(struct detect_thread *dt, struct detect_tables *t,
					   const uint32_t *prev)
{
	struct detect_tables *old = dt->t;

	for (int d = 0; d < 2; d++)
		if (dt->tmp_stream[d]) {
			hs_close_stream(dt->tmp_stream[d], NULL, NULL, NULL);
			dt->tmp_stream[d] = NULL;
		}
	/* alert counts follow their rule (by identity) into the new set */
	for (uint32_t i = 0; prev && i < t->de->db->n_rules; i++)
		if (prev[i] != UINT32_MAX)
			COUNTER_ADD(t->rule_alerts[i], COUNTER_GET(old->rule_alerts[prev[i]]));
	use_tables(dt, t);
	return old;
}

void detect_thread_free(struct detect_thread *dt)
{
	if (!dt)
		return;
	for (int d = 0; d < 2; d++)
		if (dt->tmp_stream[d])
			hs_close_stream(dt->tmp_stream[d], NULL, NULL, NULL);
	while (dt->slabs) {
		struct slab *next = dt->slabs->next;

		free(dt->slabs);
		dt->slabs = next;
	}
	detect_tables_free(dt->t);
	free(dt);
}

const counter_t *detect_thread_counters(const struct detect_thread *dt)
{
	return dt->counters;
}

const counter_t *detect_thread_rule_alerts(const struct detect_thread *dt)
{
	return dt->rule_alerts;
}
