/*
 * counter.h — single-writer counters.
 *
 * Every counter has exactly one writer, the thread that owns the structure
 * it lives in (a worker, the reader, the output thread). Other threads only
 * read it (SIGUSR1 dumps, --stats-json at exit). COUNTER_ADD is a relaxed
 * load and store, which compiles to a plain add on x86-64 and arm64 (no
 * locked instruction on the per-packet path) while making the concurrent
 * reads well-defined: a reader sees some recent value, never a torn one.
 */
#ifndef SPOTTER_COUNTER_H
#define SPOTTER_COUNTER_H

#include <stdatomic.h>
#include <stdint.h>

typedef _Atomic uint64_t counter_t; /* a scalar, not a struct: the typedef only saves noise */

#define COUNTER_ADD(c, n)                                                          \
	atomic_store_explicit(&(c), atomic_load_explicit(&(c), memory_order_relaxed) + \
					    (uint64_t)(n),                         \
			      memory_order_relaxed)
#define COUNTER_INC(c) COUNTER_ADD(c, 1)
#define COUNTER_GET(c) atomic_load_explicit(&(c), memory_order_relaxed)
#define COUNTER_SET(c, v) atomic_store_explicit(&(c), (uint64_t)(v), memory_order_relaxed)

#endif
