/*
 * app-modbus.c — Modbus/TCP between an HMI and a PLC: a long-lived session
 * polling a few register blocks in turn (read holding / input registers,
 * coils, discrete inputs), with occasional writes (single coil, single
 * register, multiple registers) and rare exception responses.
 */
#include "gen.h"

#include <string.h>

/* aux[0]: transaction id, aux[1]: unit id, aux[2]: messages so far (odd: a
 * response is due), aux[3]: seeds the flow's three poll templates.
 * phase: fc << 16 | quantity of the outstanding request. */

static uint8_t *put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

void app_modbus_start(struct gen *g, struct gflow *f)
{
	f->port[1] = 502;
	f->left = rng_range(&g->rng, 10, 100);
	f->aux[0] = rng_below(&g->rng, 65536);
	f->aux[1] = rng_range(&g->rng, 1, 16);
	f->aux[3] = (uint32_t)rng_next(&g->rng); /* seeds the poll templates */
}

/* The request of transaction t: fc, start and quantity. */
static void pick_request(struct gen *g, const struct gflow *f, uint8_t *fc, uint16_t *start,
			 uint16_t *qty)
{
	static const uint8_t poll_fc[] = {3, 3, 4, 1, 2, 3};
	uint32_t seed = f->aux[3], tmpl = (f->aux[0] % 3);
	uint32_t r = rng_below(&g->rng, 100);

	if (r < 4) {
		*fc = 6;
		*start = (uint16_t)rng_below(&g->rng, 2000);
		*qty = 1;
	} else if (r < 6) {
		*fc = 16;
		*start = (uint16_t)rng_below(&g->rng, 2000);
		*qty = (uint16_t)rng_range(&g->rng, 2, 10);
	} else if (r < 7) {
		*fc = 5;
		*start = (uint16_t)rng_below(&g->rng, 500);
		*qty = 1;
	} else {
		*fc = poll_fc[(seed >> (tmpl * 4)) % 6];
		*start = (uint16_t)(((seed >> (tmpl * 8)) & 0xff) * 16);
		*qty = (uint16_t)(*fc <= 2 ? 8 + ((seed >> tmpl) & 0x7f)
					   : 4 + ((seed >> (tmpl * 5)) % 60));
	}
}

static uint32_t request(struct gen *g, struct gflow *f)
{
	uint8_t *p = f->hdr, *len;
	uint8_t fc;
	uint16_t start, qty;

	pick_request(g, f, &fc, &start, &qty);
	f->phase = (uint32_t)fc << 16 | qty;
	p = put16(p, f->aux[0]);
	p = put16(p, 0);
	len = p;
	p += 2;
	*p++ = (uint8_t)f->aux[1];
	*p++ = fc;
	p = put16(p, start);
	switch (fc) {
	case 5:
		p = put16(p, rng_chance(&g->rng, 0.5) ? 0xff00 : 0x0000);
		break;
	case 6:
		p = put16(p, rng_below(&g->rng, 65536));
		break;
	case 16:
		p = put16(p, qty);
		*p++ = (uint8_t)(qty * 2);
		rng_fill(&g->rng, p, qty * 2u);
		p += qty * 2u;
		break;
	default:
		p = put16(p, qty);
		break;
	}
	put16(len, (uint32_t)(p - len - 2));
	return (uint32_t)(p - f->hdr);
}

static uint32_t response(struct gen *g, struct gflow *f)
{
	uint8_t fc = (uint8_t)(f->phase >> 16);
	uint16_t qty = (uint16_t)f->phase;
	uint8_t *p = f->hdr, *len;

	p = put16(p, f->aux[0]);
	p = put16(p, 0);
	len = p;
	p += 2;
	*p++ = (uint8_t)f->aux[1];
	if (rng_chance(&g->rng, 0.01)) {
		*p++ = fc | 0x80;
		*p++ = 2; /* illegal data address */
	} else if (fc <= 2) {
		uint32_t n = (qty + 7u) / 8u;

		*p++ = fc;
		*p++ = (uint8_t)n;
		rng_fill(&g->rng, p, n);
		p += n;
	} else if (fc <= 4) {
		*p++ = fc;
		*p++ = (uint8_t)(qty * 2);
		for (uint32_t i = 0; i < qty; i++)
			p = put16(p, rng_below(&g->rng, 4096)); /* scaled sensor values */
	} else {
		/* a write echoes the request's address and value (or quantity),
		 * still in hdr[8..11] from the request */
		*p++ = fc;
		p += 4;
	}
	put16(len, (uint32_t)(p - len - 2));
	return (uint32_t)(p - f->hdr);
}

bool app_modbus_next(struct gen *g, struct gflow *f)
{
	if (f->aux[2] & 1) {
		msg_set(g, f, 1, response(g, f), BODY_NONE, 0);
		f->aux[0] = (f->aux[0] + 1) & 0xffff;
		f->aux[2]++;
		return true;
	}
	if (f->left == 0)
		return false;
	f->left--;
	msg_set(g, f, 0, request(g, f), BODY_NONE, 0);
	f->aux[2]++;
	return true;
}
