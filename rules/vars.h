/*
 * vars.h — rule variables ($HOME_NET, $HTTP_PORTS, ...).
 *
 * A variable holds the text of an address or port expression; it is
 * resolved where it is used, so the same mechanism serves both kinds and a
 * variable may refer to others ($EXTERNAL_NET = !$HOME_NET). vars_new()
 * starts from Suricata's default variables so that shared rule sets written
 * for Suricata load unchanged. Not thread-safe while being set; read-only
 * afterwards.
 */
#ifndef SPOTTER_VARS_H
#define SPOTTER_VARS_H

#include <stddef.h>

struct vars;

struct vars *vars_new(void);
void vars_free(struct vars *v);

/*
 * Sets NAME (without '$'; letters, digits and '_') to VALUE, replacing any
 * previous value. The value is checked for what can be checked without
 * knowing whether it will be used as addresses or ports: balanced brackets,
 * the characters of either syntax, and no reference to NAME itself.
 * Returns 0, -EINVAL with a reason, or -ENOMEM.
 */
int vars_set(struct vars *v, const char *name, const char *value, char *err,
	     size_t errlen);

/*
 * Parses "NAME=VALUE" as given to --set. NAME may carry a leading '$' or
 * Suricata's "vars.address-groups." / "vars.port-groups." prefix, so
 * Suricata command lines can be reused.
 */
int vars_set_assignment(struct vars *v, const char *assignment, char *err,
			size_t errlen);

/* The raw value of NAME, or NULL. The pointer lives as long as v. */
const char *vars_get(const struct vars *v, const char *name);

/* Number of variables, and the i-th name (in the order they were first set). */
size_t vars_count(const struct vars *v);
const char *vars_name(const struct vars *v, size_t i);

/*
 * Resolving $NAME references with loop detection (used by the address and
 * port parsers). A chain lives on the caller's stack while one expression is
 * parsed: vars_chain_push() looks up the `len` bytes at `name` (without '$'),
 * fails on an unknown variable, on a loop ($A -> $B -> $A) and on nesting
 * deeper than VARS_DEPTH_MAX, and otherwise pushes the name and returns its
 * value; the caller parses the value and then calls vars_chain_pop().
 * Errors: `unknown variable "$FOO"`, `variable "$A" refers to itself`,
 * `variable loop: $A -> $B -> $A`.
 */
#define VARS_DEPTH_MAX 16

struct vars_chain {
	const char *names[VARS_DEPTH_MAX]; /* owned by the vars */
	unsigned n;
};

int vars_chain_push(struct vars_chain *c, const struct vars *v, const char *name,
		    size_t len, const char **value, char *err, size_t errlen);
void vars_chain_pop(struct vars_chain *c);

#endif
