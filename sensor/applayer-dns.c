/*
 * applayer-dns.c — DNS messages: dns.query extraction and the DNS probes.
 *
 * Names are read the way Suricata reads them: labels joined with '.',
 * bytes as sent; compression pointers are followed anywhere inside the
 * message; a pointer to itself ends the name when a pointer was already
 * followed (an error otherwise); after 255 labels/pointers the name is cut
 * when a pointer was followed (an error otherwise); a name is cut at 1025
 * bytes. A query whose questions do not all parse emits nothing. Unlike
 * Suricata, a query with more than DNS_QD_MAX questions is refused whole:
 * with compression loops each question may expand to 1025 bytes, and no
 * resolver sends more than a handful.
 *
 * The probes are stricter than the parser, to keep arbitrary UDP from
 * looking like DNS: header sanity (opcode, the zero bit, no rcode in a
 * query), labels of at most 63 bytes, names of at most 255 wire bytes,
 * compression pointers only backwards (and at most 32 of them), question
 * types non-zero and classes IN/CH/HS/NONE/ANY (mDNS's top bit allowed).
 *
 * Threading: TCP state in the flow, touched by the owning worker only.
 */
#include "applayer-dns.h"

#include <string.h>

#define DNS_HDR 12u
#define DNS_QR 0x8000u
#define DNS_Z 0x0040u
#define DNS_LABELS_MAX 255u
#define DNS_WIRE_NAME_MAX 255u
#define DNS_PROBE_JUMPS 32u
#define DNS_PROBE_QD_MAX 32u
#define DNS_PROBE_RR_MAX 256u
#define DNS_TYPE_OPT 41u
#define DNS_QD_MAX 256u      /* questions per message we are willing to emit */

/*
 * Reads the name at m[off] (Suricata's rules, see above). When out is not
 * NULL the dotted name is written there (APP_DNS_NAME_BUF bytes of room).
 * Sets *outlen and *next (the offset after the name in the message).
 * Returns 0, or -1 when the name is malformed.
 */
static int dns_name(const uint8_t *m, uint32_t n, uint32_t off, uint8_t *out, uint32_t *outlen,
		    uint32_t *next)
{
	uint32_t pos = off, count = 0, olen = 0, pivot = 0;
	bool jumped = false, truncated = false;

	for (;;) {
		uint8_t c;

		if (pos >= n)
			break;
		c = m[pos];
		if (c == 0) {
			pos++;
			break;
		}
		if ((c & 0xc0) == 0) {
			if (c > n - pos - 1)
				return -1;
			if (!truncated) {
				if (out) {
					if (olen)
						out[olen] = '.';
					memcpy(out + olen + (olen ? 1 : 0), m + pos + 1, c);
				}
				olen += c + (olen ? 1u : 0u);
			}
			pos += 1u + c;
		} else if ((c & 0xc0) == 0xc0) {
			uint32_t target;

			if (n - pos < 2)
				return -1;
			target = (uint32_t)(c & 0x3f) << 8 | m[pos + 1];
			if (target > n)
				return -1;
			if (target == pos) { /* points at itself */
				if (jumped)
					break;
				return -1;
			}
			if (!jumped) {
				pivot = pos + 2;
				jumped = true;
			}
			pos = target;
		} else {
			return -1;
		}
		if (++count > DNS_LABELS_MAX) {
			if (!jumped)
				return -1;
			break;
		}
		if (olen > APP_DNS_NAME_MAX) {
			olen = APP_DNS_NAME_MAX;
			truncated = true;
			if (jumped)
				break;
		}
	}
	*outlen = olen;
	*next = jumped ? pivot : pos;
	return 0;
}

void app_dns_message(const struct app_parse *ap, const uint8_t *msg, uint32_t len)
{
	uint32_t qd, i, off, next, olen;

	if (len < DNS_HDR)
		goto bad;
	if (app_be16(msg + 2) & DNS_QR)
		return; /* a response: no query fields */
	qd = app_be16(msg + 4);
	if (qd > DNS_QD_MAX)
		goto bad;
	for (i = 0, off = DNS_HDR; i < qd; i++) {
		if (dns_name(msg, len, off, NULL, &olen, &next) < 0 || len - next < 4)
			goto bad;
		off = next + 4;
	}
	for (i = 0, off = DNS_HDR; i < qd; i++) {
		(void)dns_name(msg, len, off, ap->scratch, &olen, &next);
		app_emit(ap, BUFFER_DNS_QUERY, ap->scratch, olen);
		off = next + 4;
	}
	app_tx_end(ap);
	app_count(ap, APP_CTR_DNS_QUERIES);
	return;
bad:
	app_count(ap, APP_CTR_PARSE_ERRORS);
}

/* ---- probes --------------------------------------------------------------- */

enum strict {
	STRICT_OK = 0,
	STRICT_BAD,
	STRICT_SHORT,   /* ran out of bytes */
};

static bool header_sane(const uint8_t *h)
{
	uint32_t fl = app_be16(h + 2), opcode = (fl >> 11) & 0xfu;

	if (opcode == 3 || opcode > 5)
		return false;
	if (fl & DNS_Z)
		return false;
	return (fl & DNS_QR) || (fl & 0xfu) == 0;
}

static bool class_ok(uint32_t c)
{
	c &= 0x7fffu;
	return c == 1 || c == 3 || c == 4 || c == 254 || c == 255;
}

static enum strict name_strict(const uint8_t *m, uint32_t avail, uint32_t off, uint32_t *next)
{
	uint32_t pos = off, wire = 0, jumps = 0;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (pos >= avail)
			return STRICT_SHORT;
		c = m[pos];
		if (c == 0) {
			if (!jumped)
				*next = pos + 1;
			return wire + 1 <= DNS_WIRE_NAME_MAX ? STRICT_OK : STRICT_BAD;
		}
		if ((c & 0xc0) == 0xc0) {
			uint32_t t;

			if (avail - pos < 2)
				return STRICT_SHORT;
			t = (uint32_t)(c & 0x3f) << 8 | m[pos + 1];
			if (t < DNS_HDR || t >= pos || ++jumps > DNS_PROBE_JUMPS)
				return STRICT_BAD;
			if (!jumped)
				*next = pos + 2;
			jumped = true;
			pos = t;
			continue;
		}
		if (c & 0xc0)
			return STRICT_BAD;
		wire += 1u + c;
		if (wire > DNS_WIRE_NAME_MAX)
			return STRICT_BAD;
		if (avail - pos - 1 < c)
			return STRICT_SHORT;
		pos += 1u + c;
	}
}

static enum strict question_strict(const uint8_t *m, uint32_t avail, uint32_t *off)
{
	uint32_t next = 0;
	enum strict r = name_strict(m, avail, *off, &next);

	if (r != STRICT_OK)
		return r;
	if (avail - next < 4)
		return STRICT_SHORT;
	if (app_be16(m + next) == 0 || !class_ok(app_be16(m + next + 2)))
		return STRICT_BAD;
	*off = next + 4;
	return STRICT_OK;
}

static enum strict rr_strict(const uint8_t *m, uint32_t avail, uint32_t *off)
{
	uint32_t next = 0, type, rdlen;
	enum strict r = name_strict(m, avail, *off, &next);

	if (r != STRICT_OK)
		return r;
	if (avail - next < 10)
		return STRICT_SHORT;
	type = app_be16(m + next);
	if (type == 0 || (type != DNS_TYPE_OPT && !class_ok(app_be16(m + next + 2))))
		return STRICT_BAD;
	rdlen = app_be16(m + next + 8);
	if (avail - next - 10 < rdlen)
		return STRICT_SHORT;
	*off = next + 10 + rdlen;
	return STRICT_OK;
}

enum app_probe app_dns_probe_udp(const uint8_t *data, uint32_t len, bool port53)
{
	uint32_t qd, rr, off = DNS_HDR, i;

	if (len < DNS_HDR || !header_sane(data))
		return APP_PROBE_NO;
	qd = app_be16(data + 4);
	rr = (uint32_t)app_be16(data + 6) + app_be16(data + 8) + app_be16(data + 10);
	if (qd > DNS_PROBE_QD_MAX || (port53 && qd == 0))
		return APP_PROBE_NO;
	if (!port53 && (qd + rr == 0 || app_be16(data + 6) > DNS_PROBE_RR_MAX ||
			app_be16(data + 8) > DNS_PROBE_RR_MAX ||
			app_be16(data + 10) > DNS_PROBE_RR_MAX))
		return APP_PROBE_NO;
	for (i = 0; i < qd; i++)
		if (question_strict(data, len, &off) != STRICT_OK)
			return APP_PROBE_NO;
	if (port53)
		return APP_PROBE_YES;
	for (i = 0; i < rr; i++)
		if (rr_strict(data, len, &off) != STRICT_OK)
			return APP_PROBE_NO;
	return off == len ? APP_PROBE_YES : APP_PROBE_NO;
}

enum app_probe app_dns_probe_tcp(const uint8_t *data, uint32_t len)
{
	uint32_t mlen, avail, qd, off = DNS_HDR;
	const uint8_t *m = data + 2;
	enum strict r;

	if (len < 2)
		return APP_PROBE_MORE;
	mlen = app_be16(data);
	if (mlen < DNS_HDR + 5)
		return APP_PROBE_NO;
	if (len < 2 + DNS_HDR)
		return APP_PROBE_MORE;
	if (!header_sane(m))
		return APP_PROBE_NO;
	qd = app_be16(m + 4);
	if (qd == 0 || qd > DNS_PROBE_QD_MAX)
		return APP_PROBE_NO;
	avail = len - 2 < mlen ? len - 2 : mlen;
	r = question_strict(m, avail, &off);
	if (r == STRICT_SHORT)
		return avail < mlen ? APP_PROBE_MORE : APP_PROBE_NO;
	return r == STRICT_OK ? APP_PROBE_YES : APP_PROBE_NO;
}

/* ---- TCP framing ---------------------------------------------------------- */

enum app_status app_dns_tcp_data(const struct app_parse *ap, struct dns_tcp *s,
				 const uint8_t *data, uint32_t len)
{
	uint32_t off = 0, take;

	while (off < len) {
		if (s->skip) {
			take = s->skip < len - off ? s->skip : len - off;
			s->skip -= take;
			off += take;
			continue;
		}
		if (!s->in_msg) {
			s->lenbuf[s->len_have++] = data[off++];
			if (s->len_have < 2)
				continue;
			s->len_have = 0;
			s->need = app_be16(s->lenbuf);
			if (s->need > ap->cfg->dns_tcp_max) {
				app_count(ap, APP_CTR_TOO_LONG);
				s->skip = s->need;
			} else if (s->need < DNS_HDR) {
				app_count(ap, APP_CTR_PARSE_ERRORS);
				s->skip = s->need;
			} else {
				s->in_msg = 1;
			}
			continue;
		}
		if (s->msg.len == 0 && len - off >= s->need) { /* whole message here */
			app_dns_message(ap, data + off, s->need);
			off += s->need;
			s->in_msg = 0;
			continue;
		}
		take = s->need - s->msg.len;
		if (take > len - off)
			take = len - off;
		if (app_buf_append_bounded(ap, &s->msg, data + off, take, ap->cfg->dns_tcp_max) < 0) {
			s->skip = s->need - s->msg.len; /* drop this message, keep the framing */
			app_buf_release(ap->pool, &s->msg);
			s->in_msg = 0;
			continue;
		}
		off += take;
		if (s->msg.len == s->need) {
			app_dns_message(ap, s->msg.data, s->msg.len);
			app_buf_release(ap->pool, &s->msg);
			s->in_msg = 0;
		}
	}
	return APP_ST_OK;
}

void app_dns_release(struct app_pool *pool, struct dns_tcp *s)
{
	app_buf_release(pool, &s->msg);
}
