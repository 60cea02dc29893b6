/*
 * stats.c — feature counts of a rule set for spotter-rules (see stats.h).
 *
 * Single-threaded. The groups array and its keyword strings are owned by
 * the struct stats; the example reasons point into the ruleset, which must
 * outlive the printing.
 */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const kw_names[STATS_KW_MAX] = {
	"classtype", "priority", "reference", "metadata", "flow",
	"content",   "pcre",     "gid",       "stix_id",
};

static const char *const mod_names[STATS_MOD_MAX] = {
	"nocase",       "offset",	"depth",        "distance",     "within",
	"fast_pattern", "negated content", "pcre i",   "pcre s",       "pcre m",
	"pcre x",       "negated pcre",
};

static const char *const flow_names[4] = {"to_server", "to_client", "established",
					  "stateless"};

static void count_content(struct stats *st, const struct rule_content *c)
{
	st->contents++;
	st->mod_items[STATS_MOD_NOCASE] += c->nocase;
	st->mod_items[STATS_MOD_OFFSET] += c->has_offset;
	st->mod_items[STATS_MOD_DEPTH] += c->has_depth;
	st->mod_items[STATS_MOD_DISTANCE] += c->has_distance;
	st->mod_items[STATS_MOD_WITHIN] += c->has_within;
	st->mod_items[STATS_MOD_FAST_PATTERN] += c->fast_pattern;
	st->mod_items[STATS_MOD_NEGATED] += c->negated;
}

static void count_pcre(struct stats *st, const struct rule_pcre *p)
{
	st->pcres++;
	st->mod_items[STATS_MOD_PCRE_I] += !!(p->flags & RULE_PCRE_CASELESS);
	st->mod_items[STATS_MOD_PCRE_S] += !!(p->flags & RULE_PCRE_DOTALL);
	st->mod_items[STATS_MOD_PCRE_M] += !!(p->flags & RULE_PCRE_MULTILINE);
	st->mod_items[STATS_MOD_PCRE_X] += !!(p->flags & RULE_PCRE_EXTENDED);
	st->mod_items[STATS_MOD_PCRE_NEGATED] += p->negated;
}

static void count_rule(struct stats *st, const struct rule *r)
{
	bool buf_used[BUFFER_MAX] = {0}, has_content = false, has_pcre = false;

	st->proto[r->proto]++;
	st->kw_rules[STATS_KW_CLASSTYPE] += r->classtype != NULL;
	st->kw_rules[STATS_KW_PRIORITY] += r->priority != 0;
	st->kw_rules[STATS_KW_REFERENCE] += r->n_references != 0;
	st->kw_rules[STATS_KW_METADATA] += r->n_metadata != 0;
	st->kw_rules[STATS_KW_FLOW] += r->flow != 0;
	st->kw_rules[STATS_KW_GID] += r->gid != 1;
	st->kw_rules[STATS_KW_STIX_ID] += r->stix_id != NULL;
	for (unsigned b = 0; b < 4; b++)
		st->flow[b] += !!(r->flow & (1u << b));
	st->tlp[r->tlp <= TLP_RED ? r->tlp : TLP_NONE]++;
	st->bidirectional += r->dir == RULE_DIR_BOTH;
	if (rule_is_ip_only(r))
		st->ip_only++;
	else
		st->with_content++;
	for (uint32_t i = 0; i < r->n_items; i++) {
		const struct rule_item *it = &r->items[i];

		st->buffer_items[it->buffer]++;
		buf_used[it->buffer] = true;
		if (it->kind == RULE_ITEM_CONTENT) {
			has_content = true;
			count_content(st, &it->u.content);
		} else {
			has_pcre = true;
			count_pcre(st, &it->u.pcre);
		}
	}
	st->kw_rules[STATS_KW_CONTENT] += has_content;
	st->kw_rules[STATS_KW_PCRE] += has_pcre;
	for (unsigned b = 0; b < BUFFER_MAX; b++)
		st->buffer_rules[b] += buf_used[b];
}

static int group_cmp(const void *a, const void *b)
{
	const struct stats_group *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->keyword, y->keyword);
}

static int count_error(struct stats *st, const struct rule_error *e, uint32_t *cap)
{
	uint32_t i;

	if (!e->line) {
		st->file_errors++;
		return 0;
	}
	st->rejected++;
	for (i = 0; i < st->n_groups; i++) {
		if (strcmp(st->groups[i].keyword, e->keyword) == 0) {
			st->groups[i].count++;
			return 0;
		}
	}
	if (st->n_groups == *cap) {
		uint32_t c = *cap ? *cap * 2 : 16;
		struct stats_group *g = realloc(st->groups, c * sizeof(*g));

		if (!g)
			return -ENOMEM;
		st->groups = g;
		*cap = c;
	}
	st->groups[i].keyword = strdup(e->keyword);
	if (!st->groups[i].keyword)
		return -ENOMEM;
	st->groups[i].example = e->reason;
	st->groups[i].count = 1;
	st->n_groups++;
	return 0;
}

int stats_collect(struct stats *st, const struct ruleset *rs)
{
	uint32_t cap = 0;

	memset(st, 0, sizeof(*st));
	st->files = rs->n_files;
	st->loaded = rs->n_rules;
	for (uint32_t i = 0; i < rs->n_rules; i++)
		count_rule(st, rs->rules[i]);
	for (uint32_t i = 0; i < rs->n_errors; i++)
		if (count_error(st, &rs->errors[i], &cap) < 0)
			return -ENOMEM;
	if (st->n_groups)
		qsort(st->groups, st->n_groups, sizeof(*st->groups), group_cmp);
	return 0;
}

void stats_fini(struct stats *st)
{
	for (uint32_t i = 0; i < st->n_groups; i++)
		free(st->groups[i].keyword);
	free(st->groups);
	memset(st, 0, sizeof(*st));
}

double stats_fraction(const struct stats *st)
{
	uint64_t total = st->loaded + st->rejected;

	return total ? 100.0 * (double)st->loaded / (double)total : 100.0;
}

/* ---- text ------------------------------------------------------------------- */

static void line(FILE *out, const char *name, uint64_t n)
{
	fprintf(out, "  %-22s %8llu\n", name, (unsigned long long)n);
}

void stats_print_text(const struct stats *st, FILE *out)
{
	fprintf(out, "rules by protocol:\n");
	for (unsigned p = 0; p < RULE_PROTO_MAX; p++)
		line(out, rule_proto_name((enum rule_proto)p), st->proto[p]);
	fprintf(out, "rules by kind:\n");
	line(out, "ip-only", st->ip_only);
	line(out, "content/pcre", st->with_content);
	line(out, "bidirectional (<>)", st->bidirectional);
	fprintf(out, "rules using keyword:\n");
	for (unsigned k = 0; k < STATS_KW_MAX; k++)
		line(out, kw_names[k], st->kw_rules[k]);
	fprintf(out, "modifiers (%llu contents, %llu pcres):\n", (unsigned long long)st->contents,
		(unsigned long long)st->pcres);
	for (unsigned m = 0; m < STATS_MOD_MAX; m++)
		line(out, mod_names[m], st->mod_items[m]);
	fprintf(out, "buffers (rules / contents+pcres):\n");
	for (unsigned b = 0; b < BUFFER_MAX; b++)
		fprintf(out, "  %-22s %8llu %8llu\n", buffer_name((enum buffer)b),
			(unsigned long long)st->buffer_rules[b],
			(unsigned long long)st->buffer_items[b]);
	fprintf(out, "flow options:\n");
	for (unsigned f = 0; f < 4; f++)
		line(out, flow_names[f], st->flow[f]);
	fprintf(out, "tlp:\n");
	for (unsigned t = TLP_NONE; t <= TLP_RED; t++)
		line(out, tlp_name((enum tlp)t), st->tlp[t]);
	fprintf(out, "rejected by keyword:\n");
	for (uint32_t i = 0; i < st->n_groups; i++)
		fprintf(out, "  %-22s %8llu  e.g. %s\n", st->groups[i].keyword,
			(unsigned long long)st->groups[i].count, st->groups[i].example);
	if (st->file_errors)
		line(out, "(unreadable paths)", st->file_errors);
}

/* ---- JSON ------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] < 0x80)
		return 1;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Writes s as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int n = utf8_len((const unsigned char *)s);

		if (n == 0) {
			fputs("\\ufffd", out);
		} else if (n > 1) {
			fwrite(s, 1, (size_t)n, out);
			s += n - 1;
		} else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_counts(FILE *out, const char *name, const char *const *names,
			const uint64_t *v, unsigned n, bool last)
{
	fprintf(out, "\"%s\":{", name);
	for (unsigned i = 0; i < n; i++) {
		fprintf(out, "%s", i ? "," : "");
		json_string(out, names[i]);
		fprintf(out, ":%llu", (unsigned long long)v[i]);
	}
	fprintf(out, "}%s", last ? "" : ",");
}

void stats_print_json(const struct stats *st, const struct ruleset *rs, FILE *out)
{
	const char *protos[RULE_PROTO_MAX], *bufs[BUFFER_MAX], *tlps[TLP_RED + 1];

	for (unsigned p = 0; p < RULE_PROTO_MAX; p++)
		protos[p] = rule_proto_name((enum rule_proto)p);
	for (unsigned b = 0; b < BUFFER_MAX; b++)
		bufs[b] = buffer_name((enum buffer)b);
	for (unsigned t = 0; t <= TLP_RED; t++)
		tlps[t] = tlp_name((enum tlp)t);
	fprintf(out, "{\"files\":%llu,\"loaded\":%llu,\"rejected\":%llu,\"unreadable\":%llu,"
		     "\"fraction_loaded\":%.4f,",
		(unsigned long long)st->files, (unsigned long long)st->loaded,
		(unsigned long long)st->rejected, (unsigned long long)st->file_errors,
		stats_fraction(st) / 100.0);
	json_counts(out, "protocols", protos, st->proto, RULE_PROTO_MAX, false);
	fprintf(out, "\"kinds\":{\"ip_only\":%llu,\"content\":%llu,\"bidirectional\":%llu},",
		(unsigned long long)st->ip_only, (unsigned long long)st->with_content,
		(unsigned long long)st->bidirectional);
	json_counts(out, "keywords", kw_names, st->kw_rules, STATS_KW_MAX, false);
	fprintf(out, "\"contents\":%llu,\"pcres\":%llu,", (unsigned long long)st->contents,
		(unsigned long long)st->pcres);
	json_counts(out, "modifiers", mod_names, st->mod_items, STATS_MOD_MAX, false);
	json_counts(out, "buffer_rules", bufs, st->buffer_rules, BUFFER_MAX, false);
	json_counts(out, "buffer_items", bufs, st->buffer_items, BUFFER_MAX, false);
	json_counts(out, "flow", flow_names, st->flow, 4, false);
	json_counts(out, "tlp", tlps, st->tlp, TLP_RED + 1, false);
	fprintf(out, "\"rejected_by_keyword\":[");
	for (uint32_t i = 0; i < st->n_groups; i++) {
		fprintf(out, "%s{\"keyword\":", i ? "," : "");
		json_string(out, st->groups[i].keyword);
		fprintf(out, ",\"count\":%llu,\"example\":", (unsigned long long)st->groups[i].count);
		json_string(out, st->groups[i].example);
		fputc('}', out);
	}
	fprintf(out, "],\"errors\":[");
	for (uint32_t i = 0; i < rs->n_errors; i++) {
		const struct rule_error *e = &rs->errors[i];

		fprintf(out, "%s{\"file\":", i ? "," : "");
		if (e->file)
			json_string(out, e->file);
		else
			fputs("null", out);
		fprintf(out, ",\"line\":%u,\"keyword\":", e->line);
		json_string(out, e->keyword);
		fputs(",\"reason\":", out);
		json_string(out, e->reason);
		fputc('}', out);
	}
	fputs("]}\n", out);
}
