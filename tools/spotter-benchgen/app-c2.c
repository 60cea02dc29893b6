/*
 * app-c2.c — a custom binary protocol over TCP or UDP, as command-and-control
 * malware speaks it: the client's first message carries the planted text at
 * the plant's offset inside random bytes, then a few random exchanges.
 * Used only for planted payload indicators with offset/depth (TCP) and for
 * UDP payload indicators, so it is a tiny share of the traffic.
 */
#include "gen.h"

void app_c2_start(struct gen *g, struct gflow *f)
{
	static const uint16_t tcp_ports[] = {4444, 8443, 9001, 1337, 5555, 7777};

	if (f->app == APP_C2_TCP)
		f->port[1] = tcp_ports[rng_below(&g->rng, 6)];
	else
		f->port[1] = (uint16_t)rng_range(&g->rng, 40000, 60000);
	f->left = 2 * rng_range(&g->rng, 1, 3);
}

bool app_c2_next(struct gen *g, struct gflow *f)
{
	uint8_t dir = f->phase & 1;
	uint32_t len = dir ? rng_range(&g->rng, 32, 1200) : rng_range(&g->rng, 64, 400);
	bool plant = f->phase == 0 && f->plant && !f->plant_done;

	if (f->phase >= f->left)
		return false;
	if (plant && len < f->plant->at + f->plant->text_len + 16)
		len = f->plant->at + f->plant->text_len + 16;
	msg_set(g, f, dir, 0, BODY_RANDOM, len);
	if (plant)
		msg_plant(f, f->plant->at);
	f->phase++;
	return true;
}
