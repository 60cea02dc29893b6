/*
 * output-eve.c — the EVE JSON file (see output-eve.h).
 */
#include "output-eve.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define FILE_BUFFER (1u << 20)

struct output_eve {
	FILE *f;
	bool is_stdout;
	char *buffer;
	uint64_t last_error_log;
	counter_t counters[EVE_COUNTER_MAX];
};

const char *const eve_counter_names[EVE_COUNTER_MAX] = {
	[EVE_LINES] = "lines",
	[EVE_BYTES] = "bytes",
	[EVE_WRITE_ERRORS] = "write_errors",
};

int output_eve_open(const char *path, struct output_eve **out, char *err, size_t errlen)
{
	struct output_eve *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e)
		return -ENOMEM;
	if (strcmp(path, "-") == 0) {
		e->f = stdout;
		e->is_stdout = true;
	} else {
		e->f = fopen(path, "a");
		if (!e->f) {
			int rc = errno;

			snprintf(err, errlen, "cannot open EVE file %s: %s", path, strerror(rc));
			free(e);
			return -rc;
		}
		e->buffer = malloc(FILE_BUFFER);
		if (e->buffer)
			setvbuf(e->f, e->buffer, _IOFBF, FILE_BUFFER);
	}
	*out = e;
	return 0;
}

static void report(struct output_eve *e)
{
	log_ratelimited(&e->last_error_log, 60, LOG_ERROR, "writing the EVE file: %s",
			strerror(errno));
	clearerr(e->f);
}

void output_eve_write(struct output_eve *e, const char *json, size_t len)
{
	if (fwrite(json, 1, len, e->f) != len || fputc('\n', e->f) == EOF) {
		COUNTER_INC(e->counters[EVE_WRITE_ERRORS]);
		report(e);
		return;
	}
	COUNTER_INC(e->counters[EVE_LINES]);
	COUNTER_ADD(e->counters[EVE_BYTES], len + 1);
}

void output_eve_flush(struct output_eve *e)
{
	if (fflush(e->f) == EOF)
		report(e);
}

void output_eve_close(struct output_eve *e)
{
	if (!e)
		return;
	if (e->is_stdout)
		output_eve_flush(e);
	else if (fclose(e->f) == EOF)
		log_error("closing the EVE file: %s", strerror(errno));
	free(e->buffer);
	free(e);
}

const counter_t *output_eve_counters(const struct output_eve *e)
{
	return e->counters;
}
