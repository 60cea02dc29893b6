/*
 * app-icmp.c — ping: a few echo requests and replies (ICMP or ICMPv6),
 * with Linux-style (timestamp + 0x10..0x37) or Windows-style
 * ("abcdefghijklmnopqrstuvwabcdefghi") payloads.
 */
#include "gen.h"

#include <netinet/in.h>
#include <string.h>

/* aux[0]: identifier, aux[1]: sequence, aux[2]: Windows style */

void app_icmp_start(struct gen *g, struct gflow *f)
{
	f->left = 2 * rng_range(&g->rng, 1, 5);
	f->aux[0] = rng_below(&g->rng, 65536);
	f->aux[1] = rng_range(&g->rng, 1, 50);
	f->aux[2] = rng_chance(&g->rng, 0.4);
}

bool app_icmp_next(struct gen *g, struct gflow *f)
{
	uint8_t *p = f->hdr;
	bool reply = f->phase & 1;
	uint32_t n;

	if (f->phase >= f->left)
		return false;
	if (f->v6)
		p[0] = reply ? 129 : 128;
	else
		p[0] = reply ? 0 : 8;
	p[1] = 0;
	p[2] = p[3] = 0;
	p[4] = (uint8_t)(f->aux[0] >> 8);
	p[5] = (uint8_t)f->aux[0];
	p[6] = (uint8_t)(f->aux[1] >> 8);
	p[7] = (uint8_t)f->aux[1];
	if (f->aux[2]) {
		memcpy(p + 8, "abcdefghijklmnopqrstuvwabcdefghi", 32);
		n = 40;
	} else {
		uint64_t t = g->now_ns / 1000u;

		memcpy(p + 8, &t, 8);
		memset(p + 16, 0, 8);
		for (uint32_t i = 0; i < 40; i++)
			p[24 + i] = (uint8_t)(0x10 + i);
		n = 64;
	}
	msg_set(g, f, reply, n, BODY_NONE, 0);
	if (reply)
		f->aux[1]++;
	f->phase++;
	return true;
}
