/*
 * test_flow_table.c — the per-worker flow table: keys, directions, ids,
 * timeouts, the memory cap (eviction, refusal, flat memory over millions of
 * tuples), TCP port reuse and the order flows end in.
 */
#include "unit.h"

#include "flow.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define NS UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define T0 (UINT64_C(1700000000) * NS)

/* ---- helpers ------------------------------------------------------------ */

static void v4(struct addr128 *a, uint32_t ip)
{
	uint8_t b[4] = {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip};

	addr_from_v4(a, b);
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static struct packet pkt(uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			 uint64_t ts)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.proto = proto;
	p.ip_version = 4;
	v4(&p.src, src);
	v4(&p.dst, dst);
	p.sport = sport;
	p.dport = dport;
	p.ts_ns = ts;
	p.wirelen = 60;
	return p;
}

static struct packet tcp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint64_t ts,
			 uint8_t flags)
{
	struct packet p = pkt(IPPROTO_TCP, src, sport, dst, dport, ts);

	p.tcp_flags = flags;
	return p;
}

#define MAX_ENDS 64

struct ends {
	uint64_t n[FLOW_END_REUSE + 1];
	uint64_t total;
	uint64_t id[MAX_ENDS];        /* flow ids, in the order they ended */
	uint8_t why[MAX_ENDS];
	uint64_t first_ts[MAX_ENDS];
	unsigned bad;                 /* callbacks that saw a flow not in a sane state */
};

static void on_end(void *ud, struct flow *f, enum flow_end_reason why)
{
	struct ends *e = ud;

	if (f->flow_id == 0 || f->pkts[0] + f->pkts[1] == 0 || why > FLOW_END_REUSE)
		e->bad++;
	if (e->total < MAX_ENDS) {
		e->id[e->total] = f->flow_id;
		e->why[e->total] = (uint8_t)why;
		e->first_ts[e->total] = f->first_ts_ns;
	}
	if (why <= FLOW_END_REUSE)
		e->n[why]++;
	e->total++;
}

static uint64_t ctr(const struct flow_table *ft, enum flow_counter c)
{
	return COUNTER_GET(flow_table_counters(ft)[c]);
}

static struct flow_config cfg_flows(uint64_t nflows)
{
	struct flow_config c;

	flow_config_defaults(&c);
	c.memcap = nflows * flow_table_flow_size();
	c.hash_size = 1024;
	return c;
}

static struct flow *get(struct flow_table *ft, const struct packet *p, enum flow_dir *dir,
			bool *created)
{
	return flow_table_get(ft, p, dir, created);
}

/* ---- keys --------------------------------------------------------------- */

static void test_defaults(void)
{
	struct flow_config c;

	flow_config_defaults(&c);
	CU_ASSERT_EQUAL(c.memcap, UINT64_C(64) << 20);
	CU_ASSERT_EQUAL(c.hash_size, 65536);
	CU_ASSERT_EQUAL(c.evict_min_idle_ns, 1 * NS);
	CU_ASSERT_EQUAL(c.timeout_new_ns, 60 * NS);
	CU_ASSERT_EQUAL(c.timeout_est_ns, 600 * NS);
	CU_ASSERT_EQUAL(c.timeout_closed_ns, 60 * NS);
	CU_ASSERT_EQUAL(c.timeout_udp_new_ns, 30 * NS);
	CU_ASSERT_EQUAL(c.timeout_udp_est_ns, 120 * NS);
	CU_ASSERT_EQUAL(flow_table_flow_size(), sizeof(struct flow));
	CU_ASSERT_STRING_EQUAL(flow_counter_names[FLOW_CTR_CREATED], "flow.created");
	CU_ASSERT_STRING_EQUAL(flow_counter_names[FLOW_CTR_MEMUSE], "flow.memuse");
	for (int i = 0; i < FLOW_CTR_MAX; i++)
		CU_ASSERT_PTR_NOT_NULL(flow_counter_names[i]);
}

static void test_key_normalised(void)
{
	struct packet ab = pkt(IPPROTO_UDP, IP(10, 0, 0, 2), 5000, IP(10, 0, 0, 1), 53, T0);
	struct packet ba = pkt(IPPROTO_UDP, IP(10, 0, 0, 1), 53, IP(10, 0, 0, 2), 5000, T0);
	struct flow_key k1, k2;
	struct addr128 lo;

	memset(&k1, 0xaa, sizeof(k1));
	CU_ASSERT_EQUAL(flow_key_init(&k1, &ab), 1);
	CU_ASSERT_EQUAL(flow_key_init(&k2, &ba), 0);
	CU_ASSERT_EQUAL(memcmp(&k1, &k2, sizeof(k1)), 0);
	v4(&lo, IP(10, 0, 0, 1));
	CU_ASSERT_EQUAL(addr_cmp(&k1.addr[0], &lo), 0);
	CU_ASSERT_EQUAL(k1.port[0], 53);
	CU_ASSERT_EQUAL(k1.port[1], 5000);
	CU_ASSERT_EQUAL(k1.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(k1.vlan[0], 0);
	CU_ASSERT_EQUAL(k1.vlan[1], 0);
	CU_ASSERT_EQUAL(k1.pad[0] | k1.pad[1] | k1.pad[2], 0);

	/* Same address: the lower port is side 0. */
	ab = pkt(IPPROTO_TCP, IP(10, 0, 0, 1), 80, IP(10, 0, 0, 1), 8080, T0);
	CU_ASSERT_EQUAL(flow_key_init(&k1, &ab), 0);
	ab = pkt(IPPROTO_TCP, IP(10, 0, 0, 1), 8080, IP(10, 0, 0, 1), 80, T0);
	CU_ASSERT_EQUAL(flow_key_init(&k2, &ab), 1);
	CU_ASSERT_EQUAL(memcmp(&k1, &k2, sizeof(k1)), 0);

	/* Same address and port (a "land" packet): side 0 both ways. */
	ab = pkt(IPPROTO_TCP, IP(10, 0, 0, 1), 80, IP(10, 0, 0, 1), 80, T0);
	CU_ASSERT_EQUAL(flow_key_init(&k1, &ab), 0);

	/* ICMP: ports are not part of the key, even if the decoder set them. */
	ab = pkt(IPPROTO_ICMP, IP(10, 0, 0, 9), 8, IP(10, 0, 0, 1), 0, T0);
	CU_ASSERT_EQUAL(flow_key_init(&k1, &ab), 1);
	CU_ASSERT_EQUAL(k1.port[0], 0);
	CU_ASSERT_EQUAL(k1.port[1], 0);
	ab = pkt(IPPROTO_ICMPV6, IP(10, 0, 0, 1), 3, IP(10, 0, 0, 9), 4, T0);
	CU_ASSERT_EQUAL(flow_key_init(&k2, &ab), 0);
	CU_ASSERT_EQUAL(k2.port[0] | k2.port[1], 0);

	/* VLANs: copied outer first; a count over PKT_MAX_VLAN is clamped. */
	ab = pkt(IPPROTO_UDP, IP(10, 0, 0, 2), 1, IP(10, 0, 0, 1), 2, T0);
	ab.vlan[0] = 100;
	ab.vlan[1] = 200;
	ab.vlan_count = 1;
	flow_key_init(&k1, &ab);
	CU_ASSERT_EQUAL(k1.vlan[0], 100);
	CU_ASSERT_EQUAL(k1.vlan[1], 0);
	ab.vlan_count = 7;
	flow_key_init(&k1, &ab);
	CU_ASSERT_EQUAL(k1.vlan[0], 100);
	CU_ASSERT_EQUAL(k1.vlan[1], 200);
}

/* ---- lookup ------------------------------------------------------------- */

static void test_both_directions(void)
{
	struct flow_config c = cfg_flows(16);
	struct ends e = {0};
	struct flow_table *ft = flow_table_new(&c, on_end, &e);
	struct packet q = pkt(IPPROTO_UDP, IP(192, 168, 1, 20), 40000, IP(8, 8, 8, 8), 53, T0);
	struct packet r = pkt(IPPROTO_UDP, IP(8, 8, 8, 8), 53, IP(192, 168, 1, 20), 40000, T0 + MS);
	struct flow *f, *g;
	enum flow_dir dir;
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	f = get(ft, &q, &dir, &created);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_TRUE(created);
	CU_ASSERT_EQUAL(dir, DIR_TO_SERVER);
	CU_ASSERT_EQUAL(f->client, 1); /* 192.168.1.20 > 8.8.8.8: key side 1 */
	CU_ASSERT_EQUAL(f->state, FLOW_STATE_NEW);
	CU_ASSERT_EQUAL(f->first_ts_ns, T0);

	g = get(ft, &r, &dir, &created);
	CU_ASSERT_PTR_EQUAL(g, f);
	CU_ASSERT_FALSE(created);
	CU_ASSERT_EQUAL(dir, DIR_TO_CLIENT);
	CU_ASSERT_EQUAL(f->state, FLOW_STATE_ESTABLISHED);
	CU_ASSERT_EQUAL(f->last_ts_ns, T0 + MS);

	/* A packet older than the last one does not move time back. */
	q.ts_ns = T0;
	g = get(ft, &q, &dir, &created);
	CU_ASSERT_PTR_EQUAL(g, f);
	CU_ASSERT_EQUAL(dir, DIR_TO_SERVER);
	CU_ASSERT_EQUAL(f->last_ts_ns, T0 + MS);
	CU_ASSERT_EQUAL(f->pkts[DIR_TO_SERVER], 2);
	CU_ASSERT_EQUAL(f->pkts[DIR_TO_CLIENT], 1);
	CU_ASSERT_EQUAL(f->bytes[DIR_TO_SERVER], 120);
	CU_ASSERT_EQUAL(f->bytes[DIR_TO_CLIENT], 60);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_CREATED), 1);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_ACTIVE), 1);

	/* Other stages' state starts zeroed. */
	CU_ASSERT_PTR_NULL(f->app);
	CU_ASSERT_EQUAL(f->app_proto, 0);
	CU_ASSERT_PTR_NULL(f->det.hs[0]);
	CU_ASSERT_EQUAL(f->tcp.state, TCP_STATE_NONE);
	CU_ASSERT_EQUAL(f->flags, 0);

	/* ICMP request and reply are one flow whatever type and code say. */
	q = pkt(IPPROTO_ICMP, IP(10, 1, 1, 1), 0, IP(10, 1, 1, 2), 0, T0);
	q.icmp_type = 8;
	f = get(ft, &q, &dir, &created);
	r = pkt(IPPROTO_ICMP, IP(10, 1, 1, 2), 0, IP(10, 1, 1, 1), 0, T0);
	r.icmp_type = 0;
	g = get(ft, &r, &dir, &created);
	CU_ASSERT_PTR_EQUAL(g, f);
	CU_ASSERT_EQUAL(dir, DIR_TO_CLIENT);
	CU_ASSERT_EQUAL(f->state, FLOW_STATE_ESTABLISHED);

	/* A land packet: one flow, both "directions" to the server. */
	q = tcp(IP(10, 2, 2, 2), 139, IP(10, 2, 2, 2), 139, T0, TCP_SYN);
	f = get(ft, &q, &dir, &created);
	CU_ASSERT_EQUAL(dir, DIR_TO_SERVER);
	g = get(ft, &q, &dir, &created);
	CU_ASSERT_PTR_EQUAL(g, f);
	CU_ASSERT_EQUAL(dir, DIR_TO_SERVER);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_CREATED), 3);

	flow_table_free(ft);
	CU_ASSERT_EQUAL(e.total, 3);
	CU_ASSERT_EQUAL(e.n[FLOW_END_SHUTDOWN], 3);
	CU_ASSERT_EQUAL(e.bad, 0);
}

static void test_client_server(void)
{
	struct flow_config c = cfg_flows(16);
	struct flow_table *ft = flow_table_new(&c, NULL, NULL);
	uint32_t cli = IP(10, 0, 0, 1), srv = IP(10, 0, 0, 200);
	struct packet p;
	struct flow *f, *g;
	enum flow_dir dir;
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	/* The SYN/ACK is the first packet seen: its source is the server. */
	p = tcp(srv, 80, cli, 33000, T0, TCP_SYN | TCP_ACK);
	f = get(ft, &p, &dir, &created);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_TRUE(created);
	CU_ASSERT_EQUAL(dir, DIR_TO_CLIENT);
	CU_ASSERT_EQUAL(f->client, 0); /* cli is the lower address */
	p = tcp(cli, 33000, srv, 80, T0, TCP_ACK);
	g = get(ft, &p, &dir, &created);
	CU_ASSERT_PTR_EQUAL(g, f);
	CU_ASSERT_EQUAL(dir, DIR_TO_SERVER);
	CU_ASSERT_EQUAL(f->pkts[DIR_TO_CLIENT], 1);
	CU_ASSERT_EQUAL(f->pkts[DIR_TO_SERVER], 1);
	/* TCP state belongs to stream.c: the table leaves it NEW. */
	CU_ASSERT_EQUAL(f->state, FLOW_STATE_NEW);

	/* A first packet that is a plain SYN, or anything else: its source is the client. */
	p = tcp(srv, 443, cli, 33001, T0, TCP_SYN);
	f = get(ft, &p, &dir, &created);
	CU_ASSERT_EQUAL(dir, DIR_TO_SERVER);
	CU_ASSERT_EQUAL(f->client, 1);
	p = tcp(srv, 443, cli, 33002, T0, TCP_ACK | TCP_PSH);
	f = get(ft, &p, &dir, &created);
	CU_ASSERT_EQUAL(dir, DIR_TO_SERVER);
	CU_ASSERT_EQUAL(f->client, 1);
	/* SYN+ACK matters only for TCP. */
	p = pkt(IPPROTO_UDP, srv, 443, cli, 33002, T0);
	p.tcp_flags = TCP_SYN | TCP_ACK;
	f = get(ft, &p, &dir, &created);
	CU_ASSERT_EQUAL(dir, DIR_TO_SERVER);
	flow_table_free(ft);
}

static void test_vlan_separates(void)
{
	struct flow_config c = cfg_flows(16);
	struct flow_table *ft = flow_table_new(&c, NULL, NULL);
	struct packet p = pkt(IPPROTO_UDP, IP(10, 0, 0, 1), 1000, IP(10, 0, 0, 2), 2000, T0);
	struct flow *none, *v10, *v20, *qinq, *again;
	enum flow_dir dir;
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	none = get(ft, &p, &dir, &created);
	p.vlan_count = 1;
	p.vlan[0] = 10;
	v10 = get(ft, &p, &dir, &created);
	CU_ASSERT_TRUE(created);
	p.vlan[0] = 20;
	v20 = get(ft, &p, &dir, &created);
	CU_ASSERT_TRUE(created);
	p.vlan_count = 2;
	p.vlan[1] = 10;
	qinq = get(ft, &p, &dir, &created);
	CU_ASSERT_TRUE(created);
	CU_ASSERT_PTR_NOT_NULL_FATAL(none);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qinq);
	CU_ASSERT_PTR_NOT_EQUAL(none, v10);
	CU_ASSERT_PTR_NOT_EQUAL(v10, v20);
	CU_ASSERT_PTR_NOT_EQUAL(v20, qinq);
	CU_ASSERT_NOT_EQUAL(v10->flow_id, v20->flow_id);
	CU_ASSERT_NOT_EQUAL(none->flow_id, v10->flow_id);
	CU_ASSERT_EQUAL(qinq->key.vlan[0], 20);
	CU_ASSERT_EQUAL(qinq->key.vlan[1], 10);
	/* The reply on VLAN 10 finds the VLAN 10 flow. */
	p = pkt(IPPROTO_UDP, IP(10, 0, 0, 2), 2000, IP(10, 0, 0, 1), 1000, T0);
	p.vlan_count = 1;
	p.vlan[0] = 10;
	again = get(ft, &p, &dir, &created);
	CU_ASSERT_PTR_EQUAL(again, v10);
	CU_ASSERT_EQUAL(dir, DIR_TO_CLIENT);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_CREATED), 4);
	flow_table_free(ft);
}

/* ---- flow ids ----------------------------------------------------------- */

static uint64_t id_of(struct flow_table *ft, const struct packet *p)
{
	enum flow_dir dir;
	bool created;
	struct flow *f = flow_table_get(ft, p, &dir, &created);

	return f ? f->flow_id : 0;
}

static void test_flow_id(void)
{
	struct flow_config c = cfg_flows(20000);
	struct flow_table *a = flow_table_new(&c, NULL, NULL);
	struct flow_table *b = flow_table_new(&c, NULL, NULL);
	struct packet p = tcp(IP(10, 0, 0, 1), 40000, IP(10, 0, 0, 2), 80, T0, TCP_SYN);
	struct packet rev = tcp(IP(10, 0, 0, 2), 80, IP(10, 0, 0, 1), 40000, T0, TCP_SYN | TCP_ACK);
	uint64_t id, bad = 0, zero = 0, dup = 0, prev = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	id = id_of(a, &p);
	/* Same key and first time in another table (another worker, another
	 * bucket seed), first seen from the other side: same id. */
	CU_ASSERT_EQUAL(id_of(b, &rev), id);
	/* A fixed value: ids do not change between builds or (little-endian) hosts. */
	CU_ASSERT_EQUAL(id, UINT64_C(2027737570129733));
	CU_ASSERT_TRUE(id < (UINT64_C(1) << 51));
	/* Another first-packet time gives another id. */
	p.sport = 40001;
	rev = p;
	rev.ts_ns = T0 + 1;
	id = id_of(a, &p);
	CU_ASSERT_NOT_EQUAL(id_of(b, &rev), id);

	for (uint32_t i = 0; i < 10000; i++) {
		struct packet q = pkt(IPPROTO_UDP, IP(10, 1, i >> 8, i), 1024, IP(10, 0, 0, 1), 53,
				      T0 + i);

		id = id_of(a, &q);
		bad += id >= (UINT64_C(1) << 51);
		zero += id == 0;
		dup += id == prev;
		prev = id;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(zero, 0);
	CU_ASSERT_EQUAL(dup, 0);
	flow_table_free(a);
	flow_table_free(b);
}

/* ---- timeouts ----------------------------------------------------------- */

static struct flow *one(struct flow_table *ft, const struct packet *p)
{
	enum flow_dir dir;
	bool created;

	return flow_table_get(ft, p, &dir, &created);
}

static void check_timeout(uint8_t proto, uint8_t state, uint64_t timeout)
{
	struct flow_config c = cfg_flows(16);
	struct ends e = {0};
	struct flow_table *ft = flow_table_new(&c, on_end, &e);
	struct packet p = pkt(proto, IP(10, 0, 0, 1), 1000, IP(10, 0, 0, 2), 2000, T0);
	struct flow *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	f = one(ft, &p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	if (state == FLOW_STATE_ESTABLISHED && proto != IPPROTO_TCP) {
		struct packet r = pkt(proto, IP(10, 0, 0, 2), 2000, IP(10, 0, 0, 1), 1000, T0);

		one(ft, &r);
	}
	f->state = state; /* for TCP, stream.c's job */
	flow_table_expire(ft, T0 + timeout - 1);
	CU_ASSERT_EQUAL(e.total, 0);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_ACTIVE), 1);
	flow_table_expire(ft, T0 + timeout);
	CU_ASSERT_EQUAL(e.total, 1);
	CU_ASSERT_EQUAL(e.n[FLOW_END_TIMEOUT], 1);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_TIMEOUT), 1);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_ACTIVE), 0);
	flow_table_free(ft);
	CU_ASSERT_EQUAL(e.total, 1);
}

static void test_timeouts(void)
{
	check_timeout(IPPROTO_TCP, FLOW_STATE_NEW, 60 * NS);
	check_timeout(IPPROTO_TCP, FLOW_STATE_ESTABLISHED, 600 * NS);
	check_timeout(IPPROTO_TCP, FLOW_STATE_CLOSED, 60 * NS);
	check_timeout(IPPROTO_UDP, FLOW_STATE_NEW, 30 * NS);
	check_timeout(IPPROTO_UDP, FLOW_STATE_ESTABLISHED, 120 * NS);
	check_timeout(IPPROTO_ICMP, FLOW_STATE_NEW, 30 * NS);
	check_timeout(IPPROTO_ICMP, FLOW_STATE_ESTABLISHED, 120 * NS);
	check_timeout(IPPROTO_GRE, FLOW_STATE_NEW, 30 * NS);
}

/* A packet keeps a flow alive; a flow's timeout follows its current state. */
static void test_timeout_refresh(void)
{
	struct flow_config c = cfg_flows(16);
	struct ends e = {0};
	struct flow_table *ft = flow_table_new(&c, on_end, &e);
	struct packet p = tcp(IP(10, 0, 0, 1), 1000, IP(10, 0, 0, 2), 80, T0, TCP_SYN);
	struct flow *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	f = one(ft, &p);
	p.ts_ns = T0 + 50 * NS;
	one(ft, &p);
	flow_table_expire(ft, T0 + 100 * NS);
	CU_ASSERT_EQUAL(e.total, 0);
	f->state = FLOW_STATE_ESTABLISHED;
	flow_table_expire(ft, T0 + 50 * NS + 600 * NS - 1);
	CU_ASSERT_EQUAL(e.total, 0);
	f->state = FLOW_STATE_CLOSED;
	flow_table_expire(ft, T0 + 110 * NS);
	CU_ASSERT_EQUAL(e.total, 1);
	CU_ASSERT_EQUAL(e.why[0], FLOW_END_TIMEOUT);
	flow_table_free(ft);
}

/* Work per call is bounded, and long-lived flows near the LRU end do not
 * hide expired ones behind them: the walk resumes where it stopped. */
static void test_expire_bounded(void)
{
	struct flow_config c = cfg_flows(4096);
	struct ends e = {0};
	struct flow_table *ft = flow_table_new(&c, on_end, &e);

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (uint32_t i = 0; i < 1000; i++) {
		struct packet p = tcp(IP(10, 0, i >> 8, i), 1000, IP(10, 9, 9, 9), 80, T0, TCP_ACK);
		struct flow *f = one(ft, &p);

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		f->state = FLOW_STATE_ESTABLISHED;
	}
	for (uint32_t i = 0; i < 10; i++) {
		struct packet p = pkt(IPPROTO_UDP, IP(10, 1, 0, i), 1000, IP(10, 9, 9, 9), 53,
				      T0 + NS);

		one(ft, &p);
	}
	flow_table_expire(ft, T0 + 100 * NS);
	CU_ASSERT_EQUAL(e.total, 0); /* 512 established TCP flows looked at */
	flow_table_expire(ft, T0 + 100 * NS);
	CU_ASSERT_EQUAL(e.total, 10); /* 488 more, then the 10 UDP flows */
	CU_ASSERT_EQUAL(e.n[FLOW_END_TIMEOUT], 10);
	flow_table_expire(ft, T0 + 100 * NS);
	CU_ASSERT_EQUAL(e.total, 10); /* stopped after 512, at the 513th TCP flow */

	/* Everything due: the walk resumes at the 513th flow and reaches the
	 * head; the next call starts again at the tail, and ends at most
	 * FLOW_EXPIRE_BUDGET flows. */
	flow_table_expire(ft, T0 + 1000 * NS);
	CU_ASSERT_EQUAL(e.total, 10 + 488);
	flow_table_expire(ft, T0 + 1000 * NS);
	CU_ASSERT_EQUAL(e.total, 1010);
	CU_ASSERT_EQUAL(FLOW_EXPIRE_BUDGET, 512);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_ACTIVE), 0);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_TIMEOUT), 1010);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_PEAK), 1010);

	/* A flow idle for less than the smallest timeout ends the walk, and
	 * the next one starts at the tail again. */
	{
		struct packet p = tcp(IP(10, 2, 0, 1), 1000, IP(10, 9, 9, 9), 80, T0, TCP_ACK);

		one(ft, &p)->state = FLOW_STATE_ESTABLISHED;
	}
	for (uint32_t i = 0; i < 600; i++) {
		struct packet p = pkt(IPPROTO_UDP, IP(10, 3, i >> 8, i), 1000, IP(10, 9, 9, 9), 53,
				      T0 + 200 * NS);

		one(ft, &p);
	}
	flow_table_expire(ft, T0 + 210 * NS);
	CU_ASSERT_EQUAL(e.total, 1010);
	flow_table_expire(ft, T0 + 240 * NS);
	CU_ASSERT_EQUAL(e.total, 1010 + 511); /* the TCP flow is looked at, not due */
	flow_table_free(ft);
	CU_ASSERT_EQUAL(e.total, 1010 + 601);
	CU_ASSERT_EQUAL(e.n[FLOW_END_SHUTDOWN], 90);
}

/* ---- the cap ------------------------------------------------------------ */

static struct packet nth(uint32_t i, uint64_t ts)
{
	return pkt(IPPROTO_UDP, IP(10, i >> 16, i >> 8, i), (uint16_t)(1024 + (i & 0x7fff)),
		   IP(192, 0, 2, 1), 53, ts);
}

static void test_evict(void)
{
	struct flow_config c = cfg_flows(4);
	struct ends e = {0};
	struct flow_table *ft;
	uint64_t ids[8];
	struct packet p;
	struct flow *f;

	c.evict_min_idle_ns = NS;
	ft = flow_table_new(&c, on_end, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (uint32_t i = 0; i < 4; i++) {
		p = nth(i, T0 + i * NS);
		ids[i] = id_of(ft, &p);
	}
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_MEMUSE), 4 * sizeof(struct flow));
	/* Flow 0 is touched again: flow 1 becomes the least recently used. */
	p = nth(0, T0 + 3 * NS);
	CU_ASSERT_EQUAL(id_of(ft, &p), ids[0]);

	/* At the cap, flow 1 idle 2.5 s >= 1 s: evicted. */
	p = nth(4, T0 + 3500 * MS);
	ids[4] = id_of(ft, &p);
	CU_ASSERT_NOT_EQUAL(ids[4], 0);
	CU_ASSERT_EQUAL(e.total, 1);
	CU_ASSERT_EQUAL(e.why[0], FLOW_END_EVICTED);
	CU_ASSERT_EQUAL(e.id[0], ids[1]);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_EVICTED), 1);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_CREATED), 5);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_ACTIVE), 4);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_PEAK), 4);

	/* Next LRU is flow 2 (t = 2 s): idle 1.5 s. */
	p = nth(5, T0 + 3500 * MS);
	ids[5] = id_of(ft, &p);
	CU_ASSERT_EQUAL(e.id[1], ids[2]);
	CU_ASSERT_EQUAL(e.why[1], FLOW_END_EVICTED);

	/* LRU now flow 0 and flow 3 at t = 3 s: idle 0.9 s < 1 s: refused. */
	p = nth(6, T0 + 3900 * MS);
	f = one(ft, &p);
	CU_ASSERT_PTR_NULL(f);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_REFUSED), 1);
	CU_ASSERT_EQUAL(e.total, 2);
	/* Known flows are still found at the cap. */
	p = nth(4, T0 + 3900 * MS);
	CU_ASSERT_EQUAL(id_of(ft, &p), ids[4]);

	/* Much later every flow has timed out: the LRU one is reclaimed as
	 * a timeout, not counted as an eviction. */
	p = nth(7, T0 + 100 * NS);
	ids[7] = id_of(ft, &p);
	CU_ASSERT_NOT_EQUAL(ids[7], 0);
	CU_ASSERT_EQUAL(e.total, 3);
	CU_ASSERT_EQUAL(e.why[2], FLOW_END_TIMEOUT);
	CU_ASSERT_EQUAL(e.id[2], ids[3]);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_TIMEOUT), 1);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_EVICTED), 2);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_CREATED), 7);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_MEMUSE), 4 * sizeof(struct flow));
	flow_table_free(ft);
	CU_ASSERT_EQUAL(e.total, 7);
	CU_ASSERT_EQUAL(e.n[FLOW_END_SHUTDOWN], 4);
	CU_ASSERT_EQUAL(e.bad, 0);
}

static void test_refuse(void)
{
	struct flow_config c = cfg_flows(4);
	struct ends e = {0};
	struct flow_table *ft = flow_table_new(&c, on_end, &e);
	struct packet p;
	enum flow_dir dir;
	bool created = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (uint32_t i = 0; i < 4; i++) {
		p = nth(i, T0 + i * 100 * MS);
		CU_ASSERT_PTR_NOT_NULL(one(ft, &p));
	}
	p = tcp(IP(10, 0, 0, 9), 80, IP(10, 0, 0, 8), 1234, T0 + 900 * MS, TCP_SYN | TCP_ACK);
	CU_ASSERT_PTR_NULL(flow_table_get(ft, &p, &dir, &created));
	CU_ASSERT_FALSE(created);
	CU_ASSERT_EQUAL(dir, DIR_TO_CLIENT);
	p.tcp_flags = TCP_SYN;
	CU_ASSERT_PTR_NULL(flow_table_get(ft, &p, &dir, &created));
	CU_ASSERT_EQUAL(dir, DIR_TO_SERVER);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_REFUSED), 2);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_CREATED), 4);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_EVICTED), 0);
	CU_ASSERT_EQUAL(e.total, 0);
	flow_table_free(ft);

	/* A memcap below one flow: everything is refused, nothing allocated. */
	c.memcap = sizeof(struct flow) - 1;
	ft = flow_table_new(&c, on_end, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	p = nth(0, T0);
	CU_ASSERT_PTR_NULL(one(ft, &p));
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_REFUSED), 1);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_MEMUSE), 0);
	flow_table_free(ft);
}

struct flat_run {
	uint64_t max_memuse;
	uint64_t max_active;
	uint64_t nulls;
};

static void push_tuples(struct flow_table *ft, uint32_t n, uint64_t step_ns, struct flat_run *r)
{
	for (uint32_t i = 0; i < n; i++) {
		struct packet p = nth(i, T0 + i * step_ns);
		uint64_t m, a;

		if (!one(ft, &p))
			r->nulls++;
		if ((i & 4095) == 0)
			flow_table_expire(ft, p.ts_ns);
		m = ctr(ft, FLOW_CTR_MEMUSE);
		a = ctr(ft, FLOW_CTR_ACTIVE);
		r->max_memuse = m > r->max_memuse ? m : r->max_memuse;
		r->max_active = a > r->max_active ? a : r->max_active;
	}
}

/* Two million distinct tuples through small caps: memory stays flat. */
static void test_flat_memory(void)
{
	const uint32_t n = 2000000;
	struct flow_config c = cfg_flows(2500); /* slabs of 1024, 1024 and 452 flows */
	struct ends e = {0};
	struct flat_run r = {0};
	struct flow_table *ft;

	/* One new tuple a millisecond, the LRU flow idle 2.5 s: always evictable. */
	c.evict_min_idle_ns = 2500 * MS;
	ft = flow_table_new(&c, on_end, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	push_tuples(ft, n, MS, &r);
	CU_ASSERT_EQUAL(r.nulls, 0);
	CU_ASSERT_EQUAL(r.max_memuse, 2500 * sizeof(struct flow));
	CU_ASSERT_TRUE(r.max_memuse <= c.memcap);
	CU_ASSERT_EQUAL(r.max_active, 2500);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_CREATED), n);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_EVICTED), n - 2500);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_REFUSED), 0);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_TIMEOUT), 0);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_ACTIVE), 2500);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_PEAK), 2500);
	CU_ASSERT_EQUAL(e.n[FLOW_END_EVICTED], n - 2500);
	flow_table_free(ft);
	CU_ASSERT_EQUAL(e.n[FLOW_END_SHUTDOWN], 2500);
	CU_ASSERT_EQUAL(e.total, n);
	CU_ASSERT_EQUAL(e.bad, 0);

	/* One every 100 us, cap 1000, evictable after 1 s: per 10000 tuples,
	 * 1000 are created (evicting the previous 1000 once they are 1 s old)
	 * and 9000 refused. */
	memset(&e, 0, sizeof(e));
	memset(&r, 0, sizeof(r));
	c = cfg_flows(1000);
	c.evict_min_idle_ns = NS;
	ft = flow_table_new(&c, on_end, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	push_tuples(ft, n, 100000, &r);
	CU_ASSERT_EQUAL(r.max_memuse, 1000 * sizeof(struct flow));
	CU_ASSERT_EQUAL(r.nulls, 1800000);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_CREATED), 200000);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_REFUSED), 1800000);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_EVICTED), 199000);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_TIMEOUT), 0);
	CU_ASSERT_EQUAL(e.n[FLOW_END_EVICTED], 199000);
	flow_table_free(ft);
	CU_ASSERT_EQUAL(e.total, 200000);
}

/* ---- reuse, flush, config ----------------------------------------------- */

static void test_tcp_reuse(void)
{
	struct flow_config c = cfg_flows(16);
	struct ends e = {0};
	struct flow_table *ft = flow_table_new(&c, on_end, &e);
	struct packet p = tcp(IP(10, 0, 0, 1), 40000, IP(10, 0, 0, 2), 80, T0, TCP_SYN);
	struct flow *f;
	uint64_t old_id;
	enum flow_dir dir;
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	f = flow_table_get(ft, &p, &dir, &created);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	old_id = f->flow_id;
	/* A SYN on a session that is not closed is the same flow. */
	p.ts_ns = T0 + NS;
	CU_ASSERT_PTR_EQUAL(flow_table_get(ft, &p, &dir, &created), f);
	CU_ASSERT_FALSE(created);
	f->state = FLOW_STATE_CLOSED;
	/* Neither a SYN/ACK nor an ACK on a closed session starts a new flow... */
	p = tcp(IP(10, 0, 0, 2), 80, IP(10, 0, 0, 1), 40000, T0 + 2 * NS, TCP_SYN | TCP_ACK);
	CU_ASSERT_PTR_EQUAL(flow_table_get(ft, &p, &dir, &created), f);
	CU_ASSERT_FALSE(created);
	/* ...a new SYN does, from either side. */
	p = tcp(IP(10, 0, 0, 2), 80, IP(10, 0, 0, 1), 40000, T0 + 3 * NS, TCP_SYN);
	f = flow_table_get(ft, &p, &dir, &created);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_TRUE(created);
	CU_ASSERT_EQUAL(dir, DIR_TO_SERVER);
	CU_ASSERT_EQUAL(f->client, 1);
	CU_ASSERT_NOT_EQUAL(f->flow_id, old_id);
	CU_ASSERT_EQUAL(f->state, FLOW_STATE_NEW);
	CU_ASSERT_EQUAL(e.total, 1);
	CU_ASSERT_EQUAL(e.why[0], FLOW_END_REUSE);
	CU_ASSERT_EQUAL(e.id[0], old_id);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_REUSED), 1);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_CREATED), 2);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_ACTIVE), 1);
	flow_table_free(ft);
}

static void test_flush_order(void)
{
	struct flow_config c = cfg_flows(16);
	struct ends e = {0};
	struct flow_table *ft = flow_table_new(&c, on_end, &e);
	uint64_t ids[3];
	struct packet p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (uint32_t i = 0; i < 3; i++) {
		p = nth(i, T0 + (i + 1) * NS);
		ids[i] = id_of(ft, &p);
	}
	p = nth(0, T0 + 4 * NS);
	id_of(ft, &p);
	flow_table_flush(ft);
	CU_ASSERT_EQUAL(e.total, 3);
	CU_ASSERT_EQUAL(e.id[0], ids[1]);
	CU_ASSERT_EQUAL(e.id[1], ids[2]);
	CU_ASSERT_EQUAL(e.id[2], ids[0]);
	CU_ASSERT_EQUAL(e.why[0], FLOW_END_SHUTDOWN);
	CU_ASSERT_EQUAL(e.why[1], FLOW_END_SHUTDOWN);
	CU_ASSERT_EQUAL(e.why[2], FLOW_END_SHUTDOWN);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_ACTIVE), 0);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_PEAK), 3);
	flow_table_flush(ft);
	CU_ASSERT_EQUAL(e.total, 3);

	/* The table is usable after a flush; the slots are reused. */
	p = nth(0, T0 + 5 * NS);
	CU_ASSERT_NOT_EQUAL(id_of(ft, &p), 0);
	CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_MEMUSE), 16 * sizeof(struct flow));
	flow_table_free(ft);
	CU_ASSERT_EQUAL(e.total, 4);
	CU_ASSERT_EQUAL(e.first_ts[3], T0 + 5 * NS);
	flow_table_free(NULL);
}

static void test_config_errors(void)
{
	struct flow_config c = cfg_flows(16);

	c.hash_size = 0;
	errno = 0;
	CU_ASSERT_PTR_NULL(flow_table_new(&c, NULL, NULL));
	CU_ASSERT_EQUAL(errno, EINVAL);
	c.hash_size = 1000;
	errno = 0;
	CU_ASSERT_PTR_NULL(flow_table_new(&c, NULL, NULL));
	CU_ASSERT_EQUAL(errno, EINVAL);
	c.hash_size = 1u << 29;
	errno = 0;
	CU_ASSERT_PTR_NULL(flow_table_new(&c, NULL, NULL));
	CU_ASSERT_EQUAL(errno, EINVAL);
	c.hash_size = 1; /* one chain: still correct */
	{
		struct flow_table *ft = flow_table_new(&c, NULL, NULL);
		struct packet p;

		CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
		for (uint32_t i = 0; i < 10; i++) {
			p = nth(i, T0);
			one(ft, &p);
		}
		p = nth(5, T0);
		CU_ASSERT_PTR_NOT_NULL(one(ft, &p));
		CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_CREATED), 10);
		flow_table_expire(ft, T0 + 30 * NS);
		CU_ASSERT_EQUAL(ctr(ft, FLOW_CTR_ACTIVE), 0);
		flow_table_free(ft);
	}
}

static CU_TestInfo tests[] = {
	{"defaults", test_defaults},
	{"key normalised", test_key_normalised},
	{"both directions one flow", test_both_directions},
	{"client and server", test_client_server},
	{"vlan separates flows", test_vlan_separates},
	{"flow id", test_flow_id},
	{"timeouts per state", test_timeouts},
	{"timeout refresh", test_timeout_refresh},
	{"expire bounded", test_expire_bounded},
	{"evict at the cap", test_evict},
	{"refuse at the cap", test_refuse},
	{"2M tuples flat memory", test_flat_memory},
	{"tcp port reuse", test_tcp_reuse},
	{"flush order", test_flush_order},
	{"config errors", test_config_errors},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"flow_table", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
