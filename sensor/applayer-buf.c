/*
 * applayer-buf.c — the application layer's per-worker memory pool (see
 * applayer-buf.h for the policy).
 *
 * Threading: one worker. Ownership: the pool owns the slabs; app_pool_fini()
 * frees them all at once, chunks are only ever returned to free lists.
 */
#include "applayer-buf.h"

#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define SLAB_TARGET (64u * 1024u)

struct app_slab {
	struct app_slab *next;
	uint64_t bytes;
	alignas(16) unsigned char mem[];
};

struct free_chunk {
	struct free_chunk *next;
};

void app_pool_init(struct app_pool *p, uint64_t memcap, uint32_t obj_size, uint32_t max_buf)
{
	uint32_t sz;

	memset(p, 0, sizeof(*p));
	p->memcap = memcap;
	if (obj_size < sizeof(struct free_chunk))
		obj_size = sizeof(struct free_chunk);
	p->size[0] = (obj_size + 63u) & ~63u;
	if (max_buf > APP_BUF_LIMIT)
		max_buf = APP_BUF_LIMIT;
	p->nclasses = 1;
	for (sz = APP_BUF_MIN; p->nclasses < APP_POOL_CLASSES; sz *= 4) {
		p->size[p->nclasses++] = sz;
		if (sz >= max_buf)
			break;
	}
}

void app_pool_fini(struct app_pool *p)
{
	struct app_slab *s = p->slabs, *next;

	for (; s; s = next) {
		next = s->next;
		free(s);
	}
	memset(p->free, 0, sizeof(p->free));
	p->slabs = NULL;
	p->used = 0;
}

/* Adds one slab of class c to its free list. Returns 0 or -ENOMEM. */
static int pool_grow(struct app_pool *p, uint32_t c)
{
	uint32_t size = p->size[c];
	uint32_t count = size >= SLAB_TARGET ? 1 : SLAB_TARGET / size;
	uint64_t bytes = sizeof(struct app_slab) + (uint64_t)count * size;
	struct app_slab *s;
	uint32_t i;

	if (p->used + bytes > p->memcap)
		return -ENOMEM;
	s = malloc(bytes);
	if (!s)
		return -ENOMEM;
	s->next = p->slabs;
	s->bytes = bytes;
	p->slabs = s;
	p->used += bytes;
	for (i = count; i-- > 0;) {
		struct free_chunk *fc = (struct free_chunk *)(void *)(s->mem + (size_t)i * size);

		fc->next = p->free[c];
		p->free[c] = fc;
	}
	return 0;
}

static void *pool_get(struct app_pool *p, uint32_t c)
{
	struct free_chunk *fc;

	if (!p->free[c] && pool_grow(p, c) < 0)
		return NULL;
	fc = p->free[c];
	p->free[c] = fc->next;
	return fc;
}

static void pool_put(struct app_pool *p, uint32_t c, void *chunk)
{
	struct free_chunk *fc = chunk;

	fc->next = p->free[c];
	p->free[c] = fc;
}

void *app_pool_obj_get(struct app_pool *p)
{
	void *o = pool_get(p, 0);

	if (o)
		memset(o, 0, p->size[0]);
	return o;
}

void app_pool_obj_put(struct app_pool *p, void *obj)
{
	if (obj)
		pool_put(p, 0, obj);
}

/* Smallest buffer class holding n bytes, or 0 when none does. */
static uint32_t class_for(const struct app_pool *p, uint64_t n)
{
	uint32_t c;

	for (c = 1; c < p->nclasses; c++)
		if (p->size[c] >= n)
			return c;
	return 0;
}

static uint32_t class_of(const struct app_pool *p, uint32_t cap)
{
	uint32_t c;

	for (c = 1; c < p->nclasses; c++)
		if (p->size[c] == cap)
			return c;
	return 0; /* not reached for a chunk from this pool */
}

int app_buf_append(struct app_pool *p, struct app_buf *b, const uint8_t *data, uint32_t n)
{
	uint64_t need = (uint64_t)b->len + n;

	if (n == 0)
		return 0;
	if (need > b->cap) {
		uint32_t c = class_for(p, need);
		uint8_t *chunk;

		if (c == 0)
			return -EMSGSIZE;
		chunk = pool_get(p, c);
		if (!chunk)
			return -ENOMEM;
		if (b->len)
			memcpy(chunk, b->data, b->len);
		if (b->cap)
			pool_put(p, class_of(p, b->cap), b->data);
		b->data = chunk;
		b->cap = p->size[c];
	}
	memcpy(b->data + b->len, data, n);
	b->len = (uint32_t)need;
	return 0;
}

void app_buf_release(struct app_pool *p, struct app_buf *b)
{
	if (b->cap)
		pool_put(p, class_of(p, b->cap), b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
