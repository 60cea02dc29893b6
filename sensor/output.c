/*
 * output.c — the output thread and the fan-out to the sinks (see
 * output.h).
 */
#include "output.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eve-json.h"
#include "log.h"
#include "output-seq.h"

#define FLUSH_NS 100000000ull
#define RING_BATCH 256

struct output {
	struct output_eve *eve;
	struct output_kafka *kafka;
	struct output_seq *seq;
	output_kafka_counters_fn counters_fn;
	void *counters_ud;
	struct output_ring **rings;
	unsigned n_rings;
	char *buf;                 /* a record with its "seq" */
	size_t buf_cap;
	uint64_t last_error_log;
	pthread_t thread;
	bool started;
	int result;                /* of the sinks' close, set by the thread */
	_Atomic bool stop;
	_Atomic uint64_t last_seq;
	counter_t counters[OUT_COUNTER_MAX];
};

const char *const output_counter_names[OUT_COUNTER_MAX] = {
	[OUT_RECORDS] = "records",
	[OUT_ALERTS] = "alerts",
	[OUT_SIGHTINGS] = "sighting_updates",
	[OUT_SEQ_ERRORS] = "seq_errors",
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int output_new(const struct output_config *cfg, struct output **out, char *err, size_t errlen)
{
	struct output *o = calloc(1, sizeof(*o));
	int rc = -ENOMEM;

	*out = NULL;
	if (!o)
		return -ENOMEM;
	o->buf_cap = 65536;
	o->buf = malloc(o->buf_cap);
	if (!o->buf)
		goto fail;
	if (cfg->eve_path) {
		rc = output_eve_open(cfg->eve_path, &o->eve, err, errlen);
		if (rc)
			goto fail;
	}
	if (cfg->kafka) {
		rc = output_kafka_new(&cfg->kafka_cfg, NULL, NULL, &o->kafka, err, errlen);
		if (rc)
			goto fail;
		rc = output_seq_open(cfg->kafka_cfg.spool.dir, &o->seq, err, errlen);
		if (rc)
			goto fail;
	}
	*out = o;
	return 0;
fail:
	output_free(o);
	return rc;
}

int output_add_ring(struct output *o, struct output_ring *ring)
{
	struct output_ring **r = realloc(o->rings, (o->n_rings + 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	o->rings = r;
	o->rings[o->n_rings++] = ring;
	return 0;
}

void output_set_counters(struct output *o, output_kafka_counters_fn fn, void *ud)
{
	o->counters_fn = fn;
	o->counters_ud = ud;
	if (o->kafka)
		output_kafka_set_counters(o->kafka, fn, ud);
}

/* The record's JSON with ,"seq":N before its final brace, in o->buf. */
static size_t with_seq(struct output *o, const char *json, size_t len, uint64_t seq)
{
	char tail[40];
	struct jbuf jb;
	int n;

	jb_init(&jb, tail, sizeof(tail));
	jb_lit(&jb, ",\"seq\":");
	jb_u64(&jb, seq);
	jb_lit(&jb, "}");
	n = (int)(jb.p - tail);

	if (len + (size_t)n > o->buf_cap) {
		size_t cap = o->buf_cap;
		char *b;

		while (cap < len + (size_t)n)
			cap *= 2;
		b = realloc(o->buf, cap);
		if (!b)
			return 0;
		o->buf = b;
		o->buf_cap = cap;
	}
	memcpy(o->buf, json, len - 1); /* drop the closing brace */
	memcpy(o->buf + len - 1, tail, (size_t)n);
	return len - 1 + (size_t)n;
}

static void handle(struct output *o, const struct output_record *rec)
{
	const char *json = output_record_json(rec);
	size_t len = rec->json_len;
	uint64_t seq;

	COUNTER_INC(o->counters[OUT_RECORDS]);
	COUNTER_INC(o->counters[rec->kind == OUTPUT_ALERT ? OUT_ALERTS : OUT_SIGHTINGS]);
	if (o->kafka && output_kafka_accept(o->kafka, rec->tlp)) {
		size_t n;

		if (output_seq_next(o->seq, &seq) != 0) {
			/* without a recorded number the record would risk a repeat */
			COUNTER_INC(o->counters[OUT_SEQ_ERRORS]);
			log_ratelimited(&o->last_error_log, 60, LOG_ERROR,
					"cannot record the sequence number in the spool "
					"directory: %s; sightings go to the EVE file only",
					strerror(errno));
		} else if ((n = with_seq(o, json, len, seq)) != 0) {
			atomic_store_explicit(&o->last_seq, seq, memory_order_relaxed);
			if (o->eve)
				output_eve_write(o->eve, o->buf, n);
			output_kafka_send(o->kafka, rec, o->buf, n, seq);
			return;
		}
	}
	if (o->eve)
		output_eve_write(o->eve, json, len);
}

/* Writes what the rings hold; returns the number of records. */
static unsigned drain(struct output *o)
{
	unsigned n = 0;

	for (unsigned i = 0; i < o->n_rings; i++) {
		const struct output_record *rec;

		/* a bounded batch per ring keeps the rings fair */
		for (unsigned k = 0; k < RING_BATCH && (rec = output_ring_peek(o->rings[i])); k++) {
			handle(o, rec);
			output_ring_release(o->rings[i], rec);
			n++;
		}
	}
	return n;
}

static void *output_main(void *arg)
{
	struct output *o = arg;
	uint64_t last_flush = mono_ns(), pending = 0;

	for (;;) {
		unsigned n = drain(o);
		uint64_t now = mono_ns();

		pending += n;
		if (o->kafka)
			n += output_kafka_tick(o->kafka, now, output_last_seq(o));
		if (pending && (!n || now - last_flush >= FLUSH_NS)) {
			if (o->eve)
				output_eve_flush(o->eve);
			pending = 0;
			last_flush = now;
		}
		if (n)
			continue;
		if (atomic_load_explicit(&o->stop, memory_order_acquire)) {
			/* the workers are gone: one last pass catches their tail */
			while (drain(o))
				;
			break;
		}
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	if (o->eve)
		output_eve_flush(o->eve);
	o->result = output_kafka_close(o->kafka, output_last_seq(o));
	{
		int rc = output_seq_close(o->seq);

		if (rc) {
			log_error("cannot record the last sequence number: %s", strerror(-rc));
			o->result = -EIO;
		}
	}
	o->seq = NULL;
	return NULL;
}

int output_start(struct output *o)
{
	int rc = pthread_create(&o->thread, NULL, output_main, o);

	if (rc)
		return -rc;
	pthread_setname_np(o->thread, "spotter-out");
	o->started = true;
	return 0;
}

int output_stop(struct output *o)
{
	if (!o || !o->started)
		return 0;
	atomic_store_explicit(&o->stop, true, memory_order_release);
	pthread_join(o->thread, NULL);
	o->started = false;
	return o->result;
}

void output_free(struct output *o)
{
	if (!o)
		return;
	output_stop(o);
	output_eve_close(o->eve);
	output_kafka_free(o->kafka);
	output_seq_close(o->seq);
	free(o->rings);
	free(o->buf);
	free(o);
}

const counter_t *output_counters(const struct output *o)
{
	return o->counters;
}

const struct output_eve *output_eve(const struct output *o)
{
	return o->eve;
}

const struct output_kafka *output_kafka(const struct output *o)
{
	return o->kafka;
}

uint64_t output_last_seq(const struct output *o)
{
	return atomic_load_explicit(&o->last_seq, memory_order_relaxed);
}
