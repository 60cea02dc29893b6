/*
 * histo.h — a latency histogram with bounded relative error.
 *
 * Log-linear buckets (16 per power of two, as HdrHistogram does with one
 * significant digit): recording is a few shifts, a quantile is a walk over
 * fewer than a thousand buckets, and any reported value is within 1/16 of
 * the true one. One thread records; others may read (counters).
 */
#ifndef SPOTTER_HISTO_H
#define SPOTTER_HISTO_H

#include <stdint.h>

#include "counter.h"

#define HISTO_SUB 16
#define HISTO_BUCKETS (64 * HISTO_SUB)

struct histo {
	counter_t n;
	counter_t bucket[HISTO_BUCKETS];
};

void histo_add(struct histo *h, uint64_t v);

/* The value at quantile q (0..1): the upper edge of its bucket; 0 when empty. */
uint64_t histo_quantile(const struct histo *h, double q);

#endif
