/*
 * app-tls.c — TLS 1.3 sessions as seen on the wire: a ClientHello with SNI,
 * ALPN, key share and the usual extensions; the server's flight
 * (ServerHello, ChangeCipherSpec, then encrypted records); the client's
 * ChangeCipherSpec and Finished; then application-data exchanges of random
 * bytes in 16 KiB records. Planted: the SNI.
 */
#include "gen.h"

#include <stdio.h>
#include <string.h>

#include "vocab.h"

enum { PH_CH = 0, PH_SH, PH_CFIN, PH_REQ, PH_RSP };

static uint8_t *put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put(uint8_t *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* Fills in the 2- or 3-byte length at `at` for the bytes from at+width to end. */
static void patch_len(uint8_t *at, int width, const uint8_t *end)
{
	size_t n = (size_t)(end - at - width);

	if (width == 3)
		*at++ = (uint8_t)(n >> 16);
	at[0] = (uint8_t)(n >> 8);
	at[1] = (uint8_t)n;
}

static uint32_t client_hello(struct gen *g, struct gflow *f)
{
	static const uint8_t suites[] = {0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b,
					 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30, 0xcc, 0xa9,
					 0xcc, 0xa8, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c,
					 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35};
	/* one extension per line */
	/* clang-format off */
	static const uint8_t fixed_ext[] = {
		0x00, 0x17, 0x00, 0x00,                                     /* ems */
		0xff, 0x01, 0x00, 0x01, 0x00,                               /* reneg */
		0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, /* groups */
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                         /* point formats */
		0x00, 0x23, 0x00, 0x00,                                     /* session ticket */
		0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c,                         /* alpn: */
		0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.', '1', /* h2, http/1.1 */
		0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,       /* status request */
		0x00, 0x0d, 0x00, 0x12, 0x00, 0x10,                         /* sig algs: */
		0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06,
		0x06, 0x01,
		0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,                         /* psk modes */
		0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,       /* versions */
	};
	/* clang-format on */

	uint8_t *p = f->hdr, *rec, *hs, *exts, *ext;
	size_t nl = strlen(f->name);

	*p++ = 0x16;
	p = put16(p, 0x0301);
	rec = p;
	p += 2;
	*p++ = 0x01;
	hs = p;
	p += 3;
	p = put16(p, 0x0303);
	rng_fill(&g->rng, p, 32);
	p += 32;
	*p++ = 32;
	rng_fill(&g->rng, p, 32);
	p += 32;
	p = put16(p, sizeof(suites));
	p = put(p, suites, sizeof(suites));
	*p++ = 1;
	*p++ = 0;
	exts = p;
	p += 2;
	/* server_name */
	p = put16(p, 0x0000);
	p = put16(p, (uint32_t)nl + 5);
	p = put16(p, (uint32_t)nl + 3);
	*p++ = 0;
	p = put16(p, (uint32_t)nl);
	p = put(p, f->name, nl);
	p = put(p, fixed_ext, sizeof(fixed_ext));
	/* key_share: x25519 */
	p = put16(p, 0x0033);
	p = put16(p, 38);
	p = put16(p, 36);
	p = put16(p, 0x001d);
	p = put16(p, 32);
	rng_fill(&g->rng, p, 32);
	p += 32;
	/* padding to 512 bytes of handshake, as Chrome does */
	if (p - hs + 4 <= 508) {
		ext = p;
		p = put16(p, 0x0015);
		p += 2;
		memset(p, 0, (size_t)(508 - (ext + 4 - hs)));
		p += 508 - (ext + 4 - hs);
		patch_len(ext + 2, 2, p);
	}
	patch_len(exts, 2, p);
	patch_len(hs, 3, p);
	patch_len(rec, 2, p);
	return (uint32_t)(p - f->hdr);
}

static uint32_t server_hello(struct gen *g, struct gflow *f)
{
	uint8_t *p = f->hdr, *rec, *hs, *exts;

	*p++ = 0x16;
	p = put16(p, 0x0303);
	rec = p;
	p += 2;
	*p++ = 0x02;
	hs = p;
	p += 3;
	p = put16(p, 0x0303);
	rng_fill(&g->rng, p, 32);
	p += 32;
	*p++ = 32;
	rng_fill(&g->rng, p, 32);
	p += 32;
	p = put16(p, 0x1301);
	*p++ = 0;
	exts = p;
	p += 2;
	p = put16(p, 0x002b);
	p = put16(p, 2);
	p = put16(p, 0x0304);
	p = put16(p, 0x0033);
	p = put16(p, 36);
	p = put16(p, 0x001d);
	p = put16(p, 32);
	rng_fill(&g->rng, p, 32);
	p += 32;
	patch_len(exts, 2, p);
	patch_len(hs, 3, p);
	patch_len(rec, 2, p);
	/* ChangeCipherSpec */
	p = put(p, "\x14\x03\x03\x00\x01\x01", 6);
	return (uint32_t)(p - f->hdr);
}

void app_tls_start(struct gen *g, struct gflow *f)
{
	f->port[1] = rng_chance(&g->rng, 0.95) ? 443 : 8443;
	f->left = 1;
	while (f->left < 12 && rng_chance(&g->rng, 0.5))
		f->left++;
	if (f->plant && f->plant->kind == PLANT_TLS_SNI)
		snprintf(f->name, sizeof(f->name), "%.*s", (int)f->plant->text_len, f->plant->text);
	else
		vocab_domain(&g->rng, f->name, sizeof(f->name));
}

bool app_tls_next(struct gen *g, struct gflow *f)
{
	uint32_t responses_left = f->left - f->aux[0];
	double v;

	switch (f->phase) {
	case PH_CH:
		msg_set(g, f, 0, client_hello(g, f), BODY_NONE, 0);
		f->phase = PH_SH;
		return true;
	case PH_SH: /* EncryptedExtensions, Certificate, CertificateVerify, Finished */
		msg_set(g, f, 1, server_hello(g, f), BODY_TLS,
			tls_body_len(rng_range(&g->rng, 2500, 5500)));
		f->phase = PH_CFIN;
		return true;
	case PH_CFIN:
		memcpy(f->hdr, "\x14\x03\x03\x00\x01\x01", 6);
		msg_set(g, f, 0, 6, BODY_TLS, 58);
		f->phase = PH_REQ;
		return true;
	case PH_REQ:
		if (f->aux[0] >= f->left)
			return false;
		msg_set(g, f, 0, 0, BODY_TLS, tls_body_len(rng_range(&g->rng, 120, 1600)));
		f->phase = PH_RSP;
		return true;
	default: /* a random share of the budget; the last response takes the rest */
		v = responses_left <= 1
			? (double)f->budget
			: (double)f->budget * 2.0 * rng_unit(&g->rng) / responses_left;
		if (v > 32e6)
			v = 32e6;
		f->budget -= (uint64_t)v;
		msg_set(g, f, 1, 0, BODY_TLS, tls_body_len((uint32_t)v));
		f->phase = PH_REQ;
		f->aux[0]++;
		return true;
	}
}
