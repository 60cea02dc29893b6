/*
 * rng.h — the generator's deterministic pseudo-random numbers.
 *
 * xoshiro256** (Blackman and Vigna) seeded through splitmix64: fast, small
 * state, and the same sequence on every machine for a given seed, which is
 * what makes the benchmark data reproducible. Each independent part of the
 * generator (indicators, traffic) owns its own struct rng derived from the
 * seed with a distinct stream number, so changing one part never shifts the
 * numbers another part sees. Not thread-safe: one owner per struct.
 */
#ifndef BENCHGEN_RNG_H
#define BENCHGEN_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seeds r from (seed, stream); different streams give unrelated sequences. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n); n > 0. (Lemire's multiply-shift, bias below 2^-32.) */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi], lo <= hi. */
static inline uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* True with probability p (0..1). */
static inline int rng_chance(struct rng *r, double p)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53 < p;
}

/* Uniform in [0, 1). */
static inline double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Fills buf with len random bytes. */
void rng_fill(struct rng *r, uint8_t *buf, size_t len);

/* Log-normal sample with the given mean and shape sigma (mean > 0). */
double rng_lognormal(struct rng *r, double mean, double sigma);

/* Index drawn from cumulative weights cum[0..n) (cum[n-1] is the total). */
uint32_t rng_pick(struct rng *r, const uint32_t *cum, uint32_t n);

#endif
