/*
 * stream-pool.c — the per-worker pool of segment chunks (see stream-pool.h).
 *
 * Slabs of STREAM_POOL_SLAB chunks (fewer for the last one, so the slabs
 * never exceed the memcap) are allocated when the free list is empty.
 * Slabs are kept until stream_pool_fini(): the memory a worker needed at
 * its peak stays ready for the next burst of reordering.
 *
 * Threading: one worker. Ownership: the pool owns its slabs.
 */
#include "stream-pool.h"

#include <stdlib.h>

#define STREAM_POOL_SLAB 64u /* chunks per slab: 128 KiB */

_Static_assert(sizeof(struct stream_seg) == STREAM_SEG_SIZE, "chunk size");

struct stream_pool_slab {
	struct stream_pool_slab *next;
	uint64_t pad; /* keeps chunks 16-byte aligned */
	struct stream_seg segs[];
};

void stream_pool_init(struct stream_pool *p, uint64_t memcap)
{
	p->slabs = NULL;
	p->free = NULL;
	p->nfree = 0;
	p->allocated = 0;
	p->max = memcap / STREAM_SEG_SIZE;
}

void stream_pool_fini(struct stream_pool *p)
{
	struct stream_pool_slab *s, *next;

	for (s = p->slabs; s; s = next) {
		next = s->next;
		free(s);
	}
	stream_pool_init(p, p->max * STREAM_SEG_SIZE);
}

uint64_t stream_pool_avail(const struct stream_pool *p)
{
	return p->nfree + (p->max - p->allocated);
}

static int grow(struct stream_pool *p)
{
	uint64_t room = p->max - p->allocated;
	uint32_t n = room < STREAM_POOL_SLAB ? (uint32_t)room : STREAM_POOL_SLAB;
	struct stream_pool_slab *s;

	if (n == 0)
		return -1;
	s = malloc(sizeof(*s) + (size_t)n * sizeof(struct stream_seg));
	if (!s)
		return -1;
	s->next = p->slabs;
	p->slabs = s;
	for (uint32_t i = n; i-- > 0;) {
		s->segs[i].next = p->free;
		p->free = &s->segs[i];
	}
	p->nfree += n;
	p->allocated += n;
	return 0;
}

struct stream_seg *stream_pool_get(struct stream_pool *p)
{
	struct stream_seg *s;

	if (!p->free && grow(p) < 0)
		return NULL;
	s = p->free;
	p->free = s->next;
	p->nfree--;
	s->next = NULL;
	return s;
}

void stream_pool_put(struct stream_pool *p, struct stream_seg *s)
{
	s->next = p->free;
	p->free = s;
	p->nfree++;
}
