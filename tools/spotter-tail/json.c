/*
 * json.c — a bounded, allocation-free JSON scanner (RFC 8259 grammar).
 *
 * Owns nothing; every function reads the caller's bytes in [p, end) only.
 * Strings must be valid JSON strings (no raw control characters, known
 * escapes); bytes >= 0x80 are accepted as they are.
 */
#include "json.h"

#include <errno.h>
#include <string.h>

const char *json_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* p at the opening quote; returns the byte after the closing quote or NULL */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c != '\\')
			continue;
		if (++p >= end)
			return NULL;
		switch (*p) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			break;
		case 'u':
			if (end - p < 5)
				return NULL;
			for (int i = 1; i <= 4; i++)
				if (hexval(p[i]) < 0)
					return NULL;
			p += 4;
			break;
		default:
			return NULL;
		}
	}
	return NULL;
}

static const char *skip_digits(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p == s ? NULL : p;
}

static const char *skip_number(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!(p = skip_digits(p, end)))
		return NULL;
	if (p < end && *p == '.' && !(p = skip_digits(p + 1, end)))
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!(p = skip_digits(p, end)))
			return NULL;
	}
	return p;
}

static const char *skip_literal(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0)
		return NULL;
	return p + n;
}

static const char *skip_value(const char *p, const char *end, int depth);

/* p at '{' or '['; members are "name": value for objects */
static const char *skip_container(const char *p, const char *end, int depth)
{
	char close = *p == '{' ? '}' : ']';
	bool object = *p == '{';

	if (depth >= JSON_MAX_DEPTH)
		return NULL;
	p = json_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (object) {
			if (p >= end || *p != '"' || !(p = skip_string(p, end)))
				return NULL;
			p = json_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p++;
		}
		if (!(p = skip_value(p, end, depth + 1)))
			return NULL;
		p = json_ws(p, end);
		if (p >= end)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = json_ws(p + 1, end);
	}
}

static const char *skip_value(const char *p, const char *end, int depth)
{
	p = json_ws(p, end);
	if (p >= end)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		return skip_container(p, end, depth);
	case '"':
		return skip_string(p, end);
	case 't':
		return skip_literal(p, end, "true");
	case 'f':
		return skip_literal(p, end, "false");
	case 'n':
		return skip_literal(p, end, "null");
	default:
		return skip_number(p, end);
	}
}

const char *json_skip(const char *p, const char *end)
{
	return skip_value(p, end, 0);
}

bool json_valid(const char *p, const char *end)
{
	const char *e = json_skip(p, end);

	return e && json_ws(e, end) == end;
}

/* true when the string token at p (a quote) spells exactly `name` unescaped */
static bool name_is(const char *p, const char *tok_end, const char *name)
{
	size_t n = strlen(name);

	/* the token is "name" with no escapes: quote, n bytes, quote */
	return (size_t)(tok_end - p) == n + 2 && memcmp(p + 1, name, n) == 0;
}

int json_get(const struct jspan *obj, const char *name, struct jspan *out)
{
	const char *p = json_ws(obj->p, obj->end), *end = obj->end;

	if (p >= end || *p != '{')
		return -EINVAL;
	p = json_ws(p + 1, end);
	if (p < end && *p == '}')
		return -ENOENT;
	for (;;) {
		const char *key = p, *v, *ve;

		if (p >= end || *p != '"' || !(p = skip_string(p, end)))
			return -EINVAL;
		bool match = name_is(key, p, name);

		p = json_ws(p, end);
		if (p >= end || *p != ':')
			return -EINVAL;
		v = json_ws(p + 1, end);
		if (!(ve = skip_value(v, end, 1)))
			return -EINVAL;
		if (match) {
			out->p = v;
			out->end = ve;
			return 0;
		}
		p = json_ws(ve, end);
		if (p >= end)
			return -EINVAL;
		if (*p == '}')
			return -ENOENT;
		if (*p != ',')
			return -EINVAL;
		p = json_ws(p + 1, end);
	}
}

int json_int(const struct jspan *v, int64_t *out)
{
	const char *p = json_ws(v->p, v->end), *end = v->end;
	bool neg = false;
	uint64_t acc = 0;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return -EINVAL;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return -EINVAL; /* leading zero */
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (acc > (UINT64_C(1) << 63) / 10 ||
		    acc * 10 + d > (UINT64_C(1) << 63) - (neg ? 0 : 1))
			return -EINVAL; /* out of int64 range */
		acc = acc * 10 + d;
	}
	if (json_ws(p, end) != end)
		return -EINVAL; /* fraction, exponent or trailing bytes */
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}

/* appends code point cp as UTF-8; returns bytes written or -1 when full */
static int put_utf8(char *o, size_t room, uint32_t cp)
{
	if (cp < 0x80) {
		if (room < 1)
			return -1;
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		if (room < 2)
			return -1;
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		if (room < 3)
			return -1;
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (room < 4)
		return -1;
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static uint32_t hex4(const char *p)
{
	return (uint32_t)(hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 |
			  hexval(p[3]));
}

int json_str(const struct jspan *v, char *out, size_t outlen, size_t *len)
{
	const char *p = json_ws(v->p, v->end), *end = v->end, *e;
	size_t n = 0;

	if (outlen == 0)
		return -ENOSPC;
	if (p >= end || *p != '"' || !(e = skip_string(p, end)) || json_ws(e, end) != end)
		return -EINVAL;
	for (p++; p < e - 1; p++) {
		uint32_t cp = (unsigned char)*p;
		int w;

		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'b':
				cp = '\b';
				break;
			case 'f':
				cp = '\f';
				break;
			case 'n':
				cp = '\n';
				break;
			case 'r':
				cp = '\r';
				break;
			case 't':
				cp = '\t';
				break;
			case 'u':
				cp = hex4(p + 1);
				p += 4;
				/* a surrogate pair; a lone surrogate is kept as U+FFFD */
				if (cp >= 0xd800 && cp < 0xdc00 && e - 1 - p >= 7 && p[1] == '\\' &&
				    p[2] == 'u') {
					uint32_t lo = hex4(p + 3);

					if (lo >= 0xdc00 && lo < 0xe000) {
						cp =
						    0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
						p += 6;
					}
				}
				if (cp >= 0xd800 && cp < 0xe000)
					cp = 0xfffd;
				break;
			default:
				cp = (unsigned char)*p;
				break; /* " \ / */
			}
			w = put_utf8(out + n, outlen - 1 - n, cp);
		} else {
			w = n < outlen - 1 ? (out[n] = *p, 1) : -1; /* raw byte */
		}
		if (w < 0)
			return -ENOSPC;
		n += (size_t)w;
	}
	out[n] = '\0';
	if (len)
		*len = n;
	return 0;
}

int json_iter_init(struct jiter *it, const struct jspan *obj)
{
	const char *p = json_ws(obj->p, obj->end);

	if (p >= obj->end || *p != '{')
		return -EINVAL;
	it->p = json_ws(p + 1, obj->end);
	it->end = obj->end;
	it->first = true;
	return 0;
}

int json_iter_next(struct jiter *it, struct jspan *name, struct jspan *value)
{
	const char *p = it->p, *end = it->end, *ne, *ve;

	if (p < end && *p == '}')
		return 0;
	if (!it->first) {
		if (p >= end || *p != ',')
			return -EINVAL;
		p = json_ws(p + 1, end);
	}
	if (p >= end || *p != '"' || !(ne = skip_string(p, end)))
		return -EINVAL;
	name->p = p;
	name->end = ne;
	p = json_ws(ne, end);
	if (p >= end || *p != ':')
		return -EINVAL;
	p = json_ws(p + 1, end);
	if (!(ve = skip_value(p, end, 1)))
		return -EINVAL;
	value->p = p;
	value->end = ve;
	it->p = json_ws(ve, end);
	it->first = false;
	return 1;
}

bool json_is_null(const struct jspan *v)
{
	const char *p = json_ws(v->p, v->end);

	return v->end - p >= 4 && memcmp(p, "null", 4) == 0 && json_ws(p + 4, v->end) == v->end;
}
