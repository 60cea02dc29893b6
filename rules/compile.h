/*
 * compile.h — a loaded rule set compiled into Hyperscan databases and
 * address tables: what the detection engine runs.
 *
 * How a rule becomes patterns. A rule's content and pcre options are split
 * per buffer into *parts*, each one bit of the rule's part mask:
 *   - a content chain: a content plus every following content tied to it by
 *     distance/within, compiled into one Hyperscan expression that enforces
 *     offset/depth/distance/within/nocase exactly (a single content uses
 *     Hyperscan's min/max offset; a chain becomes `^.{o,o+d-len}a.{x,y}b`),
 *     so the whole chain matches in streaming mode across TCP segments with
 *     no buffer kept per flow;
 *   - a pcre that stands alone on its buffer: compiled into Hyperscan when
 *     Hyperscan accepts it, otherwise in Hyperscan's prefilter mode and
 *     confirmed by libpcre2 on a hit;
 *   - a pcre next to a content on the same buffer: a *verifier*, run on the
 *     buffer after the rule's content matched (as Suricata runs pcre after
 *     its fast pattern), in a single-pattern Hyperscan database where
 *     Hyperscan accepts the expression, else in libpcre2 (JIT);
 *   - a negated content (not relative): a part that must not match.
 * A rule fires when every positive part has matched (parts on the TCP
 * stream persist for the flow direction, parts on other buffers must match
 * in the same transaction or packet) and no negated part has.
 *
 * Databases. One per slot: the TCP stream (streaming mode) and the packet
 * payload (block mode), each split by direction so a flow:to_server rule is
 * never scanned against server data, and one block database per sticky
 * buffer. IP-only rules (no content, no pcre) go into prefix trees, indexed
 * by whichever of their source or destination sets is narrower.
 *
 * Ownership: rules_db_compile() takes the ruleset on success and frees it
 * with the database. A compiled database is immutable and shared by every
 * worker (each brings its own Hyperscan scratch and pcre2 match data).
 */
#ifndef SPOTTER_COMPILE_H
#define SPOTTER_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iptree.h"
#include "rule.h"
#include "ruleset.h"

struct hs_database;
struct pcre2_real_code_8;

enum rules_slot {
	SLOT_STREAM_TS = 0, /* TCP stream, client to server (streaming mode) */
	SLOT_STREAM_TC,     /* TCP stream, server to client */
	SLOT_PACKET_TS,     /* non-TCP payload, to server (block mode) */
	SLOT_PACKET_TC,
	SLOT_HTTP_URI,      /* sticky buffers (block mode) */
	SLOT_HTTP_HOST,
	SLOT_HTTP_METHOD,
	SLOT_HTTP_USER_AGENT,
	SLOT_DNS_QUERY,
	SLOT_TLS_SNI,
	SLOT_MAX
};

const char *rules_slot_name(enum rules_slot s);

/* The sticky-buffer slot of a buffer other than BUFFER_PAYLOAD. */
enum rules_slot rules_slot_of_buffer(enum buffer b);

enum rules_part_kind {
	PART_HS = 0,   /* a Hyperscan pattern; id = part index */
	PART_VERIFY,   /* a pcre2 verifier, run after the buffer's scan */
};

struct rules_part {
	uint32_t rule;       /* index into db->rules */
	uint8_t bit;         /* bit in the rule's part mask */
	uint8_t buffer;      /* enum buffer */
	uint8_t kind;        /* enum rules_part_kind */
	bool negated;
	bool prefilter;      /* PART_HS in prefilter mode: confirm with re */
	bool anchored;       /* positions count from the buffer start (offset, depth, ^) */
	uint64_t min_end;    /* a single content's offset/depth as bounds on the */
	uint64_t max_end;    /* match end, checked at match time (see compile.c) */
	struct pcre2_real_code_8 *re; /* PART_VERIFY in PCRE2, or a prefiltered PART_HS */
	struct hs_database *vdb;      /* PART_VERIFY in Hyperscan (block mode) */
};

enum rules_rule_flag {
	RULES_F_SIMPLE       = 1 << 0, /* one positive HS part, nothing else: fire on the match */
	RULES_F_IP_ONLY      = 1 << 1,
	RULES_F_STREAM_PARTS = 1 << 2, /* has parts on the TCP stream */
	RULES_F_VERIFY       = 1 << 3, /* has pcre2 verifiers */
};

/* How a header-only rule is indexed: by the narrower of its address sets,
 * or, when both are `any`, checked for every flow. */
enum rules_ip_key {
	RULES_IP_KEY_NONE = 0, /* not header-only */
	RULES_IP_KEY_SRC,
	RULES_IP_KEY_DST,
	RULES_IP_KEY_WIDE,
	RULES_IP_KEY_NEVER, /* its two sides share no address family */
};

struct rules_rule {
	const struct rule *r;  /* the parsed rule: header sets, metadata */
	uint32_t need;         /* mask of positive parts */
	uint32_t neg;          /* mask of negated parts */
	uint32_t verify_mask;  /* mask of PART_VERIFY parts */
	uint32_t payload_mask; /* mask of parts on BUFFER_PAYLOAD */
	uint32_t first_part;   /* its parts are parts[first_part .. +n_parts) */
	uint8_t n_parts;
	uint8_t flags;         /* enum rules_rule_flag */
	uint8_t severity;      /* priority, or the classtype's, or 3 */
	uint8_t ip_key;        /* header-only rules: enum rules_ip_key */
	const char *category; /* classtype description, "" if none */
	char *key;             /* indicator identity: "gid:sid" or the STIX id */
};

struct rules_db {
	struct ruleset *rs;
	struct rules_rule *rules;
	uint32_t n_rules;
	struct rules_part *parts;
	uint32_t n_parts;

	struct hs_database *db[SLOT_MAX]; /* NULL when the slot has no pattern */
	uint32_t n_patterns[SLOT_MAX];
	size_t db_bytes[SLOT_MAX];
	size_t stream_state_bytes[2];     /* Hyperscan stream state per direction */
	uint32_t max_captures;            /* for sizing pcre2 match data */

	/* header-only rules */
	struct iptree *ip_by_src;   /* rule indexes keyed by their source set */
	struct iptree *ip_by_dst;   /* ... or destination set */
	uint32_t *ip_wide;          /* neither side narrow: checked for every flow */
	uint32_t n_ip_wide;
	uint32_t n_ip_only;

	uint64_t compile_ns;
	uint32_t generation;        /* set by the owner when it publishes the set */
};

struct rules_compile_stats {
	uint32_t rules_in, rules_out, rejected;
	uint32_t hs_patterns, prefilter_patterns, verifiers, pcre2_verifiers, ip_only;
};

/*
 * Compiles every rule of rs. A rule that cannot be compiled (a pattern
 * Hyperscan and pcre2 both reject, too many parts, an unsupported
 * construct) is recorded in rs->errors as FILE:LINE: reason and removed.
 * On success returns 0 and *out owns rs. Returns -ENOENT when no rule is
 * left, -ENOMEM, or -EINVAL with err set when a database cannot be built.
 */
int rules_db_compile(struct ruleset *rs, struct rules_db **out, struct rules_compile_stats *st,
		     char *err, size_t errlen);

void rules_db_free(struct rules_db *db);

/* Total bytes of compiled databases. */
size_t rules_db_bytes(const struct rules_db *db);

#endif
