/*
 * defrag.c — IPv4 and IPv6 fragment reassembly (see defrag.h).
 *
 * Threading: one struct defrag per worker, used only by that worker's
 * decode context. Ownership: defrag_new() allocates every table, the chunk
 * pool and the rebuild buffer; defrag_free() releases them. The pool is
 * reserved up front but only touched as chunks are first used (a bump
 * pointer before the free list), so an idle worker costs little memory.
 *
 * Policy
 *
 * Key: address family, source, destination, identification, protocol (IPv4)
 * or the fragment header's next header (IPv6), the VLAN ids and whether the
 * fragment was inside a tunnel.
 *
 * Overlaps: the bytes that arrived first win — Novak's "First" policy
 * ("Target-Based Fragmentation Reassembly", 2005). A new fragment only
 * fills the holes between bytes already held; held pieces are never
 * rewritten, so they stay disjoint and the rebuild is one copy per piece.
 * Suricata's default ("bsd") differs only when a later fragment starts
 * before an earlier one it overlaps; Linux since 4.19 and RFC 5722 (IPv6)
 * discard the whole datagram instead. A sensor that discards sees nothing,
 * so we keep one consistent view and count DEC_FRAG_OVERLAP when a fragment
 * brings bytes that differ from those held for the same offsets — the
 * ambiguity target-based evasion relies on. Overlapping bytes that agree
 * (duplicates, a path that re-fragmented) are taken silently.
 *
 * A fragment is rejected (and only that fragment: the tracker keeps what
 * it holds) when
 *  - it carries no data, or it is not the last and its length is not a
 *    multiple of 8, or a second last fragment ends elsewhere than the
 *    first, or it ends past the known end, or a last fragment ends before
 *    bytes already held: DEC_FRAG_INVALID;
 *  - the datagram would exceed 65535 bytes (IPv4 total length, IPv6 payload
 *    length): DEC_FRAG_TOO_LARGE (also checked at rebuild, with the header
 *    of the first fragment, and then the tracker is dropped);
 *  - it starts a new datagram and every tracker is in use by a datagram
 *    that has not expired: DEC_FRAG_TABLE_FULL. Live trackers are never
 *    evicted early, so a fragment flood can block new datagrams (counted)
 *    but cannot push out ones in progress;
 *  - the chunk pool (the memcap, counted in whole DEFRAG_CHUNK_SIZE chunks)
 *    cannot hold its new bytes: DEC_FRAG_MEMCAP;
 *  - the datagram would hold more than DEFRAG_MAX_PIECES chunks, which
 *    bounds the list walk per fragment: DEC_FRAG_TOO_MANY.
 *
 * Timeouts run on packet time: a tracker lives defrag_timeout_ns from its
 * first fragment. defrag_expire() reclaims expired ones oldest first, a
 * bounded batch per packet; an expired tracker is also reclaimed when a
 * fragment finds it, or when a new datagram needs its slot.
 *
 * The rebuilt datagram takes the header of the first fragment with offset 0
 * to arrive (IPv6: its unfragmentable part, minus the fragment header).
 * The IPv4 header checksum is not recomputed: decode never verifies it.
 */
#include "defrag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define NIL UINT32_MAX
#define CHUNK_DATA (DEFRAG_CHUNK_SIZE - 8u)
#define DGRAM_MAX 65535u
#define BUF_SIZE (40u + DGRAM_MAX)

/*
 * A piece of one datagram: bytes [off, off + len) of its data or header.
 * off fits 16 bits: data ends by 65535, and header pieces start at
 * multiples of CHUNK_DATA below the header length (< 65575).
 */
struct chunk {
	uint32_t next;
	uint16_t off;
	uint16_t len;
	uint8_t data[CHUNK_DATA];
};

_Static_assert(sizeof(struct chunk) == DEFRAG_CHUNK_SIZE, "chunk layout");

/* Compared with memcmp: always built from a zeroed struct. */
struct dkey {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint16_t vlan[PKT_MAX_VLAN];
	uint8_t family; /* 4 or 6 */
	uint8_t proto;
	uint8_t tunneled;
	uint8_t pad[5];
};

_Static_assert(sizeof(struct dkey) == 48, "key is hashed as six 64-bit words");

struct tracker {
	struct dkey key;
	uint64_t deadline_ns;
	uint32_t hash;
	uint32_t hnext;        /* hash chain */
	uint32_t older, newer; /* age list; newer also links the free list */
	uint32_t head, tail;   /* data pieces, sorted by offset, disjoint */
	uint32_t hdr;          /* header pieces, in order */
	uint32_t hdr_len;      /* 0 until the fragment with offset 0 came */
	uint32_t nh_off;       /* IPv6: where the rebuilt chain's next header goes */
	uint32_t covered;      /* data bytes held */
	uint32_t end;          /* data length, once the last fragment came */
	uint16_t pieces;       /* chunks held, header included */
	uint8_t nh;            /* IPv6: the fragmentable part's first header */
	bool have_last;
};

struct defrag {
	counter_t *ctr;
	uint64_t timeout_ns;
	uint64_t seed;

	struct tracker *trk;
	uint32_t ntrk, trk_used, trk_free;
	uint32_t *bucket;
	uint32_t bmask;
	uint32_t oldest, newest;

	uint8_t *pool;
	uint32_t nchunks, chunk_used, chunk_bump, chunk_free;

	uint8_t *buf; /* the rebuilt datagram */
};

/* One fragment as the IPv4 and IPv6 front ends describe it. */
struct frag {
	const uint8_t *hdr; /* what precedes the data: IPv4 header / IPv6 unfragmentable part */
	uint32_t hdr_len;
	uint32_t hdr_base;  /* header bytes outside the 65535 limit: 0 (IPv4), 40 (IPv6) */
	uint32_t nh_off;
	uint8_t nh;
	const uint8_t *data;
	uint32_t off, len;
	bool more;
};

static struct chunk *chunk_at(const struct defrag *df, uint32_t i)
{
	return (struct chunk *)(df->pool + (size_t)i * DEFRAG_CHUNK_SIZE);
}

static uint32_t chunk_end(const struct defrag *df, uint32_t i)
{
	return (uint32_t)chunk_at(df, i)->off + chunk_at(df, i)->len;
}

/* Precondition: a chunk is available (callers check chunks_free() first). */
static uint32_t chunk_alloc(struct defrag *df)
{
	uint32_t i;

	if (df->chunk_free != NIL) {
		i = df->chunk_free;
		df->chunk_free = chunk_at(df, i)->next;
	} else {
		i = df->chunk_bump++;
	}
	df->chunk_used++;
	return i;
}

static uint32_t chunks_free(const struct defrag *df)
{
	return df->nchunks - df->chunk_used;
}

static void chunk_list_free(struct defrag *df, uint32_t i)
{
	while (i != NIL) {
		uint32_t next = chunk_at(df, i)->next;

		chunk_at(df, i)->next = df->chunk_free;
		df->chunk_free = i;
		df->chunk_used--;
		i = next;
	}
}

static uint32_t key_hash(const struct defrag *df, const struct dkey *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint64_t h = df->seed;

	for (size_t i = 0; i < sizeof(*k); i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h ^ h >> 32);
}

static uint32_t tracker_find(const struct defrag *df, const struct dkey *k, uint32_t h)
{
	for (uint32_t i = df->bucket[h & df->bmask]; i != NIL; i = df->trk[i].hnext)
		if (df->trk[i].hash == h && memcmp(&df->trk[i].key, k, sizeof(*k)) == 0)
			return i;
	return NIL;
}

/* Unlinks tracker i from its bucket and the age list, frees its chunks and
 * returns it to the free list. */
static void tracker_release(struct defrag *df, uint32_t i)
{
	struct tracker *t = &df->trk[i];
	uint32_t *link = &df->bucket[t->hash & df->bmask];

	while (*link != i)
		link = &df->trk[*link].hnext;
	*link = t->hnext;

	if (t->older != NIL)
		df->trk[t->older].newer = t->newer;
	else
		df->oldest = t->newer;
	if (t->newer != NIL)
		df->trk[t->newer].older = t->older;
	else
		df->newest = t->older;

	chunk_list_free(df, t->head);
	chunk_list_free(df, t->hdr);
	t->newer = df->trk_free;
	df->trk_free = i;
	df->trk_used--;
}

static bool tracker_expired(const struct defrag *df, uint32_t i, uint64_t now_ns)
{
	return now_ns >= df->trk[i].deadline_ns;
}

static void tracker_timeout(struct defrag *df, uint32_t i)
{
	tracker_release(df, i);
	COUNTER_INC(df->ctr[DEC_FRAG_TIMEOUT]);
}

/* A tracker for a new datagram, or NIL when none is free. */
static uint32_t tracker_new(struct defrag *df, const struct dkey *k, uint32_t h, uint64_t now_ns)
{
	struct tracker *t;
	uint32_t i;

	if (df->trk_free == NIL && df->oldest != NIL && tracker_expired(df, df->oldest, now_ns))
		tracker_timeout(df, df->oldest);
	if (df->trk_free == NIL)
		return NIL;
	i = df->trk_free;
	t = &df->trk[i];
	df->trk_free = t->newer;
	df->trk_used++;

	memset(t, 0, sizeof(*t));
	t->key = *k;
	t->hash = h;
	t->deadline_ns = now_ns + df->timeout_ns < now_ns ? UINT64_MAX : now_ns + df->timeout_ns;
	t->head = t->tail = t->hdr = NIL;
	t->hnext = df->bucket[h & df->bmask];
	df->bucket[h & df->bmask] = i;
	t->older = df->newest;
	t->newer = NIL;
	if (df->newest != NIL)
		df->trk[df->newest].newer = i;
	else
		df->oldest = i;
	df->newest = i;
	return i;
}

static uint32_t pieces_for(uint32_t bytes)
{
	return (bytes + CHUNK_DATA - 1) / CHUNK_DATA;
}

/*
 * Walks the held pieces of t against the fragment's range. Returns how many
 * chunks its holes need. With store false it only plans, and sets
 * *conflict when a held byte differs from the fragment's; with store true
 * it fills the holes (the chunks must be available).
 */
static uint32_t pieces_walk(struct defrag *df, struct tracker *t, const struct frag *f, bool store,
			    bool *conflict)
{
	uint32_t pos = f->off, end = f->off + f->len, need = 0;
	uint32_t prev = NIL, c = t->head;

	if (t->tail != NIL && chunk_end(df, t->tail) <= pos) {
		prev = t->tail;
		c = NIL;
	}
	while (c != NIL && chunk_end(df, c) <= pos) {
		prev = c;
		c = chunk_at(df, c)->next;
	}
	while (pos < end) {
		struct chunk *held = c != NIL ? chunk_at(df, c) : NULL;
		uint32_t hole_end;

		if (held && held->off <= pos) {
			uint32_t e = chunk_end(df, c) < end ? chunk_end(df, c) : end;

			if (!store && memcmp(held->data + (pos - held->off),
					     f->data + (pos - f->off), e - pos) != 0)
				*conflict = true;
			pos = e;
			prev = c;
			c = held->next;
			continue;
		}
		hole_end = held && held->off < end ? held->off : end;
		while (pos < hole_end) {
			uint32_t n = hole_end - pos < CHUNK_DATA ? hole_end - pos : CHUNK_DATA;

			if (store) {
				uint32_t i = chunk_alloc(df);
				struct chunk *nc = chunk_at(df, i);

				nc->off = (uint16_t)pos;
				nc->len = (uint16_t)n;
				memcpy(nc->data, f->data + (pos - f->off), n);
				if (prev == NIL) {
					nc->next = t->head;
					t->head = i;
				} else {
					nc->next = chunk_at(df, prev)->next;
					chunk_at(df, prev)->next = i;
				}
				if (nc->next == NIL)
					t->tail = i;
				prev = i;
				t->covered += n;
				t->pieces++;
			}
			need++;
			pos += n;
		}
	}
	return need;
}

static void header_store(struct defrag *df, struct tracker *t, const struct frag *f)
{
	uint32_t *link = &t->hdr;

	for (uint32_t pos = 0; pos < f->hdr_len;) {
		uint32_t n = f->hdr_len - pos < CHUNK_DATA ? f->hdr_len - pos : CHUNK_DATA;
		uint32_t i = chunk_alloc(df);
		struct chunk *c = chunk_at(df, i);

		c->off = (uint16_t)pos;
		c->len = (uint16_t)n;
		c->next = NIL;
		memcpy(c->data, f->hdr + pos, n);
		*link = i;
		link = &c->next;
		t->pieces++;
		pos += n;
	}
	t->hdr_len = f->hdr_len;
	t->nh_off = f->nh_off;
	t->nh = f->nh;
}

static enum decode_status reject(struct defrag *df, enum decode_counter why)
{
	COUNTER_INC(df->ctr[why]);
	return DECODE_DROP;
}

/* Adds fragment f to tracker t. Returns DECODE_HELD, or DECODE_DROP with
 * the reason counted (t unchanged). */
static enum decode_status tracker_add(struct defrag *df, struct tracker *t, const struct frag *f)
{
	uint32_t end = f->off + f->len, need = 0;
	bool conflict = false, with_hdr = f->off == 0 && t->hdr == NIL;

	if (t->have_last) {
		if (end > t->end || (!f->more && end != t->end))
			return reject(df, DEC_FRAG_INVALID);
	} else if (!f->more && t->tail != NIL && end < chunk_end(df, t->tail)) {
		return reject(df, DEC_FRAG_INVALID);
	}
	if (with_hdr)
		need = pieces_for(f->hdr_len);
	need += pieces_walk(df, t, f, false, &conflict);
	if (t->pieces + need > DEFRAG_MAX_PIECES)
		return reject(df, DEC_FRAG_TOO_MANY);
	if (need > chunks_free(df))
		return reject(df, DEC_FRAG_MEMCAP);
	if (conflict)
		COUNTER_INC(df->ctr[DEC_FRAG_OVERLAP]);
	if (with_hdr)
		header_store(df, t, f);
	pieces_walk(df, t, f, true, NULL);
	if (!f->more) {
		t->have_last = true;
		t->end = end;
	}
	return DECODE_HELD;
}

static void copy_chain(const struct defrag *df, uint32_t i, uint8_t *dst)
{
	for (; i != NIL; i = chunk_at(df, i)->next) {
		const struct chunk *c = chunk_at(df, i);

		memcpy(dst + c->off, c->data, c->len);
	}
}

/* Builds the complete datagram of tracker i into df->buf and releases it. */
static enum decode_status rebuild(struct defrag *df, uint32_t i, const uint8_t **out,
				  uint32_t *out_len)
{
	struct tracker *t = &df->trk[i];
	uint32_t base = t->key.family == 4 ? 0 : 40;
	uint32_t len = t->hdr_len + t->end;

	if (t->hdr_len - base + t->end > DGRAM_MAX) {
		tracker_release(df, i);
		return reject(df, DEC_FRAG_TOO_LARGE);
	}
	copy_chain(df, t->hdr, df->buf);
	copy_chain(df, t->head, df->buf + t->hdr_len);
	if (t->key.family == 4) {
		df->buf[2] = (uint8_t)(len >> 8);
		df->buf[3] = (uint8_t)len;
		df->buf[6] &= 0xc0; /* keep DF and the reserved bit; clear MF and offset */
		df->buf[7] = 0;
	} else {
		df->buf[t->nh_off] = t->nh;
		df->buf[4] = (uint8_t)((len - 40) >> 8);
		df->buf[5] = (uint8_t)(len - 40);
	}
	tracker_release(df, i);
	COUNTER_INC(df->ctr[DEC_FRAG_REASSEMBLED]);
	*out = df->buf;
	*out_len = len;
	return DECODE_OK;
}

static enum decode_status defrag_take(struct defrag *df, const struct dkey *k, const struct frag *f,
				      uint64_t now_ns, const uint8_t **out, uint32_t *out_len)
{
	enum decode_status st;
	bool created = false;
	uint32_t h, i;

	COUNTER_INC(df->ctr[DEC_FRAG_SEEN]);
	if (f->len == 0 || (f->more && (f->len & 7)))
		return reject(df, DEC_FRAG_INVALID);
	if (f->hdr_len - f->hdr_base + f->off + f->len > DGRAM_MAX)
		return reject(df, DEC_FRAG_TOO_LARGE);

	h = key_hash(df, k);
	i = tracker_find(df, k, h);
	if (i != NIL && tracker_expired(df, i, now_ns)) {
		tracker_timeout(df, i);
		i = NIL;
	}
	if (i == NIL) {
		i = tracker_new(df, k, h, now_ns);
		if (i == NIL)
			return reject(df, DEC_FRAG_TABLE_FULL);
		created = true;
	}
	st = tracker_add(df, &df->trk[i], f);
	if (st == DECODE_DROP) {
		if (created)
			tracker_release(df, i);
		return st;
	}
	if (!df->trk[i].have_last || df->trk[i].covered != df->trk[i].end)
		return DECODE_HELD;
	return rebuild(df, i, out, out_len);
}

static void key_common(struct dkey *k, const struct packet *p)
{
	memset(k, 0, sizeof(*k));
	for (int v = 0; v < PKT_MAX_VLAN; v++)
		k->vlan[v] = v < p->vlan_count ? p->vlan[v] : 0;
	k->tunneled = (p->flags & PKT_F_TUNNELED) != 0;
}

enum decode_status defrag_ipv4(struct defrag *df, const struct packet *p, const uint8_t *ip,
			       uint32_t hlen, uint32_t len, const uint8_t **out, uint32_t *out_len)
{
	uint16_t fo = decode_be16(ip + 6);
	struct dkey k;
	struct frag f = {
		.hdr = ip,
		.hdr_len = hlen,
		.hdr_base = 0,
		.data = ip + hlen,
		.off = (uint32_t)(fo & 0x1fff) * 8,
		.len = len - hlen,
		.more = (fo & 0x2000) != 0,
	};

	key_common(&k, p);
	memcpy(k.src, ip + 12, 4);
	memcpy(k.dst, ip + 16, 4);
	k.id = decode_be16(ip + 4);
	k.family = 4;
	k.proto = ip[9];
	return defrag_take(df, &k, &f, p->ts_ns, out, out_len);
}

enum decode_status defrag_ipv6(struct defrag *df, const struct packet *p, const uint8_t *ip6,
			       uint32_t len, uint32_t frag_off, uint32_t nh_off,
			       const uint8_t **out, uint32_t *out_len)
{
	const uint8_t *fh = ip6 + frag_off;
	uint16_t fo = decode_be16(fh + 2);
	struct dkey k;
	struct frag f = {
		.hdr = ip6,
		.hdr_len = frag_off,
		.hdr_base = 40,
		.nh_off = nh_off,
		.nh = fh[0],
		.data = fh + 8,
		.off = fo & 0xfff8u,
		.len = len - frag_off - 8,
		.more = (fo & 1) != 0,
	};

	key_common(&k, p);
	memcpy(k.src, ip6 + 8, 16);
	memcpy(k.dst, ip6 + 24, 16);
	k.id = decode_be32(fh + 4);
	k.family = 6;
	k.proto = fh[0];
	return defrag_take(df, &k, &f, p->ts_ns, out, out_len);
}

void defrag_expire(struct defrag *df, uint64_t now_ns)
{
	for (unsigned n = 0; n < DEFRAG_EXPIRE_BATCH; n++) {
		if (df->oldest == NIL || !tracker_expired(df, df->oldest, now_ns))
			return;
		tracker_timeout(df, df->oldest);
	}
}

void defrag_usage(const struct defrag *df, uint32_t *trackers, uint32_t *chunks)
{
	*trackers = df->trk_used;
	*chunks = df->chunk_used;
}

static uint64_t seed_new(void)
{
	uint64_t s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
		return s;
	return (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&s;
}

struct defrag *defrag_new(const struct decode_config *cfg, counter_t *counters)
{
	struct defrag *df;
	uint64_t nchunks = cfg->defrag_memcap / DEFRAG_CHUNK_SIZE;
	uint32_t nb = 1;

	if (cfg->defrag_max_trackers > (1u << 30) || nchunks >= NIL)
		return NULL;
	df = calloc(1, sizeof(*df));
	if (!df)
		return NULL;
	df->ctr = counters;
	df->timeout_ns = cfg->defrag_timeout_ns;
	df->seed = seed_new();
	df->ntrk = cfg->defrag_max_trackers;
	while (nb < df->ntrk)
		nb <<= 1;
	df->bmask = nb - 1;
	df->nchunks = (uint32_t)nchunks;
	df->trk = calloc(df->ntrk ? df->ntrk : 1, sizeof(*df->trk));
	df->bucket = malloc((size_t)nb * sizeof(*df->bucket));
	df->pool = nchunks ? malloc((size_t)nchunks * DEFRAG_CHUNK_SIZE) : NULL;
	df->buf = malloc(BUF_SIZE);
	if (!df->trk || !df->bucket || (nchunks && !df->pool) || !df->buf) {
		defrag_free(df);
		return NULL;
	}
	memset(df->bucket, 0xff, (size_t)nb * sizeof(*df->bucket));
	for (uint32_t i = 0; i < df->ntrk; i++)
		df->trk[i].newer = i + 1 < df->ntrk ? i + 1 : NIL;
	df->trk_free = df->ntrk ? 0 : NIL;
	df->oldest = df->newest = NIL;
	df->chunk_free = NIL;
	return df;
}

void defrag_free(struct defrag *df)
{
	if (!df)
		return;
	free(df->buf);
	free(df->pool);
	free(df->bucket);
	free(df->trk);
	free(df);
}
