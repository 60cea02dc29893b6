/*
 * hsexpr.c — rule parts as Hyperscan expressions (see hsexpr.h).
 *
 * Suricata's relative modifiers, restated as positions: for a content c of
 * length L following a match that ended at position e,
 *   distance d:          c starts at or after e + d
 *   within w:            c ends at or before e + w      (start <= e + w - L)
 *   distance d, within w: start in [e + d, e + d + w - L]
 * and for the first content, offset o and depth p: start in [o, o + p - L].
 * Between two contents that is the gap `.{d, d + w - L}` (unbounded without
 * within); before the first, the anchored `^.{o, o + p - L}`. A chain of one
 * content keeps the plain literal and uses Hyperscan's end-offset bounds
 * instead (min_offset = o + L, max_offset = o + p), which is cheaper.
 */
#include "hsexpr.h"

#include <errno.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct strbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_putn(struct strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_putn(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void put_literal(struct strbuf *b, const struct rule_content *c)
{
	if (c->nocase)
		sb_putn(b, "(?i:", 4);
	for (uint32_t i = 0; i < c->len; i++)
		sb_printf(b, "\\x%02x", c->bytes[i]);
	if (c->nocase)
		sb_putn(b, ")", 1);
}

/* `.{lo,hi}` or `.{lo,}` (hi < 0); nothing for {0,0}. */
static void put_gap(struct strbuf *b, uint64_t lo, int64_t hi)
{
	if (hi < 0)
		sb_printf(b, lo ? ".{%llu,}" : ".*", (unsigned long long)lo);
	else if (hi > 0)
		sb_printf(b, ".{%llu,%lld}", (unsigned long long)lo, (long long)hi);
}

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static int single_content(const struct rule_content *c, struct hsexpr *out, struct strbuf *b)
{
	put_literal(b, c);
	if (c->has_offset || c->has_depth) {
		uint64_t o = c->has_offset ? c->offset : 0;

		out->has_ext = true;
		if (o) {
			out->ext.flags |= HS_EXT_FLAG_MIN_OFFSET;
			out->ext.min_offset = o + c->len;
		}
		if (c->has_depth) {
			out->ext.flags |= HS_EXT_FLAG_MAX_OFFSET;
			out->ext.max_offset = o + c->depth;
		}
	}
	return 0;
}

int hsexpr_from_chain(const struct rule_content *const *chain, unsigned n, struct hsexpr *out,
		      char *err, size_t errlen)
{
	struct strbuf b = {0};
	const struct rule_content *c0 = chain[0];

	memset(out, 0, sizeof(*out));
	out->flags = HS_FLAG_DOTALL;
	out->pcre2_opts = PCRE2_DOTALL;
	if (c0->has_depth && c0->depth < c0->len)
		return fail(err, errlen, -EINVAL, "depth %u is shorter than the content", c0->depth);
	if (n == 1) {
		single_content(c0, out, &b);
	} else {
		uint64_t o = c0->has_offset ? c0->offset : 0;

		if (c0->has_depth) {
			sb_putn(&b, "^", 1);
			put_gap(&b, o, (int64_t)(o + c0->depth - c0->len));
		} else if (o) {
			sb_putn(&b, "^", 1);
			put_gap(&b, o, -1);
		}
		put_literal(&b, c0);
		for (unsigned i = 1; i < n; i++) {
			const struct rule_content *c = chain[i];
			int64_t d = c->has_distance ? c->distance : 0;

			if (d < 0) {
				free(b.s);
				return fail(err, errlen, -EINVAL,
					    "negative distance (%lld) is not supported",
					    (long long)d);
			}
			if (c->has_within) {
				if (c->within < c->len) {
					free(b.s);
					return fail(err, errlen, -EINVAL,
						    "within %u is shorter than the content",
						    c->within);
				}
				put_gap(&b, (uint64_t)d, d + (int64_t)(c->within - c->len));
			} else {
				put_gap(&b, (uint64_t)d, -1);
			}
			put_literal(&b, c);
		}
	}
	if (b.oom) {
		free(b.s);
		return -ENOMEM;
	}
	out->expr = b.s;
	return 0;
}

int hsexpr_from_pcre(const struct rule_pcre *p, struct hsexpr *out, char *err, size_t errlen)
{
	struct strbuf b = {0};

	(void)err;
	(void)errlen;
	memset(out, 0, sizeof(*out));
	if (p->flags & RULE_PCRE_CASELESS) {
		out->flags |= HS_FLAG_CASELESS;
		out->pcre2_opts |= PCRE2_CASELESS;
	}
	if (p->flags & RULE_PCRE_DOTALL) {
		out->flags |= HS_FLAG_DOTALL;
		out->pcre2_opts |= PCRE2_DOTALL;
	}
	if (p->flags & RULE_PCRE_MULTILINE) {
		out->flags |= HS_FLAG_MULTILINE;
		out->pcre2_opts |= PCRE2_MULTILINE;
	}
	if (p->flags & RULE_PCRE_EXTENDED) {
		/* Hyperscan has no flag for x but accepts the inline (?x); a
		 * newline ends a trailing # comment before our closing. */
		sb_putn(&b, "(?x)", 4);
		out->pcre2_opts |= PCRE2_EXTENDED;
	}
	sb_putn(&b, p->re, strlen(p->re));
	if (p->flags & RULE_PCRE_EXTENDED)
		sb_putn(&b, "\n", 1);
	if (b.oom) {
		free(b.s);
		return -ENOMEM;
	}
	out->expr = b.s;
	return 0;
}

void hsexpr_fini(struct hsexpr *e)
{
	free(e->expr);
	e->expr = NULL;
}
