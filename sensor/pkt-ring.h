/*
 * pkt-ring.h — the single-producer, single-consumer ring that carries packet
 * descriptors from the reader to one worker, in batches.
 *
 * A descriptor says where a packet's bytes are (in the capture's memory,
 * which outlives the ring) and when it was seen; the bytes are not copied.
 * The producer fills slots and publishes its head once per batch with a
 * release store; the consumer takes everything published, processes it,
 * and publishes its tail once per batch. Each side caches the other's index,
 * so the shared cache lines move once per batch, not once per packet.
 *
 * Ownership: the pipeline creates and frees rings. One producer thread,
 * one consumer thread.
 */
#ifndef SPOTTER_PKT_RING_H
#define SPOTTER_PKT_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct pkt_desc {
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
	uint64_t ts_ns;
	uint64_t pcap_cnt;
	uint32_t linktype;
	uint32_t hash;
};

struct pkt_ring {
	_Alignas(64) _Atomic uint64_t head;  /* published by the producer */
	_Atomic bool eof;                    /* producer: nothing more will come */
	uint64_t prod_head;                  /* producer: next slot to fill */
	uint64_t prod_tail_cache;
	_Alignas(64) _Atomic uint64_t tail;  /* published by the consumer */
	uint64_t cons_head_cache;
	uint64_t cons_first;                 /* consumer: first slot of the batch in hand */
	_Alignas(64) struct pkt_desc *slots;
	uint32_t mask;
};

/* size is rounded up to a power of two. Returns 0 or -ENOMEM. */
int pkt_ring_init(struct pkt_ring *r, uint32_t size);
void pkt_ring_fini(struct pkt_ring *r);

/* Producer: a slot to fill, or NULL when the ring is full (after
 * publishing what was filled, so the consumer can make room). */
struct pkt_desc *pkt_ring_slot(struct pkt_ring *r);
/* Producer: the slot returned last is filled. */
static inline void pkt_ring_push(struct pkt_ring *r)
{
	r->prod_head++;
}
/* Producer: make every pushed descriptor visible. */
void pkt_ring_publish(struct pkt_ring *r);
/* Producer: publish and mark the end of input. */
void pkt_ring_close(struct pkt_ring *r);

/*
 * Consumer: up to max descriptors available from index *first (slots are
 * r->slots[(i) & r->mask]); returns the count, 0 when empty. After
 * processing them call pkt_ring_consume(r, n).
 */
uint32_t pkt_ring_peek(struct pkt_ring *r, uint64_t *first, uint32_t max);
void pkt_ring_consume(struct pkt_ring *r, uint32_t n);
/* Consumer: true when the producer closed the ring and it is drained. */
bool pkt_ring_done(struct pkt_ring *r);

#endif
