/*
 * output-ring.h — a single-producer, single-consumer ring of variable-length
 * records: one worker's sightings on their way to the output thread.
 *
 * The producer (a worker) never waits: output_ring_reserve() returns NULL
 * when the ring is full and the caller counts the drop. Records are
 * contiguous in memory (a record that does not fit before the end of the
 * buffer is preceded by padding and written at the start), 8-byte aligned,
 * and published with a release store of the head; the consumer acquires the
 * head, reads, and publishes its tail the same way. Each side caches the
 * other's position so the common case touches no shared cache line.
 *
 * Ownership: whoever calls output_ring_init() calls output_ring_fini().
 * Exactly one thread produces and one consumes.
 */
#ifndef SPOTTER_OUTPUT_RING_H
#define SPOTTER_OUTPUT_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum output_kind {
	OUTPUT_PAD = 0,
	OUTPUT_ALERT,     /* an EVE alert record */
	OUTPUT_SIGHTING,  /* an EVE sighting update (count of a repeated alert) */
};

struct output_record {
	uint32_t len;      /* bytes of the whole record, header included, multiple of 8 */
	uint16_t key_len;  /* indicator key (gid:sid or STIX id) */
	uint8_t kind;      /* enum output_kind */
	uint8_t tlp;       /* enum tlp */
	uint32_t json_len; /* EVE JSON line, without a newline */
	uint32_t reserved;
	uint64_t created_ns; /* CLOCK_MONOTONIC when the worker made it (latency) */
	/* followed by key_len bytes of key, then json_len bytes of JSON */
};

static inline const char *output_record_key(const struct output_record *r)
{
	return (const char *)(r + 1);
}

static inline const char *output_record_json(const struct output_record *r)
{
	return (const char *)(r + 1) + r->key_len;
}

struct output_ring {
	_Alignas(64) _Atomic uint64_t head; /* written by the producer */
	uint64_t tail_cache;                /* producer's view of tail */
	uint64_t pending;                   /* producer: head after padding */
	_Alignas(64) _Atomic uint64_t tail; /* written by the consumer */
	uint64_t head_cache;                /* consumer's view of head */
	_Alignas(64) uint8_t *buf;
	size_t cap;                         /* power of two */
};

/* cap is rounded up to a power of two (at least 4 KiB). Returns 0 or -ENOMEM. */
int output_ring_init(struct output_ring *r, size_t cap);
void output_ring_fini(struct output_ring *r);

/* Producer: room for a record of len bytes (header included), or NULL when
 * full. The record becomes visible at output_ring_commit(len). */
struct output_record *output_ring_reserve(struct output_ring *r, size_t len);
void output_ring_commit(struct output_ring *r, size_t len);

/* Consumer: the oldest record, or NULL when empty; then release it. */
const struct output_record *output_ring_peek(struct output_ring *r);
void output_ring_release(struct output_ring *r, const struct output_record *rec);

#endif
