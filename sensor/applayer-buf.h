/*
 * applayer-buf.h — the application layer's per-worker memory pool.
 *
 * Two kinds of memory come from it: fixed-size objects (the per-flow parser
 * state) and growable byte buffers (a message that spans segments). Both
 * are carved from slabs of about 64 KiB, one slab per size class, allocated
 * only as the pool grows and never returned to the system before
 * app_pool_fini(); freed chunks go back to their class's free list and are
 * reused, so the steady state does no malloc at all. The slabs together
 * never exceed the memcap; past it a request fails with -ENOMEM and the
 * caller counts APP_CTR_POOL_EXHAUSTED.
 *
 * Buffer classes are powers of four from 256 bytes up to the largest
 * configured maximum; a buffer that outgrows its chunk moves to the next
 * class (one copy). A chunk never moves between classes.
 *
 * Threading: a pool belongs to one worker (inside its applayer_ctx).
 * Ownership: the pool owns every slab; whoever got a chunk returns it.
 */
#ifndef SPOTTER_APPLAYER_BUF_H
#define SPOTTER_APPLAYER_BUF_H

#include <stdint.h>

#define APP_POOL_CLASSES 8         /* object class + up to 7 buffer classes */
#define APP_BUF_MIN 256u           /* smallest buffer class */
#define APP_BUF_LIMIT (1u << 20)   /* largest buffer class we ever make */

struct app_slab;

struct app_pool {
	uint64_t memcap;
	uint64_t used;                      /* bytes of slabs allocated */
	struct app_slab *slabs;             /* every slab, for app_pool_fini() */
	void *free[APP_POOL_CLASSES];       /* per-class free list (intrusive) */
	uint32_t size[APP_POOL_CLASSES];    /* chunk size per class; [0] = objects */
	uint32_t nclasses;
};

/* A byte buffer backed by one pool chunk; all-zero is the empty buffer. */
struct app_buf {
	uint8_t *data;
	uint32_t len;
	uint32_t cap;                       /* chunk size, 0 when no chunk held */
};

/*
 * Sets up an empty pool: objects of obj_size bytes, buffers up to max_buf
 * bytes (rounded up to a class, at most APP_BUF_LIMIT), slabs up to memcap
 * bytes in total. Allocates nothing yet.
 */
void app_pool_init(struct app_pool *p, uint64_t memcap, uint32_t obj_size, uint32_t max_buf);

/* Frees every slab. Chunks still handed out become invalid. */
void app_pool_fini(struct app_pool *p);

/* A zeroed object of obj_size bytes, or NULL when the pool is exhausted. */
void *app_pool_obj_get(struct app_pool *p);
void app_pool_obj_put(struct app_pool *p, void *obj);

/*
 * Appends n bytes to b, moving it to a larger chunk when needed.
 * Returns 0, -EMSGSIZE when the result would exceed the largest class, or
 * -ENOMEM when the pool is exhausted; on error b is unchanged.
 */
int app_buf_append(struct app_pool *p, struct app_buf *b, const uint8_t *data, uint32_t n);

/* Returns b's chunk to the pool and empties b. Safe on an empty buffer. */
void app_buf_release(struct app_pool *p, struct app_buf *b);

#endif
