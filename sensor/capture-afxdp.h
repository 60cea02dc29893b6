/*
 * capture-afxdp.h — AF_XDP sources: one XSK per RX queue of an interface,
 * registered in the XDP program's XSKMAP. Used by capture.c only.
 */
#ifndef SPOTTER_CAPTURE_AFXDP_H
#define SPOTTER_CAPTURE_AFXDP_H

#include <stddef.h>

#include "capture.h"

/*
 * Opens one socket per RX queue of ifname (bound zero-copy where the
 * driver allows it, copy mode otherwise, the mode in the source's name),
 * inserts each into xsk_map_fd at its queue id and adds the sources to c.
 * Returns 0, or a negative errno with err naming the interface and cause;
 * sources already added stay owned by c.
 */
int capture_afxdp_open(struct capture *c, const char *ifname, int xsk_map_fd,
		       const struct capture_config *cfg, char *err, size_t errlen);

#endif
