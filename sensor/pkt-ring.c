/*
 * pkt-ring.c — SPSC descriptor ring between the reader and a worker (see
 * pkt-ring.h).
 */
#include "pkt-ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pkt_ring_init(struct pkt_ring *r, uint32_t size)
{
	uint32_t n = 64;

	memset(r, 0, sizeof(*r));
	while (n < size)
		n <<= 1;
	r->slots = aligned_alloc(64, (size_t)n * sizeof(*r->slots));
	if (!r->slots)
		return -ENOMEM;
	r->mask = n - 1;
	return 0;
}

void pkt_ring_fini(struct pkt_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}

struct pkt_desc *pkt_ring_slot(struct pkt_ring *r)
{
	if (r->prod_head - r->prod_tail_cache > r->mask) {
		r->prod_tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (r->prod_head - r->prod_tail_cache > r->mask) {
			pkt_ring_publish(r);
			return NULL;
		}
	}
	return &r->slots[r->prod_head & r->mask];
}

void pkt_ring_publish(struct pkt_ring *r)
{
	atomic_store_explicit(&r->head, r->prod_head, memory_order_release);
}

void pkt_ring_close(struct pkt_ring *r)
{
	pkt_ring_publish(r);
	atomic_store_explicit(&r->eof, true, memory_order_release);
}

uint32_t pkt_ring_peek(struct pkt_ring *r, uint64_t *first, uint32_t max)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t avail;

	if (tail == r->cons_head_cache)
		r->cons_head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
	avail = r->cons_head_cache - tail;
	*first = tail;
	return avail < max ? (uint32_t)avail : max;
}

void pkt_ring_consume(struct pkt_ring *r, uint32_t n)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
}

bool pkt_ring_done(struct pkt_ring *r)
{
	if (!atomic_load_explicit(&r->eof, memory_order_acquire))
		return false;
	return atomic_load_explicit(&r->head, memory_order_acquire) ==
	       atomic_load_explicit(&r->tail, memory_order_relaxed);
}
