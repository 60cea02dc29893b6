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

void pipeline_free(struct pipeline *pl);

#endif
