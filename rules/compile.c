/*
 * compile.c — rule set to Hyperscan databases and prefix trees (see
 * compile.h for the model: parts, slots, verifiers, IP-only rules).
 *
 * The compiler works in three passes:
 *   1. split every rule into parts and build each part's expression; a
 *      rule with an unsupported construct is rejected here;
 *   2. check each Hyperscan expression on its own (hs_expression_ext_info);
 *      an expression Hyperscan rejects is retried in prefilter mode with a
 *      pcre2 confirmation, and the rule is rejected only if that fails too;
 *   3. build the slot databases; should Hyperscan still refuse one, the
 *      rule it names is rejected and the database rebuilt.
 * Rejections are recorded in the ruleset as FILE:LINE: reason. Only then
 * are the final arrays laid out, so indexes never shift after they are
 * handed out.
 *
 * Runs on one thread (startup, reload); the result is immutable.
 */
#include "compile.h"

#include <errno.h>
#include <hs/hs.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classification.h"
#include "hsexpr.h"

#define MAX_PARTS 32

static const char *const slot_names[SLOT_MAX] = {
	[SLOT_STREAM_TS] = "stream.to_server", [SLOT_STREAM_TC] = "stream.to_client",
	[SLOT_PACKET_TS] = "packet.to_server", [SLOT_PACKET_TC] = "packet.to_client",
	[SLOT_HTTP_URI] = "http.uri",           [SLOT_HTTP_HOST] = "http.host",
	[SLOT_HTTP_METHOD] = "http.method",     [SLOT_HTTP_USER_AGENT] = "http.user_agent",
	[SLOT_DNS_QUERY] = "dns.query",         [SLOT_TLS_SNI] = "tls.sni",
};

const char *rules_slot_name(enum rules_slot s)
{
	return (unsigned)s < SLOT_MAX ? slot_names[s] : "?";
}

enum rules_slot rules_slot_of_buffer(enum buffer b)
{
	switch (b) {
	case BUFFER_HTTP_URI:
		return SLOT_HTTP_URI;
	case BUFFER_HTTP_HOST:
		return SLOT_HTTP_HOST;
	case BUFFER_HTTP_METHOD:
		return SLOT_HTTP_METHOD;
	case BUFFER_HTTP_USER_AGENT:
		return SLOT_HTTP_USER_AGENT;
	case BUFFER_DNS_QUERY:
		return SLOT_DNS_QUERY;
	case BUFFER_TLS_SNI:
		return SLOT_TLS_SNI;
	default:
		return SLOT_MAX;
	}
}

/* A part while compiling. */
struct cpart {
	uint32_t cand;        /* index into the candidate rules */
	uint8_t buffer;
	uint8_t kind;
	bool negated;
	bool prefilter;
	struct hsexpr ex;     /* PART_HS */
	pcre2_code *re;
	hs_database_t *vdb;   /* PART_VERIFY run by Hyperscan */
};

struct cand {
	struct rule *r;
	uint32_t first, n;    /* parts [first, first + n) of the part vector */
	bool rejected;
};

struct compiler {
	struct ruleset *rs;
	struct cand *cands;
	uint32_t n_cands;
	struct cpart *parts;
	uint32_t n_parts, cap_parts;
	struct rules_compile_stats *st;
};

static void reject(struct compiler *c, uint32_t ci, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reject(struct compiler *c, uint32_t ci, const char *fmt, ...)
{
	struct cand *cd = &c->cands[ci];
	char reason[512];
	va_list ap;

	if (cd->rejected)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	cd->rejected = true;
	ruleset_add_error(c->rs, cd->r->file, cd->r->line, "sid %u: %s", cd->r->sid, reason);
}

static struct cpart *part_add(struct compiler *c, uint32_t ci, enum buffer buf,
			      enum rules_part_kind kind, bool negated)
{
	struct cpart *p;

	if (c->n_parts == c->cap_parts) {
		uint32_t cap = c->cap_parts ? c->cap_parts * 2 : 1024;
		struct cpart *np = realloc(c->parts, cap * sizeof(*np));

		if (!np)
			return NULL;
		c->parts = np;
		c->cap_parts = cap;
	}
	p = &c->parts[c->n_parts++];
	memset(p, 0, sizeof(*p));
	p->cand = ci;
	p->buffer = (uint8_t)buf;
	p->kind = (uint8_t)kind;
	p->negated = negated;
	c->cands[ci].n++;
	return p;
}

static pcre2_code *pcre2_build(const char *expr, uint32_t opts, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)expr, PCRE2_ZERO_TERMINATED, opts, &code, &off,
				       NULL);

	if (!re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "pcre2: %s at offset %zu", (char *)msg, (size_t)off);
		return NULL;
	}
	/* JIT is an optimisation: without it pcre2 interprets, still correct. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/*
 * A pcre next to a content on its buffer is checked after the content
 * matched, on that buffer only, so it stays out of the buffer's main
 * database (a few hundred regexes there would slow every byte scanned).
 * It runs in a single-pattern Hyperscan database where Hyperscan accepts
 * it, otherwise in PCRE2 (JIT). Returns 0 or -1 with err set.
 */
static int verifier_build(struct cpart *p, char *err, size_t errlen)
{
	hs_compile_error_t *cerr = NULL;

	if (hs_compile(p->ex.expr, p->ex.flags, HS_MODE_BLOCK, NULL, &p->vdb, &cerr) ==
	    HS_SUCCESS)
		return 0;
	hs_free_compile_error(cerr);
	p->vdb = NULL;
	p->re = pcre2_build(p->ex.expr, p->ex.pcre2_opts, err, errlen);
	return p->re ? 0 : -1;
}

/* Emits the part of a content chain. Returns 0 or -1 (rule rejected). */
static int emit_chain(struct compiler *c, uint32_t ci, enum buffer buf,
		      const struct rule_content **chain, unsigned n)
{
	char err[256];
	struct cpart *p;
	int rc;

	if (!n)
		return 0;
	p = part_add(c, ci, buf, PART_HS, chain[0]->negated);
	if (!p)
		return -ENOMEM;
	rc = hsexpr_from_chain(chain, n, &p->ex, err, sizeof(err));
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		reject(c, ci, "%s", err);
		return -1;
	}
	return 0;
}

/* Splits the items of rule ci on buffer buf into parts. */
static int split_buffer(struct compiler *c, uint32_t ci, enum buffer buf)
{
	const struct rule *r = c->cands[ci].r;
	const struct rule_content *chain[64];
	unsigned n_chain = 0;
	bool has_positive_content = false, last_was_pcre = false, last_negated = false;
	bool any = false;
	int rc;

	for (uint32_t i = 0; i < r->n_items; i++) {
		const struct rule_item *it = &r->items[i];

		if (it->buffer != buf)
			continue;
		any = true;
		if (it->kind == RULE_ITEM_CONTENT && !it->u.content.negated)
			has_positive_content = true;
	}
	if (!any)
		return 0;

	for (uint32_t i = 0; i < r->n_items; i++) {
		const struct rule_item *it = &r->items[i];

		if (it->buffer != buf)
			continue;
		if (it->kind == RULE_ITEM_CONTENT) {
			const struct rule_content *ct = &it->u.content;
			bool relative = ct->has_distance || ct->has_within;

			if (relative && last_was_pcre) {
				reject(c, ci, "content relative to a pcre is not supported");
				return -1;
			}
			if (relative && (ct->negated || last_negated)) {
				reject(c, ci, "negated content with distance/within is not supported");
				return -1;
			}
			if (relative && n_chain) {
				if (n_chain == sizeof(chain) / sizeof(chain[0])) {
					reject(c, ci, "content chain longer than 64 contents");
					return -1;
				}
				chain[n_chain++] = ct;
			} else {
				rc = emit_chain(c, ci, buf, chain, n_chain);
				if (rc)
					return rc;
				chain[0] = ct;
				n_chain = 1;
			}
			last_negated = ct->negated;
			last_was_pcre = false;
		} else {
			const struct rule_pcre *pc = &it->u.pcre;
			char err[256];
			struct cpart *p;

			rc = emit_chain(c, ci, buf, chain, n_chain);
			if (rc)
				return rc;
			n_chain = 0;
			last_was_pcre = true;
			last_negated = false;
			if (pc->negated && !has_positive_content) {
				reject(c, ci, "a negated pcre needs a content on the same buffer");
				return -1;
			}
			p = part_add(c, ci, buf, has_positive_content ? PART_VERIFY : PART_HS,
				     pc->negated);
			if (!p)
				return -ENOMEM;
			rc = hsexpr_from_pcre(pc, &p->ex, err, sizeof(err));
			if (rc == -ENOMEM)
				return rc;
			if (p->kind == PART_VERIFY && verifier_build(p, err, sizeof(err)) < 0) {
				reject(c, ci, "%s", err);
				return -1;
			}
		}
	}
	return emit_chain(c, ci, buf, chain, n_chain);
}

static int split_rule(struct compiler *c, uint32_t ci)
{
	struct cand *cd = &c->cands[ci];
	bool positive = false;
	int rc;

	cd->first = c->n_parts;
	cd->n = 0;
	for (int b = 0; b < BUFFER_MAX; b++) {
		rc = split_buffer(c, ci, (enum buffer)b);
		if (rc)
			return rc;
	}
	if (cd->rejected)
		return -1;
	for (uint32_t i = 0; i < cd->n; i++)
		positive |= !c->parts[cd->first + i].negated;
	if (cd->n && !positive) {
		reject(c, ci, "a rule needs at least one content or pcre that is not negated");
		return -1;
	}
	if (cd->n > MAX_PARTS) {
		reject(c, ci, "%u independent contents and pcres (at most %d)", cd->n, MAX_PARTS);
		return -1;
	}
	return 0;
}

/* Pass 2: every HS expression on its own, with a prefilter fallback. */
static void check_expressions(struct compiler *c)
{
	for (uint32_t i = 0; i < c->n_parts; i++) {
		struct cpart *p = &c->parts[i];
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *cerr = NULL;
		char err[300];

		if (p->kind != PART_HS || c->cands[p->cand].rejected)
			continue;
		if (hs_expression_ext_info(p->ex.expr, p->ex.flags,
					   p->ex.has_ext ? &p->ex.ext : NULL, &info,
					   &cerr) == HS_SUCCESS) {
			free(info);
			continue;
		}
		snprintf(err, sizeof(err), "%s", cerr ? cerr->message : "?");
		hs_free_compile_error(cerr);
		cerr = NULL;
		if (p->negated) {
			reject(c, p->cand, "hyperscan: %s", err);
			continue;
		}
		if (hs_expression_ext_info(p->ex.expr, p->ex.flags | HS_FLAG_PREFILTER,
					   p->ex.has_ext ? &p->ex.ext : NULL, &info,
					   &cerr) != HS_SUCCESS) {
			reject(c, p->cand, "hyperscan: %s; in prefilter mode: %s", err,
			       cerr ? cerr->message : "?");
			hs_free_compile_error(cerr);
			continue;
		}
		free(info);
		p->re = pcre2_build(p->ex.expr, p->ex.pcre2_opts, err, sizeof(err));
		if (!p->re) {
			reject(c, p->cand, "%s", err);
			continue;
		}
		p->prefilter = true;
		p->ex.flags |= HS_FLAG_PREFILTER;
		c->st->prefilter_patterns++;
	}
}

/* Which slots a payload part of rule r goes to (bitmask of enum rules_slot). */
static unsigned payload_slots(const struct rule *r)
{
	unsigned dirs = 0, slots = 0;
	bool stream = false, packet = false;

	if (r->flow & RULE_FLOW_TO_SERVER)
		dirs = 1;
	else if (r->flow & RULE_FLOW_TO_CLIENT)
		dirs = 2;
	else
		dirs = 3;
	switch (r->proto) {
	case RULE_PROTO_TCP:
	case RULE_PROTO_HTTP:
	case RULE_PROTO_TLS:
		stream = true;
		break;
	case RULE_PROTO_UDP:
	case RULE_PROTO_ICMP:
		packet = true;
		break;
	default: /* ip, dns: TCP and the rest */
		stream = packet = true;
		break;
	}
	if (stream && (dirs & 1))
		slots |= 1u << SLOT_STREAM_TS;
	if (stream && (dirs & 2))
		slots |= 1u << SLOT_STREAM_TC;
	if (packet && (dirs & 1))
		slots |= 1u << SLOT_PACKET_TS;
	if (packet && (dirs & 2))
		slots |= 1u << SLOT_PACKET_TC;
	return slots;
}

static unsigned part_slots(const struct compiler *c, const struct cpart *p)
{
	if (p->kind != PART_HS)
		return 0;
	if (p->buffer == BUFFER_PAYLOAD)
		return payload_slots(c->cands[p->cand].r);
	return 1u << rules_slot_of_buffer((enum buffer)p->buffer);
}

/* Final part index of compile-time part i, or UINT32_MAX if dropped. */
struct layout {
	uint32_t *part_index;
	uint32_t *rule_index;
};

/*
 * Builds the database of one slot from the parts of accepted rules.
 * Returns 0, 1 when a rule was rejected (the caller rebuilds), or <0.
 */
static int build_slot(struct compiler *c, enum rules_slot s, const uint32_t *final_part,
		      struct hs_database **out, uint32_t *n_out, char *err, size_t errlen)
{
	const char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	const hs_expr_ext_t **exts = NULL;
	uint32_t *src = NULL;
	uint32_t n = 0;
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	exprs = calloc(c->n_parts + 1, sizeof(*exprs));
	flags = calloc(c->n_parts + 1, sizeof(*flags));
	ids = calloc(c->n_parts + 1, sizeof(*ids));
	exts = calloc(c->n_parts + 1, sizeof(*exts));
	src = calloc(c->n_parts + 1, sizeof(*src));
	if (!exprs || !flags || !ids || !exts || !src) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < c->n_parts; i++) {
		const struct cpart *p = &c->parts[i];

		if (c->cands[p->cand].rejected || !(part_slots(c, p) & (1u << s)))
			continue;
		exprs[n] = p->ex.expr;
		flags[n] = p->ex.flags;
		ids[n] = final_part[i];
		/* A single content's offset/depth are not given to Hyperscan: as
		 * extended parameters they turn a plain literal, which Hyperscan's
		 * literal matchers handle in bulk, into a bounded engine of its
		 * own (compile time grows by seconds and scanning slows). The
		 * match end Hyperscan reports is checked against the same bounds
		 * instead (rules_part.min_end/max_end), which is exact. */
		exts[n] = NULL;
		src[n] = i;
		n++;
	}
	if (!n)
		goto out;
	if (hs_compile_ext_multi(exprs, flags, ids, exts, n,
				 s <= SLOT_STREAM_TC ? HS_MODE_STREAM : HS_MODE_BLOCK, NULL, &db,
				 &cerr) != HS_SUCCESS) {
		if (cerr && cerr->expression >= 0 && (uint32_t)cerr->expression < n) {
			const struct cpart *p = &c->parts[src[cerr->expression]];

			reject(c, p->cand, "hyperscan: %s", cerr->message);
			rc = 1;
		} else {
			snprintf(err, errlen, "hyperscan cannot build the %s database: %s",
				 rules_slot_name(s), cerr ? cerr->message : "?");
			rc = -EINVAL;
		}
		hs_free_compile_error(cerr);
		goto out;
	}
	*out = (struct hs_database *)db;
	*n_out = n;
out:
	free(exprs);
	free(flags);
	free(ids);
	free(exts);
	free(src);
	return rc;
}

static uint8_t severity_of(const struct rule *r, const char **category)
{
	const struct classtype *ct = r->classtype ? classtype_lookup(r->classtype) : NULL;

	*category = ct ? ct->description : "";
	if (r->priority)
		return (uint8_t)(r->priority > 255 ? 255 : r->priority);
	return ct ? (uint8_t)ct->priority : 3;
}

/* log2-ish width of [lo, hi]: 0 for one address. */
static unsigned range_width(const struct addr128 *lo, const struct addr128 *hi)
{
	for (int b = 0; b < 16; b++) {
		uint8_t x = lo->b[b] ^ hi->b[b];
		unsigned w = (unsigned)(16 - b) * 8;

		if (!x)
			continue;
		while (!(x & 0x80)) {
			x <<= 1;
			w--;
		}
		return w;
	}
	return 0;
}

/* The IPv4-mapped block ::ffff:0:0/96 and its neighbours. */
static const struct addr128 v4_lo = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}};
static const struct addr128 v4_hi = {
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct addr128 below_v4 = {
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff}};
static const struct addr128 above_v4 = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}};

/* Widens *w to the width of [lo, hi] ∩ [a, b] when it is not empty. */
static void clip_width(const struct addr_range *r, const struct addr128 *a,
		       const struct addr128 *b, bool *present, unsigned *w)
{
	const struct addr128 *lo = addr_cmp(&r->lo, a) > 0 ? &r->lo : a;
	const struct addr128 *hi = addr_cmp(&r->hi, b) < 0 ? &r->hi : b;
	unsigned x;

	if (addr_cmp(lo, hi) > 0)
		return;
	*present = true;
	x = range_width(lo, hi);
	if (x > *w)
		*w = x;
}

/*
 * Width of an address set within one family (IPv4: the mapped block;
 * IPv6: the rest): log2-ish, 0 for one address, 129 for any. *present
 * says whether the set holds any address of that family.
 */
static unsigned family_width(const struct addr_set *s, bool v4, bool *present)
{
	static const struct addr128 zero = {{0}};
	static const struct addr128 ones = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	unsigned w = 0;

	*present = s->any;
	if (s->any)
		return 129;
	for (uint32_t i = 0; i < s->n; i++) {
		if (v4) {
			clip_width(&s->r[i], &v4_lo, &v4_hi, present, &w);
		} else {
			clip_width(&s->r[i], &zero, &below_v4, present, &w);
			clip_width(&s->r[i], &above_v4, &ones, present, &w);
		}
	}
	return w + (s->n > 1 ? 1 : 0);
}

/*
 * The widths of a header-only rule's two sides over the families both
 * have (a packet's addresses are of one family). False when they share
 * none: the rule can never match.
 */
static bool rule_widths(const struct rule *r, unsigned *ws, unsigned *wd)
{
	bool any = false;

	*ws = *wd = 0;
	for (int v4 = 0; v4 < 2; v4++) {
		bool ps, pd;
		unsigned s = family_width(&r->src, v4, &ps), d = family_width(&r->dst, v4, &pd);

		if (!ps || !pd)
			continue;
		any = true;
		*ws = s > *ws ? s : *ws;
		*wd = d > *wd ? d : *wd;
	}
	return any;
}

static int index_ip_only(struct rules_db *db, uint32_t ri)
{
	const struct rule *r = db->rules[ri].r;
	unsigned ws, wd;
	const struct addr_set *key;
	bool by_src;
	int rc = 0;

	if (!rule_widths(r, &ws, &wd)) {
		/* e.g. an IPv6 source and an IPv4-only $HOME_NET: indexed nowhere */
		db->rules[ri].ip_key = RULES_IP_KEY_NEVER;
		return 0;
	}
	if (ws > 128 && wd > 128) {
		uint32_t *w = realloc(db->ip_wide, (db->n_ip_wide + 1) * sizeof(*w));

		if (!w)
			return -ENOMEM;
		db->ip_wide = w;
		db->ip_wide[db->n_ip_wide++] = ri;
		db->rules[ri].ip_key = RULES_IP_KEY_WIDE;
		return 0;
	}
	by_src = ws <= wd;
	db->rules[ri].ip_key = by_src ? RULES_IP_KEY_SRC : RULES_IP_KEY_DST;
	key = by_src ? &r->src : &r->dst;
	for (uint32_t i = 0; i < key->n && !rc; i++) {
		rc = iptree_insert_range(by_src ? db->ip_by_src : db->ip_by_dst, &key->r[i], ri);
		/* <> matches either orientation: the key set may be either end */
		if (!rc && r->dir == RULE_DIR_BOTH)
			rc = iptree_insert_range(by_src ? db->ip_by_dst : db->ip_by_src,
						 &key->r[i], ri);
	}
	return rc;
}

static char *make_key(const struct rule *r)
{
	char buf[64];

	if (r->stix_id)
		return strdup(r->stix_id);
	snprintf(buf, sizeof(buf), "%u:%u", r->gid, r->sid);
	return strdup(buf);
}

static void free_cparts(struct compiler *c, bool keep_re)
{
	for (uint32_t i = 0; i < c->n_parts; i++) {
		hsexpr_fini(&c->parts[i].ex);
		/* accepted rules' codes belong to the database once it exists */
		if (!keep_re || c->cands[c->parts[i].cand].rejected) {
			pcre2_code_free(c->parts[i].re);
			hs_free_database(c->parts[i].vdb);
		}
	}
	free(c->parts);
	c->parts = NULL;
	c->n_parts = 0;
}

/* Lays out the accepted rules and parts; fills final_part[]. */
static int layout(struct compiler *c, struct rules_db *db, uint32_t *final_part)
{
	uint32_t nr = 0, np = 0;

	for (uint32_t ci = 0; ci < c->n_cands; ci++)
		if (!c->cands[ci].rejected) {
			nr++;
			np += c->cands[ci].n;
		}
	db->rules = calloc(nr ? nr : 1, sizeof(*db->rules));
	db->parts = calloc(np ? np : 1, sizeof(*db->parts));
	if (!db->rules || !db->parts)
		return -ENOMEM;
	db->n_rules = 0;
	db->n_parts = 0;
	for (uint32_t ci = 0; ci < c->n_cands; ci++) {
		const struct cand *cd = &c->cands[ci];
		struct rules_rule *rr;

		if (cd->rejected) {
			for (uint32_t k = 0; k < cd->n; k++)
				final_part[cd->first + k] = UINT32_MAX;
			continue;
		}
		rr = &db->rules[db->n_rules];
		rr->r = cd->r;
		rr->first_part = db->n_parts;
		rr->n_parts = (uint8_t)cd->n;
		rr->severity = severity_of(cd->r, &rr->category);
		rr->key = make_key(cd->r);
		if (!rr->key)
			return -ENOMEM;
		for (uint32_t k = 0; k < cd->n; k++) {
			const struct cpart *cp = &c->parts[cd->first + k];
			struct rules_part *p = &db->parts[db->n_parts];

			final_part[cd->first + k] = db->n_parts;
			p->rule = db->n_rules;
			p->bit = (uint8_t)k;
			p->buffer = cp->buffer;
			p->kind = cp->kind;
			p->negated = cp->negated;
			p->prefilter = cp->prefilter;
			p->min_end = 0;
			p->max_end = UINT64_MAX;
			if (cp->ex.has_ext && (cp->ex.ext.flags & HS_EXT_FLAG_MIN_OFFSET))
				p->min_end = cp->ex.ext.min_offset;
			if (cp->ex.has_ext && (cp->ex.ext.flags & HS_EXT_FLAG_MAX_OFFSET))
				p->max_end = cp->ex.ext.max_offset;
			p->anchored = cp->kind == PART_HS &&
				      (cp->ex.has_ext || strchr(cp->ex.expr, '^') ||
				       strstr(cp->ex.expr, "\\A"));
			p->re = (struct pcre2_real_code_8 *)cp->re;
			p->vdb = (struct hs_database *)cp->vdb;
			if (cp->negated)
				rr->neg |= 1u << k;
			else
				rr->need |= 1u << k;
			if (cp->buffer == BUFFER_PAYLOAD)
				rr->payload_mask |= 1u << k;
			if (cp->kind == PART_VERIFY) {
				rr->verify_mask |= 1u << k;
				rr->flags |= RULES_F_VERIFY;
			}
			if (cp->buffer == BUFFER_PAYLOAD && cp->kind == PART_HS &&
			    (payload_slots(cd->r) &
			     ((1u << SLOT_STREAM_TS) | (1u << SLOT_STREAM_TC))))
				rr->flags |= RULES_F_STREAM_PARTS;
			if (cp->re) {
				uint32_t caps = 0;

				pcre2_pattern_info(cp->re, PCRE2_INFO_CAPTURECOUNT, &caps);
				if (caps > db->max_captures)
					db->max_captures = caps;
			}
			db->n_parts++;
		}
		if (cd->n == 0)
			rr->flags |= RULES_F_IP_ONLY;
		else if (cd->n == 1 && rr->need == 1 && !(rr->flags & RULES_F_VERIFY))
			rr->flags |= RULES_F_SIMPLE;
		db->n_rules++;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Moves the accepted rules to the front of rs in order, frees the rest. */
static void prune_ruleset(struct compiler *c)
{
	for (uint32_t ci = c->n_cands; ci-- > 0;)
		if (c->cands[ci].rejected)
			ruleset_remove(c->rs, ci);
}

static int build_databases(struct compiler *c, struct rules_db *db, uint32_t *final_part,
			   char *err, size_t errlen)
{
	for (;;) {
		int rebuild = 0, rc;

		rc = layout(c, db, final_part);
		if (rc)
			return rc;
		for (int s = 0; s < SLOT_MAX && !rebuild; s++) {
			rc = build_slot(c, (enum rules_slot)s, final_part, &db->db[s],
					&db->n_patterns[s], err, errlen);
			if (rc < 0)
				return rc;
			rebuild = rc;
		}
		if (!rebuild)
			return 0;
		/* a rule was rejected: drop what was built and lay out again */
		for (int s = 0; s < SLOT_MAX; s++) {
			hs_free_database((hs_database_t *)db->db[s]);
			db->db[s] = NULL;
		}
		for (uint32_t i = 0; i < db->n_rules; i++)
			free(db->rules[i].key);
		free(db->rules);
		free(db->parts);
		db->rules = NULL;
		db->parts = NULL;
		db->n_rules = db->n_parts = 0;
		db->max_captures = 0;
	}
}

static int build_ip_only(struct rules_db *db)
{
	db->ip_by_src = iptree_new();
	db->ip_by_dst = iptree_new();
	if (!db->ip_by_src || !db->ip_by_dst)
		return -ENOMEM;
	for (uint32_t i = 0; i < db->n_rules; i++) {
		int rc;

		if (!(db->rules[i].flags & RULES_F_IP_ONLY))
			continue;
		db->n_ip_only++;
		rc = index_ip_only(db, i);
		if (rc)
			return rc;
	}
	return 0;
}

static void measure(struct rules_db *db)
{
	for (int s = 0; s < SLOT_MAX; s++) {
		size_t sz = 0;

		if (!db->db[s])
			continue;
		hs_database_size((hs_database_t *)db->db[s], &sz);
		db->db_bytes[s] = sz;
		if (s <= SLOT_STREAM_TC) {
			hs_stream_size((hs_database_t *)db->db[s], &sz);
			db->stream_state_bytes[s] = sz;
		}
	}
}

int rules_db_compile(struct ruleset *rs, struct rules_db **out, struct rules_compile_stats *st,
		     char *err, size_t errlen)
{
	struct rules_compile_stats dummy = {0};
	struct compiler c = {.rs = rs, .st = st ? st : &dummy};
	struct rules_db *db = NULL;
	uint32_t *final_part = NULL;
	uint64_t t0 = now_ns();
	int rc = -ENOMEM;

	memset(c.st, 0, sizeof(*c.st));
	*out = NULL;
	c.st->rules_in = rs->n_rules;
	c.n_cands = rs->n_rules;
	c.cands = calloc(c.n_cands ? c.n_cands : 1, sizeof(*c.cands));
	db = calloc(1, sizeof(*db));
	if (!c.cands || !db)
		goto fail;
	for (uint32_t i = 0; i < c.n_cands; i++) {
		c.cands[i].r = rs->rules[i];
		rc = split_rule(&c, i);
		if (rc == -ENOMEM)
			goto fail;
	}
	check_expressions(&c);
	final_part = calloc(c.n_parts ? c.n_parts : 1, sizeof(*final_part));
	if (!final_part)
		goto fail;
	rc = build_databases(&c, db, final_part, err, errlen);
	if (rc)
		goto fail;
	rc = build_ip_only(db);
	if (rc)
		goto fail;
	if (db->n_rules == 0) {
		snprintf(err, errlen, "no rule could be compiled");
		rc = -ENOENT;
		goto fail;
	}
	for (uint32_t i = 0; i < db->n_parts; i++) {
		if (db->parts[i].kind != PART_VERIFY)
			c.st->hs_patterns++;
		else if (db->parts[i].vdb)
			c.st->verifiers++;
		else
			c.st->pcre2_verifiers++;
	}
	c.st->ip_only = db->n_ip_only;
	c.st->rules_out = db->n_rules;
	c.st->rejected = c.n_cands - db->n_rules;
	/* the accepted rules keep their pcre2 codes: ownership moved to db */
	free_cparts(&c, true);
	prune_ruleset(&c);
	/* pruning preserved order, so rule i of db is rule i of rs */
	for (uint32_t i = 0; i < db->n_rules; i++)
		db->rules[i].r = rs->rules[i];
	free(c.cands);
	free(final_part);
	db->rs = rs;
	measure(db);
	db->compile_ns = now_ns() - t0;
	*out = db;
	return 0;
fail:
	if (db) {
		/* parts still own their pcre2 codes: free them there only */
		for (uint32_t i = 0; i < db->n_parts; i++) {
			db->parts[i].re = NULL;
			db->parts[i].vdb = NULL;
		}
		db->rs = NULL;
		rules_db_free(db);
	}
	free_cparts(&c, false);
	/* what was rejected is recorded; it leaves the set in any case */
	if (c.cands)
		prune_ruleset(&c);
	free(c.cands);
	free(final_part);
	return rc;
}

void rules_db_free(struct rules_db *db)
{
	if (!db)
		return;
	for (int s = 0; s < SLOT_MAX; s++)
		hs_free_database((hs_database_t *)db->db[s]);
	for (uint32_t i = 0; i < db->n_parts; i++) {
		pcre2_code_free((pcre2_code *)db->parts[i].re);
		hs_free_database((hs_database_t *)db->parts[i].vdb);
	}
	for (uint32_t i = 0; i < db->n_rules; i++)
		free(db->rules[i].key);
	free(db->rules);
	free(db->parts);
	iptree_free(db->ip_by_src);
	iptree_free(db->ip_by_dst);
	free(db->ip_wide);
	ruleset_free(db->rs);
	free(db);
}

size_t rules_db_bytes(const struct rules_db *db)
{
	size_t n = 0;

	for (int s = 0; s < SLOT_MAX; s++)
		n += db->db_bytes[s];
	return n;
}
