/*
 * stats.h — the sensor's counters, summed over workers: the summary printed
 * at exit and on SIGUSR1, and the JSON written by --stats-json.
 *
 * Counters are single-writer (counter.h); reading them here while workers
 * run gives a consistent-enough snapshot for reports.
 */
#ifndef SPOTTER_STATS_H
#define SPOTTER_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "eve-json.h"
#include "pipeline.h"

struct capture;
struct xdp_filter;
struct xdp_registry;

struct stats_info {
	const char *capture_path;    /* the file, or the interfaces and mode */
	uint32_t rules_loaded;
	uint32_t rules_rejected;
	uint64_t compile_ns;
	unsigned workers;

	/* live capture (NULL and 0 for a file) */
	const struct capture *cap;
	struct xdp_filter *const *xdp;          /* per interface, NULL where none */
	char *const *ifnames;
	unsigned n_if;
	const struct xdp_registry *indicators;  /* indicator ids of the XDP hit counters */
	uint32_t reloads, reload_failures;
	uint32_t generation;                    /* rule set in use */
};

/* A human-readable summary. */
void stats_print(FILE *out, const struct pipeline *pl, const struct stats_info *si);

/* The counters a Kafka heartbeat carries (an output_kafka_counters_fn;
 * ud is the pipeline). Runs on the output thread. */
void stats_counters_json(void *ud, struct jbuf *jb);

/* Every counter as one JSON object. Returns 0 or -errno with err set. */
int stats_write_json(const char *path, const struct pipeline *pl, const struct stats_info *si,
		     char *err, size_t errlen);

#endif
