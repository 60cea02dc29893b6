/*
 * content.c — content pattern decoding (see content.h).
 *
 * Pure: the caller owns the returned buffer and frees it.
 */
#include "content.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the hex block that starts after the '|' at s[*i]; leaves *i on the closing '|'. */
static int decode_hex(const char *s, size_t len, size_t *i, uint8_t *out, uint32_t *n,
		      char *err, size_t errlen)
{
	size_t start = *i;
	int hi = -1;

	for ((*i)++; *i < len && s[*i] != '|'; (*i)++) {
		int v = hex_value(s[*i]);

		if (s[*i] == ' ' || s[*i] == '\t') {
			if (hi >= 0)
				break; /* a space between the two digits of a byte */
			continue;
		}
		if (v < 0) {
			snprintf(err, errlen, "invalid hex character '%c' in \"%.*s\"", s[*i],
				 (int)(len - start > 40 ? 40 : len - start), s + start);
			return -EINVAL;
		}
		if (hi < 0) {
			hi = v;
		} else {
			out[(*n)++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (*i >= len) {
		snprintf(err, errlen, "unterminated hex block (missing \"|\")");
		return -EINVAL;
	}
	if (hi >= 0 || s[*i] != '|') {
		size_t end = *i;

		while (end < len && s[end] != '|')
			end++;
		snprintf(err, errlen, "odd number of hex digits in \"%.*s\"",
			 (int)(end + 1 - start > 40 ? 40 : end + 1 - start), s + start);
		return -EINVAL;
	}
	return 0;
}

int content_decode(const char *s, size_t len, uint8_t **out, uint32_t *outlen, char *err,
		   size_t errlen)
{
	uint8_t *buf;
	uint32_t n = 0;
	int rc;

	if (len == 0) {
		snprintf(err, errlen, "empty pattern");
		return -EINVAL;
	}
	if (len > UINT32_MAX) {
		snprintf(err, errlen, "pattern too long");
		return -EINVAL;
	}
	buf = malloc(len); /* decoding never grows the text */
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '|') {
			rc = decode_hex(s, len, &i, buf, &n, err, errlen);
			if (rc < 0)
				goto fail;
		} else if (c == '\\') {
			if (i + 1 >= len) {
				snprintf(err, errlen, "pattern ends with a lone \"\\\"");
				goto einval;
			}
			c = s[++i];
			if (c != '"' && c != ';' && c != '\\' && c != ':') {
				snprintf(err, errlen,
					 "invalid escape \"\\%c\" (only \\\" \\; \\\\ \\: are "
					 "escapes; write other bytes as |hex|)",
					 c);
				goto einval;
			}
			buf[n++] = (uint8_t)c;
		} else {
			buf[n++] = (uint8_t)c;
		}
	}
	if (n == 0) {
		snprintf(err, errlen, "empty pattern");
		goto einval;
	}
	*out = buf;
	*outlen = n;
	return 0;
einval:
	rc = -EINVAL;
fail:
	free(buf);
	return rc;
}
