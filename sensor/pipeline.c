/*
 * pipeline.c — the reader loop and the lifecycle of workers and output (see
 * pipeline.h).
 */
#include "pipeline.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "decode.h"
#include "log.h"

#define PUBLISH_EVERY 64

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int pipeline_new(const struct pipeline_config *cfg, const struct detect_engine *de,
		 struct pipeline **out, char *err, size_t errlen)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));
	int rc;

	*out = NULL;
	if (!pl)
		return -ENOMEM;
	pl->engine = de;
	pl->n_workers = cfg->workers ? cfg->workers : 1;
	pl->workers = calloc(pl->n_workers, sizeof(*pl->workers));
	if (!pl->workers) {
		rc = -ENOMEM;
		goto fail;
	}
	pl->pace = cfg->pace;
	rc = output_new(&cfg->output, &pl->output, err, errlen);
	if (rc)
		goto fail;
	for (unsigned i = 0; i < pl->n_workers; i++) {
		pl->workers[i] = worker_new(i, &cfg->worker, de, err, errlen);
		if (!pl->workers[i]) {
			rc = -ENOMEM;
			goto fail;
		}
		rc = output_add_ring(pl->output, &pl->workers[i]->out);
		if (rc)
			goto fail;
	}
	*out = pl;
	return 0;
fail:
	pipeline_free(pl);
	return rc;
}

static int start_threads(struct pipeline *pl)
{
	int rc = output_start(pl->output);

	for (unsigned i = 0; !rc && i < pl->n_workers; i++)
		rc = worker_start(pl->workers[i]);
	return rc;
}

/* Waits for room in a worker's ring; a capture file is never dropped from. */
static struct pkt_desc *wait_slot(struct pkt_ring *r)
{
	struct pkt_desc *d;
	unsigned spins = 0;

	while (!(d = pkt_ring_slot(r))) {
		if (++spins < 32)
			__builtin_ia32_pause();
		else if (spins < 256)
			sched_yield();
		else
			nanosleep(&(struct timespec){.tv_nsec = 20000}, NULL);
	}
	return d;
}

/*
 * --pace: holds each packet until its capture time, scaled, has come. The
 * rings are published first, so the workers see everything before the
 * reader sleeps.
 */
static void pace(struct pipeline *pl, const struct packet *p, uint32_t *unpublished,
		 volatile sig_atomic_t *stop)
{
	uint64_t due, now;

	if (!pl->pace_start) {
		pl->pace_first_ts = p->ts_ns;
		pl->pace_start = mono_ns();
		return;
	}
	if (p->ts_ns <= pl->pace_first_ts)
		return;
	due = pl->pace_start + (uint64_t)((double)(p->ts_ns - pl->pace_first_ts) / pl->pace);
	for (unsigned i = 0; i < pl->n_workers; i++) {
		pkt_ring_publish(&pl->workers[i]->ring);
		unpublished[i] = 0;
	}
	while (!*stop && (now = mono_ns()) < due) {
		uint64_t wait = due - now;

		if (wait > 100000000ull) /* wake up to see signals */
			wait = 100000000ull;
		nanosleep(&(struct timespec){.tv_sec = (time_t)(wait / 1000000000ull),
					     .tv_nsec = (long)(wait % 1000000000ull)},
			  NULL);
	}
}

int pipeline_run_file(struct pipeline *pl, struct capture_file *cf,
		      volatile sig_atomic_t *stop, volatile sig_atomic_t *report_flag,
		      void (*report)(void *ud), void *ud)
{
	uint32_t *unpublished = calloc(pl->n_workers, sizeof(*unpublished));
	enum capture_status st = CAPTURE_EOF;
	struct packet p;
	int rc;

	if (!unpublished)
		return -ENOMEM;
	rc = start_threads(pl);
	if (rc) {
		free(unpublished);
		log_error("cannot start threads: %s", strerror(-rc));
		return rc;
	}
	pl->start_ns = mono_ns();
	while (!*stop) {
		struct worker *w;
		struct pkt_desc *d;
		uint32_t h;
		unsigned wi;

		st = capture_file_next(cf, &p);
		if (st != CAPTURE_PACKET)
			break;
		if (pl->pace > 0)
			pace(pl, &p, unpublished, stop);
		h = decode_dispatch_hash(p.data, p.caplen, p.linktype);
		wi = (unsigned)(((uint64_t)h * pl->n_workers) >> 32);
		w = pl->workers[wi];
		d = wait_slot(&w->ring);
		d->data = p.data;
		d->caplen = p.caplen;
		d->wirelen = p.wirelen;
		d->ts_ns = p.ts_ns;
		d->pcap_cnt = p.pcap_cnt;
		d->linktype = p.linktype;
		d->hash = h;
		pkt_ring_push(&w->ring);
		if (++unpublished[wi] >= PUBLISH_EVERY) {
			pkt_ring_publish(&w->ring);
			unpublished[wi] = 0;
		}
		COUNTER_INC(pl->packets);
		COUNTER_ADD(pl->bytes, p.wirelen);
		if (report_flag && *report_flag) {
			*report_flag = 0;
			report(ud);
		}
	}
	for (unsigned i = 0; i < pl->n_workers; i++)
		pkt_ring_close(&pl->workers[i]->ring);
	for (unsigned i = 0; i < pl->n_workers; i++)
		worker_join(pl->workers[i]);
	pl->end_ns = mono_ns();
	pl->output_result = output_stop(pl->output);
	free(unpublished);
	pl->capture_end = st == CAPTURE_PACKET ? CAPTURE_EOF : st;
	if (st == CAPTURE_TRUNCATED || st == CAPTURE_BAD) {
		snprintf(pl->capture_error, sizeof(pl->capture_error), "%s",
			 capture_file_error(cf));
		return -EIO;
	}
	return 0;
}

void pipeline_attach_capture(struct pipeline *pl, struct capture *cap,
			     struct xdp_filter *const *xdp)
{
	for (unsigned i = 0; i < pl->n_workers && i < capture_n_sources(cap); i++)
		worker_set_source(pl->workers[i], capture_source(cap, i), xdp ? xdp[i] : NULL);
	pl->live = true;
}

static void sleep_ms(unsigned ms)
{
	nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L},
		  NULL);
}

int pipeline_run_live(struct pipeline *pl, volatile sig_atomic_t *stop,
		      volatile sig_atomic_t *report_flag, void (*report)(void *ud),
		      volatile sig_atomic_t *reload_flag, void (*reload)(void *ud), void *ud)
{
	int rc = start_threads(pl);

	if (rc) {
		log_error("cannot start threads: %s", strerror(-rc));
		return rc;
	}
	pl->start_ns = mono_ns();
	/* the workers do the work; this thread waits for signals' flags (a
	 * signal interrupts the sleep) */
	while (!*stop) {
		sleep_ms(100);
		if (report_flag && *report_flag) {
			*report_flag = 0;
			report(ud);
		}
		if (reload_flag && *reload_flag) {
			*reload_flag = 0;
			reload(ud);
		}
	}
	for (unsigned i = 0; i < pl->n_workers; i++)
		atomic_store_explicit(&pl->workers[i]->stop, true, memory_order_relaxed);
	for (unsigned i = 0; i < pl->n_workers; i++)
		worker_join(pl->workers[i]);
	pl->end_ns = mono_ns();
	pl->output_result = output_stop(pl->output);
	return 0;
}

const struct detect_engine *pipeline_reload(struct pipeline *pl, const struct detect_engine *de,
					    char *err, size_t errlen)
{
	struct detect_tables **t = calloc(pl->n_workers, sizeof(*t));
	const struct detect_engine *old = pl->engine;
	uint64_t waited_ms = 0;

	if (!t)
		goto oom;
	for (unsigned i = 0; i < pl->n_workers; i++)
		if (!(t[i] = detect_tables_new(de)))
			goto oom;
	for (unsigned i = 0; i < pl->n_workers; i++)
		atomic_store_explicit(&pl->workers[i]->next, t[i], memory_order_release);
	/* a worker looks at least every poll timeout, also when idle */
	for (unsigned i = 0; i < pl->n_workers; i++) {
		while (atomic_load_explicit(&pl->workers[i]->next, memory_order_acquire)) {
			sleep_ms(1);
			if (++waited_ms % 5000 == 0)
				log_warn("reload: still waiting for worker %u to switch", i);
		}
		detect_tables_free(pl->workers[i]->retired);
		pl->workers[i]->retired = NULL;
	}
	pl->engine = de;
	free(t);
	return old;
oom:
	for (unsigned i = 0; t && i < pl->n_workers; i++)
		detect_tables_free(t[i]);
	free(t);
	snprintf(err, errlen, "out of memory for the new rule set's per-worker tables");
	return NULL;
}

void pipeline_free(struct pipeline *pl)
{
	if (!pl)
		return;
	for (unsigned i = 0; i < pl->n_workers; i++)
		if (pl->workers && pl->workers[i]) {
			pkt_ring_close(&pl->workers[i]->ring);
			atomic_store(&pl->workers[i]->stop, true);
		}
	for (unsigned i = 0; pl->workers && i < pl->n_workers; i++)
		if (pl->workers[i])
			worker_join(pl->workers[i]);
	output_stop(pl->output);
	for (unsigned i = 0; pl->workers && i < pl->n_workers; i++)
		worker_free(pl->workers[i]);
	output_free(pl->output);
	free(pl->workers);
	free(pl);
}
