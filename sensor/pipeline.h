/*
 * pipeline.h — reader, workers and output thread, wired together.
 *
 * The reader (the calling thread) takes packets from a capture and hands
 * each to one of W workers over that worker's descriptor ring, chosen by
 * the symmetric dispatch hash, so both directions of a flow and every
 * fragment of a datagram meet in one worker. For a capture file the reader
 * waits when a ring is full (a file is never dropped from); workers never
 * wait for the output thread.
 *
 * Ownership: the pipeline owns its workers and output; the detection engine
 * is borrowed and must outlive it.
 */
#ifndef SPOTTER_PIPELINE_H
#define SPOTTER_PIPELINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture-file.h"
#include "detect-engine.h"
#include "output.h"
#include "worker.h"

struct pipeline_config {
	unsigned workers;
	struct worker_config worker;
	struct output_config output;
	double pace;              /* read a file at this multiple of its speed; 0: at once */
};

struct pipeline {
	struct worker **workers;
	unsigned n_workers;
	struct output *output;
	const struct detect_engine *engine;

	/* reader figures (written by the reader thread only) */
	counter_t packets, bytes;
	uint64_t start_ns, end_ns;  /* monotonic: first dispatch .. workers done */
	enum capture_status capture_end;
	char capture_error[256];
	int output_result;        /* of output_stop(): 0 or -EIO */
	double pace;
	uint64_t pace_first_ts, pace_start; /* reader only */
	bool live;                /* workers poll capture sources */
};

/* Builds workers and output; nothing runs yet. Returns 0 or -errno with err. */
int pipeline_new(const struct pipeline_config *cfg, const struct detect_engine *de,
		 struct pipeline **out, char *err, size_t errlen);

/*
 * Reads the whole capture through the workers and waits for every worker
 * and the output to finish. Stops early when *stop becomes non-zero; calls
 * report(ud) whenever *report_flag is set (then clears it). Returns 0, or
 * -EIO when the capture ended badly (cut off or malformed: capture_end and
 * capture_error say how; everything before was processed and written).
 */
int pipeline_run_file(struct pipeline *pl, struct capture_file *cf,
		      volatile sig_atomic_t *stop, volatile sig_atomic_t *report_flag,
		      void (*report)(void *ud), void *ud);

/*
 * Live capture: worker i polls source i of cap (pipeline_new() was given
 * as many workers as cap has sources) and bypasses flows through xdp[i]
 * (NULL entries: no bypass). Before pipeline_run_live().
 */
struct capture;
struct xdp_filter;
void pipeline_attach_capture(struct pipeline *pl, struct capture *cap,
			     struct xdp_filter *const *xdp);

/*
 * Runs the workers on their sources until *stop becomes non-zero, then
 * drains: every worker ends its flows, the output writes every pending
 * sighting. Between, calls report(ud) when *report_flag is set and
 * reload(ud) when *reload_flag is set (each flag is cleared first).
 * Returns 0, or -errno when the threads could not start.
 */
int pipeline_run_live(struct pipeline *pl, volatile sig_atomic_t *stop,
		      volatile sig_atomic_t *report_flag, void (*report)(void *ud),
		      volatile sig_atomic_t *reload_flag, void (*reload)(void *ud), void *ud);

/*
 * Moves every worker onto engine de (linked to the current one with
 * detect_engine_link()). Builds each worker's tables first, so a failure
 * (ENOMEM) leaves everything on the old engine; then hands them over and
 * waits until every worker has switched at a batch boundary (capture goes
 * on meanwhile). Returns the old engine, which the caller now frees, or
 * NULL with err set. Runs on the thread that runs the pipeline.
 */
const struct detect_engine *pipeline_reload(struct pipeline *pl, const struct detect_engine *de,
					    char *err, size_t errlen);

void pipeline_free(struct pipeline *pl);

#endif
