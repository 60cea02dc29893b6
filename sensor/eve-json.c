/*
 * eve-json.c — the EVE JSON writer (see eve-json.h for why it is
 * hand-written).
 */
#include "eve-json.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void jb_raw(struct jbuf *jb, const char *s, size_t n)
{
	if (jb->overflow || (size_t)(jb->end - jb->p) < n) {
		jb->overflow = true;
		return;
	}
	memcpy(jb->p, s, n);
	jb->p += n;
}

void jb_lit(struct jbuf *jb, const char *s)
{
	jb_raw(jb, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void jb_str(struct jbuf *jb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;

	jb_raw(jb, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		char esc[6];

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			size_t j = i;

			while (j < n && u[j] >= 0x20 && u[j] < 0x80 && u[j] != '"' && u[j] != '\\')
				j++;
			jb_raw(jb, s + i, j - i);
			i = j - 1;
			continue;
		}
		if (c >= 0x80) {
			size_t l = utf8_len(u + i, n - i);

			if (l) {
				jb_raw(jb, s + i, l);
				i += l - 1;
				continue;
			}
		}
		switch (c) {
		case '"':
			jb_raw(jb, "\\\"", 2);
			break;
		case '\\':
			jb_raw(jb, "\\\\", 2);
			break;
		case '\n':
			jb_raw(jb, "\\n", 2);
			break;
		case '\r':
			jb_raw(jb, "\\r", 2);
			break;
		case '\t':
			jb_raw(jb, "\\t", 2);
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			jb_raw(jb, esc, 6);
		}
	}
	jb_raw(jb, "\"", 1);
}

void jb_u64(struct jbuf *jb, uint64_t v)
{
	char tmp[24];
	char *q = tmp + sizeof(tmp);

	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jb_raw(jb, q, (size_t)(tmp + sizeof(tmp) - q));
}

void jb_time(struct jbuf *jb, uint64_t ts_ns)
{
	char tmp[48];
	time_t sec = (time_t)(ts_ns / 1000000000ull);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(tmp, sizeof(tmp), "\"%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, ".%06u+0000\"",
			      (unsigned)(ts_ns % 1000000000ull / 1000));
	jb_raw(jb, tmp, n);
}

void jb_addr(struct jbuf *jb, const struct addr128 *a)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[INET6_ADDRSTRLEN + 2];
	size_t n = 1;

	tmp[0] = '"';
	if (addr_is_v4(a)) {
		inet_ntop(AF_INET, a->b + 12, tmp + 1, sizeof(tmp) - 2);
		n = strlen(tmp);
	} else {
		/* Suricata writes IPv6 in full, eight groups of four digits;
		 * SIEM parsers and correlation keys rely on that form */
		for (int i = 0; i < 16; i += 2) {
			if (i)
				tmp[n++] = ':';
			tmp[n++] = hex[a->b[i] >> 4];
			tmp[n++] = hex[a->b[i] & 15];
			tmp[n++] = hex[a->b[i + 1] >> 4];
			tmp[n++] = hex[a->b[i + 1] & 15];
		}
	}
	tmp[n++] = '"';
	jb_raw(jb, tmp, n);
}
