/*
 * engine-load.h — from the configured rule paths and variables to a
 * detection engine: reading, reporting every rule error as FILE:LINE,
 * compiling, and the --strict-rules policy. Used at start and for each
 * reload (SIGHUP).
 *
 * Runs on the main thread; the engine returned is owned by the caller.
 */
#ifndef SPOTTER_ENGINE_LOAD_H
#define SPOTTER_ENGINE_LOAD_H

#include <stdint.h>

#include "conf.h"
#include "detect-engine.h"

/*
 * Loads and compiles the rules of c. Returns -1 with *engine set (its
 * generation 1) and *rejected the number of rules that could not load, or
 * an exit status (exit-status.h) after logging why.
 */
int engine_load(const struct conf *c, struct detect_engine **engine, uint32_t *rejected);

#endif
