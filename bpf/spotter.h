/*
 * spotter.h — types shared by the XDP program (spotter.bpf.c) and its
 * loader (sensor/xdp-filter.c). Fixed-width integers only, no pointers, the
 * same layout on both sides.
 */
#ifndef SPOTTER_BPF_H
#define SPOTTER_BPF_H

#ifdef __BPF__
#include "vmlinux.h"
#else
#include <linux/types.h> /* the kernel's __u8 .. __u64, as libbpf's headers use */
#endif

/* Addresses are 16 bytes, IPv4 mapped (::ffff:a.b.c.d), as in user space. */
struct spotter_addr {
	__u8 b[16];
};

/* LPM trie keys, one trie per family (IPv4 keys are 4 bytes: shorter
 * walks); the value is the indicator's id, the index of its hit counter. */
struct spotter_lpm4_key {
	__u32 prefixlen;   /* 0..32 */
	__u8 addr[4];
};

struct spotter_lpm6_key {
	__u32 prefixlen;   /* 0..128 */
	__u8 addr[16];
};

/* A flow as the bypass map knows it: normalised so both directions give
 * the same key (side 0 is the lower (address, port) pair, addresses IPv4
 * mapped as above, ports in host order and 0 for protocols other than TCP
 * and UDP), the outer VLAN id (0 untagged), pad 0. Built by the program's
 * flow_key() and by xdp_filter_bypass(); the two must stay identical. */
struct spotter_flow_key {
	struct spotter_addr addr[2];
	__u16 port[2];
	__u16 vlan;
	__u8 proto;
	__u8 pad;
};

/* Packets of a bypassed flow that stopped in XDP (atomic adds, all CPUs). */
struct spotter_bypass_value {
	__u64 packets;
	__u64 bytes;
};

/* The prefilter: which transport ports some rule can match. A packet
 * passes when its source or destination port is set for its protocol, or
 * when the protocol is wanted whole. One bit per port. */
#define SPOTTER_PORT_WORDS (65536 / 64)

enum spotter_l4 {
	SPOTTER_L4_TCP = 0,
	SPOTTER_L4_UDP,
	SPOTTER_L4_MAX
};

struct spotter_filter {
	__u32 enabled;                 /* 0: everything passes */
	__u32 all_tcp;                 /* some rule wants every TCP port */
	__u32 all_udp;
	__u32 all_other;               /* ICMP and other IP protocols */
	__u64 ports[SPOTTER_L4_MAX][SPOTTER_PORT_WORDS];
};

/* Per-CPU counters by verdict and reason. Keep spotter_xdp_counter_names
 * (sensor/xdp-filter.c) in step. */
enum spotter_xdp_counter {
	XDPC_PACKETS = 0,
	XDPC_BYTES,
	XDPC_PASS_WANTED,        /* a rule could match: to user space */
	XDPC_PASS_INDICATOR,     /* an indicator address: to user space */
	XDPC_PASS_FRAGMENT,      /* no ports to judge by */
	XDPC_PASS_NON_IP,        /* ARP, LLDP, ...: to the kernel */
	XDPC_PASS_MALFORMED,     /* too short to parse: left to user space's counters */
	XDPC_PASS_UNPARSED,      /* MPLS, IP in IP, more IPv6 extension headers
				  * than the program walks: to user space unfiltered */
	XDPC_DROP_FILTERED,      /* no rule can match its protocol and ports */
	XDPC_DROP_EXCLUDED_VLAN,
	XDPC_DROP_EXCLUDED_NET,
	XDPC_DROP_BYPASS,        /* the flow was handed back by user space */
	XDPC_REDIRECT,           /* redirected to an AF_XDP socket */
	XDPC_REDIRECT_FAILED,    /* no socket on this queue: passed */
	XDPC_INDICATOR_HITS,     /* packets that hit an indicator prefix */
	XDPC_MAX
};

#define SPOTTER_MAX_INDICATORS 65536   /* per-indicator hit counters */
#define SPOTTER_MAX_PREFIXES 262144    /* LPM entries per family */
#define SPOTTER_MAX_EXCLUDE 4096
#define SPOTTER_MAX_VLANS 4096
#define SPOTTER_BYPASS_FLOWS 262144    /* LRU */
#define SPOTTER_MAX_QUEUES 64          /* AF_XDP sockets */

#endif
