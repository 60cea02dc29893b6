/*
 * capture-afxdp.c — AF_XDP sources: one XSK per RX queue, each with its
 * own UMEM, fed by our XDP program through its XSKMAP.
 *
 * libxdp's xsk API creates the UMEM and socket; it is told not to load
 * its own program (XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD): spotter's XDP
 * program redirects, and we insert each socket in its XSKMAP at the queue
 * id. The bind asks for zero-copy first and falls back to copy mode (the
 * mode is in the source's name and logged).
 *
 * Frames: the UMEM is n_frames frames of FRAME_SIZE bytes; the fill and
 * RX rings have n_frames / 2 slots each, so the fill ring can be kept full
 * while the RX ring is full too. A poll hands out RX descriptors in place
 * and keeps their frames in `held`; the next poll puts them on the `spare`
 * stack and tops the fill ring up from it. No allocation after open.
 *
 * need_wakeup: the socket is bound with XDP_USE_NEED_WAKEUP. When the
 * fill ring asks for a wakeup and the poll has nothing, poll(2) (or, with
 * a zero timeout, a non-blocking recvfrom) kicks the driver.
 *
 * AF_XDP descriptors carry no timestamp: packets are stamped with
 * CLOCK_REALTIME when the poll found them (one clock read per batch).
 * Frames larger than FRAME_SIZE less XDP headroom are dropped by the
 * kernel (rx_dropped): multi-buffer (jumbo) frames are not requested.
 *
 * Threading and ownership: see capture-source.h. stats() reads
 * XDP_STATISTICS (cumulative; safe concurrently with the poller).
 */
#include "capture-afxdp.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "capture-source.h"
#include "log.h"

#define FRAME_SIZE     XSK_UMEM__DEFAULT_FRAME_SIZE /* 4096: one page per frame */
#define COMP_RING_SIZE 64u			    /* no TX: the minimum that is sane */
/* The XSKMAP's size, SPOTTER_MAX_QUEUES in bpf/spotter.h (not included:
 * its __u64 typedef clashes with <linux/types.h>). */
#define MAX_QUEUES 64

struct afxdp_source {
	struct capture_source base;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	int fd;
	int promisc_fd; /* queue 0 holds the interface's promiscuous ref */
	uint8_t *area;	/* the UMEM */
	size_t area_len;
	uint32_t n_frames, ring_size;
	uint64_t *held; /* frames the last poll handed out */
	uint32_t n_held;
	uint64_t *spare; /* frames in neither ring nor held */
	uint32_t n_spare;
	bool zerocopy;
	/* poller-written */
	counter_t wakeups; /* driver kicks for need_wakeup */
};

static const struct capture_source_ops afxdp_ops;

/*
 * Gives the frames of the previous poll back: they join the spare stack,
 * and the fill ring is topped up from its top (the most recently used
 * frames first: they are still in cache).
 */
static void recycle(struct afxdp_source *s)
{
	uint32_t k, idx;

	memcpy(s->spare + s->n_spare, s->held, s->n_held * sizeof(uint64_t));
	s->n_spare += s->n_held;
	s->n_held = 0;
	if (s->n_spare == 0)
		return;
	k = xsk_prod_nb_free(&s->fill, s->n_spare);
	if (k > s->n_spare)
		k = s->n_spare;
	if (k == 0 || xsk_ring_prod__reserve(&s->fill, k, &idx) != k)
		return;
	for (uint32_t i = 0; i < k; i++)
		*xsk_ring_prod__fill_addr(&s->fill, idx + i) = s->spare[--s->n_spare];
	xsk_ring_prod__submit(&s->fill, k);
}

static unsigned take(struct afxdp_source *s, struct packet *pkts, unsigned max)
{
	uint64_t bytes = 0, now;
	uint32_t idx, n;

	n = xsk_ring_cons__peek(&s->rx, max, &idx);
	if (n == 0)
		return 0;
	now = capture_now_ns();
	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx + i);
		struct packet *p = &pkts[i];

		p->data = xsk_umem__get_data(s->area, d->addr);
		p->caplen = d->len;
		p->wirelen = d->len;
		p->ts_ns = now;
		p->linktype = LINKTYPE_ETHERNET;
		p->pcap_cnt = ++s->base.seq;
		bytes += d->len;
		s->held[s->n_held++] = d->addr & ~((uint64_t)FRAME_SIZE - 1);
	}
	xsk_ring_cons__release(&s->rx, n);
	COUNTER_ADD(s->base.bytes, bytes);
	return n;
}

static int afxdp_poll(struct capture_source *base, struct packet *pkts, unsigned max,
		      int timeout_ms)
{
	struct afxdp_source *s = (struct afxdp_source *)base;
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
	unsigned n;

	recycle(s);
	if (max > s->ring_size)
		max = s->ring_size;
	n = take(s, pkts, max);
	if (n > 0)
		return (int)n;
	if (timeout_ms == 0) {
		if (xsk_ring_prod__needs_wakeup(&s->fill)) {
			COUNTER_INC(s->wakeups);
			recvfrom(s->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		}
		return 0;
	}
	/* poll(2) on an XSK also wakes the driver when the ring asks for it */
	if (xsk_ring_prod__needs_wakeup(&s->fill))
		COUNTER_INC(s->wakeups);
	if (poll(&pfd, 1, timeout_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd.revents & (POLLERR | POLLNVAL))
		return pfd.revents & POLLNVAL ? -EBADF : -ENETDOWN;
	return (int)take(s, pkts, max);
}

static void afxdp_stats(struct capture_source *base, struct capture_stats *out)
{
	struct afxdp_source *s = (struct afxdp_source *)base;
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	out->wakeups += COUNTER_GET(s->wakeups);
	memset(&st, 0, sizeof(st));
	if (getsockopt(s->fd, SOL_XDP, XDP_STATISTICS, &st, &len) < 0)
		return;
	out->kernel_drops += st.rx_dropped + st.rx_ring_full;
	out->ring_full += st.rx_ring_full + st.rx_fill_ring_empty_descs;
}

static void afxdp_close(struct capture_source *base)
{
	struct afxdp_source *s = (struct afxdp_source *)base;

	/* closing the socket also removes it from the XSKMAP */
	xsk_socket__delete(s->xsk);
	xsk_umem__delete(s->umem);
	if (s->area != NULL)
		munmap(s->area, s->area_len);
	if (s->promisc_fd >= 0)
		close(s->promisc_fd);
	free(s->held);
	free(s->spare);
	free(s);
}

static const struct capture_source_ops afxdp_ops = {
    .poll = afxdp_poll,
    .stats = afxdp_stats,
    .close = afxdp_close,
};

/* RX queues of ifname: ETHTOOL_GCHANNELS rx + combined, 1 when the driver
 * does not say. */
static unsigned rx_queues(const char *ifname)
{
	struct ethtool_channels ch = {.cmd = ETHTOOL_GCHANNELS};
	struct ifreq ifr;
	unsigned n = 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		n = ch.rx_count + ch.combined_count;
	close(fd);
	return n > 0 ? n : 1;
}

/* Largest power of two <= x (x >= 1). */
static uint32_t pow2_floor(uint32_t x)
{
	uint32_t p = 1;

	while (p <= x / 2)
		p *= 2;
	return p;
}

static int make_umem(struct afxdp_source *s, const char *ifname, char *err, size_t errlen)
{
	struct xsk_umem_config uc = {
	    .fill_size = s->ring_size,
	    .comp_size = COMP_RING_SIZE,
	    .frame_size = FRAME_SIZE,
	    .frame_headroom = 0,
	    .flags = 0,
	};
	int rc = xsk_umem__create(&s->umem, s->area, s->area_len, &s->fill, &s->comp, &uc);

	if (rc < 0) {
		s->umem = NULL;
		snprintf(err, errlen, "%s: afxdp: UMEM of %zu bytes: %s", ifname, s->area_len,
			 strerror(-rc));
	}
	return rc;
}

/* Binds zero-copy, else copy mode (a fresh UMEM: the failed bind may have
 * left the first one half set up). */
static int make_socket(struct afxdp_source *s, const char *ifname, unsigned queue, char *err,
		       size_t errlen)
{
	struct xsk_socket_config sc = {
	    .rx_size = s->ring_size,
	    .tx_size = 0,
	    .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	    .xdp_flags = 0,
	    .bind_flags = XDP_USE_NEED_WAKEUP | XDP_ZEROCOPY,
	};
	int rc, zc_rc;

	rc = make_umem(s, ifname, err, errlen);
	if (rc < 0)
		return rc;
	zc_rc = xsk_socket__create(&s->xsk, ifname, queue, s->umem, &s->rx, NULL, &sc);
	if (zc_rc == 0) {
		s->zerocopy = true;
		return 0;
	}
	xsk_umem__delete(s->umem);
	rc = make_umem(s, ifname, err, errlen);
	if (rc < 0)
		return rc;
	sc.bind_flags = XDP_USE_NEED_WAKEUP | XDP_COPY;
	rc = xsk_socket__create(&s->xsk, ifname, queue, s->umem, &s->rx, NULL, &sc);
	if (rc < 0) {
		s->xsk = NULL;
		snprintf(err, errlen, "%s: afxdp: queue %u: bind: %s (zero-copy: %s)", ifname,
			 queue, strerror(-rc), strerror(-zc_rc));
		return rc;
	}
	log_info("afxdp: %s queue %u: copy mode (zero-copy: %s)", ifname, queue, strerror(-zc_rc));
	return 0;
}

static int open_queue(struct afxdp_source *s, const char *ifname, unsigned queue, int map_fd,
		      uint32_t ring_bytes, char *err, size_t errlen)
{
	int rc;

	s->n_frames = pow2_floor(ring_bytes / FRAME_SIZE);
	s->ring_size = s->n_frames / 2;
	s->area_len = (size_t)s->n_frames * FRAME_SIZE;
	s->area = mmap(NULL, s->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	s->held = calloc(s->ring_size, sizeof(uint64_t));
	s->spare = calloc(s->n_frames, sizeof(uint64_t));
	if (s->area == MAP_FAILED || s->held == NULL || s->spare == NULL) {
		if (s->area == MAP_FAILED)
			s->area = NULL;
		snprintf(err, errlen, "%s: afxdp: out of memory for a %zu-byte UMEM", ifname,
			 s->area_len);
		return -ENOMEM;
	}
	rc = make_socket(s, ifname, queue, err, errlen);
	if (rc < 0)
		return rc;
	s->fd = xsk_socket__fd(s->xsk);
	for (uint32_t i = 0; i < s->n_frames; i++)
		s->spare[i] = (uint64_t)i * FRAME_SIZE;
	s->n_spare = s->n_frames;
	recycle(s); /* fills the fill ring */
	rc = xsk_socket__update_xskmap(s->xsk, map_fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: afxdp: queue %u: XSKMAP insert: %s", ifname, queue,
			 strerror(-rc));
		return rc;
	}
	snprintf(s->base.name, sizeof(s->base.name), "%s queue %u (afxdp %s)", ifname, queue,
		 s->zerocopy ? "zero-copy" : "copy");
	return 0;
}

static int hold_promisc(struct afxdp_source *s, const char *ifname, char *err, size_t errlen)
{
	unsigned ifindex = capture_ifindex(ifname, err, errlen);
	int rc;

	if (ifindex == 0)
		return -ENODEV;
	s->promisc_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->promisc_fd < 0) {
		snprintf(err, errlen, "%s: afxdp: promiscuous mode: socket: %s", ifname,
			 strerror(errno));
		return -errno;
	}
	rc = capture_set_promisc(s->promisc_fd, ifindex);
	if (rc < 0)
		snprintf(err, errlen, "%s: afxdp: promiscuous mode: %s", ifname, strerror(-rc));
	return rc;
}

int capture_afxdp_open(struct capture *c, const char *ifname, int xsk_map_fd,
		       const struct capture_config *cfg, char *err, size_t errlen)
{
	uint32_t ring_bytes = cfg->ring_bytes ? cfg->ring_bytes : CAPTURE_RING_DEFAULT;
	unsigned queues = rx_queues(ifname);

	if (queues > MAX_QUEUES) {
		snprintf(err, errlen,
			 "%s: afxdp: %u RX queues, the XSKMAP holds %d "
			 "(reduce them with ethtool -L)",
			 ifname, queues, MAX_QUEUES);
		return -E2BIG;
	}
	for (unsigned q = 0; q < queues; q++) {
		struct afxdp_source *s = calloc(1, sizeof(*s));
		int rc;

		if (s == NULL) {
			snprintf(err, errlen, "%s: afxdp: out of memory", ifname);
			return -ENOMEM;
		}
		s->base.ops = &afxdp_ops;
		s->fd = -1;
		s->promisc_fd = -1;
		rc = open_queue(s, ifname, q, xsk_map_fd, ring_bytes, err, errlen);
		if (rc == 0 && q == 0 && cfg->promiscuous)
			rc = hold_promisc(s, ifname, err, errlen);
		if (rc == 0 && (rc = capture_add_source(c, &s->base)) < 0)
			snprintf(err, errlen, "%s: afxdp: more than %d sources", ifname,
				 CAPTURE_MAX_SOURCES);
		if (rc < 0) {
			afxdp_close(&s->base);
			return rc;
		}
	}
	return 0;
}
