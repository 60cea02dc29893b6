/*
 * ruleset.c — loading rule files and directories (see ruleset.h).
 *
 * A loader turns physical lines into logical rules (continuations joined,
 * comments and blank lines skipped) and hands each to rule_parse_kw(). A
 * gid:sid index (open addressing, backward-shift deletion) catches
 * duplicates across every file of the set.
 *
 * Built by one thread, read-only afterwards. The ruleset owns its rules,
 * errors and index; ruleset_free() releases them.
 */
#include "ruleset.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parse.h"

#define SID_INDEX_MIN 1024

/* ---- errors ----------------------------------------------------------------- */

__attribute__((format(printf, 5, 0))) static int add_error_v(struct ruleset *rs,
							      const char *file, uint32_t line,
							      const char *kw, const char *fmt,
							      va_list ap)
{
	struct rule_error *e;
	char buf[1024];

	if (rs->n_errors == rs->cap_errors) {
		uint32_t cap = rs->cap_errors ? rs->cap_errors * 2 : 16;
		struct rule_error *a = realloc(rs->errors, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		rs->errors = a;
		rs->cap_errors = cap;
	}
	vsnprintf(buf, sizeof(buf), fmt, ap);
	e = &rs->errors[rs->n_errors];
	e->file = file ? strdup(file) : NULL;
	e->line = line;
	e->reason = strdup(buf);
	e->keyword = strdup(kw && *kw ? kw : "error");
	if ((file && !e->file) || !e->reason || !e->keyword) {
		free(e->file);
		free(e->reason);
		free(e->keyword);
		return -ENOMEM;
	}
	rs->n_errors++;
	return 0;
}

__attribute__((format(printf, 5, 6))) static void add_error_kw(struct ruleset *rs,
							       const char *file,
							       uint32_t line, const char *kw,
							       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error_v(rs, file, line, kw, fmt, ap); /* out of memory: the error is lost */
	va_end(ap);
}

void ruleset_add_error(struct ruleset *rs, const char *file, uint32_t line,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error_v(rs, file, line, "error", fmt, ap);
	va_end(ap);
}

void rule_error_format(const struct rule_error *e, char *buf, size_t len)
{
	if (e->file && e->line)
		snprintf(buf, len, "%s:%u: %s", e->file, e->line, e->reason);
	else if (e->file)
		snprintf(buf, len, "%s: %s", e->file, e->reason);
	else
		snprintf(buf, len, "%s", e->reason);
}

/* ---- gid:sid index ------------------------------------------------------------ */

static uint64_t sid_key(uint32_t gid, uint32_t sid)
{
	return (uint64_t)gid << 32 | sid;
}

static uint32_t sid_home(uint64_t key, uint32_t cap)
{
	return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

/* Slot holding key, or the empty slot where it would go. cap > used always. */
static uint32_t sid_slot(struct rule *const *idx, uint32_t cap, uint64_t key)
{
	uint32_t i = sid_home(key, cap);

	while (idx[i] && sid_key(idx[i]->gid, idx[i]->sid) != key)
		i = (i + 1) & (cap - 1);
	return i;
}

static int sid_grow(struct ruleset *rs)
{
	uint32_t cap = rs->sid_cap ? rs->sid_cap * 2 : SID_INDEX_MIN;
	struct rule **idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (uint32_t i = 0; i < rs->sid_cap; i++) {
		struct rule *r = rs->sid_index[i];

		if (r)
			idx[sid_slot(idx, cap, sid_key(r->gid, r->sid))] = r;
	}
	free(rs->sid_index);
	rs->sid_index = idx;
	rs->sid_cap = cap;
	return 0;
}

static void sid_delete(struct ruleset *rs, const struct rule *r)
{
	uint32_t mask = rs->sid_cap - 1, i, j;

	if (!rs->sid_cap)
		return;
	i = sid_slot(rs->sid_index, rs->sid_cap, sid_key(r->gid, r->sid));
	if (rs->sid_index[i] != r)
		return;
	rs->sid_index[i] = NULL;
	rs->sid_used--;
	/* Backward shift: move later entries of the probe run into the hole
	 * unless their home lies cyclically in (i, j]. */
	for (j = (i + 1) & mask; rs->sid_index[j]; j = (j + 1) & mask) {
		struct rule *e = rs->sid_index[j];
		uint32_t k = sid_home(sid_key(e->gid, e->sid), rs->sid_cap);

		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			rs->sid_index[i] = e;
			rs->sid_index[j] = NULL;
			i = j;
		}
	}
}

struct rule *ruleset_find(const struct ruleset *rs, uint32_t gid, uint32_t sid)
{
	if (!rs->sid_cap)
		return NULL;
	return rs->sid_index[sid_slot(rs->sid_index, rs->sid_cap, sid_key(gid, sid))];
}

/* ---- rules ---------------------------------------------------------------------- */

struct ruleset *ruleset_new(void)
{
	return calloc(1, sizeof(struct ruleset));
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (uint32_t i = 0; i < rs->n_rules; i++)
		rule_free(rs->rules[i]);
	free(rs->rules);
	for (uint32_t i = 0; i < rs->n_errors; i++) {
		free(rs->errors[i].file);
		free(rs->errors[i].reason);
		free(rs->errors[i].keyword);
	}
	free(rs->errors);
	free(rs->sid_index);
	free(rs);
}

int ruleset_add_rule(struct ruleset *rs, struct rule *r)
{
	struct rule *first;
	uint32_t slot;

	if ((rs->sid_used + 1) * 2 > rs->sid_cap && sid_grow(rs) < 0)
		return -ENOMEM;
	slot = sid_slot(rs->sid_index, rs->sid_cap, sid_key(r->gid, r->sid));
	first = rs->sid_index[slot];
	if (first) {
		if (first->file)
			add_error_kw(rs, r->file, r->line, "duplicate",
				     "duplicate gid:sid %u:%u (first at %s:%u)", r->gid, r->sid,
				     first->file, first->line);
		else
			add_error_kw(rs, r->file, r->line, "duplicate", "duplicate gid:sid %u:%u",
				     r->gid, r->sid);
		return -EEXIST;
	}
	if (rs->n_rules == rs->cap_rules) {
		uint32_t cap = rs->cap_rules ? rs->cap_rules * 2 : 64;
		struct rule **a = realloc(rs->rules, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		rs->rules = a;
		rs->cap_rules = cap;
	}
	rs->rules[rs->n_rules++] = r;
	rs->sid_index[slot] = r;
	rs->sid_used++;
	return 0;
}

void ruleset_remove(struct ruleset *rs, uint32_t i)
{
	if (i >= rs->n_rules)
		return;
	sid_delete(rs, rs->rules[i]);
	rule_free(rs->rules[i]);
	memmove(&rs->rules[i], &rs->rules[i + 1], (rs->n_rules - i - 1) * sizeof(rs->rules[0]));
	rs->n_rules--;
}

/* ---- loader ----------------------------------------------------------------------- */

struct loader {
	struct ruleset *rs;
	const struct vars *vars;
	const char *file;
	char *buf;         /* the logical rule being joined */
	size_t len, cap;
	uint32_t first;    /* its first line; 0 when none is open */
	bool too_long, has_nul;
};

static void parse_one(struct loader *ld)
{
	struct rule *r = NULL;
	char err[512], kw[64];
	int rc;

	if (ld->too_long) {
		add_error_kw(ld->rs, ld->file, ld->first, "length",
			     "rule is longer than %u bytes", RULESET_RULE_MAX);
		return;
	}
	if (ld->has_nul) {
		add_error_kw(ld->rs, ld->file, ld->first, "encoding", "rule contains a NUL byte");
		return;
	}
	rc = rule_parse_kw(ld->buf, ld->vars, &r, err, sizeof(err), kw, sizeof(kw));
	if (rc < 0) {
		add_error_kw(ld->rs, ld->file, ld->first, kw, "%s", err);
		return;
	}
	r->file = strdup(ld->file);
	r->line = ld->first;
	if (!r->file) {
		add_error_kw(ld->rs, ld->file, ld->first, "memory", "out of memory");
		rule_free(r);
		return;
	}
	rc = ruleset_add_rule(ld->rs, r);
	if (rc == -ENOMEM)
		add_error_kw(ld->rs, ld->file, ld->first, "memory", "out of memory");
	if (rc < 0)
		rule_free(r);
}

static int append(struct loader *ld, const char *s, size_t n)
{
	if (ld->too_long || ld->len + n > RULESET_RULE_MAX) {
		ld->too_long = true;
		return 0;
	}
	if (ld->len + n + 1 > ld->cap) {
		size_t cap = ld->cap ? ld->cap : 1024;
		char *b;

		while (cap < ld->len + n + 1)
			cap *= 2;
		b = realloc(ld->buf, cap);
		if (!b)
			return -ENOMEM;
		ld->buf = b;
		ld->cap = cap;
	}
	memcpy(ld->buf + ld->len, s, n);
	ld->len += n;
	ld->buf[ld->len] = '\0';
	return 0;
}

static void finish_rule(struct loader *ld)
{
	if (ld->first)
		parse_one(ld);
	ld->first = 0;
	ld->len = 0;
	ld->too_long = ld->has_nul = false;
	if (ld->buf)
		ld->buf[0] = '\0';
}

/* One physical line (without its '\n'), numbered `no`. */
static int feed_line(struct loader *ld, const char *line, size_t n, uint32_t no)
{
	const char *s = line;
	bool cont;

	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (!ld->first) {
		while (s < line + n && (*s == ' ' || *s == '\t'))
			s++;
		if (s == line + n || *s == '#')
			return 0;
		ld->first = no;
	}
	n -= (size_t)(s - line);
	cont = n > 0 && s[n - 1] == '\\';
	if (cont)
		n--;
	if (memchr(s, '\0', n))
		ld->has_nul = true;
	if (append(ld, s, n) < 0)
		return -ENOMEM;
	if (!cont)
		finish_rule(ld);
	return 0;
}

static void loader_end(struct loader *ld)
{
	finish_rule(ld); /* a continuation on the last line ends the rule */
	free(ld->buf);
}

int ruleset_load_string(struct ruleset *rs, const char *name, const char *text,
			const struct vars *vars)
{
	struct loader ld = {.rs = rs, .vars = vars, .file = name};
	uint32_t no = 0;
	int rc = 0;

	while (*text && rc == 0) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);

		rc = feed_line(&ld, text, n, ++no);
		text += n + (nl != NULL);
	}
	loader_end(&ld);
	if (rc < 0)
		add_error_kw(rs, name, no, "memory", "out of memory");
	return rc;
}

static int load_file(struct ruleset *rs, const char *path, const struct vars *vars)
{
	struct loader ld = {.rs = rs, .vars = vars, .file = path};
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint32_t no = 0;
	int rc = 0;

	if (!f) {
		rc = -errno;
		add_error_kw(rs, path, 0, "file", "%s", strerror(errno));
		return rc;
	}
	rs->n_files++;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		rc = feed_line(&ld, line, (size_t)n, ++no);
	}
	if (rc == 0 && ferror(f)) {
		rc = -EIO;
		add_error_kw(rs, path, no, "file", "read error: %s", strerror(errno));
	}
	loader_end(&ld);
	if (rc == -ENOMEM)
		add_error_kw(rs, path, no, "memory", "out of memory");
	free(line);
	fclose(f);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_rules_name(const char *name)
{
	size_t n = strlen(name);

	return n > 6 && strcmp(name + n - 6, ".rules") == 0 && name[0] != '.';
}

static int load_dir(struct ruleset *rs, const char *path, const struct vars *vars)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		rc = -errno;
		add_error_kw(rs, path, 0, "file", "%s", strerror(errno));
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_rules_name(de->d_name))
			continue;
		if (n == cap) {
			char **a = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*a));

			if (!a)
				goto oom;
			names = a;
		}
		if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0)
			goto oom;
		n++;
	}
	closedir(d);
	d = NULL;
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		int r;

		if (stat(names[i], &st) == 0 && !S_ISREG(st.st_mode))
			continue;
		r = load_file(rs, names[i], vars);
		if (r < 0 && rc == 0)
			rc = r;
	}
	goto out;
oom:
	rc = -ENOMEM;
	add_error_kw(rs, path, 0, "memory", "out of memory");
out:
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int ruleset_load_path(struct ruleset *rs, const char *path, const struct vars *vars)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int rc = -errno;

		add_error_kw(rs, path, 0, "file", "%s", strerror(errno));
		return rc;
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(rs, path, vars);
	return load_file(rs, path, vars);
}
