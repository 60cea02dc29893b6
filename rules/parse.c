/*
 * parse.c — rule text to struct rule (see parse.h and rules/README.md).
 *
 * One call parses one rule: the header, then the options left to right.
 * Each keyword has a setup function that validates its value and updates
 * the rule; content modifiers apply to the most recent content. A final
 * pass checks what needs the whole rule (required keywords, buffers against
 * the protocol) and rewrites distance/within on the first content of a
 * buffer into offset/depth.
 *
 * Reentrant: all state lives in a struct parser on the caller's stack. The
 * rule under construction is owned by rule_parse() until it is returned;
 * on any error it is freed with rule_free().
 */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "classification.h"
#include "content.h"
#include "suricata-keywords.h"

#define MOD_VALUE_MAX 65535 /* offset, depth, within, |distance|: Suricata's limits */

/* Modifiers seen on one content. */
enum {
	MOD_NOCASE = 1 << 0,
	MOD_OFFSET = 1 << 1,
	MOD_DEPTH = 1 << 2,
	MOD_DISTANCE = 1 << 3,
	MOD_WITHIN = 1 << 4,
	MOD_FAST_PATTERN = 1 << 5,
	MOD_RAWBYTES = 1 << 6,
};

/* Keywords that may appear once per rule. */
enum {
	SEEN_MSG = 1 << 0,
	SEEN_SID = 1 << 1,
	SEEN_REV = 1 << 2,
	SEEN_GID = 1 << 3,
	SEEN_CLASSTYPE = 1 << 4,
	SEEN_PRIORITY = 1 << 5,
	SEEN_FLOW = 1 << 6,
};

/* What the parser knows about an item beyond struct rule_item. */
struct item_aux {
	const char *buf_kw; /* keyword that chose the buffer; NULL for the payload */
	bool legacy;        /* buffer chosen by a legacy modifier (http_uri, ...) */
	unsigned mods;      /* MOD_* */
};

struct parser {
	struct rule *r;
	const struct vars *vars;
	char *err;
	size_t errlen;
	char *kw;
	size_t kwlen;

	unsigned seen;             /* SEEN_* */
	enum buffer sticky;        /* buffer of the next content/pcre */
	const char *sticky_kw;     /* keyword that set it, NULL for the payload */
	bool sticky_since_item;    /* a sticky buffer keyword came after the last item */
	bool sticky_empty;         /* the current sticky buffer has no item yet */
	bool fast_pattern;         /* some content has fast_pattern */
	struct item_aux *aux;      /* parallel to r->items */
	uint32_t cap_items, cap_meta, cap_refs;
};

/* Records the error and the keyword it concerns; returns -EINVAL. */
__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, const char *kw,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	if (p->kw && p->kwlen)
		snprintf(p->kw, p->kwlen, "%s", kw ? kw : "");
	return -EINVAL;
}

static int fail_oom(struct parser *p)
{
	fail(p, "memory", "out of memory");
	return -ENOMEM;
}

/* ---- small helpers -------------------------------------------------------- */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int no_value(struct parser *p, const char *name, const char *value)
{
	if (value)
		return fail(p, name, "\"%s\" takes no value", name);
	return 0;
}

static int need_value(struct parser *p, const char *name, const char *value)
{
	if (!value || !*value)
		return fail(p, name, "\"%s\" needs a value", name);
	return 0;
}

/*
 * value is `[!] "inner" ` with inner's escapes kept. Cuts the closing quote
 * in place and returns inner. Negation is allowed only when neg != NULL.
 */
static int unquote(struct parser *p, const char *name, char *value, bool *neg, char **inner)
{
	char *s = value, *t;

	if (need_value(p, name, value) < 0)
		return -EINVAL;
	if (*s == '!') {
		if (!neg)
			return fail(p, name, "%s: negation is not supported", name);
		*neg = true;
		s++;
		while (isspace((unsigned char)*s))
			s++;
	}
	if (*s != '"')
		return fail(p, name, "%s: the value must be in double quotes", name);
	for (t = s + 1; *t && *t != '"'; t++)
		if (*t == '\\' && t[1])
			t++;
	if (*t != '"')
		return fail(p, name, "%s: missing closing quote", name);
	*t++ = '\0';
	while (isspace((unsigned char)*t))
		t++;
	if (*t)
		return fail(p, name, "%s: unexpected text after the closing quote: %s", name, t);
	*inner = s + 1;
	return 0;
}

/* Removes the backslash of every escape, in place (Suricata's msg rule). */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		*w++ = *s;
	}
	*w = '\0';
}

static int parse_int(struct parser *p, const char *name, const char *v, long long min,
		     long long max, long long *out)
{
	const char *d = v;
	long long x = 0;

	if (need_value(p, name, v) < 0)
		return -EINVAL;
	if (*d == '-' && min < 0)
		d++;
	if (!*d)
		return fail(p, name, "%s: \"%s\" is not a number", name, v);
	for (; *d; d++) {
		if (!isdigit((unsigned char)*d))
			return fail(p, name, "%s: \"%s\" is not a number", name, v);
		if (x <= max)
			x = x * 10 + (*d - '0');
	}
	if (*v == '-')
		x = -x;
	if (x < min || x > max)
		return fail(p, name, "%s: %s is out of range (%lld..%lld)", name, v, min, max);
	*out = x;
	return 0;
}

static int parse_u32(struct parser *p, const char *name, const char *v, uint32_t min,
		     uint32_t max, uint32_t *out)
{
	long long x;

	if (parse_int(p, name, v, min, max, &x) < 0)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

static int once(struct parser *p, const char *name, unsigned bit)
{
	if (p->seen & bit)
		return fail(p, name, "duplicate \"%s\"", name);
	p->seen |= bit;
	return 0;
}

static int set_string(struct parser *p, char **dst, const char *s)
{
	*dst = strdup(s);
	return *dst ? 0 : fail_oom(p);
}

static int kv_append(struct parser *p, struct rule_kv **arr, uint32_t *n, uint32_t *cap,
		     const char *key, const char *value)
{
	if (*n == *cap) {
		uint32_t c = *cap ? *cap * 2 : 4;
		struct rule_kv *a = realloc(*arr, c * sizeof(*a));

		if (!a)
			return fail_oom(p);
		*arr = a;
		*cap = c;
	}
	(*arr)[*n].key = strdup(key);
	(*arr)[*n].value = strdup(value);
	(*n)++; /* counted even on failure so that rule_free() frees what exists */
	if (!(*arr)[*n - 1].key || !(*arr)[*n - 1].value)
		return fail_oom(p);
	return 0;
}

static struct rule_item *item_append(struct parser *p, enum rule_item_kind kind)
{
	struct rule *r = p->r;
	struct rule_item *it;

	if (r->n_items == p->cap_items) {
		uint32_t c = p->cap_items ? p->cap_items * 2 : 4;
		struct rule_item *items = realloc(r->items, c * sizeof(*items));
		struct item_aux *aux;

		if (!items)
			return NULL;
		r->items = items;
		aux = realloc(p->aux, c * sizeof(*aux));
		if (!aux)
			return NULL;
		p->aux = aux;
		p->cap_items = c;
	}
	it = &r->items[r->n_items];
	memset(it, 0, sizeof(*it));
	memset(&p->aux[r->n_items], 0, sizeof(p->aux[0]));
	it->kind = kind;
	it->buffer = p->sticky;
	p->aux[r->n_items].buf_kw = p->sticky_kw;
	r->n_items++;
	p->sticky_since_item = false;
	p->sticky_empty = false;
	return it;
}

/* ---- meta keywords -------------------------------------------------------- */

static int kw_msg(struct parser *p, const char *name, char *value)
{
	char *inner;

	if (once(p, name, SEEN_MSG) < 0 || unquote(p, name, value, NULL, &inner) < 0)
		return -EINVAL;
	unescape(inner);
	return set_string(p, &p->r->msg, inner);
}

static int kw_sid(struct parser *p, const char *name, char *value)
{
	if (once(p, name, SEEN_SID) < 0)
		return -EINVAL;
	if (value && strcmp(value, "0") == 0)
		return fail(p, name, "sid: must be greater than 0");
	return parse_u32(p, name, value, 1, UINT32_MAX, &p->r->sid);
}

static int kw_rev(struct parser *p, const char *name, char *value)
{
	if (once(p, name, SEEN_REV) < 0)
		return -EINVAL;
	return parse_u32(p, name, value, 0, UINT32_MAX, &p->r->rev);
}

static int kw_gid(struct parser *p, const char *name, char *value)
{
	if (once(p, name, SEEN_GID) < 0)
		return -EINVAL;
	return parse_u32(p, name, value, 0, UINT32_MAX, &p->r->gid);
}

static int kw_priority(struct parser *p, const char *name, char *value)
{
	if (once(p, name, SEEN_PRIORITY) < 0)
		return -EINVAL;
	return parse_u32(p, name, value, 1, 255, &p->r->priority);
}

static int kw_classtype(struct parser *p, const char *name, char *value)
{
	const struct classtype *ct;

	if (once(p, name, SEEN_CLASSTYPE) < 0 || need_value(p, name, value) < 0)
		return -EINVAL;
	ct = classtype_lookup(value);
	if (!ct)
		return fail(p, name, "unknown classtype \"%s\"", value);
	return set_string(p, &p->r->classtype, ct->name);
}

static int kw_reference(struct parser *p, const char *name, char *value)
{
	char *comma, *type, *ref;

	if (need_value(p, name, value) < 0)
		return -EINVAL;
	comma = strchr(value, ',');
	if (!comma)
		return fail(p, name, "reference: expected \"type,value\", got \"%s\"", value);
	*comma = '\0';
	type = trim(value);
	ref = trim(comma + 1);
	if (!*type || !*ref)
		return fail(p, name, "reference: expected \"type,value\"");
	for (const char *c = type; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
			return fail(p, name, "reference: invalid type \"%s\"", type);
	return kv_append(p, &p->r->references, &p->r->n_references, &p->cap_refs, type, ref);
}

static int metadata_special(struct parser *p, const char *key, const char *val)
{
	struct rule *r = p->r;

	if (strcasecmp(key, "tlp") == 0) {
		enum tlp t;

		if (tlp_parse(val, &t) < 0)
			return fail(p, "metadata",
				    "metadata: unknown tlp \"%s\" (expected clear, white, green, "
				    "amber, amber+strict or red)",
				    val);
		if (r->tlp != TLP_NONE && r->tlp != t)
			return fail(p, "metadata", "metadata: tlp \"%s\" conflicts with \"%s\"",
				    val, tlp_name(r->tlp));
		r->tlp = t;
	} else if (strcasecmp(key, "stix_id") == 0) {
		if (r->stix_id && strcmp(r->stix_id, val) != 0)
			return fail(p, "metadata", "metadata: stix_id \"%s\" conflicts with \"%s\"",
				    val, r->stix_id);
		if (!r->stix_id)
			return set_string(p, &r->stix_id, val);
	}
	return 0;
}

static int kw_metadata(struct parser *p, const char *name, char *value)
{
	char *save = NULL;

	if (need_value(p, name, value) < 0)
		return -EINVAL;
	for (char *e = strtok_r(value, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		char *key = trim(e), *val = key;

		while (*val && !isspace((unsigned char)*val))
			val++;
		if (!*val) {
			if (strcasecmp(key, "tlp") == 0 || strcasecmp(key, "stix_id") == 0)
				return fail(p, name, "metadata: \"%s\" needs a value", key);
			continue; /* Suricata ignores entries without a value */
		}
		*val++ = '\0';
		val = trim(val);
		if (metadata_special(p, key, val) < 0 ||
		    kv_append(p, &p->r->metadata, &p->r->n_metadata, &p->cap_meta, key, val) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- flow ------------------------------------------------------------------ */

static const struct {
	const char *name;
	uint32_t bit;
} flow_options[] = {
	{"to_server", RULE_FLOW_TO_SERVER},   {"from_client", RULE_FLOW_TO_SERVER},
	{"to_client", RULE_FLOW_TO_CLIENT},   {"from_server", RULE_FLOW_TO_CLIENT},
	{"established", RULE_FLOW_ESTABLISHED}, {"stateless", RULE_FLOW_STATELESS},
};

static const char *const flow_unsupported[] = {
	"not_established", "only_stream", "no_stream", "only_frag", "no_frag",
};

static int flow_option(struct parser *p, const char *opt, const char **written)
{
	uint32_t bit = 0;
	size_t i;

	for (i = 0; i < sizeof(flow_options) / sizeof(flow_options[0]); i++)
		if (strcasecmp(opt, flow_options[i].name) == 0)
			bit = flow_options[i].bit;
	if (!bit) {
		for (i = 0; i < sizeof(flow_unsupported) / sizeof(flow_unsupported[0]); i++)
			if (strcasecmp(opt, flow_unsupported[i]) == 0)
				return fail(p, "flow", "flow: \"%s\" is not supported", opt);
		return fail(p, "flow", "flow: unknown option \"%s\"", opt);
	}
	if (p->r->flow & bit)
		return fail(p, "flow", "flow: \"%s\" repeats \"%s\"", opt,
			    written[__builtin_ctz(bit)]);
	if ((bit == RULE_FLOW_TO_SERVER && (p->r->flow & RULE_FLOW_TO_CLIENT)) ||
	    (bit == RULE_FLOW_TO_CLIENT && (p->r->flow & RULE_FLOW_TO_SERVER)))
		return fail(p, "flow", "flow: \"%s\" conflicts with \"%s\"", opt,
			    written[__builtin_ctz(bit ^ (RULE_FLOW_TO_SERVER | RULE_FLOW_TO_CLIENT))]);
	if ((bit == RULE_FLOW_ESTABLISHED && (p->r->flow & RULE_FLOW_STATELESS)) ||
	    (bit == RULE_FLOW_STATELESS && (p->r->flow & RULE_FLOW_ESTABLISHED)))
		return fail(p, "flow", "flow: \"%s\" conflicts with \"%s\"", opt,
			    written[__builtin_ctz(bit ^ (RULE_FLOW_ESTABLISHED |
							 RULE_FLOW_STATELESS))]);
	p->r->flow |= bit;
	written[__builtin_ctz(bit)] = opt;
	return 0;
}

static int kw_flow(struct parser *p, const char *name, char *value)
{
	const char *written[4] = {0};
	char *opt, *next;

	if (once(p, name, SEEN_FLOW) < 0 || need_value(p, name, value) < 0)
		return -EINVAL;
	for (opt = value; opt; opt = next) {
		next = strchr(opt, ',');
		if (next)
			*next++ = '\0';
		opt = trim(opt);
		if (!*opt)
			return fail(p, name, "flow: empty option");
		if (flow_option(p, opt, written) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- content and its modifiers --------------------------------------------- */

static int kw_content(struct parser *p, const char *name, char *value)
{
	struct rule_item *it;
	bool neg = false;
	char *inner;
	uint8_t *bytes;
	uint32_t len;
	char why[160];
	int rc;

	if (unquote(p, name, value, &neg, &inner) < 0)
		return -EINVAL;
	rc = content_decode(inner, strlen(inner), &bytes, &len, why, sizeof(why));
	if (rc == -ENOMEM)
		return fail_oom(p);
	if (rc < 0)
		return fail(p, name, "content: %s", why);
	it = item_append(p, RULE_ITEM_CONTENT);
	if (!it) {
		free(bytes);
		return fail_oom(p);
	}
	it->u.content.bytes = bytes;
	it->u.content.len = len;
	it->u.content.negated = neg;
	return 0;
}

/* The content a modifier applies to: the most recent item, which must be a
 * content in the current buffer. */
static int modifier_target(struct parser *p, const char *name, struct rule_content **c,
			   struct item_aux **aux)
{
	struct rule *r = p->r;

	if (r->n_items == 0 || p->sticky_since_item)
		return fail(p, name, "\"%s\" needs a preceding content", name);
	if (r->items[r->n_items - 1].kind != RULE_ITEM_CONTENT)
		return fail(p, name, "\"%s\" needs a preceding content, not a pcre", name);
	*c = &r->items[r->n_items - 1].u.content;
	*aux = &p->aux[r->n_items - 1];
	return 0;
}

static const char *mod_name(unsigned mod)
{
	switch (mod) {
	case MOD_OFFSET: return "offset";
	case MOD_DEPTH: return "depth";
	case MOD_DISTANCE: return "distance";
	case MOD_WITHIN: return "within";
	default: return "?";
	}
}

/* Marks mod as seen on the content; rejects repeats and absolute/relative mixes. */
static int modifier_mark(struct parser *p, const char *name, struct item_aux *aux, unsigned mod)
{
	unsigned absolute = MOD_OFFSET | MOD_DEPTH, relative = MOD_DISTANCE | MOD_WITHIN;
	unsigned clash = (mod & absolute) ? aux->mods & relative
			 : (mod & relative) ? aux->mods & absolute : 0;

	if (aux->mods & mod)
		return fail(p, name, "duplicate \"%s\" on one content", name);
	if (clash)
		return fail(p, name, "\"%s\" cannot be combined with \"%s\" on the same content",
			    name, mod_name(clash & -clash));
	aux->mods |= mod;
	return 0;
}

static int fast_pattern_value(struct parser *p, const char *name, const char *value,
			      const struct rule_content *c)
{
	unsigned long a, b;
	char *end;

	if (!value || strcasecmp(value, "only") == 0)
		return 0;
	if (!isdigit((unsigned char)*value))
		goto bad;
	a = strtoul(value, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (*end++ != ',')
		goto bad;
	while (isspace((unsigned char)*end))
		end++;
	if (!isdigit((unsigned char)*end))
		goto bad;
	b = strtoul(end, &end, 10);
	if (*end)
		goto bad;
	if (a > c->len || b > c->len || a + b > c->len)
		return fail(p, name, "fast_pattern: %s goes past the end of the content (%u bytes)",
			    value, c->len);
	return 0;
bad:
	return fail(p, name, "fast_pattern: invalid value \"%s\" (expected only or OFFSET,LENGTH)",
		    value);
}

static int kw_modifier(struct parser *p, const char *name, char *value)
{
	struct rule_content *c = NULL;
	struct item_aux *aux = NULL;
	long long v;

	if (modifier_target(p, name, &c, &aux) < 0)
		return -EINVAL;
	if (strcmp(name, "nocase") == 0) {
		if (no_value(p, name, value) < 0 || modifier_mark(p, name, aux, MOD_NOCASE) < 0)
			return -EINVAL;
		c->nocase = true;
	} else if (strcmp(name, "rawbytes") == 0) {
		return no_value(p, name, value) < 0 ? -EINVAL
						     : modifier_mark(p, name, aux, MOD_RAWBYTES);
	} else if (strcmp(name, "fast_pattern") == 0) {
		if (modifier_mark(p, name, aux, MOD_FAST_PATTERN) < 0)
			return -EINVAL;
		if (p->fast_pattern)
			return fail(p, name, "\"fast_pattern\" can be used on only one content");
		if (fast_pattern_value(p, name, value, c) < 0)
			return -EINVAL;
		p->fast_pattern = true;
		c->fast_pattern = true;
	} else if (strcmp(name, "offset") == 0) {
		if (modifier_mark(p, name, aux, MOD_OFFSET) < 0 ||
		    parse_int(p, name, value, 0, MOD_VALUE_MAX, &v) < 0)
			return -EINVAL;
		c->has_offset = true;
		c->offset = (uint32_t)v;
	} else if (strcmp(name, "depth") == 0) {
		if (modifier_mark(p, name, aux, MOD_DEPTH) < 0 ||
		    parse_int(p, name, value, 0, MOD_VALUE_MAX, &v) < 0)
			return -EINVAL;
		if (v < c->len)
			return fail(p, name, "depth: %lld is shorter than the content (%u bytes)",
				    v, c->len);
		c->has_depth = true;
		c->depth = (uint32_t)v;
	} else if (strcmp(name, "distance") == 0) {
		if (modifier_mark(p, name, aux, MOD_DISTANCE) < 0 ||
		    parse_int(p, name, value, -MOD_VALUE_MAX, MOD_VALUE_MAX, &v) < 0)
			return -EINVAL;
		c->has_distance = true;
		c->distance = (int32_t)v;
	} else { /* within */
		if (modifier_mark(p, name, aux, MOD_WITHIN) < 0 ||
		    parse_int(p, name, value, 0, MOD_VALUE_MAX, &v) < 0)
			return -EINVAL;
		if (v < c->len)
			return fail(p, name, "within: %lld is shorter than the content (%u bytes)",
				    v, c->len);
		c->has_within = true;
		c->within = (uint32_t)v;
	}
	return 0;
}

/* ---- buffers ---------------------------------------------------------------- */

static const struct {
	const char *name;
	enum buffer buffer;
} sticky_buffers[] = {
	{"pkt_data", BUFFER_PAYLOAD},
	{"http.uri", BUFFER_HTTP_URI},
	{"http.host", BUFFER_HTTP_HOST},
	{"http.method", BUFFER_HTTP_METHOD},
	{"http.user_agent", BUFFER_HTTP_USER_AGENT},
	{"dns.query", BUFFER_DNS_QUERY},
	{"dns_query", BUFFER_DNS_QUERY},
	{"tls.sni", BUFFER_TLS_SNI},
	{"tls_sni", BUFFER_TLS_SNI},
}, legacy_modifiers[] = {
	{"http_uri", BUFFER_HTTP_URI},
	{"http_host", BUFFER_HTTP_HOST},
	{"http_method", BUFFER_HTTP_METHOD},
	{"http_user_agent", BUFFER_HTTP_USER_AGENT},
};

static int sticky_check_empty(struct parser *p)
{
	if (p->sticky_empty)
		return fail(p, p->sticky_kw, "sticky buffer \"%s\" has no content or pcre",
			    p->sticky_kw);
	return 0;
}

static int kw_sticky(struct parser *p, const char *name, char *value)
{
	size_t i = 0;

	if (no_value(p, name, value) < 0 || sticky_check_empty(p) < 0)
		return -EINVAL;
	while (strcmp(sticky_buffers[i].name, name) != 0)
		i++;
	p->sticky = sticky_buffers[i].buffer;
	p->sticky_kw = p->sticky == BUFFER_PAYLOAD ? NULL : sticky_buffers[i].name;
	p->sticky_since_item = true;
	p->sticky_empty = p->sticky != BUFFER_PAYLOAD;
	return 0;
}

static int kw_legacy(struct parser *p, const char *name, char *value)
{
	struct rule *r = p->r;
	struct rule_item *it;
	size_t i = 0;

	if (no_value(p, name, value) < 0)
		return -EINVAL;
	if (p->sticky != BUFFER_PAYLOAD)
		return fail(p, name,
			    "\"%s\" cannot follow the sticky buffer \"%s\" (reset it with "
			    "pkt_data first)",
			    name, p->sticky_kw);
	if (r->n_items == 0 || r->items[r->n_items - 1].kind != RULE_ITEM_CONTENT)
		return fail(p, name, "\"%s\" needs a preceding content", name);
	it = &r->items[r->n_items - 1];
	if (it->buffer != BUFFER_PAYLOAD)
		return fail(p, name, "\"%s\" conflicts with \"%s\" on the same content", name,
			    p->aux[r->n_items - 1].buf_kw);
	while (strcmp(legacy_modifiers[i].name, name) != 0)
		i++;
	it->buffer = legacy_modifiers[i].buffer;
	p->aux[r->n_items - 1].buf_kw = legacy_modifiers[i].name;
	p->aux[r->n_items - 1].legacy = true;
	return 0;
}

/* ---- pcre -------------------------------------------------------------------- */

/* Suricata's pcre flags other than i s m x U. */
static const char pcre_suricata_flags[] = "AEGRIHDMCSYBOPQVWZT";

static int pcre_flags(struct parser *p, const char *flags, uint32_t *out, bool *uri)
{
	for (const char *f = flags; *f; f++) {
		switch (*f) {
		case 'i': *out |= RULE_PCRE_CASELESS; break;
		case 's': *out |= RULE_PCRE_DOTALL; break;
		case 'm': *out |= RULE_PCRE_MULTILINE; break;
		case 'x': *out |= RULE_PCRE_EXTENDED; break;
		case 'U': *uri = true; break;
		default:
			if (strchr(pcre_suricata_flags, *f))
				return fail(p, "pcre", "pcre: flag \"%c\" is not supported", *f);
			return fail(p, "pcre", "pcre: unknown flag \"%c\"", *f);
		}
	}
	return 0;
}

/* Compiles with PCRE2 to reject what no regex engine would accept. */
static int pcre_check(struct parser *p, const char *re, uint32_t flags)
{
	uint32_t opts = 0;
	int code;
	PCRE2_SIZE off;
	pcre2_code *c;

	if (flags & RULE_PCRE_CASELESS)
		opts |= PCRE2_CASELESS;
	if (flags & RULE_PCRE_DOTALL)
		opts |= PCRE2_DOTALL;
	if (flags & RULE_PCRE_MULTILINE)
		opts |= PCRE2_MULTILINE;
	if (flags & RULE_PCRE_EXTENDED)
		opts |= PCRE2_EXTENDED;
	c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);
	if (!c) {
		PCRE2_UCHAR msg[120];

		pcre2_get_error_message(code, msg, sizeof(msg));
		return fail(p, "pcre", "pcre: %s at offset %zu of \"%s\"", (const char *)msg,
			    (size_t)off, re);
	}
	pcre2_code_free(c);
	return 0;
}

static int kw_pcre(struct parser *p, const char *name, char *value)
{
	struct rule_item *it;
	bool neg = false, uri = false;
	uint32_t flags = 0;
	char *inner, *last;

	if (unquote(p, name, value, &neg, &inner) < 0)
		return -EINVAL;
	last = strrchr(inner, '/');
	if (*inner != '/' || last == inner)
		return fail(p, name, "pcre: expected \"/regex/flags\", got \"%s\"", inner);
	*last = '\0';
	if (!inner[1])
		return fail(p, name, "pcre: empty regular expression");
	if (pcre_flags(p, last + 1, &flags, &uri) < 0)
		return -EINVAL;
	if (uri && p->sticky != BUFFER_PAYLOAD && p->sticky != BUFFER_HTTP_URI)
		return fail(p, name, "pcre: flag \"U\" cannot be used in the sticky buffer \"%s\"",
			    p->sticky_kw);
	if (pcre_check(p, inner + 1, flags) < 0)
		return -EINVAL;
	it = item_append(p, RULE_ITEM_PCRE);
	if (!it)
		return fail_oom(p);
	it->u.pcre.re = strdup(inner + 1);
	if (!it->u.pcre.re)
		return fail_oom(p);
	it->u.pcre.flags = flags;
	it->u.pcre.negated = neg;
	if (uri) {
		it->buffer = BUFFER_HTTP_URI;
		p->aux[p->r->n_items - 1].buf_kw = "pcre";
	}
	return 0;
}

/*
 * Keywords accepted without effect, because they do not change what a rule
 * matches and shared IP-reputation sets (ET's botcc, compromised) use them
 * on every rule: flowbits that only set state (set, unset, toggle; the
 * checking forms isset/isnotset and noalert would change matching and are
 * rejected), and a threshold of type limit, which only rate-limits alerts
 * (spotter already raises at most one alert per rule per flow).
 */
static int kw_flowbits(struct parser *p, const char *name, char *value)
{
	static const char *const ok[] = {"set", "unset", "toggle"};
	char *comma, *cmd;

	if (need_value(p, name, value) < 0)
		return -EINVAL;
	comma = strchr(value, ',');
	if (comma)
		*comma = '\0';
	cmd = trim(value);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcasecmp(cmd, ok[i]) == 0)
			return 0;
	return fail(p, name, "flowbits:%s is not supported (only set, unset and toggle, which "
			     "do not change matching)",
		    cmd);
}

static int kw_threshold(struct parser *p, const char *name, char *value)
{
	char *type;

	if (need_value(p, name, value) < 0)
		return -EINVAL;
	type = strstr(value, "type");
	if (type) {
		type = trim(type + 4);
		if (strncasecmp(type, "limit", 5) == 0 &&
		    (type[5] == '\0' || type[5] == ',' || isspace((unsigned char)type[5])))
			return 0;
	}
	return fail(p, name, "threshold: only \"type limit\" is supported (it does not change "
			     "matching)");
}

/* ---- keyword table ---------------------------------------------------------- */

typedef int (*kw_setup)(struct parser *p, const char *name, char *value);

static const struct {
	const char *name;
	kw_setup setup;
} keywords[] = {
	{"msg", kw_msg},
	{"sid", kw_sid},
	{"rev", kw_rev},
	{"gid", kw_gid},
	{"classtype", kw_classtype},
	{"priority", kw_priority},
	{"reference", kw_reference},
	{"metadata", kw_metadata},
	{"flow", kw_flow},
	{"content", kw_content},
	{"nocase", kw_modifier},
	{"offset", kw_modifier},
	{"depth", kw_modifier},
	{"distance", kw_modifier},
	{"within", kw_modifier},
	{"fast_pattern", kw_modifier},
	{"rawbytes", kw_modifier},
	{"pcre", kw_pcre},
	{"flowbits", kw_flowbits},
	{"threshold", kw_threshold},
	{"pkt_data", kw_sticky},
	{"http.uri", kw_sticky},
	{"http.host", kw_sticky},
	{"http.method", kw_sticky},
	{"http.user_agent", kw_sticky},
	{"dns.query", kw_sticky},
	{"dns_query", kw_sticky},
	{"tls.sni", kw_sticky},
	{"tls_sni", kw_sticky},
	{"http_uri", kw_legacy},
	{"http_host", kw_legacy},
	{"http_method", kw_legacy},
	{"http_user_agent", kw_legacy},
};

static int dispatch(struct parser *p, const char *name, char *value)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcasecmp(keywords[i].name, name) == 0)
			return keywords[i].setup(p, keywords[i].name, value);
	if (suricata_keyword_known(name))
		return fail(p, name, "unsupported keyword \"%s\"", name);
	return fail(p, name, "unknown keyword \"%s\"", name);
}

/* ---- options ------------------------------------------------------------------ */

static bool valid_name(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

/*
 * Splits `name[:value];` at *cur. The value ends at the first ';' that is
 * neither escaped nor inside double quotes. Sets *name (and *value, NULL
 * without ':'), trimmed and NUL-terminated in place; *name is "" for an
 * empty option (";;"). Returns 1 for an option, 0 at the end, <0 on error.
 */
static int next_option(struct parser *p, char **cur, char **name, char **value)
{
	char *s = *cur, *n;
	bool quoted = false;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return 0;
	n = s;
	while (*s && *s != ':' && *s != ';')
		s++;
	*value = NULL;
	if (*s == ':') {
		*s++ = '\0';
		*value = s;
		for (; *s && (quoted || *s != ';'); s++) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				quoted = !quoted;
		}
		if (quoted)
			return fail(p, trim(n), "%s: missing closing quote", trim(n));
	}
	if (!*s)
		return fail(p, trim(n), "\"%s\" is not terminated by \";\"", trim(n));
	*s = '\0';
	*cur = s + 1;
	*name = trim(n);
	if (*value)
		*value = trim(*value);
	if (!**name && *value)
		return fail(p, "options", "missing keyword before \":%s\"", *value);
	if (!valid_name(*name))
		return fail(p, "options", "invalid keyword \"%s\"", *name);
	return 1;
}

static int parse_options(struct parser *p, char *opts)
{
	char *name = NULL, *value = NULL;
	int rc;

	while ((rc = next_option(p, &opts, &name, &value)) > 0) {
		if (!*name)
			continue; /* ";;" — tolerated, as some rule sets have it */
		rc = dispatch(p, name, value);
		if (rc < 0)
			return rc;
	}
	return rc;
}

/* ---- header -------------------------------------------------------------------- */

/*
 * Next white-space separated token of the header, as a new string (NULL
 * when out of memory); brackets may contain spaces; '(' outside brackets
 * ends a token (`any any(msg:...)`).
 */
static char *next_token(const char **cur)
{
	const char *s = *cur, *t;
	int depth = 0;

	while (isspace((unsigned char)*s))
		s++;
	t = s;
	while (*s && (depth > 0 || (!isspace((unsigned char)*s) && *s != '('))) {
		if (*s == '[')
			depth++;
		else if (*s == ']' && depth > 0)
			depth--;
		s++;
	}
	*cur = s;
	return strndup(t, (size_t)(s - t));
}

static const char *const header_parts[7] = {
	"action", "protocol", "source address", "source port",
	"direction", "destination address", "destination port",
};

static const char *const passive_actions[] = {
	"drop", "reject", "rejectsrc", "rejectdst", "rejectboth", "sdrop",
};

static int check_action(struct parser *p, const char *a)
{
	if (strcmp(a, "alert") == 0)
		return 0;
	for (size_t i = 0; i < sizeof(passive_actions) / sizeof(passive_actions[0]); i++)
		if (strcmp(a, passive_actions[i]) == 0)
			return fail(p, "action",
				    "action \"%s\" is not supported: spotter is a passive sensor", a);
	if (strcmp(a, "pass") == 0)
		return fail(p, "action", "action \"pass\" is not supported: spotter only alerts");
	return fail(p, "action", "unknown action \"%s\"", a);
}

static int check_proto(struct parser *p, const char *s)
{
	static const char *const names[] = {"ip", "tcp", "udp", "icmp", "dns", "http", "tls"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i]) == 0) {
			p->r->proto = (enum rule_proto)i;
			return 0;
		}
	}
	return fail(p, "protocol", "protocol \"%s\" is not supported", s);
}

static int parse_addr(struct parser *p, const char *what, const char *s, struct addr_set *out)
{
	char why[200];
	int rc = addr_set_parse(out, s, p->vars, why, sizeof(why));

	if (rc == -ENOMEM)
		return fail_oom(p);
	return rc < 0 ? fail(p, what, "%s: %s", what, why) : 0;
}

static int parse_port(struct parser *p, const char *what, const char *s, struct port_set *out)
{
	char why[200];
	int rc = port_set_parse(out, s, p->vars, why, sizeof(why));

	if (rc == -ENOMEM)
		return fail_oom(p);
	return rc < 0 ? fail(p, what, "%s: %s", what, why) : 0;
}

static int check_header(struct parser *p, char *const tok[7])
{
	struct rule *r = p->r;

	if (check_action(p, tok[0]) < 0 || check_proto(p, tok[1]) < 0)
		return -EINVAL;
	if (strcmp(tok[4], "->") == 0)
		r->dir = RULE_DIR_TO;
	else if (strcmp(tok[4], "<>") == 0)
		r->dir = RULE_DIR_BOTH;
	else if (strcmp(tok[4], "<-") == 0)
		return fail(p, "direction", "direction \"<-\" is not supported (use -> or <>)");
	else
		return fail(p, "direction", "invalid direction \"%s\" (expected -> or <>)", tok[4]);
	if (parse_addr(p, header_parts[2], tok[2], &r->src) < 0 ||
	    parse_port(p, header_parts[3], tok[3], &r->sport) < 0 ||
	    parse_addr(p, header_parts[5], tok[5], &r->dst) < 0 ||
	    parse_port(p, header_parts[6], tok[6], &r->dport) < 0)
		return -EINVAL;
	if (r->proto == RULE_PROTO_ICMP && (!r->sport.any || !r->dport.any))
		return fail(p, "header", "icmp rules cannot have ports");
	return 0;
}

/* Parses the header of the (mutable) text; *opts receives the option text. */
static int parse_header(struct parser *p, char *text, char **opts)
{
	char *tok[7] = {0}, *cur, *end;
	const char *pos = text;
	int rc = 0, i;

	for (i = 0; i < 7 && rc == 0; i++) {
		tok[i] = next_token(&pos);
		if (!tok[i])
			rc = fail_oom(p);
		else if (!*tok[i])
			rc = fail(p, "header",
				  "incomplete header: missing %s (expected ACTION PROTO SRC "
				  "SPORT DIR DST DPORT (OPTIONS))",
				  header_parts[i]);
	}
	if (rc == 0)
		rc = check_header(p, tok);
	for (i = 0; i < 7; i++)
		free(tok[i]);
	if (rc < 0)
		return rc;
	cur = text + (pos - text);
	while (isspace((unsigned char)*cur))
		cur++;
	if (*cur != '(')
		return fail(p, "options", "missing \"(\" before the rule options");
	end = cur + strlen(cur);
	while (end > cur && isspace((unsigned char)end[-1]))
		end--;
	if (end - cur < 2 || end[-1] != ')')
		return fail(p, "options", "missing \")\" at the end of the rule");
	end[-1] = '\0';
	*opts = cur + 1;
	return 0;
}

/* ---- whole-rule checks ------------------------------------------------------------ */

static bool buffer_fits_proto(enum buffer b, enum rule_proto proto)
{
	switch (b) {
	case BUFFER_PAYLOAD:
		return true;
	case BUFFER_DNS_QUERY:
		return proto == RULE_PROTO_IP || proto == RULE_PROTO_TCP ||
		       proto == RULE_PROTO_UDP || proto == RULE_PROTO_DNS;
	case BUFFER_TLS_SNI:
		return proto == RULE_PROTO_IP || proto == RULE_PROTO_TCP || proto == RULE_PROTO_TLS;
	default: /* http.* */
		return proto == RULE_PROTO_IP || proto == RULE_PROTO_TCP ||
		       proto == RULE_PROTO_HTTP;
	}
}

/*
 * distance/within on the first content of a buffer count from the start of
 * the buffer: rewrite them as offset/depth. A negative distance there is
 * clamped to the start, as Suricata's inspection does.
 */
static int make_absolute(struct parser *p, struct rule_content *c)
{
	int64_t start = c->has_distance ? c->distance : 0;
	int64_t end = start + (c->has_within ? (int64_t)c->within : 0);

	if (start < 0)
		start = 0;
	if (c->has_within && end - start < (int64_t)c->len)
		return fail(p, "within",
			    "within: distance %d + within %u leaves no room for the content "
			    "(%u bytes) at the start of the buffer",
			    c->distance, c->within, c->len);
	c->has_offset = start > 0 || c->has_distance;
	c->offset = (uint32_t)start;
	c->has_depth = c->has_within;
	c->depth = c->has_within ? (uint32_t)(end - start) : 0;
	c->has_distance = c->has_within = false;
	c->distance = 0;
	c->within = 0;
	return 0;
}

static int finish(struct parser *p)
{
	struct rule *r = p->r;
	int last[BUFFER_MAX]; /* index of the last item per buffer */

	/* Suricata does not require msg; the alert's signature is then "" */
	if (!(p->seen & SEEN_MSG) && !(r->msg = strdup("")))
		return fail_oom(p);
	if (!(p->seen & SEEN_SID))
		return fail(p, "sid", "missing \"sid\"");
	if (sticky_check_empty(p) < 0)
		return -EINVAL;
	for (int b = 0; b < BUFFER_MAX; b++)
		last[b] = -1;
	for (uint32_t i = 0; i < r->n_items; i++) {
		struct rule_item *it = &r->items[i];
		struct rule_content *c = &it->u.content;
		int prev = last[it->buffer];

		if (!buffer_fits_proto(it->buffer, r->proto))
			return fail(p, p->aux[i].buf_kw, "\"%s\" cannot be used in a%s %s rule",
				    p->aux[i].buf_kw,
				    r->proto == RULE_PROTO_ICMP || r->proto == RULE_PROTO_IP ? "n"
											   : "",
				    rule_proto_name(r->proto));
		last[it->buffer] = (int)i;
		if (it->kind != RULE_ITEM_CONTENT || !(c->has_distance || c->has_within))
			continue;
		if (prev < 0) {
			if (make_absolute(p, c) < 0)
				return -EINVAL;
		} else if (r->items[prev].kind == RULE_ITEM_PCRE) {
			return fail(p, c->has_distance ? "distance" : "within",
				    "\"%s\" relative to a pcre is not supported",
				    c->has_distance ? "distance" : "within");
		}
	}
	return 0;
}

/* ---- entry points ------------------------------------------------------------------ */

int rule_parse_kw(const char *text, const struct vars *vars, struct rule **out,
		  char *err, size_t errlen, char *kw, size_t kwlen)
{
	struct parser p = {.vars = vars, .err = err, .errlen = errlen, .kw = kw, .kwlen = kwlen};
	char *work = NULL, *opts = NULL;
	int rc = -ENOMEM;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (kwlen)
		kw[0] = '\0';
	p.r = calloc(1, sizeof(*p.r));
	if (!p.r)
		goto oom;
	p.r->gid = 1;
	work = strdup(text);
	if (!work)
		goto oom;
	p.r->text = strdup(trim(work));
	if (!p.r->text)
		goto oom;
	strcpy(work, p.r->text);
	if (!*work) {
		rc = fail(&p, "header", "empty rule");
		goto out;
	}
	rc = parse_header(&p, work, &opts);
	if (rc == 0)
		rc = parse_options(&p, opts);
	if (rc == 0)
		rc = finish(&p);
	goto out;
oom:
	fail_oom(&p);
out:
	free(work);
	free(p.aux);
	if (rc < 0) {
		rule_free(p.r);
		return rc;
	}
	*out = p.r;
	return 0;
}

int rule_parse(const char *text, const struct vars *vars, struct rule **out,
	       char *err, size_t errlen)
{
	return rule_parse_kw(text, vars, out, err, errlen, NULL, 0);
}
