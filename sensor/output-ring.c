/*
 * output-ring.c — SPSC ring of variable-length records (see output-ring.h).
 */
#include "output-ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HDR sizeof(struct output_record)

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int output_ring_init(struct output_ring *r, size_t cap)
{
	size_t c = 4096;

	memset(r, 0, sizeof(*r));
	while (c < cap)
		c <<= 1;
	r->buf = aligned_alloc(64, c);
	if (!r->buf)
		return -ENOMEM;
	r->cap = c;
	return 0;
}

void output_ring_fini(struct output_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

struct output_record *output_ring_reserve(struct output_ring *r, size_t len)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t n = round8(len), pos = head & (r->cap - 1), contig = r->cap - pos;
	size_t need = contig < n ? contig + n : n;

	if (n > r->cap / 2)
		return NULL;
	if (r->cap - (head - r->tail_cache) < need) {
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (r->cap - (head - r->tail_cache) < need)
			return NULL;
	}
	if (contig < n) {
		/* pad to the end; a gap smaller than a header is implicit */
		if (contig >= HDR) {
			struct output_record *pad = (struct output_record *)(r->buf + pos);

			pad->len = (uint32_t)contig;
			pad->kind = OUTPUT_PAD;
		}
		head += contig;
		pos = 0;
	}
	r->pending = head;
	return (struct output_record *)(r->buf + pos);
}

void output_ring_commit(struct output_ring *r, size_t len)
{
	struct output_record *rec = (struct output_record *)(r->buf + (r->pending & (r->cap - 1)));

	rec->len = (uint32_t)round8(len);
	atomic_store_explicit(&r->head, r->pending + rec->len, memory_order_release);
}

const struct output_record *output_ring_peek(struct output_ring *r)
{
	for (;;) {
		uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
		size_t pos, contig;
		const struct output_record *rec;

		if (tail == r->head_cache) {
			r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
			if (tail == r->head_cache)
				return NULL;
		}
		pos = tail & (r->cap - 1);
		contig = r->cap - pos;
		if (contig < HDR) {
			atomic_store_explicit(&r->tail, tail + contig, memory_order_release);
			continue;
		}
		rec = (const struct output_record *)(r->buf + pos);
		if (rec->kind == OUTPUT_PAD) {
			atomic_store_explicit(&r->tail, tail + rec->len, memory_order_release);
			continue;
		}
		return rec;
	}
}

void output_ring_release(struct output_ring *r, const struct output_record *rec)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	atomic_store_explicit(&r->tail, tail + rec->len, memory_order_release);
}
