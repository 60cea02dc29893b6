/*
 * histo.c — log-linear histogram (see histo.h).
 */
#include "histo.h"

/* Values below HISTO_SUB have a bucket each; above, each power of two is
 * split into HISTO_SUB buckets by the bits after the leading one. */
static unsigned bucket_of(uint64_t v)
{
	unsigned msb, shift;

	if (v < HISTO_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - 4; /* keep 4 bits after the leading one: 16 sub-buckets */
	return (msb - 3) * HISTO_SUB + (unsigned)((v >> shift) & (HISTO_SUB - 1));
}

/* The largest value that falls in bucket b. */
static uint64_t bucket_top(unsigned b)
{
	unsigned msb, shift;
	uint64_t sub;

	if (b < HISTO_SUB)
		return b;
	msb = b / HISTO_SUB + 3;
	sub = b % HISTO_SUB;
	shift = msb - 4;
	return ((((uint64_t)1 << 4) | sub) << shift) + (((uint64_t)1 << shift) - 1);
}

void histo_add(struct histo *h, uint64_t v)
{
	unsigned b = bucket_of(v);

	if (b >= HISTO_BUCKETS)
		b = HISTO_BUCKETS - 1;
	COUNTER_INC(h->bucket[b]);
	COUNTER_INC(h->n);
}

uint64_t histo_quantile(const struct histo *h, double q)
{
	uint64_t n = COUNTER_GET(h->n), want, seen = 0;

	if (!n)
		return 0;
	want = (uint64_t)(q * (double)n);
	if (want >= n)
		want = n - 1;
	for (unsigned b = 0; b < HISTO_BUCKETS; b++) {
		seen += COUNTER_GET(h->bucket[b]);
		if (seen > want)
			return bucket_top(b);
	}
	return bucket_top(HISTO_BUCKETS - 1);
}
