/*
 * live.h — the live sensor: XDP pre-filter, capture, privileges, workers
 * on their sources, rule reload, and an orderly stop.
 *
 * Set-up order matters: rules are compiled first (their prefilter feeds
 * XDP and libpcap), then the XDP program is attached to every interface
 * and given the rules, then the capture opens (AF_XDP sockets register in
 * the program's XSKMAP), then root is dropped (--user), and only then are
 * the outputs opened and the threads started, so nothing but the main
 * thread ever holds a capability.
 *
 * Signals: SIGINT/SIGTERM stop (drain, write every sighting, detach, exit
 * 0); SIGHUP reloads the rules (the maps and the engine swap; capture and
 * XDP stay); SIGUSR1 prints the counters.
 */
#ifndef SPOTTER_LIVE_H
#define SPOTTER_LIVE_H

#include <stdint.h>

#include "conf.h"
#include "detect-engine.h"
#include "pipeline.h"

/*
 * Runs until SIGINT or SIGTERM. *engine is the loaded rule set; a reload
 * replaces it (the caller frees whatever *engine is at the end). pc holds
 * the worker and output settings (its worker count is replaced by the
 * number of capture sources). Returns an exit status (exit-status.h).
 */
int live_run(struct conf *c, struct detect_engine **engine, uint32_t rejected,
	     struct pipeline_config *pc);

#endif
