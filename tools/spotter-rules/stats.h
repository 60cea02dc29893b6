/*
 * stats.h — what spotter-rules check --stats counts over a loaded rule set.
 *
 * A struct stats is filled from a ruleset (rules loaded and errors
 * recorded) and printed as text or JSON. Single-threaded; stats_fini()
 * frees the rejection groups.
 */
#ifndef SPOTTER_RULES_STATS_H
#define SPOTTER_RULES_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "rule.h"
#include "ruleset.h"

enum stats_kw {
	STATS_KW_CLASSTYPE,
	STATS_KW_PRIORITY,
	STATS_KW_REFERENCE,
	STATS_KW_METADATA,
	STATS_KW_FLOW,
	STATS_KW_CONTENT,
	STATS_KW_PCRE,
	STATS_KW_GID,
	STATS_KW_STIX_ID,
	STATS_KW_MAX
};

enum stats_mod {
	STATS_MOD_NOCASE,
	STATS_MOD_OFFSET,
	STATS_MOD_DEPTH,
	STATS_MOD_DISTANCE,
	STATS_MOD_WITHIN,
	STATS_MOD_FAST_PATTERN,
	STATS_MOD_NEGATED,
	STATS_MOD_PCRE_I,
	STATS_MOD_PCRE_S,
	STATS_MOD_PCRE_M,
	STATS_MOD_PCRE_X,
	STATS_MOD_PCRE_NEGATED,
	STATS_MOD_MAX
};

/* Rejected rules that share the keyword their error names. */
struct stats_group {
	char *keyword;
	const char *example; /* one reason, owned by the ruleset */
	uint64_t count;
};

struct stats {
	uint64_t files, loaded, rejected, file_errors;
	uint64_t proto[RULE_PROTO_MAX];
	uint64_t kw_rules[STATS_KW_MAX];       /* rules using the keyword */
	uint64_t mod_items[STATS_MOD_MAX];     /* contents/pcres with the modifier */
	uint64_t buffer_items[BUFFER_MAX];     /* contents/pcres in the buffer */
	uint64_t buffer_rules[BUFFER_MAX];     /* rules inspecting the buffer */
	uint64_t flow[4];                      /* per enum rule_flow bit */
	uint64_t ip_only, with_content, bidirectional;
	uint64_t tlp[TLP_RED + 1];
	uint64_t contents, pcres;
	struct stats_group *groups;            /* sorted by count, then keyword */
	uint32_t n_groups;
};

int stats_collect(struct stats *st, const struct ruleset *rs);
void stats_fini(struct stats *st);

/* Percentage of rules loaded (100 when there was no rule). */
double stats_fraction(const struct stats *st);

void stats_print_text(const struct stats *st, FILE *out);
void stats_print_json(const struct stats *st, const struct ruleset *rs, FILE *out);

#endif
