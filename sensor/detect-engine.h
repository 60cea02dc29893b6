/*
 * detect-engine.h — the shared, immutable detection engine and the
 * per-worker detection context.
 *
 * The engine wraps a compiled rule set (rules/compile.h) with what every
 * worker needs and nobody changes: the prototype Hyperscan scratch, each
 * rule's alert record pre-rendered as JSON, the effective TLP of each
 * rule. It is published through an _Atomic pointer with a generation
 * number; a worker picks up a new engine at a batch boundary and the old
 * one is freed when every worker has moved on.
 *
 * The per-worker context (struct detect_thread) owns its Hyperscan scratch,
 * pcre2 match data, the sighting pool and the counters. It is driven by the
 * worker, one packet at a time:
 *
 *   detect_packet_begin(dt, f, p, dir)   f may be NULL (no flow state)
 *     detect_stream_data()               TCP: each in-order chunk
 *     detect_stream_event()              TCP: gap / depth / close
 *     detect_field(), detect_tx_end()    application-layer fields
 *     detect_payload()                   non-TCP payload (and TCP without a flow)
 *   detect_packet_end(dt)                header-only rules, then evaluation
 *
 * and detect_flow_end() when the flow table lets a flow go. A rule raises
 * at most one alert per flow; later matches raise that sighting's count,
 * reported in an event_type "sighting" record when the flow ends.
 */
#ifndef SPOTTER_DETECT_ENGINE_H
#define SPOTTER_DETECT_ENGINE_H

#include <stdint.h>

#include "buffer.h"
#include "compile.h"
#include "counter.h"
#include "flow.h"
#include "output-ring.h"
#include "packet.h"
#include "stream.h"

struct hs_scratch;

struct detect_config {
	const char *sensor_id;   /* "sighting":{"sensor": ...} */
	const char *org;         /* "sighting":{"org": ...} */
	enum tlp default_tlp;    /* for rules without a tlp marking (default amber) */
	uint32_t sighting_pool;  /* sighting nodes per worker (default 262144) */
};

void detect_config_defaults(struct detect_config *c);

struct detect_engine {
	struct rules_db *db;         /* owned */
	char **alert_obj;            /* per rule: "alert":{...} */
	uint32_t *alert_obj_len;
	char **sighting_obj;         /* per rule: "sighting":{"sensor":..,"org":..,"tlp":.. (unclosed) */
	uint32_t *sighting_obj_len;
	uint8_t *tlp;                /* per rule: effective enum tlp */
	struct hs_scratch *scratch;  /* prototype, cloned per worker */
	uint32_t n_rules;
	uint32_t sighting_pool;
	uint32_t generation;
	uint32_t *prev_index;        /* per rule: its index in the engine it replaced, or
				      * UINT32_MAX (detect_engine_link()); NULL at first */
};

/* Takes db on success. Returns 0 or a negative errno with err set. */
int detect_engine_new(struct rules_db *db, const struct detect_config *cfg,
		      struct detect_engine **out, char *err, size_t errlen);
void detect_engine_free(struct detect_engine *de);

/* Sets de->generation to old's + 1 and maps each rule of de to the rule
 * with the same identity (gid:sid or STIX id) in old. 0 or -ENOMEM. */
int detect_engine_link(struct detect_engine *de, const struct detect_engine *old);

enum detect_counter {
	DET_ALERTS = 0,          /* alert records produced */
	DET_SIGHTINGS,           /* distinct (rule, flow) pairs */
	DET_REPEATS,             /* later matches counted into a sighting */
	DET_UPDATES,             /* sighting records with a final count */
	DET_OUTPUT_DROPPED,      /* records lost: output queue full */
	DET_POOL_EXHAUSTED,      /* no sighting node: alert not deduplicated */
	DET_STREAM_BYTES,        /* TCP stream bytes scanned */
	DET_PACKET_BYTES,        /* non-TCP payload bytes scanned */
	DET_FIELDS,              /* sticky-buffer fields scanned */
	DET_STREAM_GAPS,         /* directions inspected on after a gap (unanchored parts only) */
	DET_FLOWLESS,            /* packets inspected without flow state */
	DET_HS_ERRORS,
	DET_PCRE_ERRORS,         /* pcre2 errors other than no-match (e.g. match limit) */
	DET_COUNTER_MAX
};

extern const char *const detect_counter_names[DET_COUNTER_MAX];

struct detect_thread;

/* The ring receives this worker's records. Returns NULL on ENOMEM. */
struct detect_thread *detect_thread_new(const struct detect_engine *de, struct output_ring *ring);
void detect_thread_free(struct detect_thread *dt);

void detect_packet_begin(struct detect_thread *dt, struct flow *f, const struct packet *p,
			 enum flow_dir dir);
void detect_stream_data(struct detect_thread *dt, struct flow *f, enum flow_dir dir,
			const uint8_t *data, uint32_t len);
void detect_stream_event(struct detect_thread *dt, struct flow *f, enum flow_dir dir,
			 enum stream_event ev);
void detect_field(struct detect_thread *dt, enum buffer buf, const uint8_t *data, uint32_t len);
void detect_tx_end(struct detect_thread *dt);
void detect_payload(struct detect_thread *dt);
void detect_packet_end(struct detect_thread *dt);

/* Releases the flow's detection state; emits sighting counts. */
void detect_flow_end(struct detect_thread *dt, struct flow *f);

/* True when neither direction of the flow will be inspected again (stream
 * depth reached or closed in both): nothing more can match it. */
static inline bool detect_flow_done(const struct flow *f)
{
	return (f->det.flags & (DETF_CLOSED_TS | DETF_CLOSED_TC)) ==
	       (DETF_CLOSED_TS | DETF_CLOSED_TC);
}

/*
 * Rule reload. The reloading thread builds a new engine and, for every
 * worker, its tables (detect_tables_new(): scratch, per-rule and per-part
 * arrays), so that a worker's switch allocates nothing and cannot fail. At
 * a batch boundary each worker then releases every flow's detection state
 * under the old engine (detect_flow_rebase(): sighting counts are emitted,
 * directions already under way continue as after a gap) and switches
 * (detect_thread_switch()). Alert counts per rule carry over by the
 * engine's prev_index. The old tables are returned to the caller, who
 * frees them once nobody reads their per-rule counters.
 */
struct detect_tables;
struct detect_tables *detect_tables_new(const struct detect_engine *de);
void detect_tables_free(struct detect_tables *t);
const struct detect_engine *detect_tables_engine(const struct detect_tables *t);
void detect_flow_rebase(struct detect_thread *dt, struct flow *f, uint32_t generation);
struct detect_tables *detect_thread_switch(struct detect_thread *dt, struct detect_tables *t,
					   const uint32_t *prev);

const counter_t *detect_thread_counters(const struct detect_thread *dt);
/* Alerts per rule (index as in the engine's rule table). */
const counter_t *detect_thread_rule_alerts(const struct detect_thread *dt);

#endif
