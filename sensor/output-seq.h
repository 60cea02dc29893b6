/*
 * output-seq.h — the per-sensor sequence number of sightings sent to Kafka.
 *
 * Consumers detect lost and repeated sightings by these numbers, so a
 * number is never handed out twice, also across restarts. The next number
 * is kept in a file (`sequence` in the spool directory). Writing it for
 * every record would cost a synchronous write per sighting, so numbers are
 * reserved in blocks: the file always holds a number no lower than any
 * handed out, rewritten (atomically: temporary file, fsync, rename) when a
 * block is used up, and set to the exact next number on a clean close.
 * After a crash the numbers of the unused rest of the block are skipped: a
 * consumer sees a gap, never a repeat.
 *
 * Used by the output thread only. Ownership: output_seq_open() allocates,
 * output_seq_close() writes the exact next number and frees.
 */
#ifndef SPOTTER_OUTPUT_SEQ_H
#define SPOTTER_OUTPUT_SEQ_H

#include <stddef.h>
#include <stdint.h>

#define OUTPUT_SEQ_BLOCK 100000

struct output_seq;

/* Returns 0 or -errno with err naming the file. */
int output_seq_open(const char *dir, struct output_seq **out, char *err, size_t errlen);

/* The next number (the first ever is 1). Returns 0 or -errno when a new
 * block cannot be recorded; then nothing is handed out. */
int output_seq_next(struct output_seq *s, uint64_t *seq);

/* The last number handed out (0: none yet). */
uint64_t output_seq_last(const struct output_seq *s);

/* Records the exact next number; returns 0 or -errno. NULL is a no-op. */
int output_seq_close(struct output_seq *s);

#endif
