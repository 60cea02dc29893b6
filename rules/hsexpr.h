/*
 * hsexpr.h — one rule part as a Hyperscan expression.
 *
 * A content chain (a content and the contents tied to it by distance or
 * within) becomes one expression that encodes every modifier exactly, in a
 * form both Hyperscan and PCRE2 accept, so the same text serves as a
 * prefilter confirmation when Hyperscan rejects it (e.g. a bounded repeat
 * over 32767). Bytes are written as \xHH; nocase becomes a (?i:...) group
 * around the content it belongs to.
 *
 * Ownership: an hsexpr owns its expression string; hsexpr_fini() frees it.
 */
#ifndef SPOTTER_HSEXPR_H
#define SPOTTER_HSEXPR_H

#include <hs/hs.h>
#include <stdbool.h>
#include <stddef.h>

#include "rule.h"

struct hsexpr {
	char *expr;
	unsigned flags;      /* HS_FLAG_* */
	hs_expr_ext_t ext;   /* used when has_ext */
	bool has_ext;
	uint32_t pcre2_opts; /* PCRE2 options equivalent to flags */
};

/*
 * Builds the expression of chain[0..n): chain[0] is absolute (offset/depth
 * or none), each later content is relative to the one before it. Returns 0,
 * or -EINVAL with a reason (a negative distance, a window that cannot
 * hold the content) or -ENOMEM.
 */
int hsexpr_from_chain(const struct rule_content *const *chain, unsigned n, struct hsexpr *out,
		      char *err, size_t errlen);

/* Builds the expression of a pcre option (flags i s m x). */
int hsexpr_from_pcre(const struct rule_pcre *p, struct hsexpr *out, char *err, size_t errlen);

void hsexpr_fini(struct hsexpr *e);

#endif
