/*
 * json.h — just enough JSON reading for spotter-tail: validate a value,
 * find a member of an object, read an integer or a string.
 *
 * Works on spans of caller-owned bytes (not NUL-terminated), allocates
 * nothing, never reads past `end`. Nesting is bounded (JSON_MAX_DEPTH);
 * deeper input is rejected as malformed. Stateless, so thread-safe.
 */
#ifndef SPOTTER_TAIL_JSON_H
#define SPOTTER_TAIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

struct jspan {
	const char *p; /* first byte of the value (after leading white space) */
	const char *end;
};

/* Skips white space from p; returns the first other byte's address (or end). */
const char *json_ws(const char *p, const char *end);

/*
 * Returns the end of the JSON value starting at p (leading white space is
 * skipped), or NULL when it is malformed or cut off.
 */
const char *json_skip(const char *p, const char *end);

/* True when [p, end) is exactly one JSON value, white space around allowed. */
bool json_valid(const char *p, const char *end);

/*
 * Finds member `name` of the object `obj` (a span returned by json_skip's
 * caller or by this function). Returns 0 and sets *out to the member's
 * value, -ENOENT when there is no such member, -EINVAL when obj is not a
 * well-formed object. With duplicate names the first wins.
 */
int json_get(const struct jspan *obj, const char *name, struct jspan *out);

/* An integer value (no fraction, no exponent) into *v: 0, or -EINVAL. */
int json_int(const struct jspan *v, int64_t *out);

/*
 * Decodes a string value into out (at most outlen-1 bytes, NUL-terminated;
 * \u escapes become UTF-8, \u0000 is kept as a byte). *len gets the decoded
 * length. Returns 0, -EINVAL when not a string, -ENOSPC when it does not fit.
 */
int json_str(const struct jspan *v, char *out, size_t outlen, size_t *len);

/* Iterates over the members of an object, in order. */
struct jiter {
	const char *p, *end;
	bool first;
};

/* 0, or -EINVAL when obj is not an object. */
int json_iter_init(struct jiter *it, const struct jspan *obj);

/* The next member: 1 with *name (the quoted name, for json_str) and *value
 * set, 0 after the last one, -EINVAL when the object is malformed. */
int json_iter_next(struct jiter *it, struct jspan *name, struct jspan *value);

/* True when v is the literal null. */
bool json_is_null(const struct jspan *v);

#endif
