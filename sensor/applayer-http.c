/*
 * applayer-http.c — HTTP/1.x request parsing over the in-order client
 * stream: request line, headers, then the body is skipped (Content-Length
 * or chunked) to reach the next pipelined request.
 *
 * Buffering: a request's line and header block is parsed where it lies in
 * the segment; only a block that spans segments is accumulated, in a pool
 * buffer bounded by http_max_header. Bodies are never buffered.
 *
 * Field normalisation follows what Suricata 8 puts in its buffers (libhtp,
 * the IDS personality Suricata configures, path lower-casing off):
 *  - request line: leading whitespace is skipped, the method is the first
 *    token; the target runs to the LAST space (Suricata accepts spaces in
 *    the URI) and the protocol follows it; no protocol means HTTP/0.9: the
 *    request ends with its line, unless the segment holding the line goes
 *    on with more than whitespace (then, as in libhtp, headers follow).
 *  - http.uri: path ["?" query] ["#" fragment] of the target; an
 *    absolute-form target (http://host:port/path) keeps only its path. The
 *    path is percent- and %u-decoded (invalid escapes are kept verbatim),
 *    '\' becomes '/', runs of '/' collapse, UTF-8 is folded to single bytes
 *    (code points up to U+00FF as themselves, fullwidth ASCII forms to
 *    ASCII, anything else '?') and dot segments are removed (RFC 3986
 *    5.2.4). Query and fragment are percent-decoded; '+' stays.
 *  - http.host: the host of an absolute-form or CONNECT target when there
 *    is one (percent-decoded, trailing dots removed), else the host part of
 *    the Host header; lower-cased, without the port, an IPv6 literal keeps
 *    its brackets ("[fd00:2:1::2]"). Repeated headers are joined with ", "
 *    as libhtp does ("a.com, b.com"); a Host value libhtp cannot parse
 *    (empty, or starting with '/') gives no http.host.
 *  - http.user_agent: the User-Agent value (repeats joined with ", ").
 *  - header names are matched case-insensitively and trimmed; values are
 *    trimmed and end at a NUL; a folded continuation line is appended after
 *    the first whitespace byte of the fold.
 * A CONNECT request ends parsing as HTTP: the bytes after it are handed
 * back for detection (another request, or TLS inside the tunnel). The
 * HTTP/2 connection preface ends parsing. After a gap the parser looks for
 * the next line that starts with a request method.
 *
 * Threading: state in the flow, touched by the owning worker only. The
 * field values are built in the worker's scratch memory.
 */
#include "applayer-http.h"

#include <stdbool.h>
#include <string.h>

enum http_state {
	HTTP_ST_START = 0,   /* between requests: whitespace is skipped */
	HTTP_ST_HEAD,        /* request line and header block */
	HTTP_ST_BODY,        /* Content-Length body */
	HTTP_ST_CHUNK_LEN,   /* chunk-size line */
	HTTP_ST_CHUNK_DATA,
	HTTP_ST_CHUNK_END,   /* rest of the line after chunk data */
	HTTP_ST_TRAILER,     /* trailer lines up to the empty line */
	HTTP_ST_RESYNC,      /* after a gap: waiting for a request line */
};

/* Header-block scanner: where the previous byte left us. */
enum hscan_state {
	SC_LINE = 0,         /* inside a line */
	SC_BOL,              /* just after LF */
	SC_BOL_CR,           /* LF then CR */
};

enum hscan_event {
	HEV_NONE = 0,        /* input exhausted */
	HEV_REQLINE,         /* the request line's LF was just passed */
	HEV_END,             /* the empty line ending the block was just passed */
};

enum chunk_phase {
	CH_LEAD = 0,         /* whitespace before the size */
	CH_DIGITS,
	CH_EXT,              /* extension or junk after the size */
	CH_BAD,              /* something other than a hex digit came first */
};

#define HTTP_CHUNK_LINE_MAX 1024u
#define HTTP_CL_MAX 64u

struct span {
	const uint8_t *p;
	uint32_t n;
};

struct method {
	const char *s;
	uint8_t len;
};

#define M(x) {x, sizeof(x) - 1}
/* libhtp's method table (RFC 7231, 5789 and WebDAV/DeltaV). */
static const struct method http_methods[] = {
	M("GET"), M("POST"), M("HEAD"), M("PUT"), M("DELETE"), M("OPTIONS"),
	M("CONNECT"), M("TRACE"), M("PATCH"), M("PROPFIND"), M("PROPPATCH"),
	M("MKCOL"), M("COPY"), M("MOVE"), M("LOCK"), M("UNLOCK"),
	M("VERSION-CONTROL"), M("CHECKOUT"), M("UNCHECKOUT"), M("CHECKIN"),
	M("UPDATE"), M("LABEL"), M("REPORT"), M("MKWORKSPACE"), M("MKACTIVITY"),
	M("BASELINE-CONTROL"), M("MERGE"), M("SEARCH"),
};
#undef M

enum app_probe app_http_probe_request(const uint8_t *data, uint32_t len)
{
	bool more = false;
	size_t i;

	if (len > 0 && (data[0] < 'A' || data[0] > 'Z'))
		return APP_PROBE_NO; /* every method is upper case */
	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		const struct method *m = &http_methods[i];

		if (len > m->len) {
			if (memcmp(data, m->s, m->len) == 0 && data[m->len] == ' ')
				return APP_PROBE_YES;
		} else if (memcmp(data, m->s, len) == 0) {
			more = true;
		}
	}
	return more ? APP_PROBE_MORE : APP_PROBE_NO;
}

enum app_probe app_http_probe_response(const uint8_t *data, uint32_t len)
{
	static const char pfx[] = "HTTP/1.";
	uint32_t n = len < sizeof(pfx) - 1 ? len : (uint32_t)sizeof(pfx) - 1;

	if (memcmp(data, pfx, n) != 0)
		return APP_PROBE_NO;
	return n == sizeof(pfx) - 1 ? APP_PROBE_YES : APP_PROBE_MORE;
}

/* ---- character classes ---------------------------------------------------- */

/* libhtp's is_space: SP HT CR LF VT FF */
static bool is_space(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool is_hex2(const uint8_t *p)
{
	return hexval(p[0]) >= 0 && hexval(p[1]) >= 0;
}

static uint8_t hex2(const uint8_t *p)
{
	return (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static bool eq_nocase(const uint8_t *p, uint32_t n, const char *s)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || lower(p[i]) != (uint8_t)s[i])
			return false;
	return s[n] == '\0';
}

static bool contains_nocase(const uint8_t *p, uint32_t n, const char *s)
{
	uint32_t sl = (uint32_t)strlen(s), i;

	for (i = 0; i + sl <= n; i++)
		if (eq_nocase(p + i, sl, s))
			return true;
	return false;
}

static struct span trim(const uint8_t *p, uint32_t n)
{
	while (n > 0 && is_space(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && is_space(p[n - 1]))
		n--;
	return (struct span){p, n};
}

/* ---- URI normalisation ---------------------------------------------------- */

/* Best-fit of a code point above U+00FF to one byte. Windows maps far more
 * than the fullwidth ASCII block; those fall back to '?'. */
static uint8_t bestfit(uint32_t cp)
{
	if (cp >= 0xff01 && cp <= 0xff5e)
		return (uint8_t)(cp - 0xfee0);
	return '?';
}

/* %uHHHH at p (p[0] == '%'), n bytes available: 4 hex digits after the u? */
static bool is_u_escape(const uint8_t *p, uint32_t n)
{
	return n >= 6 && (p[1] | 0x20) == 'u' && is_hex2(p + 2) && is_hex2(p + 4);
}

static uint8_t u_escape(const uint8_t *p)
{
	uint8_t hi = hex2(p + 2), lo = hex2(p + 4);

	return hi == 0 ? lo : bestfit((uint32_t)hi << 8 | lo);
}

/*
 * Query/fragment/host decoding: %HH and %uHHHH; an invalid or truncated
 * escape keeps its '%' and the bytes after it are taken as they are.
 * Writes at most n bytes. Returns the output length.
 */
static uint32_t uri_decode(const uint8_t *in, uint32_t n, uint8_t *out)
{
	uint32_t i = 0, o = 0;

	while (i < n) {
		uint8_t c = in[i];

		if (c == '%' && i + 1 < n && (in[i + 1] | 0x20) == 'u') {
			if (is_u_escape(in + i, n - i)) {
				c = u_escape(in + i);
				i += 6;
			} else {
				i++;
			}
		} else if (c == '%' && i + 2 < n && is_hex2(in + i + 1)) {
			c = hex2(in + i + 1);
			i += 3;
		} else {
			i++;
		}
		out[o++] = c;
	}
	return o;
}

/*
 * Path decoding: as uri_decode, plus '\' → '/' and runs of '/' collapsed
 * (decoded separators included).
 */
static uint32_t path_decode(const uint8_t *in, uint32_t n, uint8_t *out)
{
	uint32_t i = 0, o = 0;

	while (i < n) {
		uint8_t c = in[i];

		if (c == '%' && i + 1 < n && (in[i + 1] | 0x20) == 'u') {
			if (is_u_escape(in + i, n - i)) {
				c = u_escape(in + i);
				i += 6;
			} else {
				i++;
			}
		} else if (c == '%' && i + 2 < n && is_hex2(in + i + 1)) {
			c = hex2(in + i + 1);
			i += 3;
		} else {
			i++;
		}
		if (c == '\\')
			c = '/';
		if (c == '/' && o > 0 && out[o - 1] == '/')
			continue;
		out[o++] = c;
	}
	return o;
}

/*
 * Folds UTF-8 to one byte per character in place (libhtp's best-fit path
 * decoding): overlong forms are accepted, an invalid byte becomes '?', a
 * sequence cut by the end of the path leaves one '?' per byte after its
 * lead byte. Returns the new length.
 */
static uint32_t utf8_fold(uint8_t *s, uint32_t n)
{
	uint32_t i = 0, o = 0;

	while (i < n) {
		uint8_t c = s[i], lo = 0x80, hi = 0xbf;
		uint32_t need, cp, k;

		if (c < 0x80) {
			s[o++] = c;
			i++;
			continue;
		}
		if (c >= 0xc0 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1fu;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0fu;
			if (c == 0xed)
				hi = 0x9f; /* no surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07u;
			if (c == 0xf4)
				hi = 0x8f; /* nothing above U+10FFFF */
		} else {
			s[o++] = '?';
			i++;
			continue;
		}
		for (k = 1; k <= need && i + k < n; k++) {
			uint8_t cc = s[i + k];

			if (cc < lo || cc > hi)
				break;
			cp = cp << 6 | (cc & 0x3fu);
			lo = 0x80;
			hi = 0xbf;
		}
		if (k > need) {
			s[o++] = cp < 0x100 ? (uint8_t)cp : bestfit(cp);
			i += need + 1;
		} else if (i + k >= n) {
			while (--k > 0)
				s[o++] = '?';
			i = n;
		} else {
			s[o++] = '?';
			i += k;
		}
	}
	return o;
}

/* RFC 3986 5.2.4 remove_dot_segments, in place, libhtp's state machine. */
enum dot_state {
	DS_START = 0, DS_DOT, DS_DOTDOT, DS_SLASH, DS_SLASH_DOT, DS_SLASH_DOTDOT,
	DS_SLASH_DOTDOT_SLASH, DS_REGULAR,
};

static uint32_t remove_dots(uint8_t *s, uint32_t n)
{
	enum dot_state st = DS_START;
	uint32_t i, w = 0;

	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		switch (st) {
		case DS_START:
			if (c == '.') {
				st = DS_DOT;
			} else if (c == '/') {
				st = DS_SLASH;
			} else {
				s[w++] = c;
				st = DS_REGULAR;
			}
			break;
		case DS_DOT: /* "./" prefix is dropped */
			if (c == '.') {
				st = DS_DOTDOT;
			} else if (c == '/') {
				st = DS_START;
			} else {
				s[w++] = '.';
				s[w++] = c;
				st = DS_REGULAR;
			}
			break;
		case DS_DOTDOT: /* "../" prefix is dropped */
			if (c == '/') {
				st = DS_START;
			} else {
				s[w++] = '.';
				s[w++] = '.';
				s[w++] = c;
				st = DS_REGULAR;
			}
			break;
		case DS_SLASH:
		case DS_SLASH_DOTDOT_SLASH:
			if (c == '.') {
				st = DS_SLASH_DOT;
			} else {
				s[w++] = '/';
				s[w++] = c;
				st = DS_REGULAR;
			}
			break;
		case DS_SLASH_DOT:
			if (c == '/') {
				st = DS_SLASH_DOTDOT_SLASH; /* "/./" is "/" */
			} else if (c == '.') {
				st = DS_SLASH_DOTDOT;
			} else {
				s[w++] = '/';
				s[w++] = '.';
				s[w++] = c;
				st = DS_REGULAR;
			}
			break;
		case DS_SLASH_DOTDOT:
			if (c == '/') { /* "/../" drops the last segment */
				while (w > 0 && s[w - 1] != '/')
					w--;
				if (w > 0)
					w--;
				st = DS_SLASH_DOTDOT_SLASH;
			} else {
				s[w++] = '/';
				s[w++] = '.';
				s[w++] = '.';
				s[w++] = c;
				st = DS_REGULAR;
			}
			break;
		case DS_REGULAR:
			if (c == '/')
				st = DS_SLASH;
			else
				s[w++] = c;
			break;
		}
	}
	if (st == DS_SLASH) {
		s[w++] = '/';
	} else if (st == DS_SLASH_DOTDOT) {
		while (w > 0 && s[w - 1] != '/')
			w--;
		if (w > 0)
			w--;
	}
	return w;
}

/*
 * libhtp's hostname(): optional "//", not a path, spaces skipped, then an
 * IPv6 literal "[...]" or everything up to / ? # :, trailing spaces
 * trimmed. Starts at s[i]. Returns false when there is no host; else sets
 * *host and *end (the index after the host, before trimming).
 */
static bool host_parse(const uint8_t *s, uint32_t n, uint32_t i, struct span *host,
		       uint32_t *end)
{
	uint32_t j, k;

	if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/')
		i += 2;
	if (i < n && s[i] == '/')
		return false;
	while (i < n && s[i] == ' ')
		i++;
	j = i;
	if (i < n && s[i] == '[') {
		for (j = i + 1; j < n; j++)
			if (s[j] == '/' || s[j] == '?' || s[j] == '#' || s[j] == ']')
				break;
		if (j > i + 1) {
			if (j < n && s[j] == ']')
				j++;
			goto found;
		}
		j = i;
	}
	while (j < n && s[j] != '/' && s[j] != '?' && s[j] != '#' && s[j] != ':')
		j++;
	if (j == i)
		return false;
found:
	*end = j;
	for (k = j; k > i && s[k - 1] == ' ';)
		k--;
	host->p = s + i;
	host->n = k - i;
	return true;
}

struct uri_parts {
	struct span host, path, query, frag;
	bool has_host, has_path, has_query, has_frag;
};

/* libhtp's parse_uri: [scheme ":" [//creds@] host [":" port]] path ["?" query] ["#" frag] */
static void uri_split(const uint8_t *u, uint32_t n, struct uri_parts *o)
{
	uint32_t i = 0, j;
	const uint8_t *c;

	memset(o, 0, sizeof(*o));
	if (n > 0 && u[0] != '/' && (c = memchr(u, ':', n)) != NULL) {
		i = (uint32_t)(c - u) + 1;
		if (n - i >= 2 && u[i] == '/' && u[i + 1] == '/' && !(n - i > 2 && u[i + 2] == '/')) {
			const uint8_t *at = memchr(u + i + 2, '@', n - i - 2);

			if (at)
				i = (uint32_t)(at - u) + 1;
		}
		if (host_parse(u, n, i, &o->host, &j)) {
			o->has_host = true;
			i = j;
			if (i < n && u[i] == ':') { /* port: ':' spaces, then up to / ? # */
				j = i + 1;
				while (j < n && u[j] == ' ')
					j++;
				if (j < n && u[j] != '/' && u[j] != '?' && u[j] != '#') {
					while (j < n && u[j] != '/' && u[j] != '?' && u[j] != '#')
						j++;
					i = j;
				}
			}
		}
	}
	for (j = i; j < n && u[j] != '?' && u[j] != '#'; j++)
		;
	if (j > i) {
		o->path = (struct span){u + i, j - i};
		o->has_path = true;
	}
	i = j;
	if (i < n && u[i] == '?') {
		for (j = i + 1; j < n && u[j] != '#'; j++)
			;
		o->query = (struct span){u + i + 1, j - i - 1};
		o->has_query = true;
		i = j;
	}
	if (i < n && u[i] == '#') {
		o->frag = (struct span){u + i + 1, n - i - 1};
		o->has_frag = true;
	}
}

/* The normalised URI into out (room for the raw URI). Returns its length. */
static uint32_t uri_normalize(const struct uri_parts *u, uint8_t *out)
{
	uint32_t o = 0;

	if (u->has_path) {
		o = path_decode(u->path.p, u->path.n, out);
		o = utf8_fold(out, o);
		o = remove_dots(out, o);
	}
	if (u->has_query) {
		out[o++] = '?';
		o += uri_decode(u->query.p, u->query.n, out + o);
	}
	if (u->has_frag) {
		out[o++] = '#';
		o += uri_decode(u->frag.p, u->frag.n, out + o);
	}
	return o;
}

/* A target's host: decoded, lower-cased, trailing dots dropped. */
static uint32_t host_normalize(struct span h, uint8_t *out)
{
	uint32_t o = uri_decode(h.p, h.n, out), i;

	for (i = 0; i < o; i++)
		out[i] = lower(out[i]);
	while (o > 0 && out[o - 1] == '.')
		o--;
	return o;
}

/* ---- request line and headers --------------------------------------------- */

struct reqline {
	struct span method, uri;
	bool has_uri;
	bool http09;
	bool connect;
	bool h2_preface;
};

static void reqline_parse(const uint8_t *l, uint32_t n, struct reqline *rl)
{
	uint32_t i = 0, m0, r0, r1, k;
	struct span proto;

	memset(rl, 0, sizeof(*rl));
	while (n > 0 && (l[n - 1] == '\n' || l[n - 1] == '\r'))
		n--;
	while (i < n && is_space(l[i]))
		i++;
	for (m0 = i; i < n && !is_space(l[i]); i++)
		;
	rl->method = (struct span){l + m0, i - m0};
	rl->connect = i - m0 == 7 && memcmp(l + m0, "CONNECT", 7) == 0;
	while (i < n && is_space(l[i]))
		i++;
	if (i == n) {
		rl->http09 = true;
		return;
	}
	r0 = i;
	for (r1 = n; r1 > r0 && is_space(l[r1 - 1]); r1--)
		;
	for (k = r1; k > r0 && l[k - 1] != ' '; k--)
		;
	if (k == r0) /* no SP: libhtp retries with any whitespace */
		for (k = r1; k > r0 && !is_space(l[k - 1]); k--)
			;
	rl->has_uri = true;
	if (k == r0) {
		rl->uri = (struct span){l + r0, r1 - r0};
		rl->http09 = true;
		return;
	}
	rl->uri = trim(l + r0, k - 1 - r0);
	proto = trim(l + k, r1 - k);
	rl->h2_preface = rl->method.n == 3 && memcmp(rl->method.p, "PRI", 3) == 0 &&
			 rl->uri.n == 1 && rl->uri.p[0] == '*' && proto.n == 8 &&
			 memcmp(proto.p, "HTTP/2.0", 8) == 0;
}

enum hkind {
	HK_HOST = 0,
	HK_UA,
	HK_TE,
	HK_CL,
	HK_NCOLLECT,
	HK_OTHER = HK_NCOLLECT,
	HK_NONE,
};

/* One collected header: instances joined with ", " into a bounded buffer. */
struct region {
	uint8_t *buf;
	uint32_t len, cap;
	uint32_t count;   /* instances seen */
	uint32_t inst;    /* where the current instance starts */
};

struct hdrs {
	struct region r[HK_NCOLLECT];
	uint8_t cl[HTTP_CL_MAX];
	enum hkind cur;
};

static void region_put(struct region *r, const uint8_t *d, uint32_t n)
{
	if (n > r->cap - r->len)
		n = r->cap - r->len;
	memcpy(r->buf + r->len, d, n);
	r->len += n;
}

static void hdrs_init(const struct app_parse *ap, struct hdrs *h)
{
	uint32_t max = ap->cfg->http_max_header;

	memset(h, 0, sizeof(*h));
	h->r[HK_HOST] = (struct region){.buf = ap->scratch + max, .cap = max};
	h->r[HK_UA] = (struct region){.buf = ap->scratch + 2 * (size_t)max, .cap = max};
	h->r[HK_TE] = (struct region){.buf = ap->scratch + 3 * (size_t)max, .cap = max};
	h->r[HK_CL] = (struct region){.buf = h->cl, .cap = HTTP_CL_MAX};
	h->cur = HK_NONE;
}

/* Ends the current header instance: trailing whitespace is trimmed. */
static void hdr_finish(struct hdrs *h)
{
	struct region *r;

	if (h->cur >= HK_NCOLLECT)
		return;
	r = &h->r[h->cur];
	while (r->len > r->inst && is_space(r->buf[r->len - 1]))
		r->len--;
}

static enum hkind hdr_kind(struct span name)
{
	if (eq_nocase(name.p, name.n, "host"))
		return HK_HOST;
	if (eq_nocase(name.p, name.n, "user-agent"))
		return HK_UA;
	if (eq_nocase(name.p, name.n, "transfer-encoding"))
		return HK_TE;
	if (eq_nocase(name.p, name.n, "content-length"))
		return HK_CL;
	return HK_OTHER;
}

/* A value ends at the end of its line or at a NUL. */
static uint32_t value_len(const uint8_t *v, uint32_t n)
{
	const uint8_t *z = memchr(v, 0, n);

	return z ? (uint32_t)(z - v) : n;
}

static void hdr_line(struct hdrs *h, const uint8_t *l, uint32_t n)
{
	const uint8_t *colon;
	struct region *r;
	enum hkind k;
	uint32_t i;

	if ((l[0] == ' ' || l[0] == '\t') && h->cur != HK_NONE) { /* folded */
		uint8_t fold = l[0];

		if (h->cur >= HK_NCOLLECT)
			return;
		r = &h->r[h->cur];
		for (i = 0; i < n && is_space(l[i]); i++)
			;
		if (r->len > r->inst)
			region_put(r, &fold, 1);
		region_put(r, l + i, value_len(l + i, n - i));
		return;
	}
	hdr_finish(h);
	colon = memchr(l, ':', n);
	if (!colon) { /* libhtp: a header with an empty name */
		h->cur = HK_OTHER;
		return;
	}
	k = hdr_kind(trim(l, (uint32_t)(colon - l)));
	if (k == HK_CL && h->r[HK_CL].count > 0)
		k = HK_OTHER; /* repeated C-L values are not merged; the first counts */
	h->cur = k;
	if (k >= HK_NCOLLECT)
		return;
	r = &h->r[k];
	if (r->count++ > 0)
		region_put(r, (const uint8_t *)", ", 2);
	r->inst = r->len;
	for (i = (uint32_t)(colon - l) + 1; i < n && is_space(l[i]); i++)
		;
	region_put(r, l + i, value_len(l + i, n - i));
}

/* Header lines from blk[pos] up to the terminating empty line. */
static void hdrs_parse(struct hdrs *h, const uint8_t *blk, uint32_t pos, uint32_t blen)
{
	while (pos < blen) {
		const uint8_t *lf = memchr(blk + pos, '\n', blen - pos);
		uint32_t end = lf ? (uint32_t)(lf - blk) : blen, n = end - pos;

		if (n > 0 && blk[pos + n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		hdr_line(h, blk + pos, n);
		pos = end + 1;
	}
	hdr_finish(h);
}

/* Content-Length: leading junk tolerated (libhtp warns), then digits. */
static bool parse_cl(const struct region *r, uint64_t *out)
{
	uint64_t v = 0;
	uint32_t i = 0;
	bool digits = false;

	while (i < r->len && !(r->buf[i] >= '0' && r->buf[i] <= '9'))
		i++;
	for (; i < r->len && r->buf[i] >= '0' && r->buf[i] <= '9'; i++) {
		unsigned d = (unsigned)(r->buf[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		digits = true;
	}
	*out = v;
	return digits;
}

/* ---- transactions --------------------------------------------------------- */

/*
 * Emits one request's fields and tx_end. h is NULL when there are no
 * headers (HTTP/0.9, or a header block cut off at its bound).
 */
static void http_tx(const struct app_parse *ap, const struct reqline *rl, struct hdrs *h)
{
	uint8_t *ubuf = ap->scratch, *hbuf = ap->scratch + ap->cfg->http_max_header;
	struct uri_parts u;
	struct span host;
	uint32_t ulen = 0, hlen = 0, end, i;
	bool have_host = false;

	app_emit(ap, BUFFER_HTTP_METHOD, rl->method.p, rl->method.n);
	if (rl->has_uri && rl->connect) {
		if (host_parse(rl->uri.p, rl->uri.n, 0, &host, &end)) {
			hlen = host_normalize(host, hbuf);
			have_host = true;
		}
	} else if (rl->has_uri) {
		uri_split(rl->uri.p, rl->uri.n, &u);
		ulen = uri_normalize(&u, ubuf);
		if (u.has_host) {
			hlen = host_normalize(u.host, hbuf);
			have_host = true;
		}
	}
	if (ulen > 0)
		app_emit(ap, BUFFER_HTTP_URI, ubuf, ulen);
	if (!have_host && h && h->r[HK_HOST].count > 0) {
		struct region *r = &h->r[HK_HOST];

		if (host_parse(r->buf, r->len, 0, &host, &end)) {
			for (i = 0; i < host.n; i++)
				hbuf[i] = lower(host.p[i]); /* host.p is inside hbuf, at or after i */
			hlen = host.n;
			have_host = true;
		}
	}
	if (have_host)
		app_emit(ap, BUFFER_HTTP_HOST, hbuf, hlen);
	if (h && h->r[HK_UA].count > 0)
		app_emit(ap, BUFFER_HTTP_USER_AGENT, h->r[HK_UA].buf, h->r[HK_UA].len);
	app_tx_end(ap);
	app_count(ap, APP_CTR_HTTP_REQUESTS);
}

static void http_reset_head(const struct app_parse *ap, struct http_req *s)
{
	app_buf_release(ap->pool, &s->blk);
	s->reqline_end = 0;
	s->scan = SC_LINE;
}

static void chunk_reset(struct http_req *s)
{
	s->line_len = 0;
	s->chunk_val = 0;
	s->chunk_phase = CH_LEAD;
	s->chunk_overflow = 0;
}

/* A complete header block blk[0..blen): emit, then decide on the body. */
static enum app_status http_request(const struct app_parse *ap, struct http_req *s,
				    const uint8_t *blk, uint32_t blen)
{
	struct reqline rl;
	struct hdrs h;
	uint64_t cl;

	reqline_parse(blk, s->reqline_end, &rl);
	hdrs_init(ap, &h);
	hdrs_parse(&h, blk, s->reqline_end, blen);
	http_tx(ap, &rl, &h);
	s->state = HTTP_ST_START;
	if (rl.connect)
		return APP_ST_REDETECT;
	if (h.r[HK_TE].count > 0) {
		if (!contains_nocase(h.r[HK_TE].buf, h.r[HK_TE].len, "chunked")) {
			app_count(ap, APP_CTR_PARSE_ERRORS); /* libhtp gives up too */
			return APP_ST_STOP;
		}
		chunk_reset(s);
		s->state = HTTP_ST_CHUNK_LEN;
	} else if (h.r[HK_CL].count > 0) {
		if (!parse_cl(&h.r[HK_CL], &cl)) {
			app_count(ap, APP_CTR_PARSE_ERRORS);
			return APP_ST_STOP;
		}
		if (cl > 0) {
			s->left = cl;
			s->state = HTTP_ST_BODY;
		}
	}
	return APP_ST_OK;
}

/* Anything but whitespace in p[0..n)? */
static bool more_than_space(const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!is_space(p[i]))
			return true;
	return false;
}

/*
 * The request line is complete at blk[0..reqline_end); rest is what the
 * segment holds after it. An HTTP/0.9-style line ends the request unless
 * the segment goes on with more than whitespace (libhtp then takes it for
 * HTTP/1.x with the protocol missing); the HTTP/2 preface stops the parser.
 * Returns true when the request is finished (status in *st).
 */
static bool http_reqline_done(const struct app_parse *ap, struct http_req *s,
			      const uint8_t *blk, const uint8_t *rest, uint32_t rest_len,
			      enum app_status *st)
{
	struct reqline rl;

	reqline_parse(blk, s->reqline_end, &rl);
	if (rl.h2_preface) {
		*st = APP_ST_STOP;
		return true;
	}
	if (!rl.http09 || more_than_space(rest, rest_len))
		return false;
	http_tx(ap, &rl, NULL);
	s->state = HTTP_ST_START;
	*st = APP_ST_OK;
	return true;
}

/* The header block outgrew its bound or its buffer: what is known is emitted. */
static enum app_status http_cut(const struct app_parse *ap, struct http_req *s,
				const uint8_t *blk, enum app_counter why)
{
	app_count(ap, why);
	if (s->reqline_end > 0) {
		struct reqline rl;

		reqline_parse(blk, s->reqline_end, &rl);
		http_tx(ap, &rl, NULL);
	}
	return APP_ST_STOP;
}

/*
 * Finds the request line's end (first LF, when want_reqline) and the
 * block's end (an empty line) in p[*pos..n), advancing *pos past the event.
 */
static enum hscan_event hscan(struct http_req *s, const uint8_t *p, uint32_t n, uint32_t *pos,
			      bool want_reqline)
{
	uint32_t i = *pos;

	while (i < n) {
		const uint8_t *lf;

		switch (s->scan) {
		case SC_LINE:
			lf = memchr(p + i, '\n', n - i);
			if (!lf) {
				*pos = n;
				return HEV_NONE;
			}
			i = (uint32_t)(lf - p) + 1;
			s->scan = SC_BOL;
			if (want_reqline) {
				*pos = i;
				return HEV_REQLINE;
			}
			break;
		case SC_BOL:
		case SC_BOL_CR:
			if (p[i] == '\n') {
				*pos = i + 1;
				s->scan = SC_LINE;
				return HEV_END;
			}
			if (p[i] == '\r' && s->scan == SC_BOL) {
				s->scan = SC_BOL_CR;
				i++;
			} else {
				s->scan = SC_LINE;
			}
			break;
		}
	}
	*pos = n;
	return HEV_NONE;
}

/*
 * Request line and headers. p[0] is where the block starts, or continues
 * when part of it is already buffered. Returns after a request or when the
 * input is used up (*used bytes of p).
 */
static enum app_status http_head(const struct app_parse *ap, struct http_req *s,
				 const uint8_t *p, uint32_t n, uint32_t *used)
{
	const uint32_t max = ap->cfg->http_max_header;
	bool inplace = s->blk.len == 0;
	uint32_t pos = 0, from = 0;

	for (;;) {
		enum hscan_event ev = hscan(s, p, n, &pos, s->reqline_end == 0);
		const uint8_t *blk;
		uint32_t total = inplace ? pos : s->blk.len + (pos - from);
		enum app_status st;
		int rc = 0;

		if (total > max)
			return http_cut(ap, s, inplace ? p : s->blk.data, APP_CTR_TOO_LONG);
		if (!inplace) {
			rc = app_buf_append(ap->pool, &s->blk, p + from, pos - from);
			from = pos;
		} else if (ev == HEV_NONE) {
			rc = app_buf_append(ap->pool, &s->blk, p, n);
		}
		if (rc < 0)
			return http_cut(ap, s, inplace ? p : s->blk.data,
					APP_CTR_POOL_EXHAUSTED);
		if (ev == HEV_NONE) {
			*used = n;
			return APP_ST_OK;
		}
		blk = inplace ? p : s->blk.data;
		if (ev == HEV_REQLINE) {
			s->reqline_end = inplace ? pos : s->blk.len;
			if (!http_reqline_done(ap, s, blk, p + pos, n - pos, &st))
				continue;
		} else {
			st = http_request(ap, s, blk, inplace ? pos : s->blk.len);
		}
		http_reset_head(ap, s);
		*used = pos;
		return st;
	}
}

static enum app_status chunk_line_done(const struct app_parse *ap, struct http_req *s)
{
	enum chunk_phase ph = (enum chunk_phase)s->chunk_phase;
	uint32_t val = s->chunk_val;
	bool overflow = s->chunk_overflow;

	chunk_reset(s);
	if (ph == CH_LEAD) /* a line of whitespace only is skipped */
		return APP_ST_OK;
	if (ph == CH_BAD || overflow) {
		app_count(ap, APP_CTR_PARSE_ERRORS);
		return APP_ST_STOP;
	}
	if (val == 0) {
		s->state = HTTP_ST_TRAILER;
		s->scan = SC_BOL;
	} else {
		s->left = val;
		s->state = HTTP_ST_CHUNK_DATA;
	}
	return APP_ST_OK;
}

/* The chunk-size line, read incrementally (hex size, then anything). */
static enum app_status chunk_len(const struct app_parse *ap, struct http_req *s,
				 const uint8_t *p, uint32_t n, uint32_t *used)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];
		int h;

		if (c == '\n') {
			*used = i + 1;
			return chunk_line_done(ap, s);
		}
		if (++s->line_len > HTTP_CHUNK_LINE_MAX) {
			app_count(ap, APP_CTR_PARSE_ERRORS);
			return APP_ST_STOP;
		}
		h = hexval(c);
		switch (s->chunk_phase) {
		case CH_LEAD:
			if (is_space(c))
				break;
			s->chunk_phase = h >= 0 ? CH_DIGITS : CH_BAD;
			s->chunk_val = h >= 0 ? (uint32_t)h : 0;
			break;
		case CH_DIGITS:
			if (h < 0) {
				s->chunk_phase = CH_EXT;
				break;
			}
			if (s->chunk_val > (0x7fffffffu - (uint32_t)h) / 16)
				s->chunk_overflow = 1; /* libhtp refuses sizes above INT32_MAX */
			else
				s->chunk_val = s->chunk_val * 16 + (uint32_t)h;
			break;
		default:
			break;
		}
	}
	*used = n;
	return APP_ST_OK;
}

/* After a gap: skip to a line that starts with "<METHOD> ". */
static uint32_t resync(struct http_req *s, const uint8_t *p, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		const uint8_t *lf;

		if (s->bol && app_http_probe_request(p + i, n - i) == APP_PROBE_YES) {
			s->state = HTTP_ST_START;
			return i;
		}
		lf = memchr(p + i, '\n', n - i);
		if (!lf) {
			s->bol = 0;
			return n;
		}
		i = (uint32_t)(lf - p) + 1;
		s->bol = 1;
	}
	return n;
}

static uint32_t skip(uint64_t *left, uint32_t n)
{
	uint32_t take = *left < n ? (uint32_t)*left : n;

	*left -= take;
	return take;
}

enum app_status app_http_data(const struct app_parse *ap, struct http_req *s,
			      const uint8_t *data, uint32_t len, uint32_t *consumed)
{
	enum app_status st = APP_ST_OK;
	uint32_t off = 0, used;
	const uint8_t *lf;

	while (off < len && st == APP_ST_OK) {
		used = 0;
		switch ((enum http_state)s->state) {
		case HTTP_ST_START:
			while (off < len && is_space(data[off]))
				off++;
			if (off < len) {
				s->state = HTTP_ST_HEAD;
				s->scan = SC_LINE;
				s->reqline_end = 0;
			}
			break;
		case HTTP_ST_HEAD:
			st = http_head(ap, s, data + off, len - off, &used);
			break;
		case HTTP_ST_BODY:
			used = skip(&s->left, len - off);
			if (s->left == 0)
				s->state = HTTP_ST_START;
			break;
		case HTTP_ST_CHUNK_LEN:
			st = chunk_len(ap, s, data + off, len - off, &used);
			break;
		case HTTP_ST_CHUNK_DATA:
			used = skip(&s->left, len - off);
			if (s->left == 0)
				s->state = HTTP_ST_CHUNK_END;
			break;
		case HTTP_ST_CHUNK_END:
			lf = memchr(data + off, '\n', len - off);
			used = lf ? (uint32_t)(lf - (data + off)) + 1 : len - off;
			if (lf)
				s->state = HTTP_ST_CHUNK_LEN;
			break;
		case HTTP_ST_TRAILER:
			if (hscan(s, data + off, len - off, &used, false) == HEV_END)
				s->state = HTTP_ST_START;
			break;
		case HTTP_ST_RESYNC:
			used = resync(s, data + off, len - off);
			break;
		}
		off += used;
	}
	*consumed = off;
	return st;
}

void app_http_gap(const struct app_parse *ap, struct http_req *s)
{
	http_reset_head(ap, s);
	chunk_reset(s);
	s->left = 0;
	s->state = HTTP_ST_RESYNC;
	s->bol = 1;
}

void app_http_release(struct app_pool *pool, struct http_req *s)
{
	app_buf_release(pool, &s->blk);
}
