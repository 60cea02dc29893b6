/*
 * capture-pcap.h — a libpcap live source. Used by capture.c only.
 */
#ifndef SPOTTER_CAPTURE_PCAP_H
#define SPOTTER_CAPTURE_PCAP_H

#include <stddef.h>

#include "capture.h"

/*
 * Opens ifname with libpcap (cfg->pcap_filter compiled as classic BPF;
 * an expression that does not compile is an error naming it) and adds
 * the source to c. Returns 0, or a negative errno with err naming the
 * interface and cause.
 */
int capture_pcap_open(struct capture *c, const char *ifname, const struct capture_config *cfg,
		      char *err, size_t errlen);

#endif
