/*
 * rulegen.h — writing the indicator catalogue as Suricata-syntax rule files.
 *
 * One file per rule family in the output directory (created if missing):
 * dns-domains, tls-sni, http-host, http-uri, http-user-agent, payload,
 * pcre, ip-v4 and ip-v6 .rules. Written the way Emerging Threats writes its
 * rules, within the subset spotter's rule language accepts. Single-threaded.
 */
#ifndef BENCHGEN_RULEGEN_H
#define BENCHGEN_RULEGEN_H

#include <stdint.h>

#include "indicators.h"

struct rulegen_stats {
	uint32_t rules;
	uint32_t contents; /* content options, all rules */
	uint32_t sticky;   /* rules on a sticky buffer */
	uint32_t payload;  /* payload content rules */
	uint32_t pcre;
	uint32_t ip_only;
	uint64_t bytes;
};

/* Writes every rule file into dir. Returns 0 or a negative errno (with a
 * message on stderr). */
int rulegen_write(const struct indicators *ind, const char *dir, struct rulegen_stats *st);

#endif
