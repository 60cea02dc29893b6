/*
 * applayer-tls.c — TLS record layer and ClientHello parsing for tls.sni.
 *
 * The client's first handshake message must be a ClientHello. It is parsed
 * in place when one record in one segment holds it whole; otherwise its
 * bytes are gathered from successive handshake records (a ClientHello may
 * be split over records and over segments) in a pool buffer bounded by
 * tls_max_hello. The server_name extension is read the way Suricata does:
 * the first entry must be of type host_name, 1..255 bytes long; a repeated
 * extension is ignored; the name is taken as sent. GREASE values and ECH
 * (encrypted_client_hello, whose outer ClientHello carries the public
 * name) need nothing special. An SSLv2-compatible hello (no extensions) is
 * ignored. Parsing of the direction ends after the ClientHello.
 *
 * Threading: state in the flow, touched by the owning worker only.
 */
#include "applayer-tls.h"

#include <string.h>

#define TLS_REC_MAX (16384u + 2048u)  /* TLSCiphertext bound */
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2
#define TLS_CT_HANDSHAKE 22
#define TLS_EXT_SERVER_NAME 0
#define TLS_SNI_HOST_NAME 0
#define TLS_PROBE_RECORDS 6

static enum app_probe probe_record_header(const uint8_t *h, uint32_t avail, uint16_t *len)
{
	if (avail >= 1 && h[0] != TLS_CT_HANDSHAKE)
		return APP_PROBE_NO;
	if (avail >= 2 && h[1] != 3)
		return APP_PROBE_NO;
	if (avail >= 3 && h[2] > 4)
		return APP_PROBE_NO;
	if (avail < 5)
		return APP_PROBE_MORE;
	*len = app_be16(h + 3);
	if (*len == 0 || *len > TLS_REC_MAX)
		return APP_PROBE_NO;
	return APP_PROBE_YES;
}

/* The first six handshake bytes: type, length, version. */
static enum app_probe probe_hello(const uint8_t *hs, uint32_t got, enum flow_dir dir)
{
	uint8_t want = dir == DIR_TO_SERVER ? TLS_HS_CLIENT_HELLO : TLS_HS_SERVER_HELLO;

	if (got >= 1 && hs[0] != want)
		return APP_PROBE_NO;
	if (got >= 4) {
		uint32_t len = app_be24(hs + 1);

		if (len < 38 || len > 0x10000)
			return APP_PROBE_NO;
	}
	if (got >= 5 && hs[4] != 3)
		return APP_PROBE_NO;
	if (got >= 6 && hs[5] > 4)
		return APP_PROBE_NO;
	return got >= 6 ? APP_PROBE_YES : APP_PROBE_MORE;
}

enum app_probe app_tls_probe(const uint8_t *data, uint32_t len, enum flow_dir dir)
{
	uint8_t hs[6];
	uint32_t off = 0, got = 0, rec;

	for (rec = 0; rec < TLS_PROBE_RECORDS; rec++) {
		uint16_t rlen = 0;
		uint32_t avail = len - off, take;
		enum app_probe r = probe_record_header(data + off, avail, &rlen);

		if (r != APP_PROBE_YES)
			return r;
		take = rlen < sizeof(hs) - got ? rlen : (uint32_t)sizeof(hs) - got;
		if (take > avail - 5)
			take = avail - 5;
		memcpy(hs + got, data + off + 5, take);
		got += take;
		r = probe_hello(hs, got, dir);
		if (r != APP_PROBE_MORE)
			return r;
		if (avail - 5 < rlen)
			return APP_PROBE_MORE; /* the record goes on beyond the data */
		off += 5u + rlen;
	}
	return APP_PROBE_NO;
}

/* server_name extension data: 0 and the name, 0 without one, -1 when malformed. */
static int sni_parse(const uint8_t *d, uint32_t n, const uint8_t **name, uint32_t *len)
{
	uint32_t sl;

	if (n == 0)
		return 0;
	if (n < 3 || d[2] != TLS_SNI_HOST_NAME || n < 5)
		return -1;
	sl = app_be16(d + 3);
	if (sl == 0 || sl > 255 || 5 + sl > n)
		return -1;
	*name = d + 5;
	*len = sl;
	return 0;
}

/*
 * Walks the extensions block b[0..n) (after its 2-byte length). Returns 0,
 * or -1 on a malformed extension (the SNI found before it still counts).
 */
static int tls_extensions(const uint8_t *b, uint32_t n, const uint8_t **sni, uint32_t *sni_len)
{
	uint32_t off = 0;

	while (off < n) {
		uint32_t type, elen;

		if (n - off < 4)
			return -1;
		type = app_be16(b + off);
		elen = app_be16(b + off + 2);
		off += 4;
		if (elen > n - off)
			return -1;
		if (type == TLS_EXT_SERVER_NAME && !*sni &&
		    sni_parse(b + off, elen, sni, sni_len) < 0)
			return -1; /* Suricata stops reading extensions here */
		off += elen;
	}
	return 0;
}

/* A complete ClientHello body (after the 4-byte handshake header). */
static void tls_client_hello(const struct app_parse *ap, const uint8_t *b, uint32_t n)
{
	const uint8_t *sni = NULL;
	uint32_t off = 2 + 32, sni_len = 0, ext;

	if (n < off + 1)
		goto bad;
	off += 1u + b[off];                   /* session_id */
	if (n < off + 2)
		goto bad;
	off += 2u + app_be16(b + off);        /* cipher_suites */
	if (n < off + 1)
		goto bad;
	off += 1u + b[off];                   /* compression_methods */
	if (n < off)
		goto bad;
	app_count(ap, APP_CTR_TLS_CLIENT_HELLOS);
	if (n - off >= 2) {                   /* extensions are optional */
		ext = app_be16(b + off);
		off += 2;
		if (ext > n - off || tls_extensions(b + off, ext, &sni, &sni_len) < 0)
			app_count(ap, APP_CTR_PARSE_ERRORS);
	}
	if (sni)
		app_emit(ap, BUFFER_TLS_SNI, sni, sni_len);
	app_tx_end(ap);
	return;
bad:
	app_count(ap, APP_CTR_PARSE_ERRORS);
}

/* Checks a complete handshake header: a ClientHello within bounds. */
static enum app_status hs_header(const struct app_parse *ap, const uint8_t *h, uint32_t *need)
{
	if (h[0] != TLS_HS_CLIENT_HELLO) {
		app_count(ap, APP_CTR_PARSE_ERRORS);
		return APP_ST_STOP;
	}
	*need = 4 + app_be24(h + 1);
	if (*need > ap->cfg->tls_max_hello) {
		app_count(ap, APP_CTR_TOO_LONG);
		return APP_ST_STOP;
	}
	return APP_ST_OK;
}

/* k bytes of handshake-record payload. */
static enum app_status tls_handshake(const struct app_parse *ap, struct tls_client *s,
				     const uint8_t *p, uint32_t k)
{
	uint32_t need, add;

	if (s->hs.len == 0 && k >= 4) {
		if (hs_header(ap, p, &need) != APP_ST_OK)
			return APP_ST_STOP;
		if (k >= need) {
			tls_client_hello(ap, p + 4, need - 4);
			return APP_ST_STOP;
		}
	}
	while (k > 0) {
		if (s->hs_need == 0)
			add = 4 - s->hs.len < k ? 4 - s->hs.len : k;
		else
			add = s->hs_need - s->hs.len < k ? s->hs_need - s->hs.len : k;
		if (app_buf_append_bounded(ap, &s->hs, p, add, ap->cfg->tls_max_hello) < 0)
			return APP_ST_STOP;
		p += add;
		k -= add;
		if (s->hs_need == 0 && s->hs.len == 4 &&
		    hs_header(ap, s->hs.data, &s->hs_need) != APP_ST_OK)
			return APP_ST_STOP;
		if (s->hs_need && s->hs.len == s->hs_need) {
			tls_client_hello(ap, s->hs.data + 4, s->hs_need - 4);
			return APP_ST_STOP;
		}
	}
	return APP_ST_OK;
}

/* A complete record header in s->hdr. */
static enum app_status tls_record(const struct app_parse *ap, struct tls_client *s)
{
	uint32_t len = app_be16(s->hdr + 3);

	if (s->records < UINT8_MAX)
		s->records++;
	if ((s->hdr[0] & 0x80) && s->records == 1)
		return APP_ST_STOP; /* SSLv2-compatible hello: no extensions, ignored */
	if (s->hdr[0] != TLS_CT_HANDSHAKE || s->hdr[1] != 3 || len > TLS_REC_MAX) {
		app_count(ap, APP_CTR_PARSE_ERRORS);
		return APP_ST_STOP;
	}
	s->rec_left = len;
	s->in_record = len > 0;
	return APP_ST_OK;
}

enum app_status app_tls_data(const struct app_parse *ap, struct tls_client *s,
			     const uint8_t *data, uint32_t len)
{
	uint32_t off = 0, take;

	while (off < len) {
		if (!s->in_record) {
			take = 5u - s->hdr_len;
			if (take > len - off)
				take = len - off;
			memcpy(s->hdr + s->hdr_len, data + off, take);
			s->hdr_len = (uint8_t)(s->hdr_len + take);
			off += take;
			if (s->hdr_len < 5)
				break;
			s->hdr_len = 0;
			if (tls_record(ap, s) != APP_ST_OK)
				return APP_ST_STOP;
			continue;
		}
		take = s->rec_left < len - off ? s->rec_left : len - off;
		if (tls_handshake(ap, s, data + off, take) != APP_ST_OK)
			return APP_ST_STOP;
		off += take;
		s->rec_left -= take;
		s->in_record = s->rec_left > 0;
	}
	return APP_ST_OK;
}

void app_tls_release(struct app_pool *pool, struct tls_client *s)
{
	app_buf_release(pool, &s->hs);
}
