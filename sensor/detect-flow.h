/*
 * detect-flow.h — the detection engine's per-flow state.
 *
 * Embedded in struct flow and owned by the detect engine of the worker that
 * owns the flow: Hyperscan stream state per direction, the sightings raised
 * on the flow (at most one alert per rule per flow) and which one-shot
 * checks have run. detect_flow_end() releases everything in it.
 */
#ifndef SPOTTER_DETECT_FLOW_H
#define SPOTTER_DETECT_FLOW_H

#include <stdint.h>

struct hs_stream;
struct sighting;

enum detect_flow_flag {
	DETF_CLOSED_TS = 1 << 0,   /* no more stream inspection, by direction */
	DETF_CLOSED_TC = 1 << 1,
	DETF_GAP_TS = 1 << 2,      /* stream resumed after a gap, by direction */
	DETF_GAP_TC = 1 << 3,
};

struct detect_flow {
	struct hs_stream *hs[2];     /* by enum flow_dir; NULL until data, or when closed */
	struct sighting *sightings;  /* singly linked, from the worker's sighting pool */
	uint32_t generation;         /* rule set generation hs[] belong to */
	uint8_t ip_only_done;        /* bit per direction: header-only rules evaluated */
	uint8_t flags;               /* enum detect_flow_flag */
};

#endif
