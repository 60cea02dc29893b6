/*
 * traffic.h — generating the benchmark capture.
 *
 * traffic_generate() writes a pcap of at least cfg->bytes frame bytes over
 * at least cfg->flows flows, interleaving up to cfg->concurrency active flows
 * packet by packet, with every planned plant of ind placed in a flow of its
 * own. Deterministic for a given configuration. Single-threaded.
 */
#ifndef BENCHGEN_TRAFFIC_H
#define BENCHGEN_TRAFFIC_H

#include <stdint.h>
#include <stdio.h>

#include "indicators.h"

#define TRAFFIC_APPS	     8
#define TRAFFIC_SIZE_BUCKETS 6

extern const char *const traffic_app_names[TRAFFIC_APPS];
extern const char *const traffic_size_names[TRAFFIC_SIZE_BUCKETS];

struct traffic_config {
	const char *path; /* the pcap to write */
	uint64_t bytes;	  /* at least this many frame bytes */
	uint64_t flows;	  /* at least this many flows */
	uint64_t seed;
	uint32_t concurrency; /* flows active at once */
	FILE *sightings;      /* if set: one line per expected (rule, flow) */
};

struct traffic_stats {
	uint64_t packets, wire_bytes, file_bytes;
	uint64_t flows, v6_flows, vlan_flows, planted_flows;
	uint64_t app_flows[TRAFFIC_APPS], app_packets[TRAFFIC_APPS], app_bytes[TRAFFIC_APPS];
	uint64_t size_packets[TRAFFIC_SIZE_BUCKETS];
	uint64_t first_ns, last_ns;
	uint32_t peak_active;
};

/* Returns 0 or a negative errno (with a message on stderr). */
int traffic_generate(const struct traffic_config *cfg, const struct indicators *ind,
		     struct traffic_stats *st);

#endif
