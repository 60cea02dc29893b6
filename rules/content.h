/*
 * content.h — decoding the pattern of content:"..." into bytes.
 *
 * Pure functions; no state, no allocation beyond the returned buffer.
 */
#ifndef SPOTTER_CONTENT_H
#define SPOTTER_CONTENT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the `len` characters between the quotes of a content option:
 * `|41 42|` hex blocks (pairs of hex digits, spaces between them ignored)
 * and the escapes `\"` `\;` `\\` `\:` (any other escape is an error, as in
 * Suricata). On success returns 0 and *out (malloc'd, owned by the caller)
 * holds *outlen >= 1 bytes. On failure returns -EINVAL (or -ENOMEM) and err
 * holds the reason, e.g. `odd number of hex digits in "|4|"`.
 */
int content_decode(const char *s, size_t len, uint8_t **out, uint32_t *outlen, char *err,
		   size_t errlen);

#endif
