/*
 * ruleset.h — loading rule files and directories into a set of rules.
 *
 * A rule file is read line by line (a trailing backslash continues a rule
 * on the next line, '#' after optional white space starts a comment line,
 * blank lines are skipped, CRLF line ends are accepted). Each rule that
 * fails to parse becomes a struct rule_error "FILE:LINE: reason" (LINE is
 * the first line of the rule) and is skipped; the caller decides whether
 * errors are fatal (--strict-rules). Duplicate gid:sid pairs are an error on
 * the later rule. A directory loads every *.rules file in it (not
 * recursively), in byte-wise name order. An empty file is valid (0 rules).
 *
 * Ownership: the ruleset owns its rules and errors; ruleset_free() releases
 * everything. Built by one thread, read-only afterwards.
 */
#ifndef SPOTTER_RULESET_H
#define SPOTTER_RULESET_H

#include <stddef.h>
#include <stdint.h>

#include "rule.h"
#include "vars.h"

#define RULESET_RULE_MAX (1u << 20) /* bytes in one rule, continuations joined */

struct rule_error {
	char *file;      /* NULL for errors not tied to a file */
	uint32_t line;   /* 0 when not tied to a line */
	char *reason;
	char *keyword;   /* what the reason is about (see rule_parse_kw()),
			  * e.g. "byte_test", "duplicate", "file"; never NULL */
};

struct ruleset {
	struct rule **rules;
	uint32_t n_rules;
	struct rule_error *errors;
	uint32_t n_errors;
	uint32_t n_files;

	/* private */
	uint32_t cap_rules, cap_errors;
	struct rule **sid_index;   /* open addressing on gid:sid */
	uint32_t sid_cap, sid_used;
};

struct ruleset *ruleset_new(void);
void ruleset_free(struct ruleset *rs);

/*
 * Loads a rule file or a directory of *.rules files. Parse errors are
 * recorded in rs->errors and do not fail the call. Returns 0, or a negative
 * errno when the path itself cannot be read (also recorded as an error).
 */
int ruleset_load_path(struct ruleset *rs, const char *path, const struct vars *vars);

/* Loads rules from a string (tests); `name` is used as the FILE in errors. */
int ruleset_load_string(struct ruleset *rs, const char *name, const char *text,
			const struct vars *vars);

/* Records an error (printf-style reason). file may be NULL. Its keyword is "error". */
void ruleset_add_error(struct ruleset *rs, const char *file, uint32_t line,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Adds a rule that the caller built (tests, tools): checks gid:sid for a
 * duplicate and takes ownership on success. Returns 0, -EEXIST (rule not
 * taken; the error is recorded at the rule's file/line) or -ENOMEM.
 */
int ruleset_add_rule(struct ruleset *rs, struct rule *r);

/* The rule with this gid:sid, or NULL. */
struct rule *ruleset_find(const struct ruleset *rs, uint32_t gid, uint32_t sid);

/* Removes rule i (e.g. because it failed to compile), freeing it. */
void ruleset_remove(struct ruleset *rs, uint32_t i);

/* Formats an error as "FILE:LINE: reason" (or without the parts it lacks). */
void rule_error_format(const struct rule_error *e, char *buf, size_t len);

#endif
