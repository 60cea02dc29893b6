/*
 * net.h — building Ethernet frames: Ethernet II, an optional 802.1Q tag,
 * IPv4 or IPv6, then TCP, UDP, ICMP or ICMPv6 with correct lengths and
 * checksums (IPv4 header, TCP, UDP, ICMP, ICMPv6).
 *
 * The caller writes the transport header and payload in place after
 * net_begin() and calls net_finish() with the transport length, so payload
 * bytes are written once, straight into the output buffer. Stateless apart
 * from the caller's IPv4 identification counter; thread-compatible.
 */
#ifndef BENCHGEN_NET_H
#define BENCHGEN_NET_H

#include <stdint.h>

#define NET_ETH_HLEN  14u
#define NET_VLAN_HLEN 4u
#define NET_IP4_HLEN  20u
#define NET_IP6_HLEN  40u
#define NET_TCP_HLEN  20u
#define NET_UDP_HLEN  8u
#define NET_MTU	      1500u

/* One direction of a conversation as it appears on the wire. */
struct net_path {
	const uint8_t *smac, *dmac;
	uint16_t vlan; /* 802.1Q VLAN id, 0 for an untagged frame */
	uint8_t v6;    /* addresses are 16 bytes when set, else 4 */
	const uint8_t *saddr, *daddr;
	uint8_t ttl;
	uint16_t *ip_id; /* IPv4 identification, incremented per packet */
};

struct net_frame {
	uint8_t *base, *l3, *l4;
	uint8_t v6, proto;
};

/* Size of the headers net_begin() writes for p (Ethernet, tag, IP). */
uint32_t net_l3_overhead(const struct net_path *p);

/* Writes the link and IP headers at out; returns where the L4 header goes. */
uint8_t *net_begin(struct net_frame *f, uint8_t *out, const struct net_path *p, uint8_t proto);

/* Writes a TCP header (with optlen bytes of options, a multiple of 4);
 * returns the header length. */
uint32_t net_tcp_header(uint8_t *l4, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			uint8_t flags, uint16_t win, const uint8_t *opts, uint32_t optlen);

/* Writes a UDP header (length and checksum are set by net_finish()). */
void net_udp_header(uint8_t *l4, uint16_t sport, uint16_t dport);

/* Sets the lengths and checksums for l4_len transport bytes; returns the
 * frame length. */
uint32_t net_finish(struct net_frame *f, uint32_t l4_len);

#endif
