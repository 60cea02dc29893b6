/*
 * worker.h — a worker thread: decode → flow → stream → application layer →
 * detect, for the packets its ring brings.
 *
 * A worker owns everything it touches per packet: its input ring, decode
 * context (with the defragmenter), flow table, stream and application-layer
 * contexts, detection context and output ring. Nothing is shared with other
 * workers except the immutable detection engine, so the per-packet path
 * takes no lock and allocates nothing.
 *
 * Ownership: worker_new() builds all of it; worker_free() releases it after
 * worker_join(). The pipeline owns the workers.
 */
#ifndef SPOTTER_WORKER_H
#define SPOTTER_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "applayer.h"
#include "counter.h"
#include "decode.h"
#include "detect-engine.h"
#include "flow.h"
#include "output-ring.h"
#include "pkt-ring.h"
#include "stream.h"

struct worker_config {
	struct decode_config decode;
	struct flow_config flow;
	struct stream_config stream;
	struct applayer_config app;
	uint32_t ring_slots;     /* input descriptors (default 8192) */
	size_t output_bytes;     /* output ring (default 4 MiB) */
};

void worker_config_defaults(struct worker_config *c);

enum worker_counter {
	WRK_PACKETS = 0,
	WRK_BYTES,
	WRK_BATCHES,
	WRK_CAPTURE_ERRORS,      /* live: polls of the capture source that failed */
	WRK_BYPASSED,            /* live: flows handed to the XDP bypass map */
	WRK_BYPASS_FAILED,       /* live: bypass map updates that failed */
	WRK_RELOADS,             /* rule sets switched to */
	WRK_COUNTER_MAX
};

extern const char *const worker_counter_names[WRK_COUNTER_MAX];

struct worker {
	unsigned id;
	struct pkt_ring ring;
	struct output_ring out;
	struct decode_ctx decode;
	struct flow_table *flows;
	struct stream_ctx *stream;
	struct applayer_ctx *app;
	struct detect_thread *detect;
	const struct detect_engine *engine;
	counter_t counters[WRK_COUNTER_MAX];
	_Atomic uint64_t cpu_ns;  /* the thread's CPU time, set when it ends */

	/* live capture (NULL for a capture file: packets come over the ring) */
	struct capture_source *src;
	struct xdp_filter *xdp;   /* the source's interface's pre-filter, for bypass; may be NULL */
	_Atomic bool stop;        /* live: set by the pipeline to end the loop */

	/* rule reload: the reloading thread stores tables for the new engine
	 * in next (release); the worker switches at a batch boundary, leaves
	 * its old tables in retired, clears next and publishes generation */
	_Atomic(struct detect_tables *) next;
	struct detect_tables *retired;
	_Atomic uint32_t generation;

	/* private to the worker thread */
	pthread_t thread;
	const struct packet *cur;  /* the packet being processed */
	struct packet *live_pkts;  /* live: what the source returned, BATCH of them */
	uint32_t next_generation;  /* during a switch */
	bool started;
	uint64_t max_ts_ns;
	uint64_t next_expire_ns;
	uint32_t since_expire;
	bool in_flow_end;         /* delivering held data of an ending flow */
	int synth_dir;            /* direction of the synthetic packet, -1 none */
	struct packet synth;      /* stands in for a packet at flow end */
};

/* Returns NULL with err set on failure. */
struct worker *worker_new(unsigned id, const struct worker_config *cfg,
			  const struct detect_engine *de, char *err, size_t errlen);
int worker_start(struct worker *w);
/* Live capture: the worker polls src itself (one source, one worker) and
 * may bypass flows through xdp (NULL: no bypass). Before worker_start(). */
struct capture_source;
struct xdp_filter;
void worker_set_source(struct worker *w, struct capture_source *src, struct xdp_filter *xdp);
/* Waits until the ring is closed and drained and every flow has ended. */
void worker_join(struct worker *w);
void worker_free(struct worker *w);

/* Runs one packet through the worker synchronously (tests, single-thread). */
void worker_process(struct worker *w, struct packet *p);
/* At a batch boundary (the worker's thread): moves onto the new engine if
 * one is waiting in w->next (see detect_thread_switch()). */
void worker_check_reload(struct worker *w);
/* Ends every flow (end of input). */
void worker_finish(struct worker *w);

#endif
