/*
 * output-eve.c — the output thread writing EVE JSON lines (see
 * output-eve.h).
 */
#include "output-eve.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define FILE_BUFFER (1u << 20)
#define FLUSH_NS 100000000ull

struct output {
	FILE *eve;
	bool eve_is_stdout;
	char *file_buffer;
	struct output_ring **rings;
	unsigned n_rings;
	pthread_t thread;
	bool started;
	_Atomic bool stop;
	uint64_t last_error_log;
	counter_t counters[OUT_COUNTER_MAX];
};

const char *const output_counter_names[OUT_COUNTER_MAX] = {
	[OUT_RECORDS] = "records", [OUT_ALERTS] = "alerts", [OUT_SIGHTINGS] = "sighting_updates",
	[OUT_BYTES] = "bytes",     [OUT_WRITE_ERRORS] = "write_errors",
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int output_new(const char *eve_path, struct output **out, char *err, size_t errlen)
{
	struct output *o = calloc(1, sizeof(*o));

	*out = NULL;
	if (!o)
		return -ENOMEM;
	if (eve_path && strcmp(eve_path, "-") == 0) {
		o->eve = stdout;
		o->eve_is_stdout = true;
	} else if (eve_path) {
		o->eve = fopen(eve_path, "a");
		if (!o->eve) {
			int e = errno;

			snprintf(err, errlen, "cannot open EVE file %s: %s", eve_path, strerror(e));
			free(o);
			return -e;
		}
	}
	if (o->eve && !o->eve_is_stdout) {
		o->file_buffer = malloc(FILE_BUFFER);
		if (o->file_buffer)
			setvbuf(o->eve, o->file_buffer, _IOFBF, FILE_BUFFER);
	}
	*out = o;
	return 0;
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

static void write_record(struct output *o, const struct output_record *rec)
{
	COUNTER_INC(o->counters[OUT_RECORDS]);
	COUNTER_INC(o->counters[rec->kind == OUTPUT_ALERT ? OUT_ALERTS : OUT_SIGHTINGS]);
	if (!o->eve)
		return;
	if (fwrite(output_record_json(rec), 1, rec->json_len, o->eve) != rec->json_len ||
	    fputc('\n', o->eve) == EOF) {
		COUNTER_INC(o->counters[OUT_WRITE_ERRORS]);
		log_ratelimited(&o->last_error_log, 60, LOG_ERROR, "writing the EVE file: %s",
				strerror(errno));
		clearerr(o->eve);
		return;
	}
	COUNTER_ADD(o->counters[OUT_BYTES], rec->json_len + 1);
}

/* Writes what the rings hold; returns the number of records. */
static unsigned drain(struct output *o)
{
	unsigned n = 0;

	for (unsigned i = 0; i < o->n_rings; i++) {
		const struct output_record *rec;

		/* a bounded batch per ring keeps the rings fair */
		for (unsigned k = 0; k < 256 && (rec = output_ring_peek(o->rings[i])); k++) {
			write_record(o, rec);
			output_ring_release(o->rings[i], rec);
			n++;
		}
	}
	return n;
}

static void flush_file(struct output *o)
{
	if (o->eve && fflush(o->eve) == EOF) {
		log_ratelimited(&o->last_error_log, 60, LOG_ERROR, "writing the EVE file: %s",
				strerror(errno));
		clearerr(o->eve);
	}
}

static void *output_main(void *arg)
{
	struct output *o = arg;
	uint64_t last_flush = mono_ns(), pending = 0;

	for (;;) {
		unsigned n = drain(o);

		pending += n;
		if (n && mono_ns() - last_flush < FLUSH_NS)
			continue;
		if (pending) {
			flush_file(o);
			pending = 0;
			last_flush = mono_ns();
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
	flush_file(o);
	return NULL;
}

int output_start(struct output *o)
{
	int rc = pthread_create(&o->thread, NULL, output_main, o);

	if (rc)
		return -rc;
	o->started = true;
	return 0;
}

void output_stop(struct output *o)
{
	if (!o || !o->started)
		return;
	atomic_store_explicit(&o->stop, true, memory_order_release);
	pthread_join(o->thread, NULL);
	o->started = false;
}

void output_free(struct output *o)
{
	if (!o)
		return;
	output_stop(o);
	if (o->eve && !o->eve_is_stdout)
		fclose(o->eve);
	else if (o->eve)
		fflush(o->eve);
	free(o->file_buffer);
	free(o->rings);
	free(o);
}

const counter_t *output_counters(const struct output *o)
{
	return o->counters;
}
