/*
 * parsing.h — wire-format headers and a bounds-checked cursor for XDP
 * programs.
 *
 * The header layouts are fixed by their RFCs, not by the kernel, so they
 * are declared here rather than taken from vmlinux.h: vmlinux.h's types
 * carry preserve_access_index, which would turn every header field read
 * into a CO-RE relocation and make the program need kernel BTF for nothing.
 * Multi-byte fields are in network byte order.
 *
 * Every accessor checks the header against data_end before returning it,
 * in the form the verifier accepts (pointer + size > end).
 */
#ifndef SPOTTER_BPF_PARSING_H
#define SPOTTER_BPF_PARSING_H

#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_8021Q 0x8100
#define ETH_TYPE_8021AD 0x88a8
#define ETH_TYPE_QINQ_OLD 0x9100 /* pre-802.1ad QinQ, still on the wire */
#define ETH_TYPE_MPLS_UC 0x8847
#define ETH_TYPE_MPLS_MC 0x8848

#define IPPROTO_NUM_IPIP 4
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_IPV6 41
#define IP6_NH_HOPOPTS 0
#define IP6_NH_ROUTING 43
#define IP6_NH_FRAGMENT 44
#define IP6_NH_AH 51
#define IP6_NH_DSTOPTS 60

#define IP4_FRAG_MASK 0x3fff /* MF + fragment offset */
#define IP6_FRAG_MASK 0xfff9 /* fragment offset + M; an atomic fragment has neither */

struct hdr_eth {
	__u8 dst[6];
	__u8 src[6];
	__be16 type;
};

struct hdr_vlan {
	__be16 tci;
	__be16 type; /* of what follows */
};

struct hdr_ip4 {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 proto;
	__be16 check;
	__u8 saddr[4];
	__u8 daddr[4];
};

struct hdr_ip6 {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* The common start of hop-by-hop, routing, destination options and AH. */
struct hdr_ip6_ext {
	__u8 nexthdr;
	__u8 len;
};

struct hdr_ip6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

/* TCP and UDP both start with the two ports. */
struct hdr_ports {
	__be16 src;
	__be16 dst;
};

#define HDR_TCP_MIN 20
#define HDR_UDP_LEN 8

struct cursor {
	void *pos;
	void *end;
};

/* Returns the header of n bytes at the cursor and advances past it, or
 * NULL when the packet is shorter. */
#define CURSOR_TAKE(c, type)                                   \
	({                                                     \
		type *h_ = (c)->pos;                           \
		if ((void *)(h_ + 1) > (c)->end)               \
			h_ = NULL;                             \
		else                                           \
			(c)->pos = h_ + 1;                     \
		h_;                                            \
	})

#endif
