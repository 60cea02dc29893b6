/*
 * traffic.c — the scheduler: which flows exist, who talks to whom, and in
 * what order their packets hit the wire (see traffic.h).
 *
 * Up to `concurrency` flows are active; each round picks one at random and
 * lets it send a short burst, so flows interleave as on a span port. New
 * flows start as old ones end until both the flow and byte targets are met.
 * The byte target is steered, not fixed: each new HTTP or TLS flow draws its
 * payload size from a log-normal distribution whose mean is what is left of
 * the byte budget divided among the flows left. Planted flows are spread
 * evenly over the run. Timestamps advance by each frame's time on a 1 Gbit/s
 * link (with preamble, FCS and inter-frame gap).
 *
 * Address plan: clients in 10.10.0.0/16 and 192.168.0.0/16 (fd12:3456:789a::/48
 * for IPv6), resolvers 10.0.0.53 and 10.0.1.53, Modbus HMIs and PLCs in
 * 10.20/16 and 10.30/16, DNP3 masters and outstations in 10.40/16 and
 * 10.41/16; external servers in prefixes no indicator uses.
 */
#include "traffic.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "gen.h"
#include "vocab.h"

_Static_assert(TRAFFIC_APPS == APP_MAX, "traffic.h and gen.h disagree on the applications");

const struct app_ops app_ops[APP_MAX] = {
    [APP_HTTP] = {app_http_start, app_http_next},
    [APP_TLS] = {app_tls_start, app_tls_next},
    [APP_DNS] = {app_dns_start, app_dns_next},
    [APP_MODBUS] = {app_modbus_start, app_modbus_next},
    [APP_DNP3] = {app_dnp3_start, app_dnp3_next},
    [APP_ICMP] = {app_icmp_start, app_icmp_next},
    [APP_C2_TCP] = {app_c2_start, app_c2_next},
    [APP_C2_UDP] = {app_c2_start, app_c2_next},
};

const char *const traffic_app_names[TRAFFIC_APPS] = {"http", "tls",  "dns",    "modbus",
						     "dnp3", "icmp", "c2-tcp", "c2-udp"};
const char *const traffic_size_names[TRAFFIC_SIZE_BUCKETS] = {"60-99",	  "100-299",   "300-699",
							      "700-1199", "1200-1513", "1514+"};

/* Mix of ordinary flows by count (per mille): dns 40%, http 22%, tls 27%,
 * modbus 2%, dnp3 1.5%, icmp 7.5%. */
static const enum app mix_app[] = {APP_DNS, APP_HTTP, APP_TLS, APP_MODBUS, APP_DNP3, APP_ICMP};
static const uint32_t mix_cum[] = {400, 620, 890, 910, 925, 1000};
#define P_BIG 0.49 /* share of HTTP + TLS among ordinary flows */

#define N_CLIENTS    4000u
#define N_SRV4	     20000u
#define N_SRV6	     2000u
#define N_HMI	     30u
#define N_PLC	     400u
#define N_MASTER     10u
#define N_OUTSTATION 320u

static const uint8_t benign_v4_octets[] = {13,	20,  23,  34,  35,  40,	 52, 54,
					   104, 142, 151, 157, 162, 199, 204};
static const uint16_t benign_v6_pfx[][2] = {
    {0x2606, 0x4700}, {0x2a00, 0x1450}, {0x2620, 0x01ec}, {0x2001, 0x4860}};
static const uint8_t gw_mac[6] = {0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x01};

struct sched {
	struct gen g;
	const struct traffic_config *cfg;
	const struct indicators *ind;
	struct gflow **active;
	uint32_t n_active;
	uint64_t created;
	uint32_t next_plant;
	double small_sum;
	uint64_t small_n;
	uint8_t (*srv4)[4];
	uint8_t (*srv6)[16];
	uint16_t cport[N_CLIENTS + N_HMI + N_MASTER];
};

void gen_commit(struct gen *g, struct gflow *f, uint32_t len)
{
	static const uint32_t edge[TRAFFIC_SIZE_BUCKETS - 1] = {100, 300, 700, 1200, 1514};
	struct traffic_stats *st = g->st;
	uint64_t k = len < f->est_left ? len : f->est_left;
	uint32_t b = 0;

	pcapw_commit(&g->w, g->now_ns, len);
	if (!st->packets)
		st->first_ns = g->now_ns;
	st->last_ns = g->now_ns;
	st->packets++;
	st->wire_bytes += len;
	st->app_packets[f->app]++;
	st->app_bytes[f->app] += len;
	while (b < TRAFFIC_SIZE_BUCKETS - 1 && len >= edge[b])
		b++;
	st->size_packets[b]++;
	f->pkts++;
	f->bytes += len;
	f->est_left -= k;
	g->outstanding -= k;
	g->now_ns += (uint64_t)(len + 24) * 8; /* 1 Gbit/s */
}

/* ---- addresses ---------------------------------------------------------------- */

static void set_mac(uint8_t *mac, uint8_t oui2, uint32_t id)
{
	mac[0] = 0x00;
	mac[1] = 0x1b;
	mac[2] = oui2;
	mac[3] = (uint8_t)(id >> 16);
	mac[4] = (uint8_t)(id >> 8);
	mac[5] = (uint8_t)id;
}

static void v4(uint8_t *a, uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3)
{
	memset(a, 0, 16);
	a[0] = (uint8_t)x0;
	a[1] = (uint8_t)x1;
	a[2] = (uint8_t)x2;
	a[3] = (uint8_t)x3;
}

static void client_side(struct gflow *f, uint32_t c)
{
	if (f->v6) {
		static const uint8_t pfx[6] = {0xfd, 0x12, 0x34, 0x56, 0x78, 0x9a};

		memset(f->addr[0], 0, 16);
		memcpy(f->addr[0], pfx, 6);
		f->addr[0][7] = (uint8_t)(1 + c / 1000);
		f->addr[0][13] = (uint8_t)(c >> 16);
		f->addr[0][14] = (uint8_t)(c >> 8);
		f->addr[0][15] = (uint8_t)c;
	} else if (c < 3000) {
		v4(f->addr[0], 10, 10, c / 250, c % 250 + 2);
	} else {
		v4(f->addr[0], 192, 168, (c - 3000) / 250 + 1, (c - 3000) % 250 + 2);
	}
	set_mac(f->mac[0], 0x21, c);
	if (c % 10 == 0)
		f->vlan = (uint16_t)(100 + (c / 10) % 4 * 100);
}

static uint16_t next_port(struct sched *s, uint32_t who)
{
	uint16_t p = s->cport[who];

	s->cport[who] = p >= 60999 ? 32768 : (uint16_t)(p + 1);
	return p;
}

/* A benign external server, popular ones more often. */
static void external_server(struct sched *s, struct gflow *f)
{
	double u = rng_unit(&s->g.rng);

	memset(f->addr[1], 0, 16);
	if (f->v6)
		memcpy(f->addr[1], s->srv6[(uint32_t)(u * u * N_SRV6)], 16);
	else
		memcpy(f->addr[1], s->srv4[(uint32_t)(u * u * N_SRV4)], 4);
	memcpy(f->mac[1], gw_mac, 6);
	f->ttl[1] = (uint8_t)rng_range(&s->g.rng, 44, 58);
}

static void internal_peer(struct gflow *f, const uint8_t *addr)
{
	memcpy(f->addr[1], addr, 16);
	set_mac(f->mac[1], 0x42, (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3]);
	f->ttl[1] = 64;
}

static void place(struct sched *s, struct gflow *f)
{
	struct rng *r = &s->g.rng;
	uint8_t a[16];
	uint32_t i;

	f->ttl[0] = rng_chance(r, 0.6) ? 128 : 64;
	switch (f->app) {
	case APP_MODBUS:
		i = rng_below(r, N_HMI);
		v4(f->addr[0], 10, 20, 1, 10 + i);
		set_mac(f->mac[0], 0x50, i);
		f->port[0] = next_port(s, N_CLIENTS + i);
		i = rng_below(r, N_PLC);
		v4(a, 10, 30, 1 + i / 50, 10 + i % 50);
		internal_peer(f, a);
		f->vlan = rng_chance(r, 0.6) ? 10 : 0;
		return;
	case APP_DNP3:
		i = rng_below(r, N_MASTER);
		v4(f->addr[0], 10, 40, 1, 5 + i);
		set_mac(f->mac[0], 0x51, i);
		f->port[0] = next_port(s, N_CLIENTS + N_HMI + i);
		i = rng_below(r, N_OUTSTATION);
		v4(a, 10, 41, 1 + i / 80, 20 + i % 80);
		internal_peer(f, a);
		f->vlan = rng_chance(r, 0.6) ? 20 : 0;
		return;
	default:
		break;
	}
	i = rng_below(r, N_CLIENTS);
	client_side(f, i);
	f->port[0] = next_port(s, i);
	if (f->app == APP_DNS) {
		if (f->v6) {
			static const uint8_t res6[16] = {
			    0xfd, 0x12, 0x34, 0x56, 0x78, 0x9a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
			internal_peer(f, res6);
		} else {
			v4(a, 10, 0, rng_below(r, 2), 53);
			internal_peer(f, a);
		}
	} else if (f->app == APP_ICMP && rng_chance(r, 0.3)) {
		struct gflow peer = {.v6 = f->v6};

		client_side(&peer, rng_below(r, N_CLIENTS));
		internal_peer(f, peer.addr[0]);
	} else {
		external_server(s, f);
	}
	if (f->plant && f->plant->kind == PLANT_SERVER_ADDR) {
		memcpy(f->addr[1], f->plant->addr, 16);
		memcpy(f->mac[1], gw_mac, 6);
	}
}

/* ---- flows --------------------------------------------------------------------- */

static enum app plant_app(struct rng *r, const struct plant *p)
{
	switch (p->kind) {
	case PLANT_DNS_QUERY:
		return APP_DNS;
	case PLANT_TLS_SNI:
		return APP_TLS;
	case PLANT_TCP_C2:
		return APP_C2_TCP;
	case PLANT_UDP_C2:
		return APP_C2_UDP;
	case PLANT_SERVER_ADDR:
		return rng_chance(r, 0.5) ? APP_HTTP : APP_TLS;
	default:
		return APP_HTTP;
	}
}

/* Payload bytes for a new HTTP or TLS flow, steering towards the byte target. */
static uint64_t big_budget(struct sched *s)
{
	const struct traffic_config *cfg = s->cfg;
	double committed = (double)(s->g.st->wire_bytes + s->g.outstanding);
	double left = (double)cfg->bytes - committed;
	double flows_left = s->created < cfg->flows ? (double)(cfg->flows - s->created) : 0;
	double small_avg = s->small_n ? s->small_sum / (double)s->small_n : 2000;
	double mean, v;

	if (flows_left < 2) /* topping up to the byte target: no dice */
		return left > 3000 ? (uint64_t)((left - 1500) / 1.07) : 1500;
	mean = (left - flows_left * (1 - P_BIG) * small_avg) / (flows_left * P_BIG);
	mean = (mean - 1500) / 1.07;
	if (mean < 3000)
		mean = 3000;
	v = rng_lognormal(&s->g.rng, mean, 1.5);
	if (v > left / 1.07) /* the heavy tail never jumps far past the target */
		v = left / 1.07;
	if (v > 256e6)
		v = 256e6;
	return v < 300 ? 300 : (uint64_t)v;
}

/* Expected wire bytes of a new flow (calibrated against generated runs). */
static uint64_t estimate(const struct gflow *f)
{
	switch (f->app) {
	case APP_HTTP:
		return f->budget + 800 + f->left * 550;
	case APP_TLS:
		return f->budget * 103 / 100 + 6000 + f->left * 1000;
	case APP_DNS:
		return 230;
	case APP_MODBUS:
		return f->left * 250 + 600;
	case APP_DNP3:
		return f->left * 260 + 600;
	case APP_ICMP:
		return f->left * 90;
	default:
		return 3000;
	}
}

static void sightings_line(struct sched *s, const struct gflow *f)
{
	char c[INET6_ADDRSTRLEN], v[INET6_ADDRSTRLEN];
	int af = f->v6 ? AF_INET6 : AF_INET;
	const struct plant *p = f->plant;

	inet_ntop(af, f->addr[0], c, sizeof(c));
	inet_ntop(af, f->addr[1], v, sizeof(v));
	for (uint32_t i = 0; i < p->n_sids; i++)
		fprintf(s->cfg->sightings, "%u\t%s\t%s\t%s\t%u\t%s\t%u\t%s\n", p->sids[i],
			p->family, f->proto == IPPROTO_TCP ? "TCP" : "UDP", c, f->port[0], v,
			f->port[1], traffic_app_names[f->app]);
}

/* Application, address family and transport of a new flow. */
static void flow_kind(struct rng *r, struct gflow *f, const struct plant *p)
{
	f->app = p ? plant_app(r, p) : mix_app[rng_pick(r, mix_cum, 6)];
	if (p)
		f->v6 = p->kind == PLANT_SERVER_ADDR && p->v6;
	else if (f->app <= APP_DNS || f->app == APP_ICMP)
		f->v6 = rng_chance(r, 0.08);
	if (f->app == APP_DNS || f->app == APP_C2_UDP)
		f->proto = IPPROTO_UDP;
	else if (f->app == APP_ICMP)
		f->proto = f->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	else
		f->proto = IPPROTO_TCP;
}

/* TCP and IP per-side state: MSS, initial sequence numbers, clocks. */
static void flow_transport(struct rng *r, struct gflow *f)
{
	f->mss = f->v6 ? 1428 : 1448;
	if (rng_chance(r, 0.1))
		f->mss = (uint16_t)(f->mss - 80);
	for (int i = 0; i < 2; i++) {
		f->seq[i] = (uint32_t)rng_next(r);
		f->ts_off[i] = (uint32_t)rng_next(r);
		f->win[i] = (uint16_t)rng_range(r, 250, 2050);
		f->ip_id[i] = (uint16_t)rng_next(r);
	}
}

static void flow_account(struct sched *s, const struct gflow *f)
{
	struct traffic_stats *st = s->g.st;

	s->g.outstanding += f->est_left;
	if (f->app != APP_HTTP && f->app != APP_TLS && !f->plant) {
		s->small_sum += (double)f->est_left;
		s->small_n++;
	}
	st->flows++;
	st->app_flows[f->app]++;
	st->v6_flows += f->v6;
	st->vlan_flows += f->vlan != 0;
	if (f->plant) {
		st->planted_flows++;
		if (s->cfg->sightings)
			sightings_line(s, f);
	}
}

/* Starts the next flow: the next plant when its turn has come, else an
 * ordinary flow of the mix. */
static int flow_new(struct sched *s)
{
	struct rng *r = &s->g.rng;
	const struct plant *p = NULL;
	struct gflow *f;

	if (s->next_plant < s->ind->n_plants &&
	    s->created >= (s->next_plant + 1) * s->cfg->flows / (s->ind->n_plants + 1))
		p = &s->ind->plants[s->next_plant++];
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->serial = s->created++;
	f->plant = p;
	flow_kind(r, f, p);
	place(s, f);
	flow_transport(r, f);
	if (f->app == APP_HTTP || f->app == APP_TLS)
		f->budget = big_budget(s);
	app_ops[f->app].start(&s->g, f);
	f->est_left = estimate(f);
	flow_account(s, f);
	s->active[s->n_active++] = f;
	if (s->n_active > s->g.st->peak_active)
		s->g.st->peak_active = s->n_active;
	return 0;
}

static void flow_end(struct sched *s, uint32_t i)
{
	struct gflow *f = s->active[i];

	s->g.outstanding -= f->est_left;
	s->active[i] = s->active[--s->n_active];
	free(f);
}

static bool need_more(const struct sched *s)
{
	return s->created < s->cfg->flows || s->next_plant < s->ind->n_plants ||
	       s->g.st->wire_bytes + s->g.outstanding < s->cfg->bytes;
}

/* ---- setup -------------------------------------------------------------------- */

/* The vocabulary never puts a digit before a token letter (vocab.h); check
 * the pools, since an indicator found by accident would falsify the
 * expected sightings. */
static int check_pool(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] >= '0' && p[i] <= '9' && p[i + 1] &&
		    strchr("ghjklmnpqrsvwxzGHJKLMNPQRSVWXZ", p[i + 1]))
			return -EINVAL;
	return 0;
}

static int setup(struct sched *s, struct traffic_stats *st)
{
	struct rng pr;
	int err;

	rng_seed(&s->g.rng, s->cfg->seed, 3);
	rng_seed(&pr, s->cfg->seed, 4);
	s->g.st = st;
	s->g.now_ns = 1768464000ull * 1000000000ull; /* 2026-01-15 08:00:00 UTC */
	s->active = calloc(s->cfg->concurrency, sizeof(*s->active));
	s->srv4 = calloc(N_SRV4, sizeof(*s->srv4));
	s->srv6 = calloc(N_SRV6, sizeof(*s->srv6));
	if (!s->active || !s->srv4 || !s->srv6)
		return -ENOMEM;
	for (int k = 0; k < POOL_KINDS; k++) {
		if (!(s->g.pool[k] = malloc(POOL_SIZE)))
			return -ENOMEM;
	}
	vocab_fill_html(&pr, s->g.pool[0], POOL_SIZE);
	vocab_fill_json(&pr, s->g.pool[1], POOL_SIZE);
	vocab_fill_script(&pr, s->g.pool[2], POOL_SIZE);
	for (int k = 0; k < POOL_KINDS; k++)
		if (check_pool(s->g.pool[k], POOL_SIZE) < 0) {
			fprintf(stderr, "benchgen: text pool %d breaks the vocabulary invariant\n",
				k);
			return -EINVAL;
		}
	for (uint32_t i = 0; i < N_SRV4; i++) {
		rng_fill(&pr, s->srv4[i], 4);
		s->srv4[i][0] = benign_v4_octets[rng_below(&pr, sizeof(benign_v4_octets))];
		if (s->srv4[i][3] == 0 || s->srv4[i][3] == 255)
			s->srv4[i][3] = 10;
	}
	for (uint32_t i = 0; i < N_SRV6; i++) {
		uint32_t k = rng_below(&pr, 4);

		rng_fill(&pr, s->srv6[i], 16);
		s->srv6[i][0] = (uint8_t)(benign_v6_pfx[k][0] >> 8);
		s->srv6[i][1] = (uint8_t)benign_v6_pfx[k][0];
		s->srv6[i][2] = (uint8_t)(benign_v6_pfx[k][1] >> 8);
		s->srv6[i][3] = (uint8_t)benign_v6_pfx[k][1];
	}
	for (uint32_t i = 0; i < N_CLIENTS + N_HMI + N_MASTER; i++)
		s->cport[i] = (uint16_t)(32768 + (i * 7919u) % 28000u);
	err = pcapw_open(&s->g.w, s->cfg->path, 8u << 20);
	if (err < 0)
		fprintf(stderr, "benchgen: %s: %s\n", s->cfg->path, strerror(-err));
	return err;
}

static void teardown(struct sched *s)
{
	while (s->n_active)
		flow_end(s, 0);
	free(s->active);
	free(s->srv4);
	free(s->srv6);
	for (int k = 0; k < POOL_KINDS; k++)
		free(s->g.pool[k]);
}

int traffic_generate(const struct traffic_config *cfg, const struct indicators *ind,
		     struct traffic_stats *st)
{
	struct sched *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	s->cfg = cfg;
	s->ind = ind;
	if ((err = setup(s, st)) < 0)
		goto out;
	for (;;) {
		struct gflow *f;
		uint32_t i, burst;

		while (s->n_active < cfg->concurrency && need_more(s))
			if ((err = flow_new(s)) < 0)
				goto out;
		if (!s->n_active || s->g.w.err)
			break;
		i = rng_below(&s->g.rng, s->n_active);
		f = s->active[i];
		burst = 1 + rng_below(&s->g.rng, 4);
		while (burst--)
			if (!session_step(&s->g, f)) {
				flow_end(s, i);
				break;
			}
	}
	err = pcapw_close(&s->g.w);
	st->file_bytes = s->g.w.file_bytes;
	if (err < 0)
		fprintf(stderr, "benchgen: %s: %s\n", cfg->path, strerror(-err));
out:
	if (s->g.w.buf)
		pcapw_close(&s->g.w);
	teardown(s);
	free(s);
	return err;
}
