/*
 * defrag.h — IPv4 and IPv6 fragment reassembly for one worker.
 *
 * A struct defrag holds the trackers of incomplete datagrams, a pool of
 * fixed-size chunks for the fragment bytes they hold, and the buffer a
 * completed datagram is rebuilt into. Everything is allocated once by
 * defrag_new(); a fragment costs no allocation. Policy (overlaps, limits,
 * timeouts) is documented at the top of defrag.c.
 *
 * Threading: owned by one decode context (one worker); no locks.
 * Ownership: defrag_free() releases everything. The datagram returned by
 * defrag_ipv4()/defrag_ipv6() lives in the defragmenter's buffer and is
 * valid until the next call on the same struct defrag.
 */
#ifndef SPOTTER_DEFRAG_H
#define SPOTTER_DEFRAG_H

#include <stdint.h>

#include "counter.h"
#include "decode.h"
#include "packet.h"

/* Fragment bytes are held in chunks of this size (header included); the
 * memcap is counted in whole chunks. */
#define DEFRAG_CHUNK_SIZE 1536u
/* Pieces (chunks) one datagram may hold: bounds the work per fragment. */
#define DEFRAG_MAX_PIECES 256u
/* Expired trackers reclaimed per defrag_expire() call. */
#define DEFRAG_EXPIRE_BATCH 16u

struct defrag;

/*
 * Allocates a defragmenter sized by cfg (defrag_* fields); counters is the
 * owning decode context's counter array (DEC_FRAG_*), which must outlive
 * it. Returns NULL when out of memory.
 */
struct defrag *defrag_new(const struct decode_config *cfg, counter_t *counters);
void defrag_free(struct defrag *df);

/* Reclaims at most DEFRAG_EXPIRE_BATCH trackers whose lifetime ended at or
 * before now_ns (packet time), counting DEC_FRAG_TIMEOUT. */
void defrag_expire(struct defrag *df, uint64_t now_ns);

/*
 * Takes one IPv4 fragment: ip[0..len) is the whole fragment (header of
 * hlen bytes, already validated, len = its total length). p supplies the
 * key's VLANs and tunnel flag and the time. Returns DECODE_HELD (kept,
 * datagram incomplete), DECODE_DROP (rejected, the reason counted) or
 * DECODE_OK with *out and *out_len set to the rebuilt datagram (MF and offset
 * cleared, total length set; the header checksum is left as it was).
 */
enum decode_status defrag_ipv4(struct defrag *df, const struct packet *p, const uint8_t *ip,
			       uint32_t hlen, uint32_t len, const uint8_t **out, uint32_t *out_len);

/*
 * Takes one IPv6 fragment: ip6[0..len) is the packet (len = 40 + payload
 * length), its fragment header at frag_off, and nh_off the offset of the
 * Next Header byte that announced it (6, or inside the last extension
 * header before it). Returns as defrag_ipv4(); the rebuilt datagram has the
 * first fragment's unfragmentable part without the fragment header,
 * followed by the fragmentable part.
 */
enum decode_status defrag_ipv6(struct defrag *df, const struct packet *p, const uint8_t *ip6,
			       uint32_t len, uint32_t frag_off, uint32_t nh_off,
			       const uint8_t **out, uint32_t *out_len);

/* Trackers and chunks in use now (for tests and stats). */
void defrag_usage(const struct defrag *df, uint32_t *trackers, uint32_t *chunks);

#endif
