/*
 * parse.h — turning rule text into a struct rule.
 *
 * rule_parse() reads one logical rule (continuation lines already joined).
 * It resolves variables through a struct vars, validates every keyword and
 * modifier combination, and names the offending keyword in its error.
 * It is reentrant: the parser keeps no state between calls.
 */
#ifndef SPOTTER_PARSE_H
#define SPOTTER_PARSE_H

#include <stddef.h>

#include "rule.h"
#include "vars.h"

/*
 * Parses `text`. On success returns 0 and *out owns a new rule (file/line
 * are left NULL/0 for the caller to fill). On failure returns -EINVAL (or
 * -ENOMEM), *out is NULL and err holds the reason without any FILE:LINE
 * prefix, e.g. `unsupported keyword "byte_test"`.
 */
int rule_parse(const char *text, const struct vars *vars, struct rule **out,
	       char *err, size_t errlen);

/*
 * As rule_parse(); on failure it also names in kw (when kw is not NULL)
 * what the error is about, for grouping reasons: the keyword ("depth",
 * "byte_test", "metadata"), or the part of the header ("action",
 * "protocol", "source address", "source port", "direction",
 * "destination address", "destination port", "header", "options").
 */
int rule_parse_kw(const char *text, const struct vars *vars, struct rule **out,
		  char *err, size_t errlen, char *kw, size_t kwlen);

#endif
