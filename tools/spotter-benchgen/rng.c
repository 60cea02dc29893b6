/*
 * rng.c — seeding and the few non-inline draws of the generator's PRNG.
 * See rng.h. No global state.
 */
#include "rng.h"

#include <math.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void rng_fill(struct rng *r, uint8_t *buf, size_t len)
{
	while (len >= 8) {
		uint64_t v = rng_next(r);

		memcpy(buf, &v, 8);
		buf += 8;
		len -= 8;
	}
	if (len) {
		uint64_t v = rng_next(r);

		memcpy(buf, &v, len);
	}
}

double rng_lognormal(struct rng *r, double mean, double sigma)
{
	/* Box-Muller; u1 is kept away from 0 so log() stays finite. */
	double u1 = (double)((rng_next(r) >> 11) + 1) * 0x1.0p-53;
	double u2 = rng_unit(r);
	double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
	double mu = log(mean) - sigma * sigma / 2.0;

	return exp(mu + sigma * z);
}

uint32_t rng_pick(struct rng *r, const uint32_t *cum, uint32_t n)
{
	uint32_t x = rng_below(r, cum[n - 1]);
	uint32_t i = 0;

	while (i + 1 < n && x >= cum[i])
		i++;
	return i;
}
