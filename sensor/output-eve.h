/*
 * output-eve.h — the output thread and the EVE JSON file.
 *
 * One thread drains every worker's output ring and writes each record as
 * one line of the EVE file (or standard output for "-"). Workers never wait
 * for it; when a ring is full the worker drops and counts. The file is
 * written through a large stdio buffer and flushed when the rings run dry
 * (and every 100 ms while they do not), so `tail -f` sees sightings promptly.
 * A write error (a full disk) is reported once per minute and counted; the
 * thread keeps draining so workers never stall.
 *
 * Ownership: output_new() opens the file; output_free() closes it. The
 * rings belong to the workers; they must outlive output_stop().
 */
#ifndef SPOTTER_OUTPUT_EVE_H
#define SPOTTER_OUTPUT_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "counter.h"
#include "output-ring.h"

enum output_counter {
	OUT_RECORDS = 0,     /* records written */
	OUT_ALERTS,
	OUT_SIGHTINGS,
	OUT_BYTES,
	OUT_WRITE_ERRORS,    /* records lost to write errors */
	OUT_COUNTER_MAX
};

extern const char *const output_counter_names[OUT_COUNTER_MAX];

struct output;

/* eve_path may be NULL (no file: records are drained and counted only).
 * Returns 0 or -errno with err set. */
int output_new(const char *eve_path, struct output **out, char *err, size_t errlen);

/* Registers a worker's ring; call before output_start(). Returns 0 or -ENOMEM. */
int output_add_ring(struct output *o, struct output_ring *ring);

int output_start(struct output *o);
/* Drains every ring until all are empty, then stops the thread and flushes. */
void output_stop(struct output *o);
void output_free(struct output *o);

const counter_t *output_counters(const struct output *o);

#endif
