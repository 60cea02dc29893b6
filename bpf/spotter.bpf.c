/*
 * spotter.bpf.c — the XDP pre-filter: decides per packet whether user space
 * needs to see it, and counts why.
 *
 * Decisions, in order (bpf/README.md has the table):
 *   1. Ethernet and up to two VLAN tags; truncated → to user space (malformed).
 *   2. Not IPv4/IPv6: MPLS → to user space unfiltered; anything else → the
 *      kernel (XDP_PASS), it is not ours.
 *   3. A tag on an operator-excluded VLAN → drop.
 *   4. IPv4 (options skipped) / IPv6 header; truncated → to user space.
 *   5. Source or destination in an operator-excluded subnet → drop.
 *   6. Source or destination on an indicator prefix → count a hit for that
 *      indicator, to user space (whatever the filter says).
 *   7. IP fragment → to user space (no ports to judge by; it reassembles).
 *      IPv6 extension headers are walked first (bounded); a malformed chain
 *      or truncated TCP/UDP header → to user space (malformed); a chain
 *      longer than we walk, or IP in IP (user space decapsulates) → to user
 *      space (unparsed).
 *   8. The flow is in the bypass map → count into it, drop.
 *   9. No rule can match its protocol and ports → drop.
 *  10. To user space: the AF_XDP socket of the RX queue when cfg_redirect_xsk
 *      (passing up the stack when none is registered), else XDP_PASS.
 *
 * Rule-derived state (the filter, the indicator tries) sits in slot 0 of
 * array-of-maps: user space swaps in a new inner map with one update, so a
 * packet sees the old or the new rules, never a mix of one kind. Before the
 * first swap the slots are empty and everything passes.
 *
 * Header layouts come from bpf/include/parsing.h, not vmlinux.h, so the
 * program carries no CO-RE relocations and needs no kernel BTF; the only
 * kernel structure it touches is the UAPI struct xdp_md. Loops are bounded
 * and unrolled; helpers are the map helpers and bpf_redirect_map.
 */
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "parsing.h"
#include "spotter.h"

#define VLAN_MAX 2   /* the tags user space decodes (PKT_MAX_VLAN) */
#define IP6_EXT_MAX 6 /* extension headers walked before giving up */

/* Load-time settings, written by the loader before load. */
const volatile __u32 cfg_redirect_xsk = 0;  /* AF_XDP: redirect to xsks_map */
const volatile __u32 cfg_exclude_vlans = 0; /* exclude_vlan_map has entries */
const volatile __u32 cfg_exclude_nets = 0;  /* exclude4/6_map have entries */

/* ---- rule-derived state: one inner map per outer slot 0 ---------------- */

/*
 * Inner map templates. Key and value are given by size, not by type: clang
 * (14 at least) emits only a forward declaration for a struct reached
 * through an __array() template, and libbpf cannot size that. The inner
 * maps therefore carry no BTF (bpftool dumps them as hex); the program's
 * accesses are typed all the same.
 */

struct filter_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct spotter_filter));
};

struct indicator4_inner {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SPOTTER_MAX_PREFIXES);
	__uint(key_size, sizeof(struct spotter_lpm4_key));
	__uint(value_size, sizeof(__u32)); /* indicator id */
};

struct indicator6_inner {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SPOTTER_MAX_PREFIXES);
	__uint(key_size, sizeof(struct spotter_lpm6_key));
	__uint(value_size, sizeof(__u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct filter_inner);
} filter_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct indicator4_inner);
} indicator4_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct indicator6_inner);
} indicator6_map SEC(".maps");

/* ---- operator excludes, set once before the program is attached -------- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SPOTTER_MAX_VLANS);
	__type(key, __u32);  /* VLAN id */
	__type(value, __u8); /* non-zero: excluded */
} exclude_vlan_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SPOTTER_MAX_EXCLUDE);
	__type(key, struct spotter_lpm4_key);
	__type(value, __u8);
} exclude4_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SPOTTER_MAX_EXCLUDE);
	__type(key, struct spotter_lpm6_key);
	__type(value, __u8);
} exclude6_map SEC(".maps");

/* ---- flows handed back by user space ----------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SPOTTER_BYPASS_FLOWS);
	__type(key, struct spotter_flow_key);
	__type(value, struct spotter_bypass_value);
} bypass_map SEC(".maps");

/* ---- counters and AF_XDP sockets --------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPC_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SPOTTER_MAX_INDICATORS);
	__type(key, __u32);
	__type(value, __u64);
} indicator_hits_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SPOTTER_MAX_QUEUES);
	__type(key, __u32);  /* RX queue */
	__type(value, __u32); /* socket fd (user space) */
} xsks_map SEC(".maps");

/* ---- one packet --------------------------------------------------------- */

/* What transport-level judgement the packet allows. */
enum l4_state {
	L4_OK = 0,    /* ports parsed (TCP, UDP), or a protocol without ports */
	L4_FRAGMENT,  /* an IP fragment */
	L4_MALFORMED, /* truncated extension header or transport header */
	L4_UNPARSED,  /* IP in IP, or more IPv6 extension headers than we walk */
};

struct pkt {
	union { /* the addresses, as LPM keys at full length: [0] src, [1] dst */
		struct spotter_lpm4_key k4[2];
		struct spotter_lpm6_key k6[2];
	};
	__u16 sport, dport; /* host order; 0 without ports */
	__u16 vlan[VLAN_MAX];
	__u8 n_vlan;
	__u8 v6;
	__u8 proto;
	__u8 l4;            /* enum l4_state */
};

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters_map, &idx);

	if (v)
		*v += n; /* per CPU: no atomic needed */
}

static __always_inline int drop(__u32 reason)
{
	count(reason, 1);
	return XDP_DROP;
}

/*
 * Hands the packet to user space. bpf_redirect_map() returns XDP_REDIRECT
 * when a socket is registered for the queue and otherwise the low bits of
 * its flags (XDP_PASS here), so a queue without a socket still reaches the
 * stack. A redirect can still fail later (the socket's RX ring full): the
 * kernel counts that in the socket's statistics, not here.
 */
static __always_inline int to_user(struct xdp_md *ctx, __u32 reason)
{
	long rc;

	count(reason, 1);
	if (!cfg_redirect_xsk)
		return XDP_PASS;
	rc = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	count(rc == XDP_REDIRECT ? XDPC_REDIRECT : XDPC_REDIRECT_FAILED, 1);
	return (int)rc;
}

static __always_inline bool is_vlan_type(__u16 t)
{
	return t == ETH_TYPE_8021Q || t == ETH_TYPE_8021AD || t == ETH_TYPE_QINQ_OLD;
}

/* Ethernet and VLAN tags. Returns the ethertype after the tags, or -1 when
 * truncated or deeper than VLAN_MAX tags (user space calls that malformed). */
static __always_inline int parse_l2(struct cursor *c, struct pkt *p)
{
	struct hdr_eth *eth = CURSOR_TAKE(c, struct hdr_eth);
	__u16 type;

	if (!eth)
		return -1;
	type = bpf_ntohs(eth->type);
#pragma unroll
	for (int i = 0; i < VLAN_MAX; i++) {
		struct hdr_vlan *v;

		if (!is_vlan_type(type))
			return type;
		v = CURSOR_TAKE(c, struct hdr_vlan);
		if (!v)
			return -1;
		p->vlan[i] = bpf_ntohs(v->tci) & 0x0fff;
		p->n_vlan = i + 1;
		type = bpf_ntohs(v->type);
	}
	return is_vlan_type(type) ? -1 : type;
}

/* Transport ports at the cursor, for TCP and UDP (their fixed header must
 * be whole, as user space requires); other protocols have none. IP in IP
 * is user space's to decapsulate: its outer header says nothing about what
 * rules want. */
static __always_inline void parse_ports(struct cursor *c, struct pkt *p)
{
	struct hdr_ports *ph = c->pos;
	__u32 need;

	if (p->proto == IPPROTO_NUM_TCP) {
		need = HDR_TCP_MIN;
	} else if (p->proto == IPPROTO_NUM_UDP) {
		need = HDR_UDP_LEN;
	} else {
		if (p->proto == IPPROTO_NUM_IPIP || p->proto == IPPROTO_NUM_IPV6)
			p->l4 = L4_UNPARSED;
		return;
	}
	if ((void *)ph + need > c->end) {
		p->l4 = L4_MALFORMED;
		return;
	}
	p->sport = bpf_ntohs(ph->src);
	p->dport = bpf_ntohs(ph->dst);
}

/* IPv4: -1 when the header is unusable (no addresses), else 0 with p->l4. */
static __always_inline int parse_ipv4(struct cursor *c, struct pkt *p)
{
	struct hdr_ip4 *ip = CURSOR_TAKE(c, struct hdr_ip4);
	__u32 hlen;

	if (!ip || ip->ver_ihl >> 4 != 4)
		return -1;
	hlen = (ip->ver_ihl & 0x0f) * 4;
	if (hlen < sizeof(*ip) || bpf_ntohs(ip->tot_len) < hlen)
		return -1;
	if ((void *)ip + hlen > c->end)
		return -1;
	c->pos = (void *)ip + hlen;
	p->k4[0].prefixlen = 32;
	p->k4[1].prefixlen = 32;
	__builtin_memcpy(p->k4[0].addr, ip->saddr, 4);
	__builtin_memcpy(p->k4[1].addr, ip->daddr, 4);
	p->proto = ip->proto;
	if (bpf_ntohs(ip->frag_off) & IP4_FRAG_MASK)
		p->l4 = L4_FRAGMENT;
	else
		parse_ports(c, p);
	return 0;
}

static __always_inline bool ip6_is_ext(__u8 nh)
{
	return nh == IP6_NH_HOPOPTS || nh == IP6_NH_ROUTING || nh == IP6_NH_DSTOPTS ||
	       nh == IP6_NH_AH || nh == IP6_NH_FRAGMENT;
}

/*
 * Walks the IPv6 extension headers user space skips (hop-by-hop, routing,
 * destination options, AH, an atomic fragment header), at most IP6_EXT_MAX
 * of them, then sets p->proto and p->l4.
 */
static __always_inline void parse_ipv6_chain(struct cursor *c, struct pkt *p, __u8 nh)
{
#pragma unroll
	for (int i = 0; i < IP6_EXT_MAX; i++) {
		struct hdr_ip6_ext *ext;
		struct hdr_ip6_frag *frag;
		__u32 hlen;

		if (!ip6_is_ext(nh))
			break;
		if (nh == IP6_NH_FRAGMENT) {
			frag = CURSOR_TAKE(c, struct hdr_ip6_frag);
			if (!frag) {
				p->l4 = L4_MALFORMED;
				return;
			}
			nh = frag->nexthdr;
			if (bpf_ntohs(frag->frag_off) & IP6_FRAG_MASK) {
				p->proto = nh;
				p->l4 = L4_FRAGMENT;
				return;
			}
			continue; /* atomic fragment (RFC 6946): skip it */
		}
		ext = c->pos;
		if ((void *)(ext + 1) > c->end) {
			p->l4 = L4_MALFORMED;
			return;
		}
		if (nh == IP6_NH_AH)
			hlen = ((__u32)ext->len + 2) * 4;
		else
			hlen = ((__u32)ext->len + 1) * 8;
		if ((void *)ext + hlen > c->end) {
			p->l4 = L4_MALFORMED;
			return;
		}
		nh = ext->nexthdr;
		c->pos = (void *)ext + hlen;
	}
	p->proto = nh;
	if (ip6_is_ext(nh))
		p->l4 = L4_UNPARSED;
	else
		parse_ports(c, p);
}

static __always_inline int parse_ipv6(struct cursor *c, struct pkt *p)
{
	struct hdr_ip6 *ip6 = CURSOR_TAKE(c, struct hdr_ip6);

	if (!ip6 || bpf_ntohl(ip6->ver_tc_flow) >> 28 != 6)
		return -1;
	p->v6 = 1;
	p->k6[0].prefixlen = 128;
	p->k6[1].prefixlen = 128;
	__builtin_memcpy(p->k6[0].addr, ip6->saddr, 16);
	__builtin_memcpy(p->k6[1].addr, ip6->daddr, 16);
	parse_ipv6_chain(c, p, ip6->nexthdr);
	return 0;
}

/* ---- decisions ---------------------------------------------------------- */

static __always_inline bool vlan_excluded(const struct pkt *p)
{
#pragma unroll
	for (int i = 0; i < VLAN_MAX; i++) {
		__u32 id;
		__u8 *v;

		if (i >= p->n_vlan)
			break;
		id = p->vlan[i];
		v = bpf_map_lookup_elem(&exclude_vlan_map, &id);
		if (v && *v)
			return true;
	}
	return false;
}

static __always_inline bool net_excluded(struct pkt *p)
{
	if (p->v6)
		return bpf_map_lookup_elem(&exclude6_map, &p->k6[0]) ||
		       bpf_map_lookup_elem(&exclude6_map, &p->k6[1]);
	return bpf_map_lookup_elem(&exclude4_map, &p->k4[0]) ||
	       bpf_map_lookup_elem(&exclude4_map, &p->k4[1]);
}

static __always_inline void indicator_hit(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&indicator_hits_map, &id);

	if (v)
		*v += 1;
}

/* Looks both addresses up in the current indicator trie of their family,
 * counting a hit per indicator (once when both sides hit the same one).
 * Returns whether either hit. */
static __always_inline bool indicators(struct pkt *p)
{
	__u32 zero = 0, *src, *dst;
	bool hit = false;
	void *trie;

	if (p->v6) {
		trie = bpf_map_lookup_elem(&indicator6_map, &zero);
		if (!trie)
			return false;
		src = bpf_map_lookup_elem(trie, &p->k6[0]);
		dst = bpf_map_lookup_elem(trie, &p->k6[1]);
	} else {
		trie = bpf_map_lookup_elem(&indicator4_map, &zero);
		if (!trie)
			return false;
		src = bpf_map_lookup_elem(trie, &p->k4[0]);
		dst = bpf_map_lookup_elem(trie, &p->k4[1]);
	}
	/* Tested one pointer at a time: clang would fold !src && !dst into
	 * (src | dst) == 0, an ALU operation on pointers the verifier refuses. */
	if (src) {
		indicator_hit(*src);
		hit = true;
	}
	if (dst) {
		if (!src || *src != *dst)
			indicator_hit(*dst);
		hit = true;
	}
	if (hit)
		count(XDPC_INDICATOR_HITS, 1);
	return hit;
}

/* Compares the packet's source and destination addresses as user space
 * does (memcmp of the IPv4-mapped form: within one family, numeric order).
 * Word loads are 4-aligned: the address sits at offset 4 of its LPM key. */
static __always_inline int addr_cmp(const struct pkt *p)
{
	if (!p->v6) {
		__u32 a = bpf_ntohl(*(const __u32 *)p->k4[0].addr);
		__u32 b = bpf_ntohl(*(const __u32 *)p->k4[1].addr);

		return a < b ? -1 : a > b;
	}
#pragma unroll
	for (int i = 0; i < 4; i++) {
		__u32 a = bpf_ntohl(((const __u32 *)p->k6[0].addr)[i]);
		__u32 b = bpf_ntohl(((const __u32 *)p->k6[1].addr)[i]);

		if (a != b)
			return a < b ? -1 : 1;
	}
	return 0;
}

static __always_inline void key_addr(struct spotter_addr *dst, const struct pkt *p, int side)
{
	if (p->v6) {
		__builtin_memcpy(dst->b, p->k6[side].addr, 16);
		return;
	}
	dst->b[10] = 0xff;
	dst->b[11] = 0xff;
	__builtin_memcpy(dst->b + 12, p->k4[side].addr, 4);
}

/*
 * The flow's key as user space builds it (xdp_filter_bypass(), after
 * flow_key_init()): side 0 is the lower (address, port), ports are 0 for
 * protocols without them, the VLAN is the outer tag (0 untagged).
 */
static __always_inline void flow_key(struct spotter_flow_key *k, const struct pkt *p)
{
	int c = addr_cmp(p);
	int src_side = (c > 0 || (c == 0 && p->sport > p->dport)) ? 1 : 0;

	__builtin_memset(k, 0, sizeof(*k));
	if (src_side) {
		key_addr(&k->addr[0], p, 1);
		key_addr(&k->addr[1], p, 0);
		k->port[0] = p->dport;
		k->port[1] = p->sport;
	} else {
		key_addr(&k->addr[0], p, 0);
		key_addr(&k->addr[1], p, 1);
		k->port[0] = p->sport;
		k->port[1] = p->dport;
	}
	k->vlan = p->n_vlan ? p->vlan[0] : 0;
	k->proto = p->proto;
}

static __always_inline bool bypassed(const struct pkt *p, __u64 bytes)
{
	struct spotter_flow_key k;
	struct spotter_bypass_value *v;

	flow_key(&k, p);
	v = bpf_map_lookup_elem(&bypass_map, &k);
	if (!v)
		return false;
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, bytes);
	return true;
}

static __always_inline bool port_set(const __u64 *words, __u16 port)
{
	return (words[port >> 6] >> (port & 63)) & 1;
}

/* Whether some rule of the current set can match the packet's protocol and
 * ports. No filter installed, or one disabled: everything is wanted. */
static __always_inline bool wanted(const struct pkt *p)
{
	__u32 zero = 0;
	struct spotter_filter *f;
	const __u64 *ports;
	void *inner;

	inner = bpf_map_lookup_elem(&filter_map, &zero);
	if (!inner)
		return true;
	f = bpf_map_lookup_elem(inner, &zero);
	if (!f || !f->enabled)
		return true;
	switch (p->proto) {
	case IPPROTO_NUM_TCP:
		if (f->all_tcp)
			return true;
		ports = f->ports[SPOTTER_L4_TCP];
		break;
	case IPPROTO_NUM_UDP:
		if (f->all_udp)
			return true;
		ports = f->ports[SPOTTER_L4_UDP];
		break;
	default:
		return f->all_other;
	}
	return port_set(ports, p->sport) || port_set(ports, p->dport);
}

SEC("xdp")
int spotter_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct cursor c = {data, data_end};
	struct pkt p;
	__u64 bytes = data_end - data;
	int type, rc;

	__builtin_memset(&p, 0, sizeof(p));
	count(XDPC_PACKETS, 1);
	count(XDPC_BYTES, bytes);

	type = parse_l2(&c, &p);
	if (type < 0)
		return to_user(ctx, XDPC_PASS_MALFORMED);
	if (type == ETH_TYPE_MPLS_UC || type == ETH_TYPE_MPLS_MC)
		return to_user(ctx, XDPC_PASS_UNPARSED);
	if (type != ETH_TYPE_IPV4 && type != ETH_TYPE_IPV6) {
		count(XDPC_PASS_NON_IP, 1);
		return XDP_PASS;
	}
	if (cfg_exclude_vlans && vlan_excluded(&p))
		return drop(XDPC_DROP_EXCLUDED_VLAN);

	rc = type == ETH_TYPE_IPV4 ? parse_ipv4(&c, &p) : parse_ipv6(&c, &p);
	if (rc < 0)
		return to_user(ctx, XDPC_PASS_MALFORMED);
	if (cfg_exclude_nets && net_excluded(&p))
		return drop(XDPC_DROP_EXCLUDED_NET);
	if (indicators(&p))
		return to_user(ctx, XDPC_PASS_INDICATOR);

	switch (p.l4) {
	case L4_FRAGMENT:
		return to_user(ctx, XDPC_PASS_FRAGMENT);
	case L4_MALFORMED:
		return to_user(ctx, XDPC_PASS_MALFORMED);
	case L4_UNPARSED:
		return to_user(ctx, XDPC_PASS_UNPARSED);
	}
	if (bypassed(&p, bytes))
		return drop(XDPC_DROP_BYPASS);
	if (!wanted(&p))
		return drop(XDPC_DROP_FILTERED);
	return to_user(ctx, XDPC_PASS_WANTED);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
