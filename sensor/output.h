/*
 * output.h — the output thread: from the workers' rings to the sinks.
 *
 * One thread drains every worker's output ring (workers never wait for
 * it; a full ring drops and counts on the worker's side) and hands each
 * record to the sinks: the EVE file and, with Kafka configured, the Kafka
 * producer. With Kafka, each record that may be shared (its TLP within
 * kafka.max-tlp) gets the next per-sensor sequence number here, as
 * "seq" at the end of the JSON, so the EVE line and the Kafka message are
 * the same bytes; a record withheld by TLP stays in the EVE file without
 * one, so consumers never see a false gap.
 *
 * Ownership: output_new() builds the sinks (opening the EVE file, the
 * producer, the spool and the sequence file); output_free() releases them.
 * The rings belong to the workers and must outlive output_stop().
 */
#ifndef SPOTTER_OUTPUT_H
#define SPOTTER_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counter.h"
#include "output-eve.h"
#include "output-kafka.h"
#include "output-ring.h"

enum output_counter {
	OUT_RECORDS = 0,     /* records taken from the rings */
	OUT_ALERTS,
	OUT_SIGHTINGS,
	OUT_SEQ_ERRORS,      /* the sequence file could not be advanced */
	OUT_COUNTER_MAX
};

extern const char *const output_counter_names[OUT_COUNTER_MAX];

struct output_config {
	const char *eve_path;                /* NULL: no EVE file */
	bool kafka;                          /* send to Kafka (kafka_cfg) */
	struct output_kafka_config kafka_cfg;
};

struct output;

/* Returns 0 or a negative errno with err naming what failed: -EINVAL for
 * configuration (a Kafka property, a broker list), others at runtime. */
int output_new(const struct output_config *cfg, struct output **out, char *err, size_t errlen);

/* Registers a worker's ring; call before output_start(). */
int output_add_ring(struct output *o, struct output_ring *ring);

/* What the Kafka heartbeat reports as counters (before output_start()). */
void output_set_counters(struct output *o, output_kafka_counters_fn fn, void *ud);

int output_start(struct output *o);

/* Drains every ring until all are empty, closes the sinks (the Kafka
 * producer flushes in bounded time and spools the rest) and stops the
 * thread. Returns 0 or -EIO when a sink failed (reported already). */
int output_stop(struct output *o);
void output_free(struct output *o);

const counter_t *output_counters(const struct output *o);
const struct output_eve *output_eve(const struct output *o);     /* NULL without a file */
const struct output_kafka *output_kafka(const struct output *o); /* NULL without Kafka */
uint64_t output_last_seq(const struct output *o);

#endif
