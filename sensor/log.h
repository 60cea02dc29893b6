/*
 * log.h — the sensor's logger.
 *
 * Messages go to standard error as "spotter: level: message", and libbpf,
 * librdkafka and Hyperscan messages are routed here too. Logging is for
 * events a person must see (configuration, startup, failures), never per
 * packet; log_ratelimited() bounds runtime messages to one per key per
 * interval. Thread-safe: each message is written with one write(2).
 */
#ifndef SPOTTER_LOG_H
#define SPOTTER_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_NOTICE,
	LOG_INFO,
	LOG_DEBUG,
};

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap);

/*
 * Logs at most once per `interval_s` seconds for the caller-owned `*last`
 * timestamp (monotonic seconds); the caller keeps one `last` per message
 * site. Returns without logging otherwise.
 */
void log_ratelimited(uint64_t *last, unsigned interval_s, enum log_level lvl, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
