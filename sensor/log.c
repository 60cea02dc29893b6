/*
 * log.c — the sensor's logger (see log.h).
 *
 * The level is a process-wide setting written once at startup and read by
 * every thread: an atomic int, relaxed. Each message is formatted into a
 * stack buffer and written with a single write(2) so lines from different
 * threads never interleave.
 */
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_level = LOG_NOTICE;

static const char *const level_names[] = {"error", "warning", "notice", "info", "debug"};

void log_set_level(enum log_level lvl)
{
	atomic_store_explicit(&log_level, (int)lvl, memory_order_relaxed);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load_explicit(&log_level, memory_order_relaxed);
}

void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char buf[2048];
	int n;

	if ((int)lvl > atomic_load_explicit(&log_level, memory_order_relaxed))
		return;
	n = snprintf(buf, sizeof(buf), "spotter: %s: ", level_names[lvl]);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (n >= (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 2;
	if (n > 0 && buf[n - 1] != '\n')
		buf[n++] = '\n';
	/* A failed write to stderr has nowhere to be reported. */
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void log_ratelimited(uint64_t *last, unsigned interval_s, enum log_level lvl, const char *fmt,
		     ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (*last && (uint64_t)ts.tv_sec < *last + interval_s)
		return;
	*last = (uint64_t)ts.tv_sec ? (uint64_t)ts.tv_sec : 1;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}
