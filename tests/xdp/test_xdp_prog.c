/*
 * test_xdp_prog.c — the XDP program's every decision, driven through
 * BPF_PROG_TEST_RUN on the loaded (not attached) program with hand-built
 * frames: verdicts and exact counter deltas for non-IP, VLAN depths,
 * excluded VLANs and subnets, indicator hits, bypass, fragments, the port
 * filter, redirection to AF_XDP, truncation at each header, and rule
 * swaps (also under concurrent traffic). Also the loader's errors.
 *
 * Needs root and a kernel with BPF: not a unit test (tests/unit/ runs
 * unprivileged). Exits 77 (skip) without root or without BPF. Runs in a
 * private network namespace of its own (unshare), so the AF_XDP socket and
 * the attach checks use a loopback no one else sees.
 *
 *   test_xdp_prog          the tests
 *   test_xdp_prog --bench  BPF_PROG_TEST_RUN cost per packet, repeat=1e6
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "packet.h"
#include "spotter.h"
#include "xdp-filter.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

/* ---- frames ------------------------------------------------------------- */

struct frame {
	uint8_t b[512];
	uint32_t len;
};

/* What to build; zero fields take the defaults noted. */
struct spec {
	int v6;
	const char *src, *dst;  /* NULL: 10.1.1.1 -> 10.2.2.2, 2001:db8:1::1 -> 2001:db8:2::2 */
	uint8_t proto;          /* 0: TCP */
	uint16_t sport, dport;
	uint16_t ethertype;     /* 0: IPv4 or IPv6 by v6 */
	uint16_t vlan[3];       /* VLAN ids, outer first */
	uint16_t tpid[3];       /* 0: 802.1Q */
	unsigned nvlan;
	unsigned ip4_optwords;  /* IPv4 options, in 32-bit words (NOPs) */
	uint16_t frag_off;      /* IPv4 frag_off field: 0x2000 MF | offset / 8 */
	uint8_t ext[8];         /* IPv6 extension headers, in order */
	unsigned next;
	uint16_t frag6;         /* the fragment header's offset/M field */
};

static void put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += (uint32_t)n;
}

static void put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static void put16(struct frame *f, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	put(f, x, 2);
}

static void put_zero(struct frame *f, size_t n)
{
	memset(f->b + f->len, 0, n);
	f->len += (uint32_t)n;
}

static void pton(int af, const char *s, void *out)
{
	if (inet_pton(af, s, out) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		abort();
	}
}

static unsigned l4_len(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 20 : 8; /* UDP, ICMP: 8 */
}

static void put_l4(struct frame *f, const struct spec *s, uint8_t proto)
{
	if (proto == IPPROTO_TCP) {
		put16(f, s->sport);
		put16(f, s->dport);
		put_zero(f, 8);
		put8(f, 5 << 4); /* data offset */
		put8(f, 0x10);   /* ACK */
		put16(f, 1024);
		put_zero(f, 4);
	} else if (proto == IPPROTO_UDP) {
		put16(f, s->sport);
		put16(f, s->dport);
		put16(f, 8);
		put16(f, 0);
	} else {
		put8(f, 8); /* echo request */
		put_zero(f, 7);
	}
}

static void put_ip4(struct frame *f, const struct spec *s, uint8_t proto)
{
	uint8_t a[4];
	unsigned hl = 20 + 4 * s->ip4_optwords;

	put8(f, (uint8_t)(0x40 | hl / 4));
	put8(f, 0);
	put16(f, (uint16_t)(hl + l4_len(proto)));
	put16(f, 1);
	put16(f, s->frag_off);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	pton(AF_INET, s->src ? s->src : "10.1.1.1", a);
	put(f, a, 4);
	pton(AF_INET, s->dst ? s->dst : "10.2.2.2", a);
	put(f, a, 4);
	memset(f->b + f->len, 1, 4 * s->ip4_optwords); /* NOP options */
	f->len += 4 * s->ip4_optwords;
}

static unsigned ext_len(uint8_t nh)
{
	return nh == 51 ? 12 : 8; /* AH: (1 + 2) * 4 */
}

static void put_ip6(struct frame *f, const struct spec *s, uint8_t proto)
{
	uint8_t a[16];
	unsigned plen = l4_len(proto);

	for (unsigned i = 0; i < s->next; i++)
		plen += ext_len(s->ext[i]);
	put16(f, 0x6000);
	put16(f, 0);
	put16(f, (uint16_t)plen);
	put8(f, s->next ? s->ext[0] : proto);
	put8(f, 64);
	pton(AF_INET6, s->src ? s->src : "2001:db8:1::1", a);
	put(f, a, 16);
	pton(AF_INET6, s->dst ? s->dst : "2001:db8:2::2", a);
	put(f, a, 16);
	for (unsigned i = 0; i < s->next; i++) {
		uint8_t nh = i + 1 < s->next ? s->ext[i + 1] : proto;

		put8(f, nh);
		if (s->ext[i] == 44) { /* fragment */
			put8(f, 0);
			put16(f, s->frag6);
			put_zero(f, 4);
		} else if (s->ext[i] == 51) { /* AH, 12 bytes */
			put8(f, 1);
			put_zero(f, 10);
		} else {
			put8(f, 0);
			put_zero(f, 6);
		}
	}
}

static struct frame pkt(struct spec s)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	uint8_t proto = s.proto ? s.proto : IPPROTO_TCP;
	uint16_t type = s.ethertype ? s.ethertype : s.v6 ? 0x86dd : 0x0800;
	struct frame f = {.len = 0};

	put(&f, macs, 12);
	for (unsigned i = 0; i < s.nvlan; i++) {
		put16(&f, s.tpid[i] ? s.tpid[i] : 0x8100);
		put16(&f, s.vlan[i]);
	}
	put16(&f, type);
	if (type == 0x0800)
		put_ip4(&f, &s, proto);
	else if (type == 0x86dd)
		put_ip6(&f, &s, proto);
	else
		put_zero(&f, 28); /* ARP-sized */
	if (type == 0x0800 || type == 0x86dd)
		put_l4(&f, &s, proto);
	return f;
}

/* The decoded packet user space would hand to xdp_filter_bypass(). */
static struct packet decoded(const struct spec *s)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	if (s->v6) {
		pton(AF_INET6, s->src ? s->src : "2001:db8:1::1", p.src.b);
		pton(AF_INET6, s->dst ? s->dst : "2001:db8:2::2", p.dst.b);
		p.ip_version = 6;
	} else {
		uint8_t a[4];

		pton(AF_INET, s->src ? s->src : "10.1.1.1", a);
		addr_from_v4(&p.src, a);
		pton(AF_INET, s->dst ? s->dst : "10.2.2.2", a);
		addr_from_v4(&p.dst, a);
		p.ip_version = 4;
	}
	p.proto = s->proto ? s->proto : IPPROTO_TCP;
	if (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP) {
		p.sport = s->sport;
		p.dport = s->dport;
	}
	for (unsigned i = 0; i < s->nvlan && i < PKT_MAX_VLAN; i++)
		p.vlan[p.vlan_count++] = s->vlan[i];
	return p;
}

static struct addr_range R(const char *cidr)
{
	struct addr_range r;
	char err[128];

	if (addr_parse_cidr(cidr, &r, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", cidr, err);
		abort();
	}
	return r;
}

/* ---- running the program ------------------------------------------------ */

static struct xdp_filter *xf;  /* excludes VLAN 99, 10.99/16, fd99::/16; rules A */
static struct xdp_filter *xr;  /* redirect_xsk, no excludes */
static int lo_ifindex;

/* Runs the program once on f, as received on queue 0 of lo; returns its
 * verdict (-1 when the run failed). */
static int run(struct xdp_filter *x, const struct frame *f)
{
	struct xdp_md ctx = {.data_end = f->len,
			     .ingress_ifindex = (uint32_t)lo_ifindex};
	uint8_t out[sizeof(f->b)];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(xdp_filter_prog_fd(x), &o)) {
		fprintf(stderr, "BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	return (int)o.retval;
}

static void snapshot(struct xdp_filter *x, uint64_t c[XDPC_MAX])
{
	for (unsigned i = 0; i < XDPC_MAX; i++)
		c[i] = xdp_filter_counter(x, i);
}

/* Runs f and asserts the verdict and that exactly the listed counters
 * (besides packets and bytes) moved, by one each. */
static void expect_(int line, struct xdp_filter *x, const struct frame *f, int verdict,
		    const unsigned *reasons, unsigned n)
{
	uint64_t before[XDPC_MAX], after[XDPC_MAX], want[XDPC_MAX] = {0};
	bool ok = true;
	int got;

	want[XDPC_PACKETS] = 1;
	want[XDPC_BYTES] = f->len;
	for (unsigned i = 0; i < n; i++)
		want[reasons[i]]++;
	snapshot(x, before);
	got = run(x, f);
	snapshot(x, after);
	if (got != verdict) {
		fprintf(stderr, "line %d: verdict %d, expected %d\n", line, got, verdict);
		ok = false;
	}
	for (unsigned i = 0; i < XDPC_MAX; i++)
		if (after[i] - before[i] != want[i]) {
			fprintf(stderr, "line %d: %s moved by %llu, expected %llu\n", line,
				spotter_xdp_counter_names[i],
				(unsigned long long)(after[i] - before[i]),
				(unsigned long long)want[i]);
			ok = false;
		}
	CU_ASSERT(ok);
}

#define EXPECT(x, f, verdict, ...)                                                   \
	do {                                                                         \
		const unsigned r_[] = {__VA_ARGS__};                                 \
		struct frame f_ = (f);                                               \
		expect_(__LINE__, x, &f_, verdict, r_, sizeof(r_) / sizeof(r_[0]));  \
	} while (0)

/* ---- rule sets ---------------------------------------------------------- */

static uint64_t ports_a_tcp[SPOTTER_PORT_WORDS], ports_a_udp[SPOTTER_PORT_WORDS];
static uint64_t ports_b_tcp[SPOTTER_PORT_WORDS];
static struct addr_range ind_a[5];
static const uint32_t ind_a_ids[5] = {7, 8, 3, 9, 3};
static struct addr_range ind_b[1];
static const uint32_t ind_b_ids[1] = {5};

static void port_on(uint64_t *w, uint16_t p)
{
	w[p >> 6] |= 1ull << (p & 63);
}

/* A: TCP 80, 65535 and 0, UDP 53; indicators 198.51.100.0/24 (7) with the
 * nested 198.51.100.128/25 (8), 203.0.113.5 (3), 2001:db8:bad::/48 (9),
 * and the IPv4 range 192.0.2.10-192.0.2.12 (3, three prefixes). */
static struct xdp_rules rules_a(void)
{
	struct xdp_rules r = {.filter = true, .tcp_ports = ports_a_tcp,
			      .udp_ports = ports_a_udp, .indicators = ind_a,
			      .indicator_ids = ind_a_ids, .n_indicators = 5};
	return r;
}

/* B: TCP 8080 only; one indicator 192.0.2.0/24 (5). */
static struct xdp_rules rules_b(void)
{
	struct xdp_rules r = {.filter = true, .tcp_ports = ports_b_tcp, .udp_ports = NULL,
			      .indicators = ind_b, .indicator_ids = ind_b_ids, .n_indicators = 1};
	return r;
}

static void set_rules(struct xdp_filter *x, struct xdp_rules r)
{
	char err[256] = "";
	int rc = xdp_filter_set_rules(x, &r, err, sizeof(err));

	if (rc)
		fprintf(stderr, "set_rules: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void rules_init(void)
{
	port_on(ports_a_tcp, 80);
	port_on(ports_a_tcp, 65535);
	port_on(ports_a_tcp, 0);
	port_on(ports_a_udp, 53);
	port_on(ports_b_tcp, 8080);
	ind_a[0] = R("198.51.100.0/24");
	ind_a[1] = R("198.51.100.128/25");
	ind_a[2] = R("203.0.113.5");
	ind_a[3] = R("2001:db8:bad::/48");
	ind_a[4] = R("192.0.2.10-192.0.2.12");
	ind_b[0] = R("192.0.2.0/24");
}

/* ---- the tests ---------------------------------------------------------- */

#define P(...) pkt((struct spec){__VA_ARGS__})

static void test_non_ip(void)
{
	EXPECT(xf, P(.ethertype = 0x0806), XDP_PASS, XDPC_PASS_NON_IP);
	EXPECT(xf, P(.ethertype = 0x88cc, .nvlan = 1, .vlan = {5}), XDP_PASS, XDPC_PASS_NON_IP);
	/* non-IP is the kernel's even on an excluded VLAN (decision 2 before 3) */
	EXPECT(xf, P(.ethertype = 0x0806, .nvlan = 1, .vlan = {99}), XDP_PASS, XDPC_PASS_NON_IP);
	/* MPLS goes to user space unfiltered */
	EXPECT(xf, P(.ethertype = 0x8847), XDP_PASS, XDPC_PASS_UNPARSED);
	EXPECT(xf, P(.ethertype = 0x8848, .nvlan = 1, .vlan = {5}), XDP_PASS, XDPC_PASS_UNPARSED);
}

static void test_vlans(void)
{
	EXPECT(xf, P(.sport = 40000, .dport = 80), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.sport = 40000, .dport = 80, .nvlan = 1, .vlan = {10}), XDP_PASS,
	       XDPC_PASS_WANTED);
	EXPECT(xf, P(.sport = 40000, .dport = 80, .nvlan = 2, .vlan = {10, 20},
		     .tpid = {0x88a8, 0x8100}), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.v6 = 1, .sport = 40000, .dport = 80, .nvlan = 2, .vlan = {10, 20},
		     .tpid = {0x9100, 0x8100}), XDP_PASS, XDPC_PASS_WANTED);
	/* the ports behind two tags are read: 9999 is filtered */
	EXPECT(xf, P(.sport = 40000, .dport = 9999, .nvlan = 2, .vlan = {10, 20}), XDP_DROP,
	       XDPC_DROP_FILTERED);
	/* a third tag is more than user space decodes: malformed, to user space */
	EXPECT(xf, P(.sport = 40000, .dport = 80, .nvlan = 3, .vlan = {10, 20, 30}), XDP_PASS,
	       XDPC_PASS_MALFORMED);
}

static void test_excluded_vlan(void)
{
	EXPECT(xf, P(.sport = 40000, .dport = 80, .nvlan = 1, .vlan = {99}), XDP_DROP,
	       XDPC_DROP_EXCLUDED_VLAN);
	EXPECT(xf, P(.sport = 40000, .dport = 80, .nvlan = 2, .vlan = {99, 10}), XDP_DROP,
	       XDPC_DROP_EXCLUDED_VLAN);
	EXPECT(xf, P(.v6 = 1, .sport = 40000, .dport = 80, .nvlan = 2, .vlan = {10, 99}),
	       XDP_DROP, XDPC_DROP_EXCLUDED_VLAN);
	/* priority bits do not matter: PCP 5 on VLAN 99 */
	EXPECT(xf, P(.sport = 40000, .dport = 80, .nvlan = 1, .vlan = {0xa000 | 99}), XDP_DROP,
	       XDPC_DROP_EXCLUDED_VLAN);
	EXPECT(xf, P(.sport = 40000, .dport = 80, .nvlan = 1, .vlan = {98}), XDP_PASS,
	       XDPC_PASS_WANTED);
	/* excluded before indicators: the indicator's hit is not counted */
	EXPECT(xf, P(.src = "198.51.100.1", .sport = 40000, .dport = 80, .nvlan = 1,
		     .vlan = {99}), XDP_DROP, XDPC_DROP_EXCLUDED_VLAN);
}

static void test_excluded_net(void)
{
	uint64_t hits7 = xdp_filter_indicator_hits(xf, 7);

	EXPECT(xf, P(.src = "10.99.1.2", .sport = 40000, .dport = 80), XDP_DROP,
	       XDPC_DROP_EXCLUDED_NET);
	EXPECT(xf, P(.dst = "10.99.255.255", .sport = 40000, .dport = 80), XDP_DROP,
	       XDPC_DROP_EXCLUDED_NET);
	EXPECT(xf, P(.src = "10.98.255.255", .dst = "10.100.0.0", .sport = 40000, .dport = 80),
	       XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.v6 = 1, .src = "fd99::1", .sport = 40000, .dport = 80), XDP_DROP,
	       XDPC_DROP_EXCLUDED_NET);
	EXPECT(xf, P(.v6 = 1, .dst = "fd99:ffff::1", .sport = 40000, .dport = 80), XDP_DROP,
	       XDPC_DROP_EXCLUDED_NET);
	EXPECT(xf, P(.v6 = 1, .dst = "fd98::1", .sport = 40000, .dport = 80), XDP_PASS,
	       XDPC_PASS_WANTED);
	/* IPv4 excludes do not leak into IPv6: ::ffff:10.99.0.1 is IPv4 only */
	EXPECT(xf, P(.v6 = 1, .src = "::a63:1", .sport = 40000, .dport = 80), XDP_PASS,
	       XDPC_PASS_WANTED);
	/* excluded before indicators: the indicator's hit is not counted */
	EXPECT(xf, P(.src = "10.99.0.1", .dst = "198.51.100.1", .sport = 1, .dport = 9), XDP_DROP,
	       XDPC_DROP_EXCLUDED_NET);
	CU_ASSERT_EQUAL(xdp_filter_indicator_hits(xf, 7), hits7);
}

static void test_indicators(void)
{
	uint64_t h[10];

	for (unsigned i = 0; i < 10; i++)
		h[i] = xdp_filter_indicator_hits(xf, i);
	/* source hit on a port no rule wants: still to user space */
	EXPECT(xf, P(.src = "198.51.100.1", .sport = 40000, .dport = 9999), XDP_PASS,
	       XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS);
	/* destination hit, the nested /25 counts (most specific only) */
	EXPECT(xf, P(.dst = "198.51.100.200", .sport = 40000, .dport = 9999), XDP_PASS,
	       XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS);
	/* both sides on one indicator: one hit */
	EXPECT(xf, P(.src = "198.51.100.2", .dst = "198.51.100.3", .sport = 1, .dport = 2),
	       XDP_PASS, XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS);
	/* both sides on different indicators: a hit each, one packet */
	EXPECT(xf, P(.src = "203.0.113.5", .dst = "198.51.100.4", .proto = IPPROTO_UDP,
		     .sport = 1, .dport = 2), XDP_PASS, XDPC_PASS_INDICATOR,
	       XDPC_INDICATOR_HITS);
	/* a range split into prefixes: .10/31 and .12/32 */
	EXPECT(xf, P(.dst = "192.0.2.12", .sport = 1, .dport = 2), XDP_PASS, XDPC_PASS_INDICATOR,
	       XDPC_INDICATOR_HITS);
	EXPECT(xf, P(.dst = "192.0.2.13", .sport = 1, .dport = 2), XDP_DROP, XDPC_DROP_FILTERED);
	EXPECT(xf, P(.src = "203.0.113.6", .sport = 1, .dport = 2), XDP_DROP, XDPC_DROP_FILTERED);
	/* IPv6, source and destination, ICMPv6 without ports */
	EXPECT(xf, P(.v6 = 1, .src = "2001:db8:bad:1::1", .sport = 1, .dport = 2), XDP_PASS,
	       XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS);
	EXPECT(xf, P(.v6 = 1, .dst = "2001:db8:bad::", .proto = 58), XDP_PASS,
	       XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS);
	EXPECT(xf, P(.v6 = 1, .dst = "2001:db8:bae::", .proto = 58), XDP_DROP,
	       XDPC_DROP_FILTERED);
	/* an indicator packet's fragment counts too (decision 6 before 7) */
	EXPECT(xf, P(.src = "198.51.100.9", .frag_off = 0x2000, .sport = 1, .dport = 2), XDP_PASS,
	       XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS);
	CU_ASSERT_EQUAL(xdp_filter_indicator_hits(xf, 7) - h[7], 4);
	CU_ASSERT_EQUAL(xdp_filter_indicator_hits(xf, 8) - h[8], 1);
	CU_ASSERT_EQUAL(xdp_filter_indicator_hits(xf, 3) - h[3], 2);
	CU_ASSERT_EQUAL(xdp_filter_indicator_hits(xf, 9) - h[9], 2);
	CU_ASSERT_EQUAL(xdp_filter_indicator_hits(xf, 5) - h[5], 0);
	CU_ASSERT_EQUAL(xdp_filter_indicator_hits(xf, 70000), 0);
}

static void expect_bypass_stats(struct xdp_filter *x, const struct spec *s, uint64_t packets,
				uint64_t bytes)
{
	struct packet p = decoded(s);
	uint64_t np = 0, nb = 0;

	CU_ASSERT_EQUAL(xdp_filter_bypass_stats(x, &p, &np, &nb), 0);
	CU_ASSERT_EQUAL(np, packets);
	CU_ASSERT_EQUAL(nb, bytes);
}

static void test_bypass(void)
{
	struct spec c2s = {.src = "10.2.0.9", .dst = "10.1.0.1", .sport = 40000, .dport = 80};
	struct spec s2c = {.src = "10.1.0.1", .dst = "10.2.0.9", .sport = 80, .dport = 40000};
	struct spec v6 = {.v6 = 1, .src = "2001:db8::20", .dst = "2001:db8::10", .sport = 80,
			  .dport = 80, .nvlan = 1, .vlan = {7}};
	struct spec same = {.src = "10.3.0.1", .dst = "10.3.0.1", .proto = IPPROTO_UDP,
			    .sport = 53, .dport = 5353};
	struct spec same_back = same;
	struct spec icmp = {.src = "10.4.0.2", .dst = "10.4.0.1", .proto = IPPROTO_ICMP};
	struct spec icmp_back = {.src = "10.4.0.1", .dst = "10.4.0.2", .proto = IPPROTO_ICMP};
	struct spec tagged = c2s;
	struct packet p = decoded(&c2s);
	uint64_t np, nb;

	same_back.sport = 5353;
	same_back.dport = 53;
	tagged.nvlan = 1;
	tagged.vlan[0] = 3;
	EXPECT(xf, pkt(c2s), XDP_PASS, XDPC_PASS_WANTED);
	CU_ASSERT_EQUAL(xdp_filter_bypass_stats(xf, &p, &np, &nb), -ENOENT);
	CU_ASSERT_EQUAL(xdp_filter_bypass(xf, &p), 0);
	CU_ASSERT_EQUAL(xdp_filter_bypass(xf, &p), 0); /* again: kept, not reset */
	EXPECT(xf, pkt(c2s), XDP_DROP, XDPC_DROP_BYPASS);
	EXPECT(xf, pkt(s2c), XDP_DROP, XDPC_DROP_BYPASS);
	expect_bypass_stats(xf, &s2c, 2, 2 * pkt(c2s).len);
	/* the VLAN is part of the key */
	EXPECT(xf, pkt(tagged), XDP_PASS, XDPC_PASS_WANTED);
	/* a fragment of the flow is not judged by its flow */
	c2s.frag_off = 0x2000;
	EXPECT(xf, pkt(c2s), XDP_PASS, XDPC_PASS_FRAGMENT);
	c2s.frag_off = 0;
	/* unbypass: delivered again */
	CU_ASSERT_EQUAL(xdp_filter_unbypass(xf, &p), 0);
	CU_ASSERT_EQUAL(xdp_filter_unbypass(xf, &p), -ENOENT);
	EXPECT(xf, pkt(s2c), XDP_PASS, XDPC_PASS_WANTED);

	/* IPv6 with equal ports and an outer VLAN; bypassed from the reply */
	p = decoded(&v6);
	CU_ASSERT_EQUAL(xdp_filter_bypass(xf, &p), 0);
	v6.src = "2001:db8::10";
	v6.dst = "2001:db8::20";
	EXPECT(xf, pkt(v6), XDP_DROP, XDPC_DROP_BYPASS);
	/* an inner tag does not matter, the outer does */
	v6.nvlan = 2;
	v6.vlan[1] = 100;
	EXPECT(xf, pkt(v6), XDP_DROP, XDPC_DROP_BYPASS);
	v6.vlan[0] = 8;
	EXPECT(xf, pkt(v6), XDP_PASS, XDPC_PASS_WANTED);

	/* equal addresses: ordered by port, both directions */
	p = decoded(&same);
	CU_ASSERT_EQUAL(xdp_filter_bypass(xf, &p), 0);
	EXPECT(xf, pkt(same), XDP_DROP, XDPC_DROP_BYPASS);
	EXPECT(xf, pkt(same_back), XDP_DROP, XDPC_DROP_BYPASS);

	/* ICMP: no ports in the key; the filter would drop it anyway, the bypass
	 * comes first and counts */
	p = decoded(&icmp_back);
	CU_ASSERT_EQUAL(xdp_filter_bypass(xf, &p), 0);
	EXPECT(xf, pkt(icmp), XDP_DROP, XDPC_DROP_BYPASS);
	expect_bypass_stats(xf, &icmp, 1, pkt(icmp).len);

	/* a tunneled packet's inner flow cannot be keyed by XDP */
	p.flags = PKT_F_TUNNELED;
	CU_ASSERT_EQUAL(xdp_filter_bypass(xf, &p), -EOPNOTSUPP);
}

static void test_fragments(void)
{
	/* IPv4: first fragment (MF, ports present but not judged) and a later one */
	EXPECT(xf, P(.frag_off = 0x2000, .sport = 1, .dport = 9999), XDP_PASS,
	       XDPC_PASS_FRAGMENT);
	EXPECT(xf, P(.frag_off = 0x00b9, .sport = 1, .dport = 9999), XDP_PASS,
	       XDPC_PASS_FRAGMENT);
	/* the DF bit alone is no fragment */
	EXPECT(xf, P(.frag_off = 0x4000, .sport = 1, .dport = 9999), XDP_DROP,
	       XDPC_DROP_FILTERED);
	/* IPv6: a real fragment header, behind hop-by-hop */
	EXPECT(xf, P(.v6 = 1, .ext = {0, 44}, .next = 2, .frag6 = 0x0001, .sport = 1,
		     .dport = 9999), XDP_PASS, XDPC_PASS_FRAGMENT);
	EXPECT(xf, P(.v6 = 1, .ext = {44}, .next = 1, .frag6 = 0x0a08, .sport = 1, .dport = 9999),
	       XDP_PASS, XDPC_PASS_FRAGMENT);
	/* an atomic fragment (RFC 6946) is skipped and the ports judged */
	EXPECT(xf, P(.v6 = 1, .ext = {44}, .next = 1, .sport = 1, .dport = 9999), XDP_DROP,
	       XDPC_DROP_FILTERED);
	EXPECT(xf, P(.v6 = 1, .ext = {44}, .next = 1, .sport = 1, .dport = 80), XDP_PASS,
	       XDPC_PASS_WANTED);
}

static void test_filter_ports(void)
{
	/* destination or source port set for the protocol */
	EXPECT(xf, P(.sport = 40000, .dport = 80), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.sport = 80, .dport = 40000), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.sport = 40000, .dport = 65535), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.sport = 0, .dport = 40000), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.sport = 40000, .dport = 81), XDP_DROP, XDPC_DROP_FILTERED);
	EXPECT(xf, P(.sport = 79, .dport = 65534), XDP_DROP, XDPC_DROP_FILTERED);
	EXPECT(xf, P(.proto = IPPROTO_UDP, .sport = 40000, .dport = 53), XDP_PASS,
	       XDPC_PASS_WANTED);
	EXPECT(xf, P(.v6 = 1, .proto = IPPROTO_UDP, .sport = 53, .dport = 40000), XDP_PASS,
	       XDPC_PASS_WANTED);
	/* per protocol: UDP 80 and TCP 53 are not wanted */
	EXPECT(xf, P(.proto = IPPROTO_UDP, .sport = 40000, .dport = 80), XDP_DROP,
	       XDPC_DROP_FILTERED);
	EXPECT(xf, P(.sport = 40000, .dport = 53), XDP_DROP, XDPC_DROP_FILTERED);
	EXPECT(xf, P(.proto = IPPROTO_ICMP), XDP_DROP, XDPC_DROP_FILTERED);
	EXPECT(xf, P(.proto = 132), XDP_DROP, XDPC_DROP_FILTERED); /* SCTP: other */
	/* IP in IP is user space's to decapsulate: never filtered by the outer */
	EXPECT(xf, P(.proto = 4), XDP_PASS, XDPC_PASS_UNPARSED);
	EXPECT(xf, P(.proto = 41), XDP_PASS, XDPC_PASS_UNPARSED);
	EXPECT(xf, P(.v6 = 1, .proto = 4), XDP_PASS, XDPC_PASS_UNPARSED);
	EXPECT(xf, P(.v6 = 1, .proto = 41, .ext = {60}, .next = 1), XDP_PASS, XDPC_PASS_UNPARSED);
	/* but outer excludes and indicators still apply */
	EXPECT(xf, P(.proto = 4, .src = "10.99.0.1"), XDP_DROP, XDPC_DROP_EXCLUDED_NET);
	EXPECT(xf, P(.proto = 41, .dst = "203.0.113.5"), XDP_PASS, XDPC_PASS_INDICATOR,
	       XDPC_INDICATOR_HITS);
}

static void test_filter_modes(void)
{
	struct xdp_rules r = rules_a();

	r.all_tcp = true;
	set_rules(xf, r);
	EXPECT(xf, P(.sport = 40000, .dport = 9999), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.proto = IPPROTO_UDP, .sport = 40000, .dport = 9999), XDP_DROP,
	       XDPC_DROP_FILTERED);
	EXPECT(xf, P(.proto = IPPROTO_ICMP), XDP_DROP, XDPC_DROP_FILTERED);
	r.all_tcp = false;
	r.all_udp = true;
	set_rules(xf, r);
	EXPECT(xf, P(.sport = 40000, .dport = 9999), XDP_DROP, XDPC_DROP_FILTERED);
	EXPECT(xf, P(.v6 = 1, .proto = IPPROTO_UDP, .sport = 40000, .dport = 9999), XDP_PASS,
	       XDPC_PASS_WANTED);
	EXPECT(xf, P(.v6 = 1, .proto = 58), XDP_DROP, XDPC_DROP_FILTERED);
	r.all_udp = false;
	r.all_other = true;
	set_rules(xf, r);
	EXPECT(xf, P(.proto = IPPROTO_ICMP), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.v6 = 1, .proto = 58), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.proto = IPPROTO_UDP, .sport = 40000, .dport = 9999), XDP_DROP,
	       XDPC_DROP_FILTERED);
	/* the filter off: everything passes */
	r.all_other = false;
	r.filter = false;
	set_rules(xf, r);
	EXPECT(xf, P(.sport = 40000, .dport = 9999), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.proto = IPPROTO_ICMP), XDP_PASS, XDPC_PASS_WANTED);
	/* no port maps at all with the filter on: only indicators pass */
	r.filter = true;
	r.tcp_ports = NULL;
	r.udp_ports = NULL;
	set_rules(xf, r);
	EXPECT(xf, P(.sport = 40000, .dport = 80), XDP_DROP, XDPC_DROP_FILTERED);
	EXPECT(xf, P(.src = "203.0.113.5", .sport = 40000, .dport = 80), XDP_PASS,
	       XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS);
	set_rules(xf, rules_a());
}

static void test_malformed(void)
{
	struct frame f;

	/* (Ethernet itself cut short cannot be run: BPF_PROG_TEST_RUN wants
	 * 14 bytes of frame, also behind XDP metadata.) Ethernet alone, and a
	 * VLAN tag cut short */
	f = P(.sport = 1, .dport = 80);
	f.len = 14;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	f = P(.sport = 1, .dport = 80, .nvlan = 1, .vlan = {5});
	f.len = 16;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	/* IPv4: 19 of 20 header bytes, a bad version, IHL 4, options past the
	 * end, a total length below the header */
	f = P(.sport = 1, .dport = 80);
	f.len = 14 + 19;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	f = P(.sport = 1, .dport = 80);
	f.b[14] = 0x65;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	f.b[14] = 0x44;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	f = P(.sport = 1, .dport = 80, .ip4_optwords = 2);
	f.len = 14 + 24;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	f = P(.sport = 1, .dport = 80);
	f.b[16] = 0;
	f.b[17] = 19;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	/* IPv4 options are skipped: the ports behind them are judged */
	EXPECT(xf, P(.sport = 1, .dport = 80, .ip4_optwords = 3), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.sport = 1, .dport = 81, .ip4_optwords = 10), XDP_DROP, XDPC_DROP_FILTERED);
	/* TCP 19 of 20 bytes, UDP 7 of 8 */
	f = P(.sport = 1, .dport = 80);
	f.len = 14 + 20 + 19;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	f = P(.proto = IPPROTO_UDP, .sport = 1, .dport = 53);
	f.len = 14 + 20 + 7;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	/* a whole TCP header with nothing behind it is fine */
	f = P(.sport = 1, .dport = 80);
	CU_ASSERT_EQUAL(f.len, 14 + 20 + 20);
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_WANTED);
	/* IPv6: 39 of 40 bytes, a bad version */
	f = P(.v6 = 1, .sport = 1, .dport = 80);
	f.len = 14 + 39;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	f = P(.v6 = 1, .sport = 1, .dport = 80);
	f.b[14] = 0x40;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	/* an extension header: 1 of 2 bytes, its length past the end; a
	 * fragment header 7 of 8 bytes; TCP behind two headers cut short */
	f = P(.v6 = 1, .ext = {60}, .next = 1, .sport = 1, .dport = 80);
	f.len = 14 + 40 + 1;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	f = P(.v6 = 1, .ext = {60}, .next = 1, .sport = 1, .dport = 80);
	f.b[14 + 40 + 1] = 200;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	f = P(.v6 = 1, .ext = {44}, .next = 1, .sport = 1, .dport = 80);
	f.len = 14 + 40 + 7;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	f = P(.v6 = 1, .ext = {0, 51}, .next = 2, .sport = 1, .dport = 80);
	f.len -= 1;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_MALFORMED);
	/* a malformed transport header does not hide an indicator */
	f = P(.src = "198.51.100.1", .sport = 1, .dport = 80);
	f.len = 14 + 20 + 3;
	EXPECT(xf, f, XDP_PASS, XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS);
}

static void test_ipv6_chain(void)
{
	/* the common headers, AH's own length rule, then the ports */
	EXPECT(xf, P(.v6 = 1, .ext = {0, 60, 43, 51, 60}, .next = 5, .sport = 1, .dport = 80),
	       XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.v6 = 1, .ext = {0, 60, 43, 51, 60}, .next = 5, .sport = 1, .dport = 81),
	       XDP_DROP, XDPC_DROP_FILTERED);
	/* six headers are walked, a seventh is not: unparsed, to user space */
	EXPECT(xf, P(.v6 = 1, .ext = {60, 60, 60, 60, 60, 60}, .next = 6, .sport = 1,
		     .dport = 81), XDP_DROP, XDPC_DROP_FILTERED);
	EXPECT(xf, P(.v6 = 1, .ext = {60, 60, 60, 60, 60, 60, 60}, .next = 7, .sport = 1,
		     .dport = 81), XDP_PASS, XDPC_PASS_UNPARSED);
}

static void test_no_rules(void)
{
	struct xdp_filter_config cfg = {.ifname = NULL};
	struct xdp_filter *x = NULL;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(xdp_filter_load(&cfg, &x, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(xdp_filter_mode(x), "none");
	/* before the first xdp_filter_set_rules() everything IP passes */
	EXPECT(x, P(.sport = 1, .dport = 9999), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(x, P(.src = "198.51.100.1", .proto = IPPROTO_ICMP), XDP_PASS, XDPC_PASS_WANTED);
	/* no excludes configured: VLAN 99 and 10.99/16 pass */
	EXPECT(x, P(.src = "10.99.0.1", .sport = 1, .dport = 2, .nvlan = 1, .vlan = {99}),
	       XDP_PASS, XDPC_PASS_WANTED);
	xdp_filter_detach(x);
}

static void test_swap(void)
{
	uint64_t h5 = xdp_filter_indicator_hits(xf, 5), h7 = xdp_filter_indicator_hits(xf, 7);

	EXPECT(xf, P(.src = "198.51.100.1", .sport = 1, .dport = 9999), XDP_PASS,
	       XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS);
	EXPECT(xf, P(.sport = 1, .dport = 80), XDP_PASS, XDPC_PASS_WANTED);
	EXPECT(xf, P(.sport = 1, .dport = 8080), XDP_DROP, XDPC_DROP_FILTERED);
	set_rules(xf, rules_b());
	/* the old indicator is gone, the new one counts; the ports changed */
	EXPECT(xf, P(.src = "198.51.100.1", .sport = 1, .dport = 9999), XDP_DROP,
	       XDPC_DROP_FILTERED);
	EXPECT(xf, P(.dst = "192.0.2.99", .sport = 1, .dport = 9999), XDP_PASS,
	       XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS);
	EXPECT(xf, P(.v6 = 1, .src = "2001:db8:bad::1", .sport = 1, .dport = 9999), XDP_DROP,
	       XDPC_DROP_FILTERED);
	EXPECT(xf, P(.sport = 1, .dport = 80), XDP_DROP, XDPC_DROP_FILTERED);
	EXPECT(xf, P(.sport = 1, .dport = 8080), XDP_PASS, XDPC_PASS_WANTED);
	/* UDP ports absent in B: UDP 53 is filtered now */
	EXPECT(xf, P(.proto = IPPROTO_UDP, .sport = 1, .dport = 53), XDP_DROP,
	       XDPC_DROP_FILTERED);
	CU_ASSERT_EQUAL(xdp_filter_indicator_hits(xf, 7) - h7, 1);
	CU_ASSERT_EQUAL(xdp_filter_indicator_hits(xf, 5) - h5, 1);
	set_rules(xf, rules_a());
	EXPECT(xf, P(.sport = 1, .dport = 80), XDP_PASS, XDPC_PASS_WANTED);
}

/* Traffic while the rules are swapped back and forth: every packet of a
 * port both rule sets want passes, none is dropped by the swap. */
struct traffic {
	struct frame f;
	int runs;
	int failures;
};

static void *traffic_thread(void *arg)
{
	struct traffic *t = arg;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = t->f.b, .data_size_in = t->f.len,
		    .repeat = 2000);

	for (int i = 0; i < t->runs; i++)
		if (bpf_prog_test_run_opts(xdp_filter_prog_fd(xf), &o) || o.retval != XDP_PASS)
			t->failures++;
	return NULL;
}

static void test_swap_under_traffic(void)
{
	static uint64_t tcp1[SPOTTER_PORT_WORDS], tcp2[SPOTTER_PORT_WORDS];
	struct xdp_rules r1 = rules_a(), r2 = rules_b();
	struct traffic t = {.f = P(.sport = 40000, .dport = 443), .runs = 100};
	uint64_t before[XDPC_MAX], after[XDPC_MAX];
	pthread_t th;

	port_on(tcp1, 443);
	port_on(tcp1, 80);
	port_on(tcp2, 443);
	port_on(tcp2, 8080);
	r1.tcp_ports = tcp1;
	r2.tcp_ports = tcp2;
	set_rules(xf, r1);
	snapshot(xf, before);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, traffic_thread, &t), 0);
	for (int i = 0; i < 40; i++)
		set_rules(xf, i % 2 ? r1 : r2);
	pthread_join(th, NULL);
	snapshot(xf, after);
	CU_ASSERT_EQUAL(t.failures, 0);
	CU_ASSERT_EQUAL(after[XDPC_PACKETS] - before[XDPC_PACKETS], 100 * 2000);
	CU_ASSERT_EQUAL(after[XDPC_PASS_WANTED] - before[XDPC_PASS_WANTED], 100 * 2000);
	CU_ASSERT_EQUAL(after[XDPC_DROP_FILTERED] - before[XDPC_DROP_FILTERED], 0);
	set_rules(xf, rules_a());
}

/* An AF_XDP socket bound (copy mode) to queue 0 of our namespace's lo. */
static int xsk_open(void)
{
	static void *umem;
	struct xdp_umem_reg mr = {.len = 16 * 4096, .chunk_size = 4096};
	struct sockaddr_xdp sa = {.sxdp_family = AF_XDP, .sxdp_ifindex = (uint32_t)lo_ifindex,
				  .sxdp_queue_id = 0, .sxdp_flags = XDP_COPY};
	int n = 16, fd = socket(AF_XDP, SOCK_RAW, 0);

	if (fd < 0)
		return -errno;
	if (!umem)
		umem = mmap(NULL, mr.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			    0);
	if (umem == MAP_FAILED)
		return -ENOMEM;
	mr.addr = (uintptr_t)umem;
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &n, sizeof(n)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static void test_redirect(void)
{
	uint32_t q = 0;
	int fd;

	/* no socket on the queue: passed up the stack, counted as failed */
	EXPECT(xr, P(.sport = 1, .dport = 80), XDP_PASS, XDPC_PASS_WANTED,
	       XDPC_REDIRECT_FAILED);
	fd = xsk_open();
	if (fd < 0) {
		fprintf(stderr, "AF_XDP socket on lo: %s\n", strerror(-fd));
		CU_FAIL("AF_XDP socket");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(bpf_map_update_elem(xdp_filter_xsk_map_fd(xr), &q, &fd, BPF_ANY), 0);
	/* every to-user-space reason is redirected ... */
	EXPECT(xr, P(.sport = 1, .dport = 80), XDP_REDIRECT, XDPC_PASS_WANTED, XDPC_REDIRECT);
	EXPECT(xr, P(.src = "198.51.100.1", .sport = 1, .dport = 2), XDP_REDIRECT,
	       XDPC_PASS_INDICATOR, XDPC_INDICATOR_HITS, XDPC_REDIRECT);
	EXPECT(xr, P(.frag_off = 0x2000), XDP_REDIRECT, XDPC_PASS_FRAGMENT, XDPC_REDIRECT);
	EXPECT(xr, P(.ethertype = 0x8847), XDP_REDIRECT, XDPC_PASS_UNPARSED, XDPC_REDIRECT);
	EXPECT(xr, P(.v6 = 1, .ext = {60}, .next = 1, .frag6 = 0, .sport = 1, .dport = 80),
	       XDP_REDIRECT, XDPC_PASS_WANTED, XDPC_REDIRECT);
	{
		struct frame f = P(.sport = 1, .dport = 80);

		f.len = 14 + 10;
		EXPECT(xr, f, XDP_REDIRECT, XDPC_PASS_MALFORMED, XDPC_REDIRECT);
	}
	/* ... non-IP goes to the kernel, drops are dropped */
	EXPECT(xr, P(.ethertype = 0x0806), XDP_PASS, XDPC_PASS_NON_IP);
	EXPECT(xr, P(.sport = 1, .dport = 9999), XDP_DROP, XDPC_DROP_FILTERED);
	/* the socket gone from the map: passed again */
	CU_ASSERT_EQUAL(bpf_map_delete_elem(xdp_filter_xsk_map_fd(xr), &q), 0);
	EXPECT(xr, P(.sport = 1, .dport = 80), XDP_PASS, XDPC_PASS_WANTED,
	       XDPC_REDIRECT_FAILED);
	close(fd);
}

/* Every packet is counted under exactly one verdict reason, and with
 * redirection every to-user-space reason under one redirect outcome. */
static void test_counter_sums(void)
{
	struct xdp_filter *xs[2] = {xf, xr};

	for (int i = 0; i < 2; i++) {
		uint64_t c[XDPC_MAX], reasons = 0, to_user;

		snapshot(xs[i], c);
		for (unsigned k = XDPC_PASS_WANTED; k <= XDPC_DROP_BYPASS; k++)
			reasons += c[k];
		CU_ASSERT_EQUAL(c[XDPC_PACKETS], reasons);
		to_user = reasons - c[XDPC_PASS_NON_IP] - c[XDPC_DROP_FILTERED] -
			  c[XDPC_DROP_EXCLUDED_VLAN] - c[XDPC_DROP_EXCLUDED_NET] - c[XDPC_DROP_BYPASS];
		CU_ASSERT_EQUAL(c[XDPC_REDIRECT] + c[XDPC_REDIRECT_FAILED], xs[i] == xr ? to_user : 0);
	}
	CU_ASSERT_STRING_EQUAL(spotter_xdp_counter_names[XDPC_PACKETS], "xdp.packets");
	CU_ASSERT_STRING_EQUAL(spotter_xdp_counter_names[XDPC_INDICATOR_HITS],
			       "xdp.indicator_hits");
	for (unsigned k = 0; k < XDPC_MAX; k++)
		CU_ASSERT_PTR_NOT_NULL(spotter_xdp_counter_names[k]);
	CU_ASSERT_EQUAL(xdp_filter_counter(xf, XDPC_MAX), 0);
}

static void test_exclude_everything(void)
{
	struct addr_range all;
	struct xdp_filter_config cfg = {.exclude_nets = &all, .n_exclude_nets = 1};
	struct xdp_filter *x = NULL;
	char err[256];

	/* the whole 128-bit space is ::/0: it covers IPv4 too */
	memset(&all.lo, 0, sizeof(all.lo));
	memset(&all.hi, 0xff, sizeof(all.hi));
	CU_ASSERT_EQUAL_FATAL(xdp_filter_load(&cfg, &x, err, sizeof(err)), 0);
	EXPECT(x, P(.sport = 1, .dport = 80), XDP_DROP, XDPC_DROP_EXCLUDED_NET);
	EXPECT(x, P(.v6 = 1, .sport = 1, .dport = 80), XDP_DROP, XDPC_DROP_EXCLUDED_NET);
	EXPECT(x, P(.ethertype = 0x0806), XDP_PASS, XDPC_PASS_NON_IP);
	xdp_filter_detach(x);
	/* an IPv4 range crossing a /8 boundary becomes several IPv4 prefixes */
	all = R("10.255.255.255-11.0.0.0");
	CU_ASSERT_EQUAL_FATAL(xdp_filter_load(&cfg, &x, err, sizeof(err)), 0);
	EXPECT(x, P(.src = "10.255.255.255", .sport = 1, .dport = 80), XDP_DROP,
	       XDPC_DROP_EXCLUDED_NET);
	EXPECT(x, P(.dst = "11.0.0.0", .sport = 1, .dport = 80), XDP_DROP,
	       XDPC_DROP_EXCLUDED_NET);
	EXPECT(x, P(.src = "10.255.255.254", .dst = "11.0.0.1", .sport = 1, .dport = 80),
	       XDP_PASS, XDPC_PASS_WANTED);
	xdp_filter_detach(x);
}

static void test_errors(void)
{
	struct xdp_filter_config cfg = {.ifname = "spx-nonexist0"};
	struct xdp_filter *x = (struct xdp_filter *)&cfg;
	uint16_t bad_vlan = 4096;
	uint32_t bad_id = SPOTTER_MAX_INDICATORS;
	struct addr_range one = R("10.0.0.1");
	struct xdp_rules r = {.indicators = &one, .indicator_ids = &bad_id, .n_indicators = 1};
	char err[256];

	CU_ASSERT_EQUAL(xdp_filter_attach(&cfg, &x, err, sizeof(err)), -ENODEV);
	CU_ASSERT_PTR_NULL(x);
	CU_ASSERT_STRING_EQUAL(err, "spx-nonexist0: no such interface");
	cfg.ifname = NULL;
	CU_ASSERT_EQUAL(xdp_filter_attach(&cfg, &x, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "XDP: no interface name, or one longer than 15 characters");
	cfg.ifname = "a-name-of-16-chr";
	CU_ASSERT_EQUAL(xdp_filter_attach(&cfg, &x, err, sizeof(err)), -EINVAL);
	cfg.ifname = "lo";
	cfg.exclude_vlans = &bad_vlan;
	cfg.n_exclude_vlans = 1;
	CU_ASSERT_EQUAL(xdp_filter_attach(&cfg, &x, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "lo: excluded VLAN 4096: VLAN ids are 0..4095");
	CU_ASSERT_PTR_NULL(x);
	CU_ASSERT_EQUAL(xdp_filter_set_rules(xf, &r, err, sizeof(err)), -ERANGE);
	CU_ASSERT_STRING_EQUAL(err, "indicator 10.0.0.1: id 65536 is not below 65536");
	xdp_filter_detach(NULL);
}

/* Without privileges: the message says what is missing. Run in a child
 * that drops root (and so every capability). */
static void test_unprivileged(void)
{
	struct xdp_filter_config cfg = {.ifname = "lo"};
	char err[256] = "";
	int fds[2], status = 0;
	pid_t pid;
	ssize_t n;

	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct xdp_filter *x = NULL;
		int rc;

		close(fds[0]);
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		rc = xdp_filter_attach(&cfg, &x, err, sizeof(err));
		if (write(fds[1], err, strlen(err)) < 0)
			_exit(2);
		_exit(rc == -EPERM ? 0 : 1);
	}
	close(fds[1]);
	n = read(fds[0], err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = 0;
	close(fds[0]);
	waitpid(pid, &status, 0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_STRING_EQUAL(err, "lo: loading the XDP program: Operation not permitted (run as "
				    "root, or with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)");
}

/* lo has no native XDP: native is refused with a reason, auto falls back
 * to generic; a second program cannot join, and detaching leaves lo bare. */
static void test_attach_lo(void)
{
	struct xdp_filter_config cfg = {.ifname = "lo", .mode = XDP_MODE_NATIVE};
	struct xdp_filter *x = NULL, *y = NULL;
	char err[256];
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	CU_ASSERT_EQUAL(xdp_filter_attach(&cfg, &x, err, sizeof(err)), -EOPNOTSUPP);
	CU_ASSERT_STRING_EQUAL(err, "lo: attaching XDP in native mode: Operation not supported "
				    "(no XDP support in this mode: try generic mode)");
	cfg.mode = XDP_MODE_AUTO;
	CU_ASSERT_EQUAL_FATAL(xdp_filter_attach(&cfg, &x, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(xdp_filter_mode(x), "generic");
	CU_ASSERT_EQUAL(bpf_xdp_query(lo_ifindex, 0, &q), 0);
	CU_ASSERT_EQUAL(q.attach_mode, XDP_ATTACHED_SKB);
	CU_ASSERT_NOT_EQUAL(q.skb_prog_id, 0);
	cfg.mode = XDP_MODE_GENERIC;
	CU_ASSERT_EQUAL(xdp_filter_attach(&cfg, &y, err, sizeof(err)), -EBUSY);
	CU_ASSERT_PTR_NULL(y);
	CU_ASSERT_STRING_EQUAL(err, "lo: attaching XDP in generic mode: Device or resource busy "
				    "(another XDP program is attached: see `bpftool net show dev "
				    "lo`)");
	xdp_filter_detach(x);
	CU_ASSERT_EQUAL(bpf_xdp_query(lo_ifindex, 0, &q), 0);
	CU_ASSERT_EQUAL(q.attach_mode, XDP_ATTACHED_NONE);
}

static int suite_init(void)
{
	static const uint16_t vlans[] = {99};
	static struct addr_range nets[2];
	struct xdp_filter_config cfg = {.exclude_vlans = vlans, .n_exclude_vlans = 1,
					.exclude_nets = nets, .n_exclude_nets = 2};
	struct xdp_rules r;
	char err[256];

	rules_init();
	nets[0] = R("10.99.0.0/16");
	nets[1] = R("fd99::/16");
	if (xdp_filter_load(&cfg, &xf, err, sizeof(err))) {
		fprintf(stderr, "xdp_filter_load: %s\n", err);
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.redirect_xsk = true;
	if (xdp_filter_load(&cfg, &xr, err, sizeof(err))) {
		fprintf(stderr, "xdp_filter_load (redirect): %s\n", err);
		return 1;
	}
	r = rules_a();
	if (xdp_filter_set_rules(xf, &r, err, sizeof(err)) ||
	    xdp_filter_set_rules(xr, &r, err, sizeof(err))) {
		fprintf(stderr, "xdp_filter_set_rules: %s\n", err);
		return 1;
	}
	return 0;
}

static int suite_fini(void)
{
	xdp_filter_detach(xf);
	xdp_filter_detach(xr);
	return 0;
}

static CU_TestInfo tests[] = {
	{"non-IP and MPLS", test_non_ip},
	{"VLAN depths", test_vlans},
	{"excluded VLAN", test_excluded_vlan},
	{"excluded subnets", test_excluded_net},
	{"indicator hits", test_indicators},
	{"bypass", test_bypass},
	{"fragments", test_fragments},
	{"filter ports", test_filter_ports},
	{"filter modes", test_filter_modes},
	{"malformed", test_malformed},
	{"IPv6 extension chain", test_ipv6_chain},
	{"no rules yet", test_no_rules},
	{"rules swap", test_swap},
	{"rules swap under traffic", test_swap_under_traffic},
	{"redirect to AF_XDP", test_redirect},
	{"exclude everything, ranges", test_exclude_everything},
	{"counter sums", test_counter_sums},
	{"errors", test_errors},
	{"unprivileged", test_unprivileged},
	{"attach to lo", test_attach_lo},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"xdp program", suite_init, suite_fini, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

/* ---- --bench ------------------------------------------------------------- */

static void bench_one(struct xdp_filter *x, const char *what, const struct frame *f,
		      int verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len,
		    .repeat = 1000000);

	if (bpf_prog_test_run_opts(xdp_filter_prog_fd(x), &o)) {
		printf("  %-28s failed: %s\n", what, strerror(errno));
		return;
	}
	printf("  %-28s %4u ns/packet%s\n", what, o.duration,
	       (int)o.retval == verdict ? "" : "  UNEXPECTED VERDICT");
}

static void bench_table(struct xdp_filter *x, bool excludes)
{
	struct spec s = {.src = "10.5.0.1", .sport = 40001, .dport = 80};
	struct packet p = decoded(&s);
	struct frame f;

	f = P(.ethertype = 0x0806);
	bench_one(x, "non-IP pass", &f, XDP_PASS);
	f = P(.sport = 40000, .dport = 80);
	bench_one(x, "IPv4 TCP pass (wanted)", &f, XDP_PASS);
	f = P(.sport = 40000, .dport = 9999);
	bench_one(x, "IPv4 TCP drop (filtered)", &f, XDP_DROP);
	f = P(.v6 = 1, .sport = 40000, .dport = 80);
	bench_one(x, "IPv6 TCP pass (wanted)", &f, XDP_PASS);
	f = P(.v6 = 1, .sport = 40000, .dport = 9999);
	bench_one(x, "IPv6 TCP drop (filtered)", &f, XDP_DROP);
	f = P(.src = "198.51.100.200", .sport = 40000, .dport = 9999);
	bench_one(x, "IPv4 indicator pass", &f, XDP_PASS);
	f = P(.v6 = 1, .src = "2001:db8:bad::1", .sport = 40000, .dport = 9999);
	bench_one(x, "IPv6 indicator pass", &f, XDP_PASS);
	xdp_filter_bypass(x, &p);
	f = pkt(s);
	bench_one(x, "IPv4 TCP bypass drop", &f, XDP_DROP);
	if (!excludes)
		return;
	f = P(.nvlan = 1, .vlan = {99}, .sport = 40000, .dport = 80);
	bench_one(x, "excluded VLAN drop", &f, XDP_DROP);
	f = P(.src = "10.99.0.1", .sport = 40000, .dport = 80);
	bench_one(x, "excluded subnet drop", &f, XDP_DROP);
}

static int bench(void)
{
	struct xdp_filter_config cfg = {.ifname = NULL};
	struct xdp_rules r = rules_a();
	struct xdp_filter *xn;
	char err[256];

	if (suite_init())
		return 1;
	if (xdp_filter_load(&cfg, &xn, err, sizeof(err)) ||
	    xdp_filter_set_rules(xn, &r, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("BPF_PROG_TEST_RUN, repeat=1e6 (mean per run, one CPU)\n");
	printf("no operator excludes:\n");
	bench_table(xn, false);
	printf("with excluded VLANs and subnets (two more LPM lookups per IP packet):\n");
	bench_table(xf, true);
	xdp_filter_detach(xn);
	suite_fini();
	return 0;
}

/* ---- main --------------------------------------------------------------- */

static int lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			rc = -errno;
	} else {
		rc = -errno;
	}
	close(fd);
	return rc;
}

/* Whether this kernel loads an XDP program at all: a two-instruction one. */
static int bpf_probe(void)
{
	const struct bpf_insn insns[] = {
		{.code = 0xb7, .dst_reg = 0, .imm = XDP_PASS}, /* r0 = XDP_PASS */
		{.code = 0x95},                                /* exit */
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "spx_probe", "GPL", insns, 2, NULL);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int rc;

	if (geteuid() != 0) {
		printf("test_xdp_prog: SKIP: needs root (BPF_PROG_TEST_RUN, a network namespace)\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET)) {
		printf("test_xdp_prog: SKIP: no network namespaces: %s\n", strerror(errno));
		return 77;
	}
	rc = bpf_probe();
	if (rc) {
		printf("test_xdp_prog: SKIP: this kernel does not load XDP programs: %s\n",
		       strerror(-rc));
		return 77;
	}
	rc = lo_up();
	if (rc) {
		fprintf(stderr, "test_xdp_prog: bringing lo up: %s\n", strerror(-rc));
		return 1;
	}
	lo_ifindex = (int)if_nametoindex("lo");
	if (argc > 1 && strcmp(argv[1], "--bench") == 0)
		return bench();
	return unit_run(suites);
}
