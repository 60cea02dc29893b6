/*
 * decode.h — from link-layer bytes to a decoded struct packet.
 *
 * decode_packet() walks the layers (link type → Ethernet / SLL / SLL2 /
 * raw IP / BSD loopback / PPP → 802.1Q and 802.1ad tags, MPLS → IPv4 or
 * IPv6 with options and extension headers → IP fragments through the
 * defragmenter → IP-in-IP / 6in4 / 4in6 once → TCP, UDP, ICMP, ICMPv6).
 * Each layer lives in its own decode-<layer>.c.
 *
 * A malformed packet is data, not an error: the reason is counted in the
 * context's counters and decode_packet() returns DECODE_DROP. Nothing is
 * logged per packet. Every DEC_ERR_* counter means the packet was dropped,
 * except DEC_ERR_IPV4_OPTS and DEC_ERR_TCP_OPTS: like Suricata, a malformed
 * option list is noted and the packet is decoded on (the options are not
 * needed to find the payload). Checksums are not verified: captures taken
 * on a host with checksum offload carry wrong ones on every sent packet.
 *
 * Threading: a decode context belongs to one worker; it owns that worker's
 * defragmentation table and reassembly buffer. decode_dispatch_hash() is
 * pure and runs on the reader thread.
 */
#ifndef SPOTTER_DECODE_H
#define SPOTTER_DECODE_H

#include <stdint.h>

#include "counter.h"
#include "packet.h"

struct defrag;

enum decode_status {
	DECODE_OK = 0,   /* packet decoded down to the transport (or IP) layer */
	DECODE_HELD,     /* an IP fragment, kept until its datagram completes */
	DECODE_DROP,     /* malformed or unsupported; the reason was counted */
};

/* Why a packet was dropped or noted. Keep decode_counter_names in step. */
enum decode_counter {
	DEC_PKTS = 0,             /* packets seen by decode */
	DEC_BYTES,                /* captured bytes of those packets */
	DEC_IPV4,                 /* IPv4 headers accepted: each fragment, each tunnel level */
	DEC_IPV6,                 /* the same; a rebuilt datagram counts in DEC_FRAG_REASSEMBLED */
	DEC_TCP,
	DEC_UDP,
	DEC_ICMP,                 /* ICMP and ICMPv6 */
	DEC_OTHER_IP,             /* IP with another transport */
	DEC_VLAN,                 /* packets with at least one 802.1Q/802.1ad tag */
	DEC_MPLS,                 /* packets with an MPLS label stack */
	DEC_NON_IP,               /* ARP, LLDP, STP, ...: not for us (not an error) */
	DEC_TUNNEL,               /* IP-in-IP / 6in4 / 4in6 / 6in6 decapsulated */

	DEC_ERR_LINKTYPE,         /* unsupported link type */
	DEC_ERR_ETH_TRUNC,
	DEC_ERR_VLAN_TRUNC,
	DEC_ERR_VLAN_DEPTH,       /* more tags than we decode */
	DEC_ERR_SLL_TRUNC,
	DEC_ERR_NULL_TRUNC,       /* BSD loopback header cut off */
	DEC_ERR_PPP_TRUNC,        /* PPP / HDLC header cut off */
	DEC_ERR_MPLS_TRUNC,       /* label stack without bottom, or nothing after it */
	DEC_ERR_RAW_VERSION,      /* raw-IP link: empty, or version neither 4 nor 6 */
	DEC_ERR_IPV4_TRUNC,
	DEC_ERR_IPV4_VERSION,
	DEC_ERR_IPV4_HLEN,        /* IHL < 5 or beyond the packet */
	DEC_ERR_IPV4_LEN,         /* total length < header or > captured bytes */
	DEC_ERR_IPV4_OPTS,        /* malformed options (noted, packet kept) */
	DEC_ERR_IPV6_TRUNC,
	DEC_ERR_IPV6_VERSION,
	DEC_ERR_IPV6_LEN,         /* payload length > captured bytes */
	DEC_ERR_IPV6_EXTHDR,      /* truncated or malformed extension header */
	DEC_ERR_TCP_TRUNC,        /* fewer than 20 bytes */
	DEC_ERR_TCP_HLEN,         /* data offset < 5 or beyond the segment */
	DEC_ERR_TCP_OPTS,         /* malformed options (noted, packet kept) */
	DEC_ERR_UDP_TRUNC,        /* fewer than 8 bytes */
	DEC_ERR_UDP_LEN,          /* length field < 8 or > the IP payload */
	DEC_ERR_ICMP_TRUNC,
	DEC_ERR_ICMPV6_TRUNC,
	DEC_ERR_TUNNEL_DEPTH,     /* a tunnel inside a tunnel */

	DEC_FRAG_SEEN,            /* fragments received */
	DEC_FRAG_REASSEMBLED,     /* datagrams completed */
	DEC_FRAG_OVERLAP,         /* fragments whose bytes contradict held ones */
	DEC_FRAG_TOO_LARGE,       /* datagram would exceed 65535 */
	DEC_FRAG_TIMEOUT,         /* trackers expired incomplete */
	DEC_FRAG_TABLE_FULL,      /* no tracker free for a new datagram */
	DEC_FRAG_MEMCAP,          /* fragment bytes beyond the memory cap */
	DEC_FRAG_INVALID,         /* bad offset/length combination */
	DEC_FRAG_TOO_MANY,        /* pieces beyond the per-datagram limit */

	DEC_COUNTER_MAX
};

extern const char *const decode_counter_names[DEC_COUNTER_MAX];

struct decode_config {
	uint32_t defrag_max_trackers;  /* concurrent datagrams (default 4096) */
	uint64_t defrag_memcap;        /* bytes of held fragments, in whole
					  DEFRAG_CHUNK_SIZE chunks (default 32 MiB) */
	uint64_t defrag_timeout_ns;    /* incomplete datagram lifetime (default 60 s) */
};

void decode_config_defaults(struct decode_config *c);

struct decode_ctx {
	counter_t counters[DEC_COUNTER_MAX];
	struct defrag *defrag;
};

/* cfg NULL means the defaults. Returns 0 or -ENOMEM. */
int decode_ctx_init(struct decode_ctx *ctx, const struct decode_config *cfg);
void decode_ctx_fini(struct decode_ctx *ctx);

/*
 * Decodes p->data[0..caplen) of link type p->linktype into p.
 * Precondition: the capture fields of p are set; decode fields are reset
 * by this call. On DECODE_OK for a reassembled datagram, p->l3 and the
 * pointers below it point into the defragmenter's buffer, valid until the
 * next decode_packet() call on ctx (p->data still holds the frame of the
 * fragment that completed it). On DECODE_HELD, p describes the fragment
 * (l3, addresses, ip_version, proto) and nothing below it. On DECODE_DROP
 * the decode fields are partly filled and mean nothing. Expired fragment
 * trackers are reclaimed as packet time advances.
 */
enum decode_status decode_packet(struct decode_ctx *ctx, struct packet *p);

/*
 * ---- Layer decoders ----
 * Internal to decode*.c (declared here so the layers can call each other).
 * Each takes the bytes of its own layer, d[0..len), fills its part of p,
 * counts what it saw and hands the rest to the next layer. They never read
 * outside d[0..len).
 */
static inline uint16_t decode_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t decode_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

enum decode_status decode_ether(struct decode_ctx *ctx, struct packet *p,
				const uint8_t *d, uint32_t len);
/* Dispatches on an EtherType (after Ethernet, SLL, SLL2, a VLAN tag). */
enum decode_status decode_ethertype(struct decode_ctx *ctx, struct packet *p,
				    uint16_t type, const uint8_t *d, uint32_t len);
enum decode_status decode_sll(struct decode_ctx *ctx, struct packet *p,
			      const uint8_t *d, uint32_t len);
enum decode_status decode_sll2(struct decode_ctx *ctx, struct packet *p,
			       const uint8_t *d, uint32_t len);
enum decode_status decode_raw(struct decode_ctx *ctx, struct packet *p,
			      const uint8_t *d, uint32_t len);
enum decode_status decode_null(struct decode_ctx *ctx, struct packet *p,
			       const uint8_t *d, uint32_t len);
enum decode_status decode_ppp(struct decode_ctx *ctx, struct packet *p,
			      const uint8_t *d, uint32_t len);
/*
 * Reads a PPP header (optional HDLC address/control, 1- or 2-byte protocol)
 * or a Cisco HDLC header. Returns the EtherType of what follows (IPv4 and
 * IPv6 mapped to 0x0800 / 0x86dd), 0 for another PPP protocol, -1 when cut
 * off; *hlen is the header length. Shared with decode_dispatch_hash().
 */
int decode_ppp_header(const uint8_t *d, uint32_t len, uint32_t *hlen);
enum decode_status decode_ipv4(struct decode_ctx *ctx, struct packet *p,
			       const uint8_t *d, uint32_t len);
enum decode_status decode_ipv6(struct decode_ctx *ctx, struct packet *p,
			       const uint8_t *d, uint32_t len);
/* The IP payload d[0..len) of transport proto (decode.c). */
enum decode_status decode_transport(struct decode_ctx *ctx, struct packet *p,
				    uint8_t proto, const uint8_t *d, uint32_t len);
enum decode_status decode_tcp(struct decode_ctx *ctx, struct packet *p,
			      const uint8_t *d, uint32_t len);
enum decode_status decode_udp(struct decode_ctx *ctx, struct packet *p,
			      const uint8_t *d, uint32_t len);
enum decode_status decode_icmp(struct decode_ctx *ctx, struct packet *p,
			       const uint8_t *d, uint32_t len);
enum decode_status decode_icmpv6(struct decode_ctx *ctx, struct packet *p,
				 const uint8_t *d, uint32_t len);
/* IP proto 4 (IPv4) or 41 (IPv6) inside IPv4 or IPv6. */
enum decode_status decode_tunnel(struct decode_ctx *ctx, struct packet *p,
				 uint8_t proto, const uint8_t *d, uint32_t len);

/*
 * The dispatch hash of a raw packet: a symmetric hash over the outermost
 * IP address pair (VLAN-independent), computed without full decoding,
 * so the reader can spread packets over workers while both directions of a
 * flow — and every fragment of a datagram — meet in one worker. This is
 * the software form of the "sd" (src/dst only) RSS setting Suricata
 * recommends for IDS. Returns 0 for non-IP and truncated packets, never 0
 * for an IP packet. Tunnels are hashed by their outer pair.
 */
uint32_t decode_dispatch_hash(const uint8_t *data, uint32_t caplen, uint32_t linktype);

#endif
