/*
 * spool.h — the on-disk spool: sightings that wait for Kafka.
 *
 * When the broker is unreachable or slow, the output thread appends each
 * sighting it cannot hand to librdkafka here, and replays the spool in
 * append order once the broker is back (also after a restart: records not
 * acknowledged in the persisted state come out again). The spool is bounded
 * (max_bytes); only a full spool refuses records, and the caller counts
 * each refusal. The on-disk format, the fsync policy and the behaviour
 * after a crash are described at the top of spool.c.
 *
 * Delivery is at least once: a record delivered just before a crash (its
 * acknowledgement not yet persisted) comes out again after the restart;
 * consumers deduplicate by seq. After spool_close() nothing acknowledged
 * comes out again.
 *
 * Threading: one thread (the sensor's output thread) owns a spool and makes
 * every call; there are no locks inside. Other threads may only read the
 * counters (spool_counters()). One process at a time: spool_open() takes an
 * exclusive lock on the directory.
 *
 * Ownership: spool_open() allocates; spool_close() syncs and frees. The
 * pointers in a record handed out by spool_next() point into the spool's
 * buffers and stay valid until the next spool_* call on that spool.
 */
#ifndef SPOTTER_SPOOL_H
#define SPOTTER_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "counter.h"

/* Largest value (EVE JSON line) a record may carry; keys are < 64 KiB. */
#define SPOOL_VALUE_MAX (1u << 20)

/* One record: what a Kafka message needs. */
struct spool_record {
	uint64_t seq;	 /* the record's sequence number */
	uint8_t tlp;	 /* enum tlp (rules/rule.h) */
	uint8_t kind;	 /* enum output_kind (sensor/output-ring.h) */
	const char *key; /* indicator key, not NUL-terminated */
	uint16_t key_len;
	const char *value; /* the EVE JSON line (no newline) */
	uint32_t value_len;
};

struct spool_config {
	const char *dir;	/* created if missing (mode 0700); its parent must exist */
	uint64_t max_bytes;	/* cap on segment bytes on disk (default 1 GiB) */
	uint32_t segment_bytes; /* roll segments at this size (default 16 MiB) */
	uint64_t fsync_ns;	/* sync data and acknowledgements at most this often;
				   0 = data on every append (default 1 s) */
};

void spool_config_defaults(struct spool_config *c);

struct spool;

/* Opens (creating the directory if missing) and recovers what a previous
 * process left: unacknowledged records are pending again, in order. A torn
 * or corrupt tail (a crash mid-write) is cut off at the last good record;
 * damage is counted (SPOOL_CTR_CORRUPT), never fatal. Returns 0, or a
 * negative errno with err naming the path and the reason (unwritable
 * directory, not a spool, in use by another process, bad configuration). */
int spool_open(const struct spool_config *cfg, struct spool **out, char *err, size_t errlen);

/* Writes out and syncs what is buffered and the acknowledgement state,
 * then frees. Records that could not be written are lost. The counters go
 * with the spool: to report such losses, call spool_sync() first and, if
 * it fails, report spool_unwritten() and spool_error(). NULL is a no-op. */
void spool_close(struct spool *sp);

/* Stores a copy of r. Returns 0; -ENOSPC when the cap would be exceeded
 * (the caller counts the drop); -EMSGSIZE when the value exceeds
 * SPOOL_VALUE_MAX; -EIO on a write error (spool_error() says why; the
 * record is not stored). With fsync_ns = 0 a record is on stable storage
 * when 0 is returned. */
int spool_append(struct spool *sp, const struct spool_record *r);

/* Reading: records come out in append order. A record handed out stays in
 * the spool until acknowledged; unacknowledged records come out again after
 * spool_rewind() or a restart. */

/* Returns 1 and fills r (pointers valid until the next spool_* call) and
 * *token; 0 when nothing is left to hand out; -EIO on a read error (the
 * unreadable records are dropped and counted, the next call goes on with
 * the next segment). Damaged records found on the way are skipped and
 * counted (SPOOL_CTR_CORRUPT). */
int spool_next(struct spool *sp, struct spool_record *r, uint64_t *token);

/* The record was delivered. Acks may come in any order; acking a token
 * twice, or one the spool does not hold, is a no-op. A segment whose
 * records are all acknowledged (or dropped) is deleted. */
void spool_ack(struct spool *sp, uint64_t token);

/* Hand out again every record not yet acknowledged (after delivery
 * failures), from the oldest. */
void spool_rewind(struct spool *sp);

/* Writes out and syncs data and the acknowledgement state now. Returns 0
 * or -EIO (spool_error() says why). */
int spool_sync(struct spool *sp);

/* Call from the owner's loop, at least every fsync_ns (the output thread
 * wakes every 100 ms): hands buffered records to the kernel, so a crash of
 * the process does not lose them, and syncs when a sync is due. Returns 0
 * or -EIO. */
int spool_tick(struct spool *sp);

/* Records appended but still only in memory (not yet written to the
 * file). When spool_sync() fails before spool_close(), these are the
 * records the close will lose: report them then. */
uint64_t spool_unwritten(const struct spool *sp);

uint64_t spool_pending(const struct spool *sp);	 /* records not yet acknowledged */
uint64_t spool_bytes(const struct spool *sp);	 /* segment bytes on disk (buffered included) */
const char *spool_error(const struct spool *sp); /* the last error, "" if none */

enum spool_counter {
	SPOOL_CTR_APPENDED = 0, /* records stored */
	SPOOL_CTR_ACKED,	/* records acknowledged */
	SPOOL_CTR_FULL,		/* appends refused: the cap would be exceeded */
	SPOOL_CTR_WRITE_ERRORS, /* records lost to write errors (refused with -EIO,
				   or buffered and unwritable at close) */
	SPOOL_CTR_RECOVERED,	/* records pending at open, left by a previous process */
	SPOOL_CTR_CORRUPT,	/* records dropped as damaged (a torn tail or a
				   damaged file whose record count is unknown: 1) */
	SPOOL_CTR_SYNC_ERRORS,	/* failed fsyncs and acknowledgement-state writes */
	SPOOL_CTR_MAX
};

extern const char *const spool_counter_names[SPOOL_CTR_MAX];

const counter_t *spool_counters(const struct spool *sp);

/* CRC32C (Castagnoli), as the format uses it: crc is 0 for a new sum or
 * a previous result to continue one. */
uint32_t spool_crc32c(uint32_t crc, const void *buf, size_t len);

/* Test hooks: when set, called instead of pwrite(2) and fdatasync(2) for
 * every write and sync the spool makes (segments, state, directory), so
 * tests can inject a full disk. Not for production use; NULL by default. */
extern ssize_t (*spool_test_pwrite)(int fd, const void *buf, size_t n, off_t off);
extern int (*spool_test_fdatasync)(int fd);

#endif
