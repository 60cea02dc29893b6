/*
 * classification.h — classtype names, descriptions and default priorities.
 *
 * The table is Suricata's default classification.config, built in, so that
 * "category" and "severity" in EVE read as SIEMs expect. Read-only.
 */
#ifndef SPOTTER_CLASSIFICATION_H
#define SPOTTER_CLASSIFICATION_H

#include <stddef.h>

struct classtype {
	const char *name;
	const char *description;
	unsigned priority;
};

/* NULL when the classtype is unknown. Names compare case-insensitively. */
const struct classtype *classtype_lookup(const char *name);

/* The whole table, for listings: *n receives the number of entries. */
const struct classtype *classtype_table(size_t *n);

#endif
