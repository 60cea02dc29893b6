/*
 * app-dnp3.c — DNP3 over TCP between a master and an outstation: class
 * 1/2/3 event polls (mostly null responses, sometimes analog events), a
 * periodic integrity poll answered with analog (g30v1) and binary (g1v2)
 * inputs, and rare writes and select/operate commands. Frames carry the
 * link header and a CRC after every 16 data bytes, as on the wire.
 */
#include "gen.h"

#include <string.h>

/* aux[0]: master address << 16 | outstation address, aux[1]: application
 * sequence, aux[2]: messages so far (odd: a response is due),
 * aux[3]: transport sequence. phase: function of the outstanding request. */

#define FC_READ	    0x01
#define FC_WRITE    0x02
#define FC_SELECT   0x03
#define FC_OPERATE  0x04
#define FC_RESPONSE 0x81
#define MAX_USER    250u

static uint16_t crc_dnp(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;

	while (n--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa6bc) : (uint16_t)(crc >> 1);
	}
	return (uint16_t)~crc;
}

static uint8_t *put_crc(uint8_t *p, const uint8_t *from)
{
	uint16_t c = crc_dnp(from, (size_t)(p - from));

	p[0] = (uint8_t)c;
	p[1] = (uint8_t)(c >> 8);
	return p + 2;
}

/* Wraps user data (transport header + application fragment) in a link
 * frame at out; returns the frame length. */
static uint32_t frame(uint8_t *out, uint8_t ctrl, uint16_t dst, uint16_t src, const uint8_t *user,
		      uint32_t n)
{
	uint8_t *p = out;

	*p++ = 0x05;
	*p++ = 0x64;
	*p++ = (uint8_t)(5 + n);
	*p++ = ctrl;
	*p++ = (uint8_t)dst;
	*p++ = (uint8_t)(dst >> 8);
	*p++ = (uint8_t)src;
	*p++ = (uint8_t)(src >> 8);
	p = put_crc(p, out);
	for (uint32_t i = 0; i < n; i += 16) {
		uint32_t k = n - i < 16 ? n - i : 16;
		uint8_t *blk = p;

		memcpy(p, user + i, k);
		p += k;
		p = put_crc(p, blk);
	}
	return (uint32_t)(p - out);
}

void app_dnp3_start(struct gen *g, struct gflow *f)
{
	f->port[1] = 20000;
	f->left = rng_range(&g->rng, 8, 60);
	f->aux[0] = rng_range(&g->rng, 1, 3) << 16 | rng_range(&g->rng, 10, 100);
	f->aux[1] = rng_below(&g->rng, 16);
	f->aux[3] = rng_below(&g->rng, 64);
}

static uint32_t request(struct gen *g, struct gflow *f, uint8_t *u)
{
	static const uint8_t classes123[] = {0x3c, 0x02, 0x06, 0x3c, 0x03, 0x06, 0x3c, 0x04, 0x06};
	uint32_t r = rng_below(&g->rng, 100), n = 0;
	uint8_t fc = FC_READ;

	u[n++] = (uint8_t)(0xc0 | (f->aux[3]++ & 0x3f));
	u[n++] = (uint8_t)(0xc0 | (f->aux[1] & 0x0f));
	if (r < 2) {
		fc = FC_WRITE; /* clear IIN1.7 device restart */
		u[n++] = fc;
		memcpy(u + n, "\x50\x01\x00\x07\x07\x00", 6);
		n += 6;
	} else if (r < 4) {
		fc = r < 3 ? FC_SELECT : FC_OPERATE;
		u[n++] = fc;
		memcpy(u + n, "\x0c\x01\x28\x01\x00", 5); /* g12v1, one CROB, 2-byte index */
		n += 5;
		u[n++] = (uint8_t)rng_below(&g->rng, 16);
		u[n++] = 0;
		u[n++] = rng_chance(&g->rng, 0.5) ? 0x03 : 0x04; /* latch on / off */
		u[n++] = 1;
		memcpy(u + n, "\xe8\x03\x00\x00\x00\x00\x00\x00\x00", 9);
		n += 9;
	} else {
		u[n++] = fc;
		memcpy(u + n, classes123, sizeof(classes123));
		n += sizeof(classes123);
		if (r < 14) { /* integrity poll: class 0 too */
			memcpy(u + n, "\x3c\x01\x06", 3);
			n += 3;
			fc = 0xff; /* remembered as "integrity" */
		}
	}
	f->phase = fc;
	return n;
}

static uint32_t response(struct gen *g, struct gflow *f, uint8_t *u)
{
	uint32_t n = 0, fc = f->phase;

	u[n++] = (uint8_t)(0xc0 | (f->aux[3]++ & 0x3f));
	u[n++] = (uint8_t)(0xc0 | (f->aux[1] & 0x0f));
	u[n++] = FC_RESPONSE;
	u[n++] = rng_chance(&g->rng, 0.2) ? 0x02 : 0x00; /* IIN1: class 1 events */
	u[n++] = 0x00;
	if (fc == 0xff) {
		uint32_t na = rng_range(&g->rng, 8, 40), nb = rng_range(&g->rng, 8, 32);

		u[n++] = 0x1e; /* g30v1 analog inputs, 8-bit start/stop */
		u[n++] = 0x01;
		u[n++] = 0x00;
		u[n++] = 0;
		u[n++] = (uint8_t)(na - 1);
		for (uint32_t i = 0; i < na; i++) {
			u[n++] = 0x01; /* online */
			rng_fill(&g->rng, u + n, 4);
			u[n + 2] = u[n + 3] = 0;
			n += 4;
		}
		u[n++] = 0x01; /* g1v2 binary inputs with flags */
		u[n++] = 0x02;
		u[n++] = 0x00;
		u[n++] = 0;
		u[n++] = (uint8_t)(nb - 1);
		for (uint32_t i = 0; i < nb && n < MAX_USER; i++)
			u[n++] = rng_chance(&g->rng, 0.3) ? 0x81 : 0x01;
	} else if (fc == FC_READ && rng_chance(&g->rng, 0.4)) {
		uint32_t ne = rng_range(&g->rng, 1, 8);

		u[n++] = 0x20; /* g32v1 analog events, 2-byte count, 2-byte index */
		u[n++] = 0x01;
		u[n++] = 0x28;
		u[n++] = (uint8_t)ne;
		u[n++] = 0;
		for (uint32_t i = 0; i < ne; i++) {
			u[n++] = (uint8_t)rng_below(&g->rng, 40);
			u[n++] = 0;
			u[n++] = 0x01;
			rng_fill(&g->rng, u + n, 4);
			u[n + 2] = u[n + 3] = 0;
			n += 4;
		}
	} else if (fc == FC_SELECT || fc == FC_OPERATE) {
		memcpy(u + n,
		       "\x0c\x01\x28\x01\x00\x03\x00\x03\x01\xe8\x03\x00\x00\x00\x00\x00\x00\x00",
		       18);
		n += 18;
	}
	return n > MAX_USER ? MAX_USER : n;
}

bool app_dnp3_next(struct gen *g, struct gflow *f)
{
	uint8_t user[MAX_USER + 64];
	uint16_t master = (uint16_t)(f->aux[0] >> 16), outstation = (uint16_t)f->aux[0];
	uint32_t n;

	if (f->aux[2] & 1) {
		n = response(g, f, user);
		msg_set(g, f, 1, frame(f->hdr, 0x44, master, outstation, user, n), BODY_NONE, 0);
		f->aux[1]++;
		f->aux[2]++;
		return true;
	}
	if (f->left == 0)
		return false;
	f->left--;
	n = request(g, f, user);
	msg_set(g, f, 0, frame(f->hdr, 0xc4, outstation, master, user, n), BODY_NONE, 0);
	f->aux[2]++;
	return true;
}
