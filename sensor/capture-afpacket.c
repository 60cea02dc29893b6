/*
 * capture-afpacket.c — AF_PACKET sources: one TPACKET_V3 ring per worker,
 * the rings of an interface joined in one PACKET_FANOUT group.
 *
 * The ring is a run of blocks the kernel fills with packets and hands to
 * us (TP_STATUS_USER) when full or after tp_retire_blk_tov (10 ms), so a
 * quiet link still delivers promptly. A poll walks the packets in place;
 * the blocks it finished are handed back (TP_STATUS_KERNEL) at the start
 * of the next poll, since the packets it returned point into them.
 *
 * Fan-out: PACKET_FANOUT_HASH uses the kernel's symmetric flow hash, so
 * both directions of a flow reach one member. The kernel hashes every IP
 * fragment, the first one included, by addresses and protocol only, so
 * all fragments of a datagram reach one member and spotter reassembles
 * them with its own overlap policy. PACKET_FANOUT_FLAG_DEFRAG is not used:
 * the kernel's reassembly drops a datagram whose fragments overlap
 * (Linux's answer to FragmentSmack), which would hide exactly the evasion
 * attempts a sensor must see. The price: a flow that mixes fragmented and
 * whole datagrams may reach two members. The group id comes from the kernel
 * (PACKET_FANOUT_FLAG_UNIQUEID), so two spotters never share a group. A
 * drop-everything socket filter is attached until the whole group has
 * joined: no packet lands on a member before the hash applies.
 *
 * VLAN: the receive path moves the outer tag into metadata before taps
 * see the frame (tp_vlan_tci with TP_STATUS_VLAN_VALID, TPID with
 * TP_STATUS_VLAN_TPID_VALID). We put it back in place: PACKET_RESERVE
 * guarantees VLAN_HLEN bytes of headroom before the frame, so the two MAC
 * addresses move 4 bytes down and the tag goes between them and the
 * EtherType — no copy of the frame, decode sees it as it was on the wire.
 *
 * Only received frames are captured (PACKET_IGNORE_OUTGOING).
 *
 * Threading and ownership: see capture-source.h. stats() reads
 * PACKET_STATISTICS, which resets on read: the totals accumulate in the
 * source under the dispatcher's stats lock.
 */
#include "capture-afpacket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture-source.h"

#define VLAN_HLEN      4
#define BLOCK_SIZE_MAX (1u << 20) /* 1 MiB blocks: ~700 full-size frames */
#define BLOCKS_MIN     8u
#define FRAME_SIZE     2048u /* nominal for V3: only sizes tp_frame_nr */
#define RETIRE_TOV_MS  10u

struct afpacket_source {
	struct capture_source base;
	int fd;
	uint8_t *ring;
	size_t ring_len;
	uint32_t block_size, block_nr;
	uint32_t block;	     /* the block being read */
	uint32_t left;	     /* packets left in it; 0: not opened yet */
	uint32_t consumed;   /* finished blocks before `block`, to give back */
	const uint8_t *next; /* next packet header in `block` */
	uint32_t linktype;
	/* kernel totals (PACKET_STATISTICS resets on read), under stats lock */
	uint64_t k_drops, k_freeze;
	/* poller-written */
	counter_t vlan_restored; /* tags put back from metadata */
	counter_t vlan_lost;	 /* tags left out: no headroom (never expected) */
};

static const struct capture_source_ops afpacket_ops;

static struct tpacket_block_desc *block_desc(const struct afpacket_source *s, uint32_t i)
{
	return (struct tpacket_block_desc *)(s->ring + (size_t)i * s->block_size);
}

/* Hands the blocks finished by the previous poll back to the kernel. */
static void give_back(struct afpacket_source *s)
{
	uint32_t i = (s->block + s->block_nr - s->consumed) % s->block_nr;

	for (; s->consumed > 0; s->consumed--) {
		__atomic_store_n(&block_desc(s, i)->hdr.bh1.block_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		i = (i + 1) % s->block_nr;
	}
}

static void block_done(struct afpacket_source *s)
{
	s->left = 0;
	s->consumed++;
	s->block = (s->block + 1) % s->block_nr;
}

/* Opens the current block if the kernel handed it over; false if not. */
static bool open_block(struct afpacket_source *s)
{
	struct tpacket_block_desc *bd = block_desc(s, s->block);

	/* The whole ring is ours (all finished, none given back yet): stop
	 * until the next poll returns them. */
	if (s->consumed == s->block_nr)
		return false;
	if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
		return false;
	s->left = bd->hdr.bh1.num_pkts;
	s->next = (const uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
	return true;
}

/*
 * Puts the outer VLAN tag the kernel moved into metadata back into the
 * frame, in the headroom PACKET_RESERVE left before it.
 */
static void restore_vlan(struct afpacket_source *s, const struct tpacket3_hdr *h, struct packet *p)
{
	uint16_t tpid = ETH_P_8021Q;
	uint8_t *mac = (uint8_t *)p->data;
	uint16_t be;

	if (h->tp_mac < TPACKET_ALIGN(sizeof(*h)) + sizeof(struct sockaddr_ll) + VLAN_HLEN ||
	    p->caplen < 2 * ETH_ALEN) {
		COUNTER_INC(s->vlan_lost);
		return;
	}
	if (h->tp_status & TP_STATUS_VLAN_TPID_VALID)
		tpid = h->hv1.tp_vlan_tpid;
	memmove(mac - VLAN_HLEN, mac, 2 * ETH_ALEN);
	mac -= VLAN_HLEN;
	be = htons(tpid);
	memcpy(mac + 2 * ETH_ALEN, &be, 2);
	be = htons(h->hv1.tp_vlan_tci);
	memcpy(mac + 2 * ETH_ALEN + 2, &be, 2);
	p->data = mac;
	p->caplen += VLAN_HLEN;
	p->wirelen += VLAN_HLEN;
	COUNTER_INC(s->vlan_restored);
}

static void take_packet(struct afpacket_source *s, struct packet *p, uint64_t *bytes)
{
	const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)s->next;

	p->data = (const uint8_t *)h + h->tp_mac;
	p->caplen = h->tp_snaplen;
	p->wirelen = h->tp_len;
	p->ts_ns = (uint64_t)h->tp_sec * 1000000000ull + h->tp_nsec;
	p->linktype = s->linktype;
	p->pcap_cnt = ++s->base.seq;
	if (h->tp_status & TP_STATUS_VLAN_VALID)
		restore_vlan(s, h, p);
	*bytes += p->caplen;
	if (--s->left > 0)
		s->next += h->tp_next_offset;
}

static unsigned walk(struct afpacket_source *s, struct packet *pkts, unsigned max)
{
	uint64_t bytes = 0;
	unsigned n = 0;

	while (n < max) {
		if (s->left == 0) {
			if (!open_block(s))
				break;
			if (s->left == 0) { /* the kernel retires no empty block; still */
				block_done(s);
				continue;
			}
		}
		take_packet(s, &pkts[n++], &bytes);
		if (s->left == 0)
			block_done(s);
	}
	COUNTER_ADD(s->base.bytes, bytes);
	return n;
}

static int afpacket_poll(struct capture_source *base, struct packet *pkts, unsigned max,
			 int timeout_ms)
{
	struct afpacket_source *s = (struct afpacket_source *)base;
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
	unsigned n;

	give_back(s);
	n = walk(s, pkts, max);
	if (n > 0 || timeout_ms == 0)
		return (int)n;
	if (poll(&pfd, 1, timeout_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd.revents & (POLLERR | POLLNVAL))
		return pfd.revents & POLLNVAL ? -EBADF : -ENETDOWN;
	return (int)walk(s, pkts, max);
}

static void afpacket_stats(struct capture_source *base, struct capture_stats *out)
{
	struct afpacket_source *s = (struct afpacket_source *)base;
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (getsockopt(s->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
		s->k_drops += st.tp_drops;
		s->k_freeze += st.tp_freeze_q_cnt;
	}
	out->kernel_drops += s->k_drops;
	out->ring_full += s->k_freeze;
	out->vlan_restored += COUNTER_GET(s->vlan_restored);
	out->vlan_lost += COUNTER_GET(s->vlan_lost);
}

static void afpacket_close(struct capture_source *base)
{
	struct afpacket_source *s = (struct afpacket_source *)base;

	if (s->ring != NULL)
		munmap(s->ring, s->ring_len);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static const struct capture_source_ops afpacket_ops = {
    .poll = afpacket_poll,
    .stats = afpacket_stats,
    .close = afpacket_close,
};

/* The link type of the frames the interface hands to a SOCK_RAW socket. */
static int iface_linktype(int fd, const char *ifname, uint32_t *out, char *err, size_t errlen)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		snprintf(err, errlen, "%s: SIOCGIFHWADDR: %s", ifname, strerror(errno));
		return -errno;
	}
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		*out = LINKTYPE_ETHERNET;
		return 0;
	default:
		snprintf(err, errlen, "%s: hardware type %u is not Ethernet (use --capture pcap)",
			 ifname, ifr.ifr_hwaddr.sa_family);
		return -EPROTONOSUPPORT;
	}
}

static void ring_geometry(uint32_t ring_bytes, struct tpacket_req3 *req)
{
	uint32_t bs = BLOCK_SIZE_MAX;

	while (bs > 65536 * 2 && ring_bytes / bs < BLOCKS_MIN)
		bs /= 2;
	memset(req, 0, sizeof(*req));
	req->tp_block_size = bs;
	req->tp_block_nr = ring_bytes / bs;
	req->tp_frame_size = FRAME_SIZE;
	req->tp_frame_nr = (bs / FRAME_SIZE) * req->tp_block_nr;
	req->tp_retire_blk_tov = RETIRE_TOV_MS;
}

static int setopt(int fd, int level, int name, const void *v, socklen_t len, const char *what,
		  const char *ifname, char *err, size_t errlen)
{
	if (setsockopt(fd, level, name, v, len) == 0)
		return 0;
	snprintf(err, errlen, "%s: afpacket: %s: %s", ifname, what, strerror(errno));
	return -errno;
}

static int drop_all(int fd, const char *ifname, char *err, size_t errlen)
{
	static struct sock_filter ret0[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
	struct sock_fprog prog = {.len = 1, .filter = ret0};

	return setopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog), "SO_ATTACH_FILTER",
		      ifname, err, errlen);
}

/* Socket, ring and binding of one member; not yet in the fan-out group. */
static int open_ring(struct afpacket_source *s, const char *ifname, unsigned ifindex,
		     const struct capture_config *cfg, char *err, size_t errlen)
{
	int version = TPACKET_V3, reserve = VLAN_HLEN, one = 1;
	uint32_t ring_bytes = cfg->ring_bytes ? cfg->ring_bytes : CAPTURE_RING_DEFAULT;
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)ifindex};
	struct tpacket_req3 req;
	int rc;

	/* Protocol 0: nothing is queued before the ring and filter exist. */
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: afpacket: socket: %s", ifname, strerror(errno));
		return -errno;
	}
	rc = iface_linktype(s->fd, ifname, &s->linktype, err, errlen);
	if (rc == 0)
		rc = drop_all(s->fd, ifname, err, errlen);
	if (rc == 0)
		rc = setopt(s->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version),
			    "TPACKET_V3", ifname, err, errlen);
	if (rc == 0)
		rc = setopt(s->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof(reserve),
			    "PACKET_RESERVE", ifname, err, errlen);
	ring_geometry(ring_bytes, &req);
	if (rc == 0)
		rc = setopt(s->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req), "PACKET_RX_RING",
			    ifname, err, errlen);
	if (rc < 0)
		return rc;
	s->block_size = req.tp_block_size;
	s->block_nr = req.tp_block_nr;
	s->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	s->ring =
	    mmap(NULL, s->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, s->fd, 0);
	if (s->ring == MAP_FAILED) {
		s->ring = NULL;
		snprintf(err, errlen, "%s: afpacket: mmap of %zu bytes: %s", ifname, s->ring_len,
			 strerror(errno));
		return -errno;
	}
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		snprintf(err, errlen, "%s: afpacket: bind: %s", ifname, strerror(errno));
		return -errno;
	}
	rc = setopt(s->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one),
		    "PACKET_IGNORE_OUTGOING", ifname, err, errlen);
	if (rc == 0 && cfg->promiscuous && (rc = capture_set_promisc(s->fd, ifindex)) < 0)
		snprintf(err, errlen, "%s: afpacket: promiscuous mode: %s", ifname, strerror(-rc));
	return rc;
}

/*
 * Joins the fan-out group: *id < 0 asks the kernel for a fresh group and
 * stores its id, later members join that id.
 */
static int join_fanout(struct afpacket_source *s, int *id, const char *ifname, char *err,
		       size_t errlen)
{
	uint32_t mode = PACKET_FANOUT_HASH;
	uint32_t arg, val = 0;
	socklen_t len = sizeof(val);
	int rc;

	if (*id < 0)
		arg = (mode | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
	else
		arg = (uint32_t)*id | mode << 16;
	rc = setopt(s->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg), "PACKET_FANOUT", ifname,
		    err, errlen);
	if (rc < 0 || *id >= 0)
		return rc;
	if (getsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &val, &len) < 0) {
		snprintf(err, errlen, "%s: afpacket: reading the fan-out id: %s", ifname,
			 strerror(errno));
		return -errno;
	}
	*id = (int)(val & 0xffff);
	return 0;
}

int capture_afpacket_open(struct capture *c, const char *ifname, const struct capture_config *cfg,
			  char *err, size_t errlen)
{
	unsigned workers = cfg->workers ? cfg->workers : 1;
	struct afpacket_source *members[CAPTURE_MAX_FANOUT];
	unsigned ifindex = capture_ifindex(ifname, err, errlen);
	unsigned n = 0;
	int group = -1, rc = 0, zero = 0;

	if (ifindex == 0)
		return -ENODEV;
	for (; n < workers; n++) {
		struct afpacket_source *s = calloc(1, sizeof(*s));

		if (s == NULL) {
			snprintf(err, errlen, "%s: afpacket: out of memory", ifname);
			rc = -ENOMEM;
			break;
		}
		s->base.ops = &afpacket_ops;
		s->fd = -1;
		snprintf(s->base.name, sizeof(s->base.name), "%s member %u/%u (afpacket)", ifname,
			 n, workers);
		members[n] = s;
		rc = open_ring(s, ifname, ifindex, cfg, err, errlen);
		if (rc == 0 && workers > 1)
			rc = join_fanout(s, &group, ifname, err, errlen);
		if (rc < 0) {
			n++;
			break;
		}
	}
	/* The whole group is in: let packets through. */
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		if (setsockopt(members[i]->fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero)) <
		    0) {
			snprintf(err, errlen, "%s: afpacket: SO_DETACH_FILTER: %s", ifname,
				 strerror(errno));
			rc = -errno;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (rc == 0 && (rc = capture_add_source(c, &members[i]->base)) < 0)
			snprintf(err, errlen, "%s: afpacket: more than %d sources", ifname,
				 CAPTURE_MAX_SOURCES);
		if (rc < 0)
			afpacket_close(&members[i]->base);
	}
	return rc;
}
