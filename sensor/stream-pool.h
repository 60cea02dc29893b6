/*
 * stream-pool.h — the per-worker pool of out-of-order TCP segment chunks.
 *
 * The reassembler copies bytes it must hold (out-of-order data) into
 * fixed-size chunks: a held segment longer than STREAM_SEG_DATA bytes takes
 * several chunks, each a struct stream_seg of its own, so the held list of a
 * direction is a sorted, non-overlapping list of chunks. Chunks come from
 * slabs allocated on demand until the slabs reach the memcap; a released
 * chunk goes back to a free list. No allocation per packet once grown.
 *
 * Threading: a pool belongs to one worker (inside its stream context).
 * Ownership: the pool owns its slabs; a chunk taken with stream_pool_get()
 * is the taker's until stream_pool_put(); stream_pool_fini() frees the
 * slabs whether or not chunks are still out.
 */
#ifndef SPOTTER_STREAM_POOL_H
#define SPOTTER_STREAM_POOL_H

#include <stdint.h>

#define STREAM_SEG_SIZE 2048u /* bytes of one chunk, header included */

struct stream_seg {
	struct stream_seg *next;
	uint32_t seq;  /* sequence number of data[0] */
	uint32_t len;  /* 1..STREAM_SEG_DATA */
	uint8_t data[STREAM_SEG_SIZE - 16];
};

#define STREAM_SEG_DATA ((uint32_t)sizeof(((struct stream_seg *)0)->data))

struct stream_pool_slab;

struct stream_pool {
	struct stream_pool_slab *slabs;
	struct stream_seg *free;
	uint64_t nfree;      /* chunks on the free list */
	uint64_t allocated;  /* chunks in slabs */
	uint64_t max;        /* memcap / STREAM_SEG_SIZE */
};

void stream_pool_init(struct stream_pool *p, uint64_t memcap);
void stream_pool_fini(struct stream_pool *p);

/* Chunks that stream_pool_get() could still hand out (free + growable). */
uint64_t stream_pool_avail(const struct stream_pool *p);

/* A chunk (contents undefined), or NULL when the pool is exhausted. */
struct stream_seg *stream_pool_get(struct stream_pool *p);

void stream_pool_put(struct stream_pool *p, struct stream_seg *s);

#endif
