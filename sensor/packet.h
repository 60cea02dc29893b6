/*
 * packet.h — one packet as it moves from capture through decode to detect.
 *
 * The capture stage fills the first block (where the bytes are, when they
 * were seen); decode fills the rest. A struct packet never owns its bytes:
 * `data` points into the capture's memory, or for a reassembled IP datagram
 * into the defragmenter's buffer, valid until the next decode_packet() call
 * on the same decode context. Packets are per worker and never shared.
 */
#ifndef SPOTTER_PACKET_H
#define SPOTTER_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

/* Link types we decode (values are the pcap LINKTYPE_ numbers). */
enum {
	LINKTYPE_NULL_BSD = 0,   /* BSD loopback: 4-byte host-order family */
	LINKTYPE_ETHERNET = 1,
	LINKTYPE_PPP = 9,        /* PPP, optionally with HDLC address/control */
	LINKTYPE_PPP_HDLC = 50,  /* PPP in HDLC-like framing, or Cisco HDLC */
	LINKTYPE_RAW = 101,      /* raw IPv4 or IPv6 */
	LINKTYPE_LOOP = 108,     /* OpenBSD loopback: 4-byte network-order family */
	LINKTYPE_LINUX_SLL = 113,
	LINKTYPE_IPV4 = 228,
	LINKTYPE_IPV6 = 229,
	LINKTYPE_LINUX_SLL2 = 276,
};

enum packet_flag {
	PKT_F_REASSEMBLED = 1 << 0, /* an IP datagram rebuilt from fragments */
	PKT_F_TUNNELED    = 1 << 1, /* inner packet of IP-in-IP / 6in4 / 4in6 */
	PKT_F_IPV4_OPTS   = 1 << 2,
	PKT_F_IPV6_EXTHDR = 1 << 3,
};

/* Direction of a packet relative to its flow. */
enum flow_dir {
	DIR_TO_SERVER = 0,
	DIR_TO_CLIENT = 1,
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

#define PKT_MAX_VLAN 2

struct packet {
	/* ---- set by capture ---- */
	const uint8_t *data;
	uint32_t caplen;       /* bytes in data */
	uint32_t wirelen;      /* bytes on the wire */
	uint64_t ts_ns;        /* capture time, ns since the epoch */
	uint64_t pcap_cnt;     /* 1-based position in the capture */
	uint32_t linktype;
	uint32_t hash;         /* dispatch hash (symmetric over the address pair) */

	/* ---- set by decode ---- */
	const uint8_t *l3;     /* innermost IP header */
	uint32_t l3_len;       /* IP header + payload, as the IP length says */
	const uint8_t *l4;     /* transport header */
	uint32_t l4_len;
	const uint8_t *payload; /* transport payload; ICMP: after the 8-byte header */
	uint32_t payload_len;

	struct addr128 src, dst;
	uint16_t sport, dport; /* 0 for protocols without ports */
	uint16_t vlan[PKT_MAX_VLAN];
	uint8_t vlan_count;
	uint8_t ip_version;    /* 4 or 6 */
	uint8_t proto;         /* IPPROTO_* of the transport */
	uint8_t ttl;           /* TTL / hop limit */
	uint16_t flags;        /* enum packet_flag */

	uint8_t tcp_flags;
	uint16_t tcp_win;
	uint32_t tcp_seq, tcp_ack;

	uint8_t icmp_type, icmp_code;
};

#endif
