/*
 * spool.c — the on-disk spool of sightings waiting for Kafka (see spool.h).
 *
 * Threading: one owner thread, no locks; counters are single-writer
 * (counter.h) so other threads may read them. Ownership: everything here is
 * allocated by spool_open() and freed by spool_close().
 *
 * Directory
 *   seg-<first token, 16 lowercase hex digits>.spool   segments, in token order
 *   state        acknowledgement state (replaced atomically)
 *   state.tmp    the state being written (removed at open)
 *   sequence, sequence.tmp   the sensor's sequence numbers (output-seq.c)
 *   lost+found   tolerated; any other entry: "not a spool directory"
 * The directory is locked with flock(LOCK_EX) while open.
 *
 * Tokens: every record appended gets the next token, a 64-bit counter that
 * never goes back (across restarts too); segments hold contiguous token
 * ranges. All integers below are little-endian; CRC is CRC32C.
 *
 * Segment file
 *   header, 32 bytes: "SPOTSEG1", u32 version (1), u32 header size (32),
 *     u64 first token, u32 reserved, u32 crc of bytes 0..27
 *   records, each a 32-byte frame header then key and value:
 *     0 magic f5 53 52 01, 4 u32 crc of bytes 8..end of value,
 *     8 u64 token, 16 u64 seq, 24 u32 value_len, 28 u16 key_len,
 *     30 u8 tlp, 31 u8 kind, 32 key, value
 *   trailer, 32 bytes, written when the segment is closed (rolled or at
 *     spool_close): magic f5 53 45 01, u32 crc of bytes 8..31,
 *     u64 first token, u64 end token (one past the last), u64 reserved
 * The magics start with 0xf5, a byte that never occurs in UTF-8 (EVE JSON),
 * so scanning for the next record after damage rarely stops on data.
 *
 * State file: "SPOTSTA1", u32 version (1), u32 entry count, u64 next token,
 * then per segment holding acknowledged records: u64 first token, u32 word0,
 * u32 nwords, nwords u64 bitmap words (bit i = token first + i; the words
 * before word0 are all ones); last a u32 crc of everything before it. Records
 * dropped as damaged are marked like acknowledged ones. It is written to
 * state.tmp, fsynced, renamed over state, and the directory fsynced.
 *
 * Size: spool_bytes() and the cap count every segment's header, frames and
 * trailer (reserved while the segment is being written), buffered bytes
 * included; the state file is not counted. A segment rolls when the next
 * frame would take it past segment_bytes (a segment always takes one record,
 * so a record larger than a segment gets one of its own). A segment whose
 * records are all acknowledged is deleted at once if closed, and closed
 * early when the cap would otherwise refuse an append.
 *
 * Sync policy
 *   Appends are copied into a 256 KiB buffer and written with pwrite() when
 *   it fills, at every spool_tick() and at every sync. A sync writes out the
 *   buffer, fdatasyncs the segment (and the directory after a segment was
 *   created), then writes the state file if acknowledgements changed.
 *   - fsync_ns > 0: a sync runs at the first spool_append(), spool_ack() or
 *     spool_tick() once fsync_ns has passed since the previous one.
 *   - fsync_ns = 0: in addition, every spool_append() writes and fdatasyncs
 *     its record before returning 0; if that fails the record is taken back
 *     out and -EIO returned. Acknowledgements are then persisted every second
 *     (they only save resending).
 *   Rolling a segment writes its trailer and fdatasyncs it; spool_sync() and
 *   spool_close() sync everything.
 *   A failed write leaves the file cut back to its last good length and the
 *   records buffered for the next attempt; an append that needs the space
 *   then fails with -EIO and is counted. A failed fsync is counted
 *   (SPOOL_CTR_SYNC_ERRORS) and reported through spool_error(); the records
 *   concerned stay readable but may not survive a power failure.
 *
 * Crash behaviour (at least once)
 *   A crash of the process loses what was still in the buffer (at most the
 *   time since the last spool_tick(), or 256 KiB); a power failure loses
 *   what was not yet synced (at most fsync_ns of appends). Acknowledgements
 *   after the last state write are forgotten: those records come out again
 *   and consumers deduplicate by seq.
 *   At open, a segment with a valid trailer is trusted for its extent; one
 *   without (the one being written at the crash) is read through: damage in
 *   the middle is skipped up to the next good record (a scan for the record
 *   magic whose token and CRC check out) and the records in between dropped
 *   and counted; a damaged or torn tail is cut off (ftruncate) and counted
 *   once. Damage found later while reading is handled the same way, an
 *   unreadable (EIO) region drops the rest of its segment. A segment whose
 *   header is damaged is deleted and counted once; a state file that is
 *   damaged is ignored (everything unacknowledged before comes out again)
 *   and counted once.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#define SEG_HDR	      32u
#define SEG_TRAILER   32u
#define SEG_OVERHEAD  (SEG_HDR + SEG_TRAILER)
#define FRAME_HDR     32u
#define FRAME_MAX     (FRAME_HDR + UINT16_MAX + SPOOL_VALUE_MAX)
#define SEG_NAME_LEN  26 /* "seg-" 16 hex ".spool" */
#define SEG_VERSION   1u
#define STATE_VERSION 1u
#define STATE_HDR     24u
#define STATE_MAX     (256u << 20)

#define WBUF_FLUSH (256u << 10)
#define WBUF_CAP   (WBUF_FLUSH + FRAME_MAX + SEG_TRAILER)
#define RCHUNK	   (256u << 10)
#define RBUF_CAP   (RCHUNK + FRAME_MAX)

#define DEFAULT_FSYNC_NS 1000000000ull

static const char seg_magic[8] = {'S', 'P', 'O', 'T', 'S', 'E', 'G', '1'};
static const char state_magic[8] = {'S', 'P', 'O', 'T', 'S', 'T', 'A', '1'};
static const uint8_t rec_magic[4] = {0xf5, 'S', 'R', 0x01};
static const uint8_t end_magic[4] = {0xf5, 'S', 'E', 0x01};

const char *const spool_counter_names[SPOOL_CTR_MAX] = {
    [SPOOL_CTR_APPENDED] = "appended",
    [SPOOL_CTR_ACKED] = "acked",
    [SPOOL_CTR_FULL] = "full",
    [SPOOL_CTR_WRITE_ERRORS] = "write_errors",
    [SPOOL_CTR_RECOVERED] = "recovered",
    [SPOOL_CTR_CORRUPT] = "corrupt",
    [SPOOL_CTR_SYNC_ERRORS] = "sync_errors",
};

ssize_t (*spool_test_pwrite)(int fd, const void *buf, size_t n, off_t off);
int (*spool_test_fdatasync)(int fd);

/* A segment: tokens [first, end). */
struct seg {
	uint64_t first, end;
	uint64_t size;	  /* bytes; for the active segment: flushed + buffered + trailer */
	uint64_t flushed; /* active segment: bytes in the file */
	uint64_t acked;	  /* records acknowledged or dropped */
	uint64_t *bits;	  /* acknowledged set (bit i = token first + i), NULL until needed */
	uint64_t cap_bits;
};

/* A read position: the record with token `token` starts at `off` of the
 * segment whose first token is seg_first; idx caches its index while the
 * segment array has generation gen. */
struct cursor {
	uint64_t token, off, seg_first, gen;
	size_t idx;
};

struct frame {
	uint64_t token, seq;
	uint32_t value_len, len;
	uint16_t key_len;
	uint8_t tlp, kind;
	const uint8_t *body; /* key then value (after a verified read) */
};

struct spool {
	struct spool_config cfg;
	char *dir;
	int dirfd;

	struct seg *segs; /* sorted by token; the last one is written when `active` */
	size_t nseg, segcap;
	uint64_t seg_gen;    /* bumped on every change of the array */
	uint64_t active_cap; /* records an active segment can hold */
	bool active;

	int wfd;       /* the active segment */
	uint8_t *wbuf; /* its bytes after `flushed` */
	size_t wlen;
	uint64_t wrec; /* records in wbuf */
	bool data_dirty, dir_dirty, state_dirty;

	int rfd; /* a closed segment being read */
	uint64_t rfd_first;
	uint8_t *rbuf; /* bytes [rbuf_off, rbuf_off + rbuf_len) of segment rbuf_first */
	uint64_t rbuf_first, rbuf_off;
	size_t rbuf_len;

	struct cursor rd; /* next record to hand out */
	struct cursor lw; /* every record before it is acknowledged: where rewind goes */
	size_t ack_hint;

	uint64_t next_token, pending, bytes, last_sync;
	uint8_t *sbuf; /* state file encoding */
	size_t sbuf_cap;

	char err[512];
	counter_t ctr[SPOOL_CTR_MAX];
};

/* ---- little helpers ------------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

__attribute__((format(printf, 2, 3))) static void set_error(struct spool *sp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sp->err, sizeof(sp->err), fmt, ap);
	va_end(ap);
}

static void seg_name(char name[SEG_NAME_LEN + 1], uint64_t first)
{
	snprintf(name, SEG_NAME_LEN + 1, "seg-%016llx.spool", (unsigned long long)first);
}

/* ---- CRC32C -------------------------------------------------------------- */

static uint32_t crc_table[8][256];
static bool crc_hw;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] =
			    (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
#if defined(__x86_64__)
	crc_hw = __builtin_cpu_supports("sse4.2");
#endif
}

/* Slicing-by-8 (about 2 GB/s); the SSE 4.2 instruction where there is one. */
static uint32_t crc_sw(uint32_t crc, const uint8_t *p, size_t n)
{
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w = get64(p) ^ crc;

		crc = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^
		      crc_table[5][(w >> 16) & 0xff] ^ crc_table[4][(w >> 24) & 0xff] ^
		      crc_table[3][(w >> 32) & 0xff] ^ crc_table[2][(w >> 40) & 0xff] ^
		      crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
	}
	while (n--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc_x86(uint32_t crc, const uint8_t *p, size_t n)
{
	uint64_t c = crc;

	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
	}
	crc = (uint32_t)c;
	while (n--)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}
#endif

uint32_t spool_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_init);
	crc = ~crc;
#if defined(__x86_64__)
	if (crc_hw)
		return ~crc_x86(crc, buf, len);
#endif
	return ~crc_sw(crc, buf, len);
}

/* ---- I/O ----------------------------------------------------------------- */

static int io_pwrite(int fd, const void *buf, size_t n, uint64_t off)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t w = spool_test_pwrite ? spool_test_pwrite(fd, p, n, (off_t)off)
					      : pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -ENOSPC;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int io_sync(int fd)
{
	int rc = spool_test_fdatasync ? spool_test_fdatasync(fd) : fdatasync(fd);

	return rc < 0 ? -errno : 0;
}

/* Reads up to n bytes at off; returns the count (short only at the end of
 * the file) or -errno. */
static ssize_t io_pread(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* ---- segments and the acknowledged set ---------------------------------- */

static bool seg_is_active(const struct spool *sp, size_t idx)
{
	return sp->active && idx + 1 == sp->nseg;
}

static bool seg_done(const struct seg *s)
{
	return s->acked == s->end - s->first;
}

/* Index of the first segment whose tokens reach past token (nseg if none). */
static size_t seg_find(const struct spool *sp, uint64_t token)
{
	size_t lo = 0, hi = sp->nseg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sp->segs[mid].end > token)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static bool seg_acked(const struct seg *s, uint64_t token)
{
	uint64_t i = token - s->first;

	return s->bits && i < s->cap_bits && (s->bits[i >> 6] >> (i & 63) & 1);
}

static int seg_bits(struct spool *sp, struct seg *s, uint64_t cap)
{
	size_t words = (size_t)((cap + 63) / 64);

	if (s->bits)
		return 0;
	s->bits = calloc(words ? words : 1, sizeof(uint64_t));
	if (!s->bits) {
		set_error(sp, "spool %s: out of memory for the acknowledged set", sp->dir);
		return -ENOMEM;
	}
	s->cap_bits = (uint64_t)(words ? words : 1) * 64;
	return 0;
}

/* Marks a token of segs[idx] acknowledged (ctr ACKED) or dropped (CORRUPT);
 * false when it already was (or no memory: the record will be resent). */
static bool seg_mark(struct spool *sp, size_t idx, uint64_t token, enum spool_counter ctr)
{
	struct seg *s = &sp->segs[idx];
	uint64_t i = token - s->first, m = 1ull << (i & 63);

	if (seg_bits(sp, s, seg_is_active(sp, idx) ? sp->active_cap : s->end - s->first) < 0)
		return false;
	if (i >= s->cap_bits || (s->bits[i >> 6] & m))
		return false;
	s->bits[i >> 6] |= m;
	s->acked++;
	sp->pending--;
	sp->state_dirty = true;
	COUNTER_INC(sp->ctr[ctr]);
	return true;
}

static void seg_delete(struct spool *sp, size_t idx)
{
	struct seg *s = &sp->segs[idx];
	char name[SEG_NAME_LEN + 1];

	seg_name(name, s->first);
	if (seg_is_active(sp, idx)) {
		close(sp->wfd);
		sp->wfd = -1;
		sp->active = false;
		sp->wlen = 0;
		sp->wrec = 0;
		sp->data_dirty = false;
	}
	if (sp->rfd >= 0 && sp->rfd_first == s->first) {
		close(sp->rfd);
		sp->rfd = -1;
	}
	if (sp->rbuf_first == s->first)
		sp->rbuf_len = 0;
	if (unlinkat(sp->dirfd, name, 0) < 0 && errno != ENOENT)
		set_error(sp, "cannot delete %s/%s: %s", sp->dir, name, strerror(errno));
	sp->bytes -= s->size;
	sp->pending -= (s->end - s->first) - s->acked;
	free(s->bits);
	memmove(s, s + 1, (sp->nseg - idx - 1) * sizeof(*s));
	sp->nseg--;
	sp->seg_gen++;
	sp->ack_hint = 0;
}

/* Deletes segs[idx] when it is closed and every record in it is done. */
static bool seg_reap(struct spool *sp, size_t idx)
{
	if (seg_is_active(sp, idx) || !seg_done(&sp->segs[idx]))
		return false;
	seg_delete(sp, idx);
	return true;
}

/* Drops tokens [from, to) of segs[idx] as damaged; may delete the segment. */
static void seg_drop(struct spool *sp, size_t idx, uint64_t from, uint64_t to)
{
	for (uint64_t t = from; t < to; t++)
		seg_mark(sp, idx, t, SPOOL_CTR_CORRUPT);
	seg_reap(sp, idx);
}

static int seg_reserve(struct spool *sp)
{
	struct seg *n;
	size_t cap;

	if (sp->nseg < sp->segcap)
		return 0;
	cap = sp->segcap ? sp->segcap * 2 : 16;
	n = realloc(sp->segs, cap * sizeof(*n));
	if (!n) {
		set_error(sp, "spool %s: out of memory for segments", sp->dir);
		return -ENOMEM;
	}
	sp->segs = n;
	sp->segcap = cap;
	return 0;
}

/* ---- reading ------------------------------------------------------------- */

static int seg_read_fd(struct spool *sp, size_t idx)
{
	char name[SEG_NAME_LEN + 1];
	uint64_t first = sp->segs[idx].first;

	if (seg_is_active(sp, idx))
		return sp->wfd;
	if (sp->rfd >= 0 && sp->rfd_first == first)
		return sp->rfd;
	if (sp->rfd >= 0)
		close(sp->rfd);
	seg_name(name, first);
	sp->rfd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (sp->rfd < 0) {
		set_error(sp, "cannot open %s/%s: %s", sp->dir, name, strerror(errno));
		return -EIO;
	}
	sp->rfd_first = first;
	return sp->rfd;
}

/* Points *p at up to want contiguous bytes of segs[idx] from pos (want is
 * at most RCHUNK or FRAME_MAX). Returns how many there are (fewer at the
 * end of the data, or at the end of the written part of the active
 * segment), or -EIO. */
static ssize_t span(struct spool *sp, size_t idx, uint64_t pos, size_t want, const uint8_t **p)
{
	struct seg *s = &sp->segs[idx];
	bool act = seg_is_active(sp, idx);
	uint64_t end = act ? s->flushed : s->size;
	size_t n;
	ssize_t got;
	int fd;

	if (act && pos >= s->flushed) {
		uint64_t avail = s->flushed + sp->wlen > pos ? s->flushed + sp->wlen - pos : 0;

		*p = sp->wbuf + (pos - s->flushed);
		return (ssize_t)(want < avail ? want : avail);
	}
	if (pos >= end)
		return 0;
	if (want > end - pos)
		want = (size_t)(end - pos);
	if (sp->rbuf_len && sp->rbuf_first == s->first && pos >= sp->rbuf_off &&
	    pos + want <= sp->rbuf_off + sp->rbuf_len) {
		*p = sp->rbuf + (pos - sp->rbuf_off);
		return (ssize_t)want;
	}
	fd = seg_read_fd(sp, idx);
	if (fd < 0)
		return fd;
	n = want > RCHUNK ? want : RCHUNK;
	if (n > end - pos)
		n = (size_t)(end - pos);
	sp->rbuf_len = 0;
	got = io_pread(fd, sp->rbuf, n, pos);
	if (got < 0) {
		char name[SEG_NAME_LEN + 1];

		seg_name(name, s->first);
		set_error(sp, "cannot read %s/%s: %s", sp->dir, name, strerror((int)-got));
		return -EIO;
	}
	sp->rbuf_first = s->first;
	sp->rbuf_off = pos;
	sp->rbuf_len = (size_t)got;
	*p = sp->rbuf;
	return (ssize_t)((size_t)got < want ? (size_t)got : want);
}

/* Decodes the record at off of segs[idx] if its token is in [lo, hi) and
 * its CRC checks out (also when it is only skipped: a damaged length would
 * lead the reader astray); f->body points at the key and value. Returns 1,
 * 0 when there is no good record there, or -EIO. */
static int frame_at(struct spool *sp, size_t idx, uint64_t off, uint64_t lo, uint64_t hi,
		    struct frame *f)
{
	const uint8_t *p;
	ssize_t n = span(sp, idx, off, FRAME_HDR, &p);
	uint32_t crc;

	if (n < 0)
		return (int)n;
	if (n < FRAME_HDR || memcmp(p, rec_magic, 4) != 0)
		return 0;
	crc = get32(p + 4);
	f->token = get64(p + 8);
	f->seq = get64(p + 16);
	f->value_len = get32(p + 24);
	f->key_len = get16(p + 28);
	f->tlp = p[30];
	f->kind = p[31];
	if (f->token < lo || f->token >= hi || f->value_len > SPOOL_VALUE_MAX)
		return 0;
	f->len = FRAME_HDR + f->key_len + f->value_len;
	n = span(sp, idx, off, f->len, &p);
	if (n < 0)
		return (int)n;
	if ((size_t)n < f->len || spool_crc32c(0, p + 8, f->len - 8) != crc)
		return 0;
	f->body = p + FRAME_HDR;
	return 1;
}

/* Finds the first good record after off in segs[idx] with a token in
 * [lo, hi): returns 1 with *at and *f, 0 when there is none, or -EIO. */
static int resync(struct spool *sp, size_t idx, uint64_t off, uint64_t lo, uint64_t hi,
		  uint64_t *at, struct frame *f)
{
	uint64_t pos = off + 1;

	for (;;) {
		const uint8_t *p, *q;
		ssize_t n = span(sp, idx, pos, RCHUNK, &p);
		uint64_t cand;
		int rc;

		if (n <= 0)
			return (int)n;
		q = memmem(p, (size_t)n, rec_magic, sizeof(rec_magic));
		if (!q) {
			pos += n > 3 ? (uint64_t)n - 3 : (uint64_t)n;
			continue;
		}
		cand = pos + (uint64_t)(q - p);
		rc = frame_at(sp, idx, cand, lo, hi, f);
		if (rc > 0)
			*at = cand;
		if (rc)
			return rc;
		pos = cand + 1;
	}
}

static void cursor_enter(struct cursor *c, const struct spool *sp, size_t idx)
{
	c->idx = idx;
	c->gen = sp->seg_gen;
	c->seg_first = sp->segs[idx].first;
	c->token = c->seg_first;
	c->off = SEG_HDR;
}

/* Revalidates a cursor after segments came or went: a cursor whose
 * segment was deleted moves to the start of the next one. */
static void cursor_fix(const struct spool *sp, struct cursor *c)
{
	if (c->gen == sp->seg_gen && c->idx < sp->nseg)
		return;
	c->gen = sp->seg_gen;
	c->idx = seg_find(sp, c->token);
	if (c->idx < sp->nseg && sp->segs[c->idx].first != c->seg_first)
		cursor_enter(c, sp, c->idx);
}

/* The record at the read cursor is damaged (rc 0) or unreadable (rc < 0):
 * drop what cannot be read, move past it. Returns 0 or -EIO. */
static int skip_damage(struct spool *sp, int rc)
{
	struct cursor *c = &sp->rd;
	size_t idx = c->idx;
	struct seg *s = &sp->segs[idx];
	uint64_t from = c->token, to = s->end, at = c->off;
	bool at_lw = sp->lw.token == from;
	struct frame f = {0}; /* resync() fills it when it returns > 0 */

	if (rc == 0)
		rc = resync(sp, idx, c->off, from, s->end, &at, &f);
	if (rc > 0) {
		to = f.token;
	} else if (rc < 0 && seg_is_active(sp, idx) && c->off < s->flushed) {
		to = s->end - sp->wrec; /* what is still buffered is fine */
		at = s->flushed;
	}
	c->token = to;
	c->off = at;
	if (at_lw)
		sp->lw = *c;
	seg_drop(sp, idx, from, to);
	return rc < 0 ? -EIO : 0;
}

int spool_next(struct spool *sp, struct spool_record *r, uint64_t *token)
{
	struct cursor *c = &sp->rd;

	for (;;) {
		struct frame f;
		struct seg *s;
		bool acked;
		int rc;

		cursor_fix(sp, c);
		if (c->idx >= sp->nseg)
			return 0;
		s = &sp->segs[c->idx];
		if (c->token >= s->end) {
			if (c->idx + 1 >= sp->nseg)
				return 0;
			cursor_enter(c, sp, c->idx + 1);
			continue;
		}
		acked = seg_acked(s, c->token);
		rc = frame_at(sp, c->idx, c->off, c->token, c->token + 1, &f);
		if (rc <= 0) {
			rc = skip_damage(sp, rc);
			if (rc < 0)
				return rc;
			continue;
		}
		if (acked) {
			bool at_lw = sp->lw.token == c->token;

			c->token++;
			c->off += f.len;
			if (at_lw)
				sp->lw = *c;
			continue;
		}
		c->token++;
		c->off += f.len;
		r->seq = f.seq;
		r->tlp = f.tlp;
		r->kind = f.kind;
		r->key = (const char *)f.body;
		r->key_len = f.key_len;
		r->value = (const char *)f.body + f.key_len;
		r->value_len = f.value_len;
		*token = f.token;
		return 1;
	}
}

void spool_rewind(struct spool *sp)
{
	sp->rd = sp->lw;
}

/* ---- writing ------------------------------------------------------------- */

/* Writes the buffer to the active segment. On failure the file is cut back
 * to what it held before and the buffer kept for the next attempt. */
static int wflush(struct spool *sp)
{
	struct seg *s;
	int rc;

	if (!sp->active || !sp->wlen)
		return 0;
	s = &sp->segs[sp->nseg - 1];
	rc = io_pwrite(sp->wfd, sp->wbuf, sp->wlen, s->flushed);
	if (rc < 0) {
		char name[SEG_NAME_LEN + 1];

		seg_name(name, s->first);
		set_error(sp, "cannot write %s/%s: %s", sp->dir, name, strerror(-rc));
		if (ftruncate(sp->wfd, (off_t)s->flushed) < 0) {
			/* the partial bytes stay; a reader stops at s->flushed anyway
			 * and the next write overwrites them */
		}
		return -EIO;
	}
	s->flushed += sp->wlen;
	sp->wlen = 0;
	sp->wrec = 0;
	sp->data_dirty = true;
	return 0;
}

/* Writes out and fdatasyncs the active segment, and the directory after a
 * segment was created. */
static int data_sync(struct spool *sp)
{
	int rc = wflush(sp);

	if (rc < 0)
		return rc;
	if (sp->active && sp->data_dirty) {
		rc = io_sync(sp->wfd);
		if (rc < 0) {
			char name[SEG_NAME_LEN + 1];

			seg_name(name, sp->segs[sp->nseg - 1].first);
			set_error(sp, "cannot sync %s/%s: %s", sp->dir, name, strerror(-rc));
			return -EIO;
		}
		sp->data_dirty = false;
	}
	if (sp->dir_dirty) {
		rc = io_sync(sp->dirfd);
		if (rc < 0) {
			set_error(sp, "cannot sync directory %s: %s", sp->dir, strerror(-rc));
			return -EIO;
		}
		sp->dir_dirty = false;
	}
	return 0;
}

static size_t state_encode(struct spool *sp)
{
	size_t len = STATE_HDR + 4, n = 0;
	uint8_t *p;

	for (size_t i = 0; i < sp->nseg; i++)
		if (sp->segs[i].acked)
			len += 16 + 8 * (size_t)((sp->segs[i].end - sp->segs[i].first + 63) / 64);
	if (len > sp->sbuf_cap) {
		uint8_t *b = realloc(sp->sbuf, len);

		if (!b)
			return 0;
		sp->sbuf = b;
		sp->sbuf_cap = len;
	}
	p = sp->sbuf + STATE_HDR;
	for (size_t i = 0; i < sp->nseg; i++) {
		const struct seg *s = &sp->segs[i];
		size_t words = (size_t)((s->end - s->first + 63) / 64), w0 = 0, last = 0;

		if (!s->acked)
			continue;
		while (w0 < words && s->bits[w0] == ~0ull)
			w0++;
		for (size_t w = w0; w < words; w++)
			if (s->bits[w])
				last = w + 1;
		if (last < w0)
			last = w0;
		put64(p, s->first);
		put32(p + 8, (uint32_t)w0);
		put32(p + 12, (uint32_t)(last - w0));
		p += 16;
		for (size_t w = w0; w < last; w++, p += 8)
			put64(p, s->bits[w]);
		n++;
	}
	memcpy(sp->sbuf, state_magic, 8);
	put32(sp->sbuf + 8, STATE_VERSION);
	put32(sp->sbuf + 12, (uint32_t)n);
	put64(sp->sbuf + 16, sp->next_token);
	put32(p, spool_crc32c(0, sp->sbuf, (size_t)(p - sp->sbuf)));
	return (size_t)(p + 4 - sp->sbuf);
}

/* Replaces the state file: state.tmp, fdatasync, rename, directory sync. */
static int state_write(struct spool *sp)
{
	size_t len = state_encode(sp);
	int fd, rc;

	if (!len) {
		set_error(sp, "cannot write %s/state: out of memory", sp->dir);
		return -EIO;
	}
	fd = openat(sp->dirfd, "state.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = io_pwrite(fd, sp->sbuf, len, 0);
	if (!rc)
		rc = io_sync(fd);
	close(fd);
	if (!rc && renameat(sp->dirfd, "state.tmp", sp->dirfd, "state") < 0)
		rc = -errno;
	if (!rc)
		rc = io_sync(sp->dirfd);
	if (!rc) {
		sp->state_dirty = false;
		return 0;
	}
	unlinkat(sp->dirfd, "state.tmp", 0);
fail:
	set_error(sp, "cannot write %s/state: %s", sp->dir, strerror(-rc));
	return -EIO;
}

static int sync_all(struct spool *sp)
{
	int rc = data_sync(sp), rs = sp->state_dirty ? state_write(sp) : 0;

	sp->last_sync = now_ns();
	if (rc || rs) {
		COUNTER_INC(sp->ctr[SPOOL_CTR_SYNC_ERRORS]);
		return -EIO;
	}
	return 0;
}

static int maybe_sync(struct spool *sp)
{
	uint64_t period = sp->cfg.fsync_ns ? sp->cfg.fsync_ns : DEFAULT_FSYNC_NS;

	if (!sp->wlen && !sp->data_dirty && !sp->dir_dirty && !sp->state_dirty)
		return 0;
	if (now_ns() - sp->last_sync < period)
		return 0;
	return sync_all(sp);
}

static int seg_create(struct spool *sp)
{
	char name[SEG_NAME_LEN + 1];
	uint8_t h[SEG_HDR] = {0};
	int fd, rc;

	if (seg_reserve(sp) < 0)
		return -ENOMEM;
	seg_name(name, sp->next_token);
	fd = openat(sp->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		set_error(sp, "cannot create %s/%s: %s", sp->dir, name, strerror(errno));
		return -EIO;
	}
	memcpy(h, seg_magic, 8);
	put32(h + 8, SEG_VERSION);
	put32(h + 12, SEG_HDR);
	put64(h + 16, sp->next_token);
	put32(h + 28, spool_crc32c(0, h, 28));
	rc = io_pwrite(fd, h, SEG_HDR, 0);
	if (rc < 0) {
		set_error(sp, "cannot write %s/%s: %s", sp->dir, name, strerror(-rc));
		close(fd);
		unlinkat(sp->dirfd, name, 0);
		return -EIO;
	}
	sp->segs[sp->nseg++] = (struct seg){
	    .first = sp->next_token,
	    .end = sp->next_token,
	    .size = SEG_OVERHEAD,
	    .flushed = SEG_HDR,
	};
	sp->active = true;
	sp->wfd = fd;
	sp->wlen = 0;
	sp->wrec = 0;
	sp->data_dirty = true;
	sp->dir_dirty = true;
	sp->bytes += SEG_OVERHEAD;
	sp->seg_gen++;
	return 0;
}

/* Closes the active segment: trailer, write, fdatasync; or deletes it when
 * every record in it is acknowledged. */
static int seg_finish(struct spool *sp)
{
	size_t idx = sp->nseg - 1;
	struct seg *s = &sp->segs[idx];
	uint8_t *t = sp->wbuf + sp->wlen;
	int rc;

	if (seg_done(s)) {
		seg_delete(sp, idx);
		return 0;
	}
	memcpy(t, end_magic, 4);
	put64(t + 8, s->first);
	put64(t + 16, s->end);
	put64(t + 24, 0);
	put32(t + 4, spool_crc32c(0, t + 8, SEG_TRAILER - 8));
	sp->wlen += SEG_TRAILER;
	rc = wflush(sp);
	if (rc < 0) {
		sp->wlen -= SEG_TRAILER;
		return rc;
	}
	rc = io_sync(sp->wfd);
	if (rc < 0) {
		char name[SEG_NAME_LEN + 1];

		seg_name(name, s->first);
		set_error(sp, "cannot sync %s/%s: %s", sp->dir, name, strerror(-rc));
		COUNTER_INC(sp->ctr[SPOOL_CTR_SYNC_ERRORS]);
	}
	close(sp->wfd);
	sp->wfd = -1;
	sp->active = false;
	sp->data_dirty = false;
	sp->seg_gen++;
	return 0;
}

/* Makes the active segment ready to take a frame of n bytes within the cap:
 * creates or rolls segments. Returns 0, -ENOSPC, -EIO or -ENOMEM. */
static int make_room(struct spool *sp, uint64_t n)
{
	struct seg *a = sp->active ? &sp->segs[sp->nseg - 1] : NULL;
	bool roll = a && a->end > a->first && a->size + n > sp->cfg.segment_bytes;
	bool fresh = !a || roll;
	int rc;

	if (sp->bytes + n + (fresh ? SEG_OVERHEAD : 0) > sp->cfg.max_bytes) {
		/* an active segment whose records are all acknowledged only
		 * waits for its roll: retire it now if that makes room */
		if (!a || a->end == a->first || !seg_done(a) ||
		    sp->bytes - a->size + n + SEG_OVERHEAD > sp->cfg.max_bytes)
			return -ENOSPC;
		seg_delete(sp, sp->nseg - 1);
		return seg_create(sp);
	}
	if (!fresh)
		return 0;
	if (roll) {
		rc = seg_finish(sp);
		if (rc < 0)
			return rc;
	}
	return seg_create(sp);
}

static void frame_encode(uint8_t *p, uint64_t token, const struct spool_record *r)
{
	uint32_t len = FRAME_HDR + r->key_len + r->value_len;

	memcpy(p, rec_magic, 4);
	put64(p + 8, token);
	put64(p + 16, r->seq);
	put32(p + 24, r->value_len);
	put16(p + 28, r->key_len);
	p[30] = r->tlp;
	p[31] = r->kind;
	if (r->key_len)
		memcpy(p + FRAME_HDR, r->key, r->key_len);
	if (r->value_len)
		memcpy(p + FRAME_HDR + r->key_len, r->value, r->value_len);
	put32(p + 4, spool_crc32c(0, p + 8, len - 8));
}

int spool_append(struct spool *sp, const struct spool_record *r)
{
	uint64_t n = FRAME_HDR + (uint64_t)r->key_len + r->value_len;
	struct seg *s;
	int rc;

	if (r->value_len > SPOOL_VALUE_MAX)
		return -EMSGSIZE;
	rc = make_room(sp, n);
	if (!rc && sp->wlen && sp->wlen + n > WBUF_FLUSH)
		rc = wflush(sp);
	if (rc == -ENOSPC) {
		COUNTER_INC(sp->ctr[SPOOL_CTR_FULL]);
		return -ENOSPC;
	}
	if (rc < 0) {
		COUNTER_INC(sp->ctr[SPOOL_CTR_WRITE_ERRORS]);
		return -EIO;
	}
	s = &sp->segs[sp->nseg - 1];
	frame_encode(sp->wbuf + sp->wlen, sp->next_token, r);
	s->end++;
	s->size += n;
	sp->wlen += n;
	sp->wrec++;
	sp->bytes += n;
	sp->next_token++;
	sp->pending++;
	if (sp->cfg.fsync_ns == 0 && data_sync(sp) < 0) {
		/* not durable: take it back out (wbuf was empty before it) */
		if (sp->wlen) {
			sp->wlen -= n;
			sp->wrec--;
		} else {
			s->flushed -= n;
			if (ftruncate(sp->wfd, (off_t)s->flushed) < 0) {
				/* left in the file: it may come out again after a restart */
			}
		}
		s->end--;
		s->size -= n;
		sp->bytes -= n;
		sp->next_token--;
		sp->pending--;
		COUNTER_INC(sp->ctr[SPOOL_CTR_WRITE_ERRORS]);
		return -EIO;
	}
	COUNTER_INC(sp->ctr[SPOOL_CTR_APPENDED]);
	maybe_sync(sp);
	return 0;
}

void spool_ack(struct spool *sp, uint64_t token)
{
	size_t idx = sp->ack_hint;

	if (idx >= sp->nseg || token < sp->segs[idx].first || token >= sp->segs[idx].end) {
		idx = seg_find(sp, token);
		if (idx >= sp->nseg || token < sp->segs[idx].first)
			return;
		sp->ack_hint = idx;
	}
	if (seg_mark(sp, idx, token, SPOOL_CTR_ACKED))
		seg_reap(sp, idx);
	maybe_sync(sp);
}

int spool_sync(struct spool *sp)
{
	return sync_all(sp);
}

int spool_tick(struct spool *sp)
{
	if (sp->wlen && wflush(sp) < 0) {
		COUNTER_INC(sp->ctr[SPOOL_CTR_SYNC_ERRORS]);
		return -EIO;
	}
	return maybe_sync(sp);
}

uint64_t spool_unwritten(const struct spool *sp)
{
	return sp->wrec;
}

uint64_t spool_pending(const struct spool *sp)
{
	return sp->pending;
}

uint64_t spool_bytes(const struct spool *sp)
{
	return sp->bytes;
}

const char *spool_error(const struct spool *sp)
{
	return sp->err;
}

const counter_t *spool_counters(const struct spool *sp)
{
	return sp->ctr;
}

void spool_config_defaults(struct spool_config *c)
{
	c->dir = NULL;
	c->max_bytes = 1ull << 30;
	c->segment_bytes = 16u << 20;
	c->fsync_ns = DEFAULT_FSYNC_NS;
}

/* ---- opening and recovery ------------------------------------------------ */

/* The state file, validated: entries start at buf + STATE_HDR. */
struct state {
	uint8_t *buf;
	size_t len;
	uint32_t n;
	uint64_t next_token;
};

static bool state_valid(struct state *st)
{
	size_t pos = STATE_HDR;

	if (st->len < STATE_HDR + 4 || get32(st->buf + 8) != STATE_VERSION ||
	    get32(st->buf + st->len - 4) != spool_crc32c(0, st->buf, st->len - 4))
		return false;
	st->n = get32(st->buf + 12);
	st->next_token = get64(st->buf + 16);
	for (uint32_t i = 0; i < st->n; i++) {
		uint64_t nwords;

		if (st->len - 4 - pos < 16)
			return false;
		nwords = get32(st->buf + pos + 12);
		if ((st->len - 4 - pos - 16) / 8 < nwords)
			return false;
		pos += 16 + 8 * nwords;
	}
	return pos == st->len - 4;
}

/* Reads the state file. Returns 0 (st->buf NULL when there is none or it is
 * damaged), or a negative errno with err set. */
static int state_load(struct spool *sp, struct state *st, char *err, size_t errlen)
{
	struct stat sb;
	ssize_t got;
	int fd = openat(sp->dirfd, "state", O_RDONLY | O_CLOEXEC);

	memset(st, 0, sizeof(*st));
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot read %s/state: %s", sp->dir, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	if (sb.st_size > STATE_MAX) {
		close(fd);
		snprintf(err, errlen, "%s/state: not a spool state file (too large)", sp->dir);
		return -EINVAL;
	}
	st->len = (size_t)sb.st_size;
	st->buf = malloc(st->len ? st->len : 1);
	if (!st->buf) {
		close(fd);
		snprintf(err, errlen, "spool %s: out of memory", sp->dir);
		return -ENOMEM;
	}
	got = io_pread(fd, st->buf, st->len, 0);
	close(fd);
	if (got >= 8 && memcmp(st->buf, state_magic, 8) != 0) {
		snprintf(err, errlen, "%s/state: not a spool state file", sp->dir);
		free(st->buf);
		st->buf = NULL;
		return -EINVAL;
	}
	if (got != (ssize_t)st->len || !state_valid(st)) {
		free(st->buf);
		st->buf = NULL;
		COUNTER_INC(sp->ctr[SPOOL_CTR_CORRUPT]);
		sp->state_dirty = true;
	}
	return 0;
}

/* Applies the state's entry for segs[idx], if any. */
static int state_apply(struct spool *sp, const struct state *st, size_t idx, uint64_t cap)
{
	struct seg *s = &sp->segs[idx];
	const uint8_t *p = st->buf + STATE_HDR;

	for (uint32_t i = 0; st->buf && i < st->n; i++) {
		uint64_t w0 = get32(p + 8), nw = get32(p + 12);

		if (get64(p) == s->first) {
			if (seg_bits(sp, s, cap) < 0)
				return -ENOMEM;
			for (uint64_t w = 0; w < w0 + nw && w < s->cap_bits / 64; w++)
				s->bits[w] = w < w0 ? ~0ull : get64(p + 16 + 8 * (w - w0));
			return 0;
		}
		p += 16 + 8 * nw;
	}
	return 0;
}

/* Clears bits past the segment's records and counts what is acknowledged. */
static void seg_settle(struct seg *s)
{
	uint64_t nrec = s->end - s->first;

	s->acked = 0;
	if (!s->bits)
		return;
	for (uint64_t w = 0; w < s->cap_bits / 64; w++) {
		if (w * 64 >= nrec)
			s->bits[w] = 0;
		else if (nrec - w * 64 < 64)
			s->bits[w] &= (1ull << (nrec - w * 64)) - 1;
		s->acked += (uint64_t)__builtin_popcountll(s->bits[w]);
	}
}

static bool trailer_ok(const uint8_t *t, uint64_t first, uint64_t size, uint64_t *end)
{
	uint64_t e = get64(t + 16);

	if (memcmp(t, end_magic, 4) != 0 || get32(t + 4) != spool_crc32c(0, t + 8, 24) ||
	    get64(t + 8) != first || e < first || e - first > (size - SEG_OVERHEAD) / FRAME_HDR)
		return false;
	*end = e;
	return true;
}

/* Reads a segment without a trailer through to find its end: damage in
 * the middle is skipped and its records dropped, a damaged tail cut off. */
static int seg_scan(struct spool *sp, const struct state *st, size_t idx)
{
	struct seg *s = &sp->segs[idx];
	uint64_t off = SEG_HDR, t = s->first, cap = (s->size - SEG_HDR) / FRAME_HDR + 2;
	char name[SEG_NAME_LEN + 1];
	int rc = seg_bits(sp, s, cap);

	if (!rc)
		rc = state_apply(sp, st, idx, cap);
	if (rc < 0)
		return rc;
	while (off < s->size) {
		struct frame f;
		uint64_t at;

		rc = frame_at(sp, idx, off, t, t + 1, &f);
		if (rc == 0)
			rc = resync(sp, idx, off, t, t + (s->size - off) / FRAME_HDR + 1, &at, &f);
		else if (rc > 0)
			at = off;
		if (rc <= 0)
			break;
		for (uint64_t u = t; u < f.token; u++)
			seg_mark(sp, idx, u, SPOOL_CTR_CORRUPT);
		t = f.token + 1;
		off = at + f.len;
	}
	s->end = t;
	if (off < s->size) {
		int fd;

		seg_name(name, s->first);
		fd = openat(sp->dirfd, name, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, (off_t)off) == 0) {
			sp->bytes -= s->size - off;
			s->size = off;
		}
		if (fd >= 0)
			close(fd);
		sp->rbuf_len = 0;
		COUNTER_INC(sp->ctr[SPOOL_CTR_CORRUPT]);
		sp->state_dirty = true;
	}
	return 0;
}

/* Checks the header of segs[idx] and finds its end. Returns 1 when the
 * segment is usable, 0 when it was deleted, or -errno with err set. */
static int seg_recover(struct spool *sp, const struct state *st, size_t idx, char *err,
		       size_t errlen)
{
	struct seg *s = &sp->segs[idx];
	const uint8_t *h, *t;
	char name[SEG_NAME_LEN + 1];
	ssize_t n = span(sp, idx, 0, SEG_HDR, &h);

	seg_name(name, s->first);
	if (n < 0) {
		snprintf(err, errlen, "%s", sp->err);
		return -EIO;
	}
	if (n >= 8 && memcmp(h, seg_magic, 8) != 0) {
		snprintf(err, errlen, "%s/%s: not a spool segment", sp->dir, name);
		return -EINVAL;
	}
	if (n == SEG_HDR && get32(h + 8) != SEG_VERSION) {
		snprintf(err, errlen, "%s/%s: unsupported spool format version %u", sp->dir, name,
			 get32(h + 8));
		return -EINVAL;
	}
	if (n < SEG_HDR || get32(h + 28) != spool_crc32c(0, h, 28) || get64(h + 16) != s->first) {
		/* a segment cut at its creation is nothing; else it is damage */
		if (n == SEG_HDR || idx + 1 < sp->nseg)
			COUNTER_INC(sp->ctr[SPOOL_CTR_CORRUPT]);
		s->end = s->first;
		seg_delete(sp, idx);
		return 0;
	}
	if (s->size >= SEG_OVERHEAD) {
		n = span(sp, idx, s->size - SEG_TRAILER, SEG_TRAILER, &t);
		if (n == SEG_TRAILER && trailer_ok(t, s->first, s->size, &s->end))
			return state_apply(sp, st, idx, s->end - s->first) < 0 ? -ENOMEM : 1;
	}
	return seg_scan(sp, st, idx) < 0 ? -ENOMEM : 1;
}

static bool seg_name_parse(const char *name, uint64_t *first)
{
	uint64_t v = 0;

	if (strlen(name) != SEG_NAME_LEN || strncmp(name, "seg-", 4) != 0 ||
	    strcmp(name + 20, ".spool") != 0)
		return false;
	for (int i = 4; i < 20; i++) {
		char c = name[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return false;
	}
	*first = v;
	return true;
}

static int seg_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct seg *)a)->first, y = ((const struct seg *)b)->first;

	return x < y ? -1 : x > y;
}

/* Lists the directory's segments into sp->segs, sorted, with their sizes. */
static int dir_list(struct spool *sp, char *err, size_t errlen)
{
	DIR *d = opendir(sp->dir);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "cannot read spool directory %s: %s", sp->dir, strerror(-rc));
		return rc;
	}
	while (!rc && (e = readdir(d))) {
		struct stat sb;
		uint64_t first;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "state") || !strcmp(e->d_name, "lost+found") ||
		    !strcmp(e->d_name, "sequence") || !strcmp(e->d_name, "sequence.tmp"))
			continue;
		if (!seg_name_parse(e->d_name, &first)) {
			snprintf(err, errlen, "%s is not a spool directory (unexpected entry %s)",
				 sp->dir, e->d_name);
			rc = -EINVAL;
		} else if (fstatat(sp->dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
			   !S_ISREG(sb.st_mode)) {
			snprintf(err, errlen, "%s/%s: not a spool segment", sp->dir, e->d_name);
			rc = -EINVAL;
		} else if (seg_reserve(sp) < 0) {
			snprintf(err, errlen, "%s", sp->err);
			rc = -ENOMEM;
		} else {
			sp->segs[sp->nseg++] =
			    (struct seg){.first = first, .size = (uint64_t)sb.st_size};
			sp->bytes += (uint64_t)sb.st_size;
		}
	}
	closedir(d);
	if (sp->nseg)
		qsort(sp->segs, sp->nseg, sizeof(*sp->segs), seg_cmp);
	return rc;
}

static int recover(struct spool *sp, char *err, size_t errlen)
{
	struct state st;
	int rc = dir_list(sp, err, errlen);

	if (!rc)
		rc = state_load(sp, &st, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < sp->nseg;) {
		rc = seg_recover(sp, &st, i, err, errlen);
		if (rc < 0)
			goto out;
		i += (size_t)rc;
	}
	/* the scan's marks moved pending; count it afresh */
	sp->pending = 0;
	sp->next_token = st.buf ? st.next_token : 0;
	for (size_t i = 0; i < sp->nseg; i++) {
		struct seg *s = &sp->segs[i];

		if (i + 1 < sp->nseg && s->end > s[1].first) /* damage: never overlap */
			s->end = s[1].first;
		seg_settle(s);
		sp->pending += s->end - s->first - s->acked;
		if (s->end > sp->next_token)
			sp->next_token = s->end;
	}
	for (size_t i = 0; i < sp->nseg;)
		if (!seg_reap(sp, i))
			i++;
	COUNTER_SET(sp->ctr[SPOOL_CTR_RECOVERED], sp->pending);
	rc = 0;
out:
	free(st.buf);
	return rc;
}

static int check_config(const struct spool_config *cfg, char *err, size_t errlen)
{
	if (!cfg->dir || !cfg->dir[0]) {
		snprintf(err, errlen, "spool: no directory given");
		return -EINVAL;
	}
	if (cfg->segment_bytes < SEG_OVERHEAD + FRAME_HDR) {
		snprintf(err, errlen, "spool %s: segment size %u is below the minimum %u", cfg->dir,
			 cfg->segment_bytes, SEG_OVERHEAD + FRAME_HDR);
		return -EINVAL;
	}
	if (cfg->max_bytes < SEG_OVERHEAD + FRAME_HDR) {
		snprintf(err, errlen, "spool %s: size cap %llu is below the minimum %u", cfg->dir,
			 (unsigned long long)cfg->max_bytes, SEG_OVERHEAD + FRAME_HDR);
		return -EINVAL;
	}
	return 0;
}

/* Creates the directory if missing, opens and locks it, and checks that
 * files can be created in it. */
static int dir_open(struct spool *sp, char *err, size_t errlen)
{
	int fd, e;

	if (mkdir(sp->dir, 0700) < 0 && errno != EEXIST) {
		e = errno;
		snprintf(err, errlen, "cannot create spool directory %s: %s", sp->dir, strerror(e));
		return -e;
	}
	sp->dirfd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot open spool directory %s: %s", sp->dir, strerror(e));
		return -e;
	}
	if (flock(sp->dirfd, LOCK_EX | LOCK_NB) < 0) {
		e = errno;
		if (e == EWOULDBLOCK)
			snprintf(err, errlen, "spool directory %s is in use by another process",
				 sp->dir);
		else
			snprintf(err, errlen, "cannot lock spool directory %s: %s", sp->dir,
				 strerror(e));
		return -e;
	}
	fd = openat(sp->dirfd, "state.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "spool directory %s is not writable: %s", sp->dir,
			 strerror(e));
		return -e;
	}
	close(fd);
	unlinkat(sp->dirfd, "state.tmp", 0);
	return 0;
}

static void spool_free(struct spool *sp)
{
	for (size_t i = 0; i < sp->nseg; i++)
		free(sp->segs[i].bits);
	free(sp->segs);
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->rfd >= 0)
		close(sp->rfd);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp->wbuf);
	free(sp->rbuf);
	free(sp->sbuf);
	free(sp->dir);
	free(sp);
}

int spool_open(const struct spool_config *cfg, struct spool **out, char *err, size_t errlen)
{
	struct spool *sp;
	int rc = check_config(cfg, err, errlen);

	*out = NULL;
	if (rc)
		return rc;
	sp = calloc(1, sizeof(*sp));
	if (!sp) {
		snprintf(err, errlen, "spool %s: out of memory", cfg->dir);
		return -ENOMEM;
	}
	sp->cfg = *cfg;
	sp->dirfd = sp->wfd = sp->rfd = -1;
	sp->dir = strdup(cfg->dir);
	sp->wbuf = malloc(WBUF_CAP);
	sp->rbuf = malloc(RBUF_CAP);
	if (!sp->dir || !sp->wbuf || !sp->rbuf) {
		snprintf(err, errlen, "spool %s: out of memory", cfg->dir);
		spool_free(sp);
		return -ENOMEM;
	}
	sp->cfg.dir = sp->dir;
	sp->active_cap = (cfg->segment_bytes - SEG_OVERHEAD) / FRAME_HDR + 1;
	sp->rd.gen = sp->lw.gen = UINT64_MAX;
	sp->rd.seg_first = sp->lw.seg_first = UINT64_MAX;
	rc = dir_open(sp, err, errlen);
	if (!rc)
		rc = recover(sp, err, errlen);
	if (rc) {
		spool_free(sp);
		return rc;
	}
	sp->err[0] = '\0';
	sp->last_sync = now_ns();
	*out = sp;
	return 0;
}

void spool_close(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->active && seg_finish(sp) < 0) {
		/* what could not be written is lost; keep what was */
		COUNTER_ADD(sp->ctr[SPOOL_CTR_WRITE_ERRORS], sp->wrec);
		COUNTER_INC(sp->ctr[SPOOL_CTR_SYNC_ERRORS]);
		if (io_sync(sp->wfd) < 0)
			COUNTER_INC(sp->ctr[SPOOL_CTR_SYNC_ERRORS]);
	}
	if (sp->dir_dirty && io_sync(sp->dirfd) < 0)
		COUNTER_INC(sp->ctr[SPOOL_CTR_SYNC_ERRORS]);
	if (sp->state_dirty && state_write(sp) < 0)
		COUNTER_INC(sp->ctr[SPOOL_CTR_SYNC_ERRORS]);
	spool_free(sp);
}
