/*
 * setexpr.h — the set-expression engine behind address and port sets.
 *
 * One grammar serves both: `any`, literals, lists `[a,b,...]` (nested),
 * negation `!x` of an element or a list, and `$VAR` / `!$VAR` references
 * resolved through struct vars with loop detection (vars_chain_*). An
 * expression evaluates to a normalised range list over unsigned 128-bit
 * values within a universe [0, max]: negation is the complement over the
 * universe, a list is the union of its positive elements minus the union
 * of its negated ones (the whole universe when there is no positive one).
 *
 * What differs between addresses and ports is a small descriptor: the
 * universe maximum, the words used in messages, a callback that turns one
 * literal into ranges and the public range type (size, store, format).
 * addr.c and port.c supply it; the engine also builds, formats and
 * searches their public range arrays.
 *
 * Ownership: a list owns its range array; setexpr_list_fini() frees it and
 * leaves the list empty, ready for reuse. Parsing is single-threaded and
 * keeps no state between calls; setexpr_ranges_hold() only reads, so any
 * number of threads may search a built set.
 */
#ifndef SPOTTER_SETEXPR_H
#define SPOTTER_SETEXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vars;

__extension__ typedef unsigned __int128 setexpr_u128;

#define SETEXPR_U128_MAX (~(setexpr_u128)0)

/* Inclusive range [lo, hi]. */
struct setexpr_range {
	setexpr_u128 lo, hi;
};

/*
 * A range list. "Normalised" means sorted by lo, non-overlapping and
 * non-adjacent, so two normalised lists are equal iff their sets are.
 * A zero-initialised list is empty and valid.
 */
struct setexpr_list {
	struct setexpr_range *r;
	uint32_t n, cap;
};

void setexpr_list_fini(struct setexpr_list *l);

/* Appends [lo, hi] (lo <= hi), leaving l unnormalised. 0 or -ENOMEM. */
int setexpr_list_add(struct setexpr_list *l, setexpr_u128 lo, setexpr_u128 hi);

/* Sorts l and merges overlapping or adjacent ranges, in place. */
void setexpr_list_normalise(struct setexpr_list *l);

/*
 * Replaces normalised l, whose ranges lie within [0, max], by its
 * complement within [0, max]. 0 or -ENOMEM (l unchanged).
 */
int setexpr_list_complement(struct setexpr_list *l, setexpr_u128 max);

/* a := a minus b; both normalised, a stays so. 0 or -ENOMEM (a unchanged). */
int setexpr_list_subtract(struct setexpr_list *a, const struct setexpr_list *b);

/* True when normalised l is exactly [0, max]. */
bool setexpr_list_is_full(const struct setexpr_list *l, setexpr_u128 max);

/* Longest text of one range of a public set (see setexpr_desc.format). */
#define SETEXPR_RANGE_TEXT_MAX 128

/*
 * What makes an expression one of addresses or one of ports: the universe,
 * the words of the messages, how a literal reads, and the public range
 * type the result is stored in.
 */
struct setexpr_desc {
	setexpr_u128 max;   /* the universe is [0, max] */
	unsigned nest_max;  /* elements nested in one another, variables included */
	const char *noun;   /* "address": "missing address", "matches no address" */
	const char *plural; /* "addresses": "addresses nested deeper than 32" */
	/*
	 * Parses one literal: the `len` bytes at tok (not NUL-terminated;
	 * never empty, never `any`, free of `,[]!`, space and tab). Adds one or
	 * more ranges within [0, max] to out, in any order, and returns 0;
	 * or returns -EINVAL with a reason in err, or -ENOMEM.
	 */
	int (*literal)(const char *tok, size_t len, struct setexpr_list *out, char *err,
		       size_t errlen);
	size_t range_size; /* bytes of one public range (struct addr_range, ...) */
	/* Stores [lo, hi] (within [0, max]) into the public range at dst. */
	void (*store)(void *dst, setexpr_u128 lo, setexpr_u128 hi);
	/* Writes the public range at src as users write it, NUL-terminated,
	 * into buf of len (SETEXPR_RANGE_TEXT_MAX) bytes. */
	void (*format)(const void *src, char *buf, size_t len);
};

/*
 * Parses the expression text with variables from vars (NULL: every
 * variable is unknown). On success returns 0 and *out owns a normalised,
 * non-empty list (setexpr_list_is_full() tells `any`). On failure returns
 * -EINVAL (or -ENOMEM), *out is empty and err holds the reason.
 */
int setexpr_parse(const struct setexpr_desc *d, const char *text, const struct vars *vars,
		  struct setexpr_list *out, char *err, size_t errlen);

/*
 * setexpr_parse() into the fields of a public set (struct addr_set, ...):
 * the whole universe sets *any and leaves *r NULL and *n 0; any other set
 * gets a new array *r (malloc; the set's fini frees it) of *n ranges
 * written by d->store. On failure *r is NULL, *n 0, *any false, and the
 * return and err are those of setexpr_parse() (-ENOMEM: "out of memory").
 */
int setexpr_parse_set(const struct setexpr_desc *d, const char *text, const struct vars *vars,
		      void **r, uint32_t *n, bool *any, char *err, size_t errlen);

/*
 * Formats a public set as `any`, as its one range, or as `[a,b,...]`, with
 * d->format for each range; truncates to len (nothing when len is 0).
 */
void setexpr_format_set(const struct setexpr_desc *d, const void *r, uint32_t n, bool any,
			char *buf, size_t len);

/*
 * True when key lies in one of the n sorted, disjoint ranges at r (each
 * `size` bytes); cmp(key, range) returns <0 when key lies below the range,
 * >0 above it, 0 within. A binary search like bsearch(3), but static inline
 * so that the per-packet lookups, which pass a constant cmp, compile to a
 * specialised search without indirect calls.
 */
static inline bool setexpr_ranges_hold(const void *r, uint32_t n, size_t size, const void *key,
				       int (*cmp)(const void *key, const void *range))
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = cmp(key, (const char *)r + (size_t)mid * size);

		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

#endif
