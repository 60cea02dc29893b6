/*
 * app-dns.c — DNS over UDP: one query (A, AAAA, HTTPS, TXT, MX or PTR,
 * half with an EDNS0 OPT record) and, almost always, its response (answers
 * with name compression, sometimes a CNAME first; a few NXDOMAIN).
 * Planted: the query name.
 */
#include "gen.h"

#include <stdio.h>
#include <string.h>

#include "vocab.h"

#define T_A	1
#define T_CNAME 5
#define T_PTR	12
#define T_MX	15
#define T_TXT	16
#define T_AAAA	28
#define T_HTTPS 65

static uint8_t *put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p = put16(p, v >> 16);
	return put16(p, v & 0xffff);
}

/* Encodes a dotted name as DNS labels. */
static uint8_t *put_name(uint8_t *p, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);

		if (n > 63)
			n = 63;
		*p++ = (uint8_t)n;
		memcpy(p, name, n);
		p += n;
		name += n;
		if (*name == '.')
			name++;
	}
	*p++ = 0;
	return p;
}

void app_dns_start(struct gen *g, struct gflow *f)
{
	static const uint16_t qtypes[] = {T_A, T_AAAA, T_HTTPS, T_TXT, T_MX, T_PTR};
	static const uint32_t cum[] = {60, 85, 90, 93, 95, 100};

	f->port[1] = 53;
	f->aux[0] = (uint32_t)rng_below(&g->rng, 65536); /* id */
	f->aux[1] = qtypes[rng_pick(&g->rng, cum, 6)];
	f->aux[2] = rng_chance(&g->rng, 0.5); /* EDNS0 */
	if (f->plant) {
		snprintf(f->name, sizeof(f->name), "%.*s", (int)f->plant->text_len, f->plant->text);
		f->aux[1] = T_A;
	} else if (f->aux[1] == T_PTR) {
		snprintf(f->name, sizeof(f->name), "%u.%u.%u.%u.in-addr.arpa",
			 rng_range(&g->rng, 1, 254), rng_below(&g->rng, 256),
			 rng_below(&g->rng, 256), rng_range(&g->rng, 11, 223));
	} else {
		vocab_domain(&g->rng, f->name, sizeof(f->name));
	}
	f->left = rng_chance(&g->rng, 0.99) ? 2 : 1;
}

static uint8_t *opt_record(uint8_t *p)
{
	*p++ = 0;
	p = put16(p, 41);
	p = put16(p, 1232);
	p = put32(p, 0);
	return put16(p, 0);
}

static uint32_t query(struct gflow *f)
{
	uint8_t *p = f->hdr;

	p = put16(p, f->aux[0]);
	p = put16(p, 0x0100);
	p = put16(p, 1);
	p = put16(p, 0);
	p = put16(p, 0);
	p = put16(p, f->aux[2] ? 1 : 0);
	p = put_name(p, f->name);
	p = put16(p, f->aux[1]);
	p = put16(p, 1);
	if (f->aux[2])
		p = opt_record(p);
	return (uint32_t)(p - f->hdr);
}

static uint32_t response(struct gen *g, struct gflow *f)
{
	uint32_t qtype = f->aux[1];
	bool nx = rng_chance(&g->rng, 0.03) && !f->plant;
	uint32_t nans = nx ? 0 : rng_range(&g->rng, 1, 4);
	bool cname = !nx && (qtype == T_A || qtype == T_AAAA) && rng_chance(&g->rng, 0.3);
	uint8_t *p = f->hdr, *an;
	uint32_t n = 0;
	char target[80];

	p = put16(p, f->aux[0]);
	p = put16(p, nx ? 0x8183 : 0x8180);
	p = put16(p, 1);
	an = p;
	p = put16(p, 0);
	p = put16(p, 0);
	p = put16(p, f->aux[2] ? 1 : 0);
	p = put_name(p, f->name);
	p = put16(p, qtype);
	p = put16(p, 1);
	if (cname) {
		vocab_domain(&g->rng, target, sizeof(target));
		p = put16(p, 0xc00c);
		p = put16(p, T_CNAME);
		p = put16(p, 1);
		p = put32(p, rng_range(&g->rng, 30, 3600));
		{
			uint8_t *len = p;
			p = put_name(p + 2, target);
			put16(len, (uint32_t)(p - len - 2));
		}
		n++;
	}
	for (uint32_t i = 0; i < nans && p - f->hdr < 1200; i++, n++) {
		p = put16(p, 0xc00c);
		p = put16(p, qtype == T_AAAA ? T_AAAA : qtype == T_A ? T_A : qtype);
		p = put16(p, 1);
		p = put32(p, rng_range(&g->rng, 30, 86400));
		switch (qtype) {
		case T_A:
			p = put16(p, 4);
			rng_fill(&g->rng, p, 4);
			p[0] = (uint8_t)rng_range(&g->rng, 13, 54);
			p += 4;
			break;
		case T_AAAA:
			p = put16(p, 16);
			rng_fill(&g->rng, p, 16);
			p[0] = 0x26;
			p[1] = 0x06;
			p += 16;
			break;
		case T_MX:
			p = put16(p, 4);
			p = put16(p, 10 * (i + 1));
			p = put16(p, 0xc00c);
			break;
		case T_PTR: {
			uint8_t *len = p;

			vocab_domain(&g->rng, target, sizeof(target));
			p = put_name(p + 2, target);
			put16(len, (uint32_t)(p - len - 2));
			break;
		}
		case T_HTTPS: /* priority 1, target "." */
			p = put16(p, 3);
			p = put16(p, 1);
			*p++ = 0;
			break;
		default: { /* TXT: one character-string */
			uint32_t len = rng_range(&g->rng, 12, 60);

			p = put16(p, len);
			*p++ = (uint8_t)(len - 1);
			for (uint32_t k = 1; k < len; k++)
				*p++ = (uint8_t)('a' + rng_below(&g->rng, 26));
			break;
		}
		}
	}
	put16(an, n);
	if (f->aux[2])
		p = opt_record(p);
	return (uint32_t)(p - f->hdr);
}

bool app_dns_next(struct gen *g, struct gflow *f)
{
	if (f->phase >= f->left)
		return false;
	if (f->phase == 0)
		msg_set(g, f, 0, query(f), BODY_NONE, 0);
	else
		msg_set(g, f, 1, response(g, f), BODY_NONE, 0);
	f->phase++;
	return true;
}
