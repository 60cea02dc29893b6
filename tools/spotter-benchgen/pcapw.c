/*
 * pcapw.c — buffered pcap writer (see pcapw.h). Records are written in
 * host byte order with the nanosecond magic, as libpcap does.
 */
#include "pcapw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_REC_HDR  16u

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void flush(struct pcapw *w)
{
	if (w->len && !w->err)
		w->err = write_all(w->fd, w->buf, w->len);
	w->file_bytes += w->len;
	w->len = 0;
}

int pcapw_open(struct pcapw *w, const char *path, size_t bufsize)
{
	uint32_t hdr[6] = {PCAP_MAGIC_NS, 2 | (4u << 16), 0, 0, 65535, 1};

	memset(w, 0, sizeof(*w));
	w->cap = bufsize < 65536 ? 65536 : bufsize;
	w->buf = malloc(w->cap);
	if (!w->buf)
		return -ENOMEM;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		int e = -errno;

		free(w->buf);
		w->buf = NULL;
		return e;
	}
	memcpy(w->buf, hdr, sizeof(hdr));
	w->len = sizeof(hdr);
	return 0;
}

uint8_t *pcapw_frame(struct pcapw *w)
{
	if (w->cap - w->len < PCAP_REC_HDR + PCAPW_MAX_FRAME)
		flush(w);
	return w->buf + w->len + PCAP_REC_HDR;
}

void pcapw_commit(struct pcapw *w, uint64_t ts_ns, uint32_t len)
{
	uint32_t rec[4] = {(uint32_t)(ts_ns / 1000000000u), (uint32_t)(ts_ns % 1000000000u), len,
			   len};

	memcpy(w->buf + w->len, rec, sizeof(rec));
	w->len += PCAP_REC_HDR + len;
	w->packets++;
	w->wire_bytes += len;
}

int pcapw_close(struct pcapw *w)
{
	int err;

	if (!w->buf)
		return w->err;
	flush(w);
	if (close(w->fd) < 0 && !w->err)
		w->err = -errno;
	free(w->buf);
	w->buf = NULL;
	err = w->err;
	return err;
}
