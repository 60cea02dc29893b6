/*
 * suricata-keywords.h — the names of Suricata's rule keywords, so that the
 * parser can tell a keyword spotter does not support ("unsupported keyword")
 * from a misspelling ("unknown keyword"). Read-only data.
 */
#ifndef SPOTTER_SURICATA_KEYWORDS_H
#define SPOTTER_SURICATA_KEYWORDS_H

#include <stdbool.h>

/* True when name (case-insensitive) is a Suricata 7/8 rule keyword. */
bool suricata_keyword_known(const char *name);

#endif
