/*
 * capture-file.h — reading pcap and pcapng capture files.
 *
 * The file is mapped into memory and records are handed out in place, with
 * no copy: the reader thread only reads headers and passes pointers on.
 * (libpcap's offline reader copies every record into its own buffer and
 * would cost a copy per packet on the reader's path; the formats are small
 * and stable, so this file parses them itself.) Supported: pcap in both
 * byte orders with micro- or nanosecond timestamps, and pcapng (SHB in
 * either byte order, several sections and interfaces with their own link
 * types and if_tsresol; EPB, SPB and the obsolete PB; other blocks skipped).
 *
 * A file cut off mid-record yields every complete record, then
 * CAPTURE_TRUNCATED with a message saying where and what was missing.
 * A malformed record (a length that does not fit its block or exceeds
 * CAPTURE_CAPLEN_MAX, a packet naming an undefined interface, ...) ends the
 * walk with CAPTURE_BAD after every packet before it. Messages read
 * "FILE: capture cut off at byte X: packet N needs Y bytes, only Z remain"
 * and "FILE: at byte X (packet N): reason".
 *
 * pcap link types drop the FCS bits above the low 16, as libpcap does.
 * Simple Packet Blocks carry no timestamp: they get the previous packet's
 * (0 before the first), so the clock does not jump back to 1970. Packet data are not
 * aligned. Only regular files can be read (they are mapped); a file that
 * shrinks while mapped raises SIGBUS.
 *
 * Ownership: the capture owns the mapping; packet data stays valid until
 * capture_file_close(). One thread reads a capture; its packets may be read
 * by any thread while it is open.
 */
#ifndef SPOTTER_CAPTURE_FILE_H
#define SPOTTER_CAPTURE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

enum capture_status {
	CAPTURE_PACKET = 1,    /* a packet was returned */
	CAPTURE_EOF = 0,       /* clean end of file */
	CAPTURE_TRUNCATED = -1, /* the file ends inside a record */
	CAPTURE_BAD = -2,      /* a malformed record: reading stops here */
};

/* The largest record accepted (libpcap's MAXIMUM_SNAPLEN); a larger one is
 * CAPTURE_BAD, as is one that claims more captured bytes than were on the
 * wire. */
#define CAPTURE_CAPLEN_MAX (256u * 1024)

struct capture_file;

/*
 * Opens and maps path. With preload, the whole file is read into memory
 * before returning (for benchmarks: no page faults while timing).
 * Returns 0, or a negative errno with a message in err (a file that is
 * neither pcap nor pcapng gives -EINVAL and says so).
 */
int capture_file_open(const char *path, bool preload, struct capture_file **out, char *err,
		      size_t errlen);

/*
 * Fills the capture fields of p (data, caplen, wirelen, ts_ns, pcap_cnt,
 * linktype) with the next packet; no other field is touched. On
 * CAPTURE_TRUNCATED or CAPTURE_BAD the reason is in capture_file_error().
 * Once the walk has ended, every further call returns the same status.
 */
enum capture_status capture_file_next(struct capture_file *cf, struct packet *p);

/* The message of the last CAPTURE_TRUNCATED or CAPTURE_BAD, else "". */
const char *capture_file_error(const struct capture_file *cf);

/* Size of the file in bytes, and the format ("pcap" or "pcapng"). */
uint64_t capture_file_size(const struct capture_file *cf);
const char *capture_file_format(const struct capture_file *cf);

/* The snapshot length the file declares: the pcap header's, or for pcapng
 * that of the first interface of the section being read (0 before its
 * Interface Description Block, or when unlimited). Informational: records
 * are checked against CAPTURE_CAPLEN_MAX, not against the snaplen. */
uint32_t capture_file_snaplen(const struct capture_file *cf);

/* Unmaps the file: packet data handed out become invalid. NULL is a no-op. */
void capture_file_close(struct capture_file *cf);

#endif
