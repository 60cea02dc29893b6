/*
 * prefilter.c — what a rule set can match, for early filtering (see
 * prefilter.h for the rules of the derivation).
 */
#include "prefilter.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iptree.h"

#define PCAP_MAX_TERMS                                                                             \
	100 /* beyond this (the expression is written three times, for 0, 1                        \
	     * and 2 VLAN tags) classic BPF programs grow too large */

static void set_range(uint64_t *bits, uint16_t lo, uint16_t hi)
{
	for (uint32_t p = lo; p <= hi; p++)
		bits[p / 64] |= 1ull << (p % 64);
}

static void add_ports(struct prefilter *pf, bool tcp, bool udp, const struct port_set *ps)
{
	for (uint32_t i = 0; i < ps->n; i++) {
		if (tcp)
			set_range(pf->tcp_ports, ps->r[i].lo, ps->r[i].hi);
		if (udp)
			set_range(pf->udp_ports, ps->r[i].lo, ps->r[i].hi);
	}
}

/* The protocols a rule can match. */
static void protocols(const struct rule *r, bool *tcp, bool *udp, bool *other)
{
	*tcp = *udp = *other = false;
	switch (r->proto) {
	case RULE_PROTO_TCP:
	case RULE_PROTO_HTTP:
	case RULE_PROTO_TLS:
		*tcp = true;
		break;
	case RULE_PROTO_UDP:
		*udp = true;
		break;
	case RULE_PROTO_DNS:
		*tcp = *udp = true;
		break;
	case RULE_PROTO_ICMP:
		*other = true;
		break;
	default:
		*tcp = *udp = *other = true;
		break;
	}
}

static int add_indicators(struct prefilter *pf, const struct addr_set *set, uint32_t ri)
{
	struct addr_range *r;
	uint32_t *ids;
	unsigned n = pf->n_indicators + set->n;

	r = realloc(pf->indicators, (n ? n : 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	pf->indicators = r;
	ids = realloc(pf->indicator_ids, (n ? n : 1) * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	pf->indicator_ids = ids;
	for (uint32_t i = 0; i < set->n; i++) {
		pf->indicators[pf->n_indicators] = set->r[i];
		pf->indicator_ids[pf->n_indicators++] = ri;
	}
	return 0;
}

static int add_rule(struct prefilter *pf, const struct rules_rule *rr, uint32_t ri)
{
	const struct rule *r = rr->r;
	const struct port_set *ports;
	bool tcp, udp, other;

	if (rr->ip_key == RULES_IP_KEY_NEVER)
		return 0; /* matches nothing */
	/* an address indicator: header-only, narrow on one side, any ports
	 * (a header-only rule with ports, like "not from the SCADA masters to
	 * port 502", is judged by its ports like any other) */
	if (r->sport.any && r->dport.any && rr->ip_key == RULES_IP_KEY_SRC)
		return add_indicators(pf, &r->src, ri);
	if (r->sport.any && r->dport.any && rr->ip_key == RULES_IP_KEY_DST)
		return add_indicators(pf, &r->dst, ri);
	protocols(r, &tcp, &udp, &other);
	pf->all_other |= other;
	ports = !r->dport.any ? &r->dport : !r->sport.any ? &r->sport : NULL;
	if (!ports) {
		pf->all_tcp |= tcp;
		pf->all_udp |= udp;
		return 0;
	}
	add_ports(pf, tcp, udp, ports);
	return 0;
}

struct prefilter *prefilter_build(const struct rules_db *db)
{
	struct prefilter *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return NULL;
	for (uint32_t i = 0; i < db->n_rules; i++) {
		if (add_rule(pf, &db->rules[i], i)) {
			prefilter_free(pf);
			return NULL;
		}
	}
	return pf;
}

void prefilter_free(struct prefilter *pf)
{
	if (!pf)
		return;
	free(pf->indicators);
	free(pf->indicator_ids);
	free(pf);
}

bool prefilter_port(const struct prefilter *pf, uint8_t proto, uint16_t port)
{
	if (proto == 6)
		return pf->all_tcp || (pf->tcp_ports[port / 64] >> (port % 64) & 1);
	if (proto == 17)
		return pf->all_udp || (pf->udp_ports[port / 64] >> (port % 64) & 1);
	return pf->all_other;
}

/* ---- libpcap ------------------------------------------------------------- */

struct expr {
	char *s;
	size_t len, cap;
	unsigned terms;
	bool oom;
};

static void put(struct expr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct expr *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(e->s + e->len, e->cap - e->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < e->cap - e->len) {
			e->len += (size_t)n;
			return;
		}
		{
			size_t cap = e->cap * 2 + (size_t)n + 64;
			char *p = realloc(e->s, cap);

			if (!p) {
				e->oom = true;
				return;
			}
			e->s = p;
			e->cap = cap;
		}
	}
}

/* "port 80 or portrange 8000-8080 or ..." for one protocol's bitmap. */
static void ports_expr(struct expr *e, const uint64_t *bits)
{
	bool first = true;

	for (uint32_t p = 0; p < 65536;) {
		uint32_t q;

		if (!(bits[p / 64] >> (p % 64) & 1)) {
			p++;
			continue;
		}
		for (q = p; q + 1 < 65536 && (bits[(q + 1) / 64] >> ((q + 1) % 64) & 1); q++)
			;
		if (q == p)
			put(e, "%sport %u", first ? "" : " or ", p);
		else
			put(e, "%sportrange %u-%u", first ? "" : " or ", p, q);
		first = false;
		e->terms++;
		p = q + 1;
	}
}

static bool any_bit(const uint64_t *bits)
{
	for (unsigned i = 0; i < PREFILTER_PORT_WORDS; i++)
		if (bits[i])
			return true;
	return false;
}

static int net_term(void *ctx, const struct addr128 *base, unsigned bits)
{
	struct expr *e = ctx;
	char a[64];

	addr_format(base, a, sizeof(a));
	if (addr_is_v4(base))
		bits -= 96;
	put(e, " or net %s/%u", a, bits);
	return ++e->terms > PCAP_MAX_TERMS ? -E2BIG : 0;
}

char *prefilter_pcap_expression(const struct prefilter *pf)
{
	struct expr e = {0};
	bool first = true;

	if (pf->all_tcp && pf->all_udp && pf->all_other)
		return NULL; /* everything passes: no filter */
	put(&e, "(");
	if (pf->all_tcp) {
		put(&e, "tcp");
		first = false;
	} else if (any_bit(pf->tcp_ports)) {
		put(&e, "(tcp and (");
		ports_expr(&e, pf->tcp_ports);
		put(&e, "))");
		first = false;
	}
	if (pf->all_udp) {
		put(&e, "%sudp", first ? "" : " or ");
		first = false;
	} else if (any_bit(pf->udp_ports)) {
		put(&e, "%s(udp and (", first ? "" : " or ");
		ports_expr(&e, pf->udp_ports);
		put(&e, "))");
		first = false;
	}
	if (pf->all_other) {
		put(&e, "%s((ip or ip6) and not tcp and not udp)", first ? "" : " or ");
		first = false;
	}
	/* IPv4 fragments after the first carry no ports: keep them. libpcap's
	 * IPv6 port tests look only right after the fixed header: keep IPv6
	 * packets with an extension header (a fragment header among them)
	 * there, for user space to walk */
	put(&e, "%s(ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] != 6 and ip6[6] != 17)",
	    first ? "" : " or ");
	for (unsigned i = 0; i < pf->n_indicators; i++)
		if (iptree_range_to_prefixes(&pf->indicators[i], net_term, &e))
			break;
	put(&e, ")");
	if (e.oom || e.terms > PCAP_MAX_TERMS) {
		free(e.s);
		return NULL;
	}
	{
		/* tagged frames need the same test after "vlan", QinQ after two
		 * (each "vlan" moves the offsets of everything after it) */
		char *inner = e.s;
		struct expr out = {0};

		put(&out, "%s or (vlan and (%s or (vlan and %s)))", inner, inner, inner);
		free(inner);
		if (out.oom) {
			free(out.s);
			return NULL;
		}
		return out.s;
	}
}
