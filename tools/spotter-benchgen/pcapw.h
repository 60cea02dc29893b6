/*
 * pcapw.h — a buffered writer of pcap files (nanosecond timestamps,
 * Ethernet link type).
 *
 * Records are assembled in place inside a large output buffer and the
 * buffer goes to the file with one write(2) when full, so writing a packet
 * costs no system call and no copy. Single-threaded; the writer owns its
 * buffer and file descriptor until pcapw_close().
 */
#ifndef BENCHGEN_PCAPW_H
#define BENCHGEN_PCAPW_H

#include <stddef.h>
#include <stdint.h>

#define PCAPW_MAX_FRAME 1600u /* largest frame we ever build */

struct pcapw {
	int fd;
	uint8_t *buf;
	size_t cap, len;
	uint64_t packets;
	uint64_t wire_bytes; /* frame bytes, without pcap record headers */
	uint64_t file_bytes;
	int err; /* first write error (negative errno), sticky */
};

/* Creates path and writes the file header. Returns 0 or a negative errno. */
int pcapw_open(struct pcapw *w, const char *path, size_t bufsize);

/* Room for one frame of up to PCAPW_MAX_FRAME bytes; fill it, then commit. */
uint8_t *pcapw_frame(struct pcapw *w);

/* Emits the frame written at pcapw_frame() with len bytes and time ts_ns. */
void pcapw_commit(struct pcapw *w, uint64_t ts_ns, uint32_t len);

/* Flushes and closes. Returns 0 or the first error (negative errno). */
int pcapw_close(struct pcapw *w);

#endif
