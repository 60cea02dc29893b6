/*
 * capture-afpacket.h — AF_PACKET TPACKET_V3 sources in a fan-out group.
 * Used by capture.c only.
 */
#ifndef SPOTTER_CAPTURE_AFPACKET_H
#define SPOTTER_CAPTURE_AFPACKET_H

#include <stddef.h>

#include "capture.h"

/*
 * Opens cfg->workers TPACKET_V3 rings on ifname, joined in one
 * PACKET_FANOUT group (hash, defrag) when there are several, and adds them
 * to c. Returns 0, or a negative errno with err naming the interface and
 * cause; sources already added stay owned by c.
 */
int capture_afpacket_open(struct capture *c, const char *ifname, const struct capture_config *cfg,
			  char *err, size_t errlen);

#endif
