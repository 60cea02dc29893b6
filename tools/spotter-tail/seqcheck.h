/*
 * seqcheck.h — gaps and duplicates in the per-sensor sequence numbers of
 * spotter's records.
 *
 * Each sensor's seen numbers are kept as a sorted vector of disjoint,
 * merged ranges, so memory grows with the number of gaps and with how far
 * records arrive out of order (a sensor's records are spread over the
 * topic's partitions), not with the number of records: a contiguous stream
 * of any length is one range. Caps: SEQCHECK_MAX_SENSORS sensors and
 * SEQCHECK_MAX_RANGES ranges per sensor; past a cap the record is counted in
 * `untracked` and the report says so. Duplicates are counted, and the first
 * SEQCHECK_MAX_DUPS of them are kept for the report.
 *
 * Single-threaded. seqcheck_new/seqcheck_free own everything inside.
 */
#ifndef SPOTTER_TAIL_SEQCHECK_H
#define SPOTTER_TAIL_SEQCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SEQCHECK_MAX_SENSORS 65536
#define SEQCHECK_MAX_RANGES  (1u << 20)
#define SEQCHECK_MAX_DUPS    64
#define SEQCHECK_MAX_NAME    256

struct seqcheck;

struct seqcheck *seqcheck_new(void);
void seqcheck_free(struct seqcheck *sc);

/* Records one seq of `sensor` (NUL-terminated, truncated to
 * SEQCHECK_MAX_NAME-1 bytes). Returns 0, or -ENOMEM. */
int seqcheck_add(struct seqcheck *sc, const char *sensor, uint64_t seq);

/* Counts a record that carried no usable seq or sensor. */
void seqcheck_add_unnumbered(struct seqcheck *sc);

/* True when some sensor has a gap or a duplicate, or a record had no seq
 * or could not be tracked. */
bool seqcheck_failed(const struct seqcheck *sc);

/*
 * Writes the summary, one line per sensor in name order, e.g.
 *   sensor "vm": 18 records, seq 1..18, none missing, no duplicates
 *   sensor "s2": 8 records, seq 3..12, 3 missing: 5-6,9, 1 duplicate: 4
 * (the sensor name JSON-escaped; duplicates counted per extra copy)
 * then a line for unnumbered and untracked records when there are any.
 */
void seqcheck_report(const struct seqcheck *sc, FILE *out, const char *prefix);

#endif
