/*
 * output-eve.h — the EVE JSON file: one record per line.
 *
 * Written through a large stdio buffer by the output thread only; flushed
 * when the output thread runs dry (and at least every 100 ms while busy),
 * so `tail -f` sees sightings promptly. A write error (a full disk) is
 * counted and reported at most once a minute; records keep flowing to the
 * other sinks.
 *
 * Ownership: output_eve_open() opens the file, output_eve_close() closes
 * it ("-" is standard output, which is flushed, not closed).
 */
#ifndef SPOTTER_OUTPUT_EVE_H
#define SPOTTER_OUTPUT_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "counter.h"

enum eve_counter {
	EVE_LINES = 0,
	EVE_BYTES,
	EVE_WRITE_ERRORS,    /* lines lost to write errors */
	EVE_COUNTER_MAX
};

extern const char *const eve_counter_names[EVE_COUNTER_MAX];

struct output_eve;

/* Returns 0 or -errno with err set (the message names the path). */
int output_eve_open(const char *path, struct output_eve **out, char *err, size_t errlen);
/* One line (the newline is added). */
void output_eve_write(struct output_eve *e, const char *json, size_t len);
void output_eve_flush(struct output_eve *e);
void output_eve_close(struct output_eve *e);

const counter_t *output_eve_counters(const struct output_eve *e);

#endif
