/*
 * indicators.c — the indicator catalogue and the planting plan (see
 * indicators.h).
 *
 * Every text indicator is built around a token: 7 to 10 characters from
 * digits and the letters "ghjklmnpqrsvwxz", always containing a digit
 * directly followed by one of those letters — a pair the benign vocabulary
 * never produces — and unique across the catalogue. After the plan is made,
 * check_plan() verifies that no planted text contains another indicator's
 * token, so the expected sightings are exact rather than hoped for.
 */
#include "indicators.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "vocab.h"

#define TOK_LETTERS  "ghjklmnpqrsvwxz"
#define TOK_SET_BITS 16
#define TOK_SET_SIZE (1u << TOK_SET_BITS)
#define MAX_TOKENS   20000u

/* The tokens handed out so far, with the indicator that owns each. */
struct tokens {
	char (*tok)[16];
	uint32_t *owner;
	uint32_t n;
	uint64_t *set; /* open addressing over token hashes, 0 = empty */
};

enum family { FAM_DOMAIN = 1, FAM_URI, FAM_UA, FAM_PAYLOAD, FAM_PCRE, FAM_ADDR };

#define OWNER(fam, i) (((uint32_t)(fam) << 24) | (uint32_t)(i))

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h | 1;
}

static bool tokens_insert(struct tokens *t, const char *s, uint32_t owner)
{
	uint64_t h = hash_str(s);
	uint32_t i = (uint32_t)(h >> (64 - TOK_SET_BITS));

	while (t->set[i]) {
		if (t->set[i] == h)
			return false;
		i = (i + 1) & (TOK_SET_SIZE - 1);
	}
	if (t->n >= MAX_TOKENS)
		return false;
	t->set[i] = h;
	snprintf(t->tok[t->n], sizeof(t->tok[0]), "%s", s);
	t->owner[t->n++] = owner;
	return true;
}

/* A fresh unique token for owner, written to out (at least 11 bytes). */
static void make_token(struct rng *r, struct tokens *t, uint32_t owner, char *out)
{
	static const char digits[] = "0123456789";

	do {
		uint32_t n = rng_range(r, 7, 10);
		uint32_t at = rng_below(r, n - 1);

		for (uint32_t i = 0; i < n; i++)
			out[i] = rng_chance(r, 0.65) ? TOK_LETTERS[rng_below(r, 15)]
						     : digits[rng_below(r, 10)];
		out[0] = TOK_LETTERS[rng_below(r, 15)];
		out[at] = digits[rng_below(r, 10)];
		out[at + 1] = TOK_LETTERS[rng_below(r, 15)];
		out[n] = '\0';
	} while (!tokens_insert(t, out, owner));
}

static const char *const bad_tlds[] = {"top",  "xyz",  "ru", "su", "cc", "biz", "info", "online",
				       "site", "club", "pw", "tk", "ml", "net", "com"};

static void make_domain(struct rng *r, struct tokens *t, uint32_t i, struct ind_domain *d)
{
	char tok[16];
	const char *tld = bad_tlds[rng_below(r, sizeof(bad_tlds) / sizeof(*bad_tlds))];

	make_token(r, t, OWNER(FAM_DOMAIN, i), tok);
	switch (rng_below(r, 5)) {
	case 0:
		snprintf(d->name, sizeof(d->name), "%s.%s", tok, tld);
		break;
	case 1:
		snprintf(d->name, sizeof(d->name), "%s-%s.%s", tok, vocab_word(r), tld);
		break;
	case 2:
		snprintf(d->name, sizeof(d->name), "%s.%s.%s", vocab_word(r), tok, tld);
		break;
	case 3:
		snprintf(d->name, sizeof(d->name), "%s-%s.%s", vocab_word(r), tok, tld);
		break;
	default:
		snprintf(d->name, sizeof(d->name), "cdn.%s.%s", tok, tld);
		break;
	}
	d->bufs = DOM_DNS | (i % 2 == 0 ? DOM_SNI : 0) | ((i / 2) % 2 == 0 ? DOM_HOST : 0);
}

static void make_uri(struct rng *r, struct tokens *t, uint32_t i, struct ind_uri *u)
{
	char tok[16];

	make_token(r, t, OWNER(FAM_URI, i), tok);
	switch (rng_below(r, 6)) {
	case 0:
		snprintf(u->path, sizeof(u->path), "/%s/%s.php", vocab_word(r), tok);
		break;
	case 1:
		snprintf(u->path, sizeof(u->path), "/wp-content/plugins/%s/%s.php", tok,
			 vocab_word(r));
		break;
	case 2:
		snprintf(u->path, sizeof(u->path), "/%s/gate.php", tok);
		break;
	case 3:
		snprintf(u->path, sizeof(u->path), "/images/%s.jpg", tok);
		break;
	case 4:
		snprintf(u->path, sizeof(u->path), "/%s/%s/%s/", vocab_word(r), vocab_word(r), tok);
		break;
	default:
		snprintf(u->path, sizeof(u->path), "/api/%s?id=", tok);
		break;
	}
	u->nocase = rng_chance(r, 0.2);
}

static void make_ua(struct rng *r, struct tokens *t, uint32_t i, struct ind_ua *u)
{
	char tok[16];

	make_token(r, t, OWNER(FAM_UA, i), tok);
	switch (rng_below(r, 4)) {
	case 0:
		snprintf(u->content, sizeof(u->content), "%s/%u.%u", tok, rng_range(r, 1, 9),
			 rng_below(r, 20));
		break;
	case 1:
		snprintf(u->content, sizeof(u->content), "Mozilla/4.0 (compatible; %s)", tok);
		break;
	case 2:
		snprintf(u->content, sizeof(u->content), "%s-agent", tok);
		break;
	default:
		snprintf(u->content, sizeof(u->content), "%s/%u.%u (%s)", vocab_word(r),
			 rng_range(r, 1, 9), rng_below(r, 10), tok);
		break;
	}
	if (rng_chance(r, 0.5))
		snprintf(u->full, sizeof(u->full), "%s", u->content);
	else
		snprintf(u->full, sizeof(u->full), "Mozilla/5.0 (Windows NT 10.0; Win64; x64) %s",
			 u->content);
}

/* Text forms of a payload content around a token. */
static const char *const text_forms[] = {
    "%s.dll", "/%s/", "X-%s-Id: ", "cmd=%s&", "<%s>",	"%s_cfg",
    "upd-%s", "%s",   "GET /%s",   "\"%s\":", "%s.exe", "key=%s",
};

static void make_content(struct rng *r, struct tokens *t, uint32_t owner, uint32_t minlen,
			 uint32_t maxlen, struct ind_content *c)
{
	char tok[16];
	uint32_t kind = rng_below(r, 10);

	memset(c, 0, sizeof(*c));
	if (kind < 2) { /* binary */
		c->len = (uint8_t)rng_range(r, minlen > 8 ? minlen : 8, maxlen < 16 ? maxlen : 16);
		rng_fill(r, c->bytes, c->len);
		return;
	}
	make_token(r, t, owner, tok);
	if (kind < 5) { /* bytes around a token, within maxlen */
		uint32_t tl = (uint32_t)strlen(tok);
		uint32_t avail = maxlen - tl; /* >= 2: maxlen >= 12, tokens <= 10 */
		uint32_t post = rng_below(r, avail - 1 < 3 ? avail - 1 : 3);
		uint32_t pre = 1 + rng_below(r, avail - post < 4 ? avail - post : 4);

		rng_fill(r, c->bytes, pre);
		memcpy(c->bytes + pre, tok, tl);
		rng_fill(r, c->bytes + pre + tl, post);
		c->len = (uint8_t)(pre + tl + post);
	} else {
		char buf[64];
		const char *f = text_forms[rng_below(r, sizeof(text_forms) / sizeof(*text_forms))];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(buf, sizeof(buf), f, tok);
#pragma GCC diagnostic pop
		if (strlen(buf) > maxlen)
			snprintf(buf, sizeof(buf), "%s", tok);
		c->len = (uint8_t)strlen(buf);
		memcpy(c->bytes, buf, c->len);
		c->nocase = rng_chance(r, 0.35);
	}
	while (c->len < minlen)
		c->bytes[c->len++] = (uint8_t)rng_below(r, 256);
}

static void make_payload(struct rng *r, struct tokens *t, uint32_t i, struct ind_payload *p)
{
	static const uint32_t cum[PL_KINDS] = {40, 65, 80, 90, 100};
	uint32_t owner = OWNER(FAM_PAYLOAD, i);

	memset(p, 0, sizeof(*p));
	p->kind = (enum payload_kind)rng_pick(r, cum, PL_KINDS);
	switch (p->kind) {
	case PL_PAIR:
		p->to_client = rng_chance(r, 0.5);
		make_content(r, t, owner, 6, 12, &p->a);
		make_content(r, t, owner, 6, 16, &p->b);
		p->distance = rng_chance(r, 0.6) ? 0 : rng_range(r, 1, 20);
		p->within = p->distance + p->b.len + rng_below(r, 17);
		break;
	case PL_OFFSET:
		make_content(r, t, owner, 8, 24, &p->a);
		p->has_pos = true;
		p->offset = rng_chance(r, 0.5) ? 0 : rng_range(r, 1, 16);
		p->depth = p->offset + p->a.len + (uint32_t)(rng_below(r, 3) * 4);
		break;
	case PL_UDP:
		make_content(r, t, owner, 8, 24, &p->a);
		if (rng_chance(r, 0.5)) {
			p->has_pos = true;
			p->offset = rng_below(r, 9);
			p->depth = p->offset + p->a.len + (uint32_t)(rng_below(r, 3) * 4);
		}
		break;
	case PL_TO_CLIENT:
		p->to_client = true;
		make_content(r, t, owner, 8, 32, &p->a);
		break;
	default:
		make_content(r, t, owner, 8, 32, &p->a);
		break;
	}
}

static void make_pcre(struct rng *r, struct tokens *t, uint32_t i, struct ind_pcre *p)
{
	/* 280 uri, 140 payload, 50 pcre-only, 12 backref, 10 lookbehind, 8 lookahead */
	static const uint32_t cum[PC_KINDS] = {280, 420, 470, 482, 492, 500};

	memset(p, 0, sizeof(*p));
	p->kind = (enum pcre_kind)rng_pick(r, cum, PC_KINDS);
	p->variant = (uint8_t)rng_below(r, 3);
	p->caseless = p->kind <= PC_ONLY && rng_chance(r, 0.3);
	make_token(r, t, OWNER(FAM_PCRE, i), p->tok);
}

void ind_pcre_render(const struct ind_pcre *p, struct ind_content *content, char *re, size_t relen,
		     char *flags, size_t flagslen)
{
	const char *tk = p->tok;
	char c[IND_MAX_CONTENT + 1] = "";

	switch (p->kind) {
	case PC_URI:
		if (p->variant == 0) {
			snprintf(c, sizeof(c), "/%s/", tk);
			snprintf(re, relen, "^\\/%s\\/[a-z0-9]{8}\\.php\\?id=[0-9]{3,6}$", tk);
		} else if (p->variant == 1) {
			snprintf(c, sizeof(c), "%s.php", tk);
			snprintf(re, relen,
				 "\\/[a-z]{2,9}\\/%s\\.php\\?(?:uid|bid|gid)=[A-F0-9]{16}", tk);
		} else {
			snprintf(c, sizeof(c), "/%s", tk);
			snprintf(re, relen,
				 "^\\/%s[0-9]{2,4}\\/(?:index|main|load)\\.(?:asp|aspx|jsp)$", tk);
		}
		break;
	case PC_PAYLOAD:
		if (p->variant == 1) {
			snprintf(c, sizeof(c), "X-%s: ", tk);
			snprintf(re, relen, "X-%s: [a-z0-9+\\/]{12,}={0,2}\\r\\n", tk);
		} else {
			snprintf(c, sizeof(c), "%s=", tk);
			snprintf(re, relen, "%s=[A-Fa-f0-9]{20,40}&(?:id|uid|k)=[0-9]+", tk);
		}
		break;
	case PC_ONLY:
		if (p->variant == 1)
			snprintf(re, relen, "\\x00\\x01%s[\\x20-\\x7e]{4,12}\\x00", tk);
		else
			snprintf(re, relen, "%s[0-9]{2,4}[a-z]{2}\\|[A-Z]{3}\\|", tk);
		break;
	case PC_BACKREF:
		snprintf(c, sizeof(c), "%s-", tk);
		snprintf(re, relen, "%s-([a-z]{4})-\\1", tk);
		break;
	case PC_LOOKBEHIND:
		snprintf(c, sizeof(c), "%s", tk);
		snprintf(re, relen, "(?<=sid=)%s[0-9]{4}", tk);
		break;
	default: /* PC_LOOKAHEAD */
		snprintf(c, sizeof(c), "%s", tk);
		snprintf(re, relen, "%s(?![0-9]{3}x)[a-z0-9]{4}", tk);
		break;
	}
	memset(content, 0, sizeof(*content));
	content->len = (uint8_t)strlen(c);
	memcpy(content->bytes, c, content->len);
	snprintf(flags, flagslen, "%s", p->caseless ? "i" : "");
}

/* A text matching p's expression, written to out; returns its length. */
static uint32_t pcre_sample(struct rng *r, const struct ind_pcre *p, uint8_t *out, size_t len)
{
	static const char lower_alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	static const char upper_hex[] = "0123456789ABCDEF";
	const char *tk = p->tok;
	char s[IND_MAX_TEXT];
	char rnd[48];
	uint32_t i;

	switch (p->kind) {
	case PC_URI:
		if (p->variant == 0) {
			for (i = 0; i < 8; i++)
				rnd[i] = lower_alnum[rng_below(r, 36)];
			rnd[8] = '\0';
			snprintf(s, sizeof(s), "/%s/%s.php?id=%u", tk, rnd,
				 rng_range(r, 100, 999999));
		} else if (p->variant == 1) {
			for (i = 0; i < 16; i++)
				rnd[i] = upper_hex[rng_below(r, 16)];
			rnd[16] = '\0';
			snprintf(s, sizeof(s), "/panel/%s.php?uid=%s", tk, rnd);
		} else {
			snprintf(s, sizeof(s), "/%s%u/main.aspx", tk, rng_range(r, 10, 9999));
		}
		break;
	case PC_PAYLOAD:
		if (p->variant == 1) {
			for (i = 0; i < 16; i++)
				rnd[i] = lower_alnum[rng_below(r, 36)];
			rnd[16] = '\0';
			snprintf(s, sizeof(s), "X-%s: %s==\r\n", tk, rnd);
		} else {
			for (i = 0; i < 24; i++)
				rnd[i] = upper_hex[rng_below(r, 16)];
			rnd[24] = '\0';
			snprintf(s, sizeof(s), "%s=%s&uid=%u", tk, rnd, rng_range(r, 1, 99999));
		}
		break;
	case PC_ONLY:
		if (p->variant == 1) {
			uint32_t n = (uint32_t)snprintf(s, sizeof(s), "..%s%s", tk, "beacon");

			s[0] = 0x00;
			s[1] = 0x01;
			s[n] = 0x00; /* the terminating NUL is part of the match */
			memcpy(out, s, n + 1 < len ? n + 1 : len);
			return n + 1;
		}
		snprintf(s, sizeof(s), "%s%u%s|%s|", tk, rng_range(r, 10, 9999), "ab", "XQZ");
		break;
	case PC_BACKREF:
		for (i = 0; i < 4; i++)
			rnd[i] = (char)('a' + rng_below(r, 26));
		rnd[4] = '\0';
		snprintf(s, sizeof(s), "%s-%s-%s", tk, rnd, rnd);
		break;
	case PC_LOOKBEHIND:
		snprintf(s, sizeof(s), "sid=%s%04u", tk, rng_below(r, 10000));
		break;
	default:
		snprintf(s, sizeof(s), "%s%s", tk, "kq12");
		break;
	}
	i = (uint32_t)strlen(s);
	memcpy(out, s, i < len ? i : len);
	return i;
}

/* Addresses: first octets (IPv4) and first 16 bits (IPv6) of each space.
 * Benign servers (traffic.c) use other prefixes, so no benign flow ever
 * touches an indicator address. */
static const uint8_t v4_single_octets[] = {45,	62,  77,  80,  89,  91,	 94,  103, 109,
					   141, 176, 178, 185, 188, 193, 195, 212, 217};
static const uint8_t v4_cidr_octets[] = {46, 79, 82, 84, 92, 95, 146, 149};
static const uint16_t v6_single_pfx[] = {0x2a02, 0x2a03, 0x2a05, 0x2a06, 0x2a09};
static const uint16_t v6_cidr_pfx[] = {0x2a0b, 0x2a0e, 0x2a10, 0x2a12};

#define N_V4_SINGLE 7000u
#define N_V4_CIDR   1500u
#define N_V6_SINGLE 1000u

static void mask_prefix(uint8_t *a, uint32_t nbytes, uint32_t prefix)
{
	for (uint32_t bit = prefix; bit < nbytes * 8; bit++)
		a[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
}

static void make_addr(struct rng *r, uint32_t i, struct ind_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->inbound = rng_chance(r, 0.3);
	if (i < N_V4_SINGLE + N_V4_CIDR) {
		bool cidr = i >= N_V4_SINGLE;

		rng_fill(r, a->addr, 4);
		a->addr[0] = cidr ? v4_cidr_octets[rng_below(r, sizeof(v4_cidr_octets))]
				  : v4_single_octets[rng_below(r, sizeof(v4_single_octets))];
		if (a->addr[3] == 0 || a->addr[3] == 255)
			a->addr[3] = 7;
		a->prefix = cidr ? (uint8_t)rng_range(r, 20, 30) : 32;
		mask_prefix(a->addr, 4, a->prefix);
	} else {
		bool cidr = i >= N_V4_SINGLE + N_V4_CIDR + N_V6_SINGLE;
		uint16_t pfx = cidr ? v6_cidr_pfx[rng_below(r, 4)] : v6_single_pfx[rng_below(r, 5)];

		a->v6 = true;
		rng_fill(r, a->addr, 16);
		a->addr[0] = (uint8_t)(pfx >> 8);
		a->addr[1] = (uint8_t)pfx;
		a->prefix = cidr ? (uint8_t)(rng_range(r, 3, 4) * 16) : 128;
		mask_prefix(a->addr, 16, a->prefix);
	}
}

bool ind_addr_contains(const struct ind_addr *x, const uint8_t *a, bool v6)
{
	uint32_t full, rest;

	if (x->v6 != v6)
		return false;
	full = x->prefix / 8;
	rest = x->prefix % 8;
	if (memcmp(x->addr, a, full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff00u >> rest);

		if ((a[full] & m) != (x->addr[full] & m))
			return false;
	}
	return true;
}

/* ---- the plan -------------------------------------------------------------- */

struct planner {
	struct indicators *ind;
	struct rng *r;
	uint32_t cap;
	uint32_t *owner; /* owner of each plant, for check_plan() */
};

static struct plant *plant_add(struct planner *pl, enum plant_kind k, const char *family,
			       uint32_t owner)
{
	struct indicators *ind = pl->ind;
	struct plant *p;

	if (ind->n_plants == pl->cap) {
		uint32_t cap = pl->cap ? pl->cap * 2 : 256;
		struct plant *np = realloc(ind->plants, cap * sizeof(*np));
		uint32_t *no = realloc(pl->owner, cap * sizeof(*no));

		if (np)
			ind->plants = np;
		if (no)
			pl->owner = no;
		if (!np || !no)
			return NULL;
		pl->cap = cap;
	}
	pl->owner[ind->n_plants] = owner;
	p = &ind->plants[ind->n_plants++];
	memset(p, 0, sizeof(*p));
	p->kind = k;
	p->family = family;
	return p;
}

static void plant_text(struct plant *p, const void *s, uint32_t n)
{
	if (n > sizeof(p->text))
		n = sizeof(p->text);
	memcpy(p->text, s, n);
	p->text_len = n;
}

/* k distinct indices below n, written to out. */
static void pick_distinct(struct rng *r, uint32_t n, uint32_t k, uint32_t *out)
{
	for (uint32_t i = 0; i < k; i++) {
		bool dup;

		do {
			out[i] = rng_below(r, n);
			dup = false;
			for (uint32_t j = 0; j < i; j++)
				dup |= out[j] == out[i];
		} while (dup);
	}
}

static int plan_domains(struct planner *pl)
{
	uint32_t pick[IND_PLANT_DOMAINS];

	pick_distinct(pl->r, IND_N_DOMAINS, IND_PLANT_DOMAINS, pick);
	for (uint32_t k = 0; k < IND_PLANT_DOMAINS; k++) {
		uint32_t i = pick[k];
		const struct ind_domain *d = &pl->ind->domains[i];
		uint32_t n_dns = rng_range(pl->r, 1, 2);
		struct plant *p;

		for (uint32_t j = 0; j < n_dns; j++) {
			if (!(p = plant_add(pl, PLANT_DNS_QUERY, "domain", OWNER(FAM_DOMAIN, i))))
				return -ENOMEM;
			plant_text(p, d->name, (uint32_t)strlen(d->name));
			p->sids[p->n_sids++] = SID_DNS + i;
		}
		if (d->bufs & DOM_SNI) {
			if (!(p = plant_add(pl, PLANT_TLS_SNI, "domain", OWNER(FAM_DOMAIN, i))))
				return -ENOMEM;
			plant_text(p, d->name, (uint32_t)strlen(d->name));
			p->sids[p->n_sids++] = SID_SNI + i;
		}
		if (d->bufs & DOM_HOST) {
			if (!(p = plant_add(pl, PLANT_HTTP_HOST, "domain", OWNER(FAM_DOMAIN, i))))
				return -ENOMEM;
			plant_text(p, d->name, (uint32_t)strlen(d->name));
			p->sids[p->n_sids++] = SID_HOST + i;
		}
	}
	return 0;
}

static int plan_uris_uas(struct planner *pl)
{
	uint32_t pick[IND_PLANT_URIS > IND_PLANT_UAS ? IND_PLANT_URIS : IND_PLANT_UAS];
	struct plant *p;
	char s[IND_MAX_TEXT];

	pick_distinct(pl->r, IND_N_URIS, IND_PLANT_URIS, pick);
	for (uint32_t k = 0; k < IND_PLANT_URIS; k++) {
		const struct ind_uri *u = &pl->ind->uris[pick[k]];

		if (!(p = plant_add(pl, PLANT_HTTP_URI, "uri", OWNER(FAM_URI, pick[k]))))
			return -ENOMEM;
		if (strchr(u->path, '?'))
			snprintf(s, sizeof(s), "%s%u", u->path, rng_range(pl->r, 1, 99999));
		else if (rng_chance(pl->r, 0.5))
			snprintf(s, sizeof(s), "%s?v=%u", u->path, rng_range(pl->r, 1, 999));
		else
			snprintf(s, sizeof(s), "%s", u->path);
		plant_text(p, s, (uint32_t)strlen(s));
		p->sids[p->n_sids++] = SID_URI + pick[k];
	}
	pick_distinct(pl->r, IND_N_UAS, IND_PLANT_UAS, pick);
	for (uint32_t k = 0; k < IND_PLANT_UAS; k++) {
		const struct ind_ua *u = &pl->ind->uas[pick[k]];

		if (!(p = plant_add(pl, PLANT_HTTP_UA, "ua", OWNER(FAM_UA, pick[k]))))
			return -ENOMEM;
		plant_text(p, u->full, (uint32_t)strlen(u->full));
		p->sids[p->n_sids++] = SID_UA + pick[k];
	}
	return 0;
}

/* Copies c into out, flipping the case of letters at random when nocase. */
static uint32_t content_sample(struct rng *r, const struct ind_content *c, uint8_t *out)
{
	memcpy(out, c->bytes, c->len);
	if (c->nocase)
		for (uint32_t i = 0; i < c->len; i++)
			if (isalpha(out[i]) && rng_chance(r, 0.5))
				out[i] ^= 0x20;
	return c->len;
}

static int plan_payloads(struct planner *pl)
{
	/* planted per kind: to_client, to_server, offset, pair, udp */
	static const uint32_t want[PL_KINDS] = {6, 4, 4, 3, 3};
	uint32_t got[PL_KINDS] = {0};
	const struct indicators *ind = pl->ind;

	for (uint32_t n = 0; n < IND_PLANT_PAYLOADS;) {
		uint32_t i = rng_below(pl->r, IND_N_PAYLOADS);
		const struct ind_payload *x = &ind->payloads[i];
		uint8_t buf[IND_MAX_TEXT];
		uint32_t len = 0, at = 0;
		enum plant_kind k;
		struct plant *p;
		bool dup = false;

		for (uint32_t j = 0; j < ind->n_plants; j++)
			dup |= pl->owner[j] == OWNER(FAM_PAYLOAD, i);
		if (dup || got[x->kind] >= want[x->kind])
			continue;
		got[x->kind]++;
		n++;
		len = content_sample(pl->r, &x->a, buf);
		switch (x->kind) {
		case PL_PAIR:
			for (uint32_t j = 0; j < x->distance; j++)
				buf[len++] = (uint8_t)('a' + rng_below(pl->r, 6)); /* hex letters */
			len += content_sample(pl->r, &x->b, buf + len);
			k = x->to_client ? PLANT_HTTP_RSPBODY : PLANT_HTTP_REQBODY;
			break;
		case PL_OFFSET:
			k = PLANT_TCP_C2;
			at = x->offset;
			break;
		case PL_UDP:
			k = PLANT_UDP_C2;
			at = x->has_pos ? x->offset : rng_below(pl->r, 40);
			break;
		case PL_TO_CLIENT:
			k = PLANT_HTTP_RSPBODY;
			break;
		default:
			k = PLANT_HTTP_REQBODY;
			break;
		}
		if (!(p = plant_add(pl, k, "payload", OWNER(FAM_PAYLOAD, i))))
			return -ENOMEM;
		plant_text(p, buf, len);
		p->at = at;
		p->sids[p->n_sids++] = SID_PAYLOAD + i;
	}
	return 0;
}

static int plan_pcres(struct planner *pl)
{
	/* planted per kind: uri, payload, only, backref, lookbehind, lookahead */
	static const uint32_t want[PC_KINDS] = {4, 2, 2, 1, 1, 0};
	uint32_t got[PC_KINDS] = {0};

	for (uint32_t n = 0; n < IND_PLANT_PCRES;) {
		uint32_t i = rng_below(pl->r, IND_N_PCRES);
		const struct ind_pcre *x = &pl->ind->pcres[i];
		uint8_t buf[IND_MAX_TEXT];
		struct plant *p;
		bool dup = false;

		for (uint32_t j = 0; j < pl->ind->n_plants; j++)
			dup |= pl->owner[j] == OWNER(FAM_PCRE, i);
		if (dup || got[x->kind] >= want[x->kind])
			continue;
		got[x->kind]++;
		n++;
		if (!(p = plant_add(pl, x->kind == PC_URI ? PLANT_HTTP_URI : PLANT_HTTP_REQBODY,
				    "pcre", OWNER(FAM_PCRE, i))))
			return -ENOMEM;
		plant_text(p, buf, pcre_sample(pl->r, x, buf, sizeof(buf)));
		p->sids[p->n_sids++] = SID_PCRE + i;
	}
	return 0;
}

static int plan_addrs(struct planner *pl)
{
	/* 20 IPv4 singles, 4 in IPv4 CIDRs, 4 IPv6 singles, 2 in IPv6 CIDRs */
	static const uint32_t lo[4] = {0, N_V4_SINGLE, N_V4_SINGLE + N_V4_CIDR,
				       N_V4_SINGLE + N_V4_CIDR + N_V6_SINGLE};
	static const uint32_t hi[4] = {N_V4_SINGLE, N_V4_SINGLE + N_V4_CIDR,
				       N_V4_SINGLE + N_V4_CIDR + N_V6_SINGLE, IND_N_ADDRS};
	static const uint32_t want[4] = {20, 4, 4, 2};
	const struct indicators *ind = pl->ind;

	for (uint32_t g = 0; g < 4; g++) {
		uint32_t pick[20];

		pick_distinct(pl->r, hi[g] - lo[g], want[g], pick);
		for (uint32_t k = 0; k < want[g]; k++) {
			const struct ind_addr *x = &ind->addrs[lo[g] + pick[k]];
			uint32_t nbytes = x->v6 ? 16 : 4;
			uint8_t a[16];
			uint32_t flows = rng_range(pl->r, 1, 3);

			/* a host inside the indicator (itself for a single) */
			memcpy(a, x->addr, 16);
			if (x->prefix < nbytes * 8) {
				uint8_t rnd[16];

				rng_fill(pl->r, rnd, 16);
				for (uint32_t bit = x->prefix; bit < nbytes * 8; bit++)
					a[bit / 8] =
					    (uint8_t)((a[bit / 8] & ~(0x80u >> (bit % 8))) |
						      (rnd[bit / 8] & (0x80u >> (bit % 8))));
				a[nbytes - 1] |= 1;
			}
			for (uint32_t f = 0; f < flows; f++) {
				struct plant *p = plant_add(pl, PLANT_SERVER_ADDR, "address",
							    OWNER(FAM_ADDR, lo[g] + pick[k]));

				if (!p)
					return -ENOMEM;
				memcpy(p->addr, a, 16);
				p->v6 = x->v6;
				/* every indicator containing it (CIDRs may overlap) */
				for (uint32_t j = 0; j < IND_N_ADDRS; j++)
					if (ind_addr_contains(&ind->addrs[j], a, x->v6) &&
					    p->n_sids < PLANT_MAX_SIDS)
						p->sids[p->n_sids++] = SID_ADDR + j;
			}
		}
	}
	return 0;
}

/* Every planted text holds its own indicator's tokens and no other's. */
static int check_plan(const struct planner *pl, const struct tokens *t)
{
	char low[IND_MAX_TEXT];

	for (uint32_t i = 0; i < pl->ind->n_plants; i++) {
		const struct plant *p = &pl->ind->plants[i];

		for (uint32_t k = 0; k < p->text_len; k++)
			low[k] = (char)tolower(p->text[k]);
		for (uint32_t j = 0; j < t->n; j++)
			if (t->owner[j] != pl->owner[i] &&
			    memmem(low, p->text_len, t->tok[j], strlen(t->tok[j]))) {
				fprintf(stderr, "benchgen: plant %u (%s) contains token %s\n", i,
					p->family, t->tok[j]);
				return -EINVAL;
			}
	}
	return 0;
}

static void shuffle_plants(struct rng *r, struct indicators *ind)
{
	for (uint32_t i = ind->n_plants; i > 1; i--) {
		uint32_t j = rng_below(r, i);
		struct plant tmp = ind->plants[i - 1];

		ind->plants[i - 1] = ind->plants[j];
		ind->plants[j] = tmp;
	}
}

static int build_catalogue(struct indicators *ind, struct rng *r, struct tokens *t)
{
	ind->domains = calloc(IND_N_DOMAINS, sizeof(*ind->domains));
	ind->uris = calloc(IND_N_URIS, sizeof(*ind->uris));
	ind->uas = calloc(IND_N_UAS, sizeof(*ind->uas));
	ind->payloads = calloc(IND_N_PAYLOADS, sizeof(*ind->payloads));
	ind->pcres = calloc(IND_N_PCRES, sizeof(*ind->pcres));
	ind->addrs = calloc(IND_N_ADDRS, sizeof(*ind->addrs));
	if (!ind->domains || !ind->uris || !ind->uas || !ind->payloads || !ind->pcres ||
	    !ind->addrs)
		return -ENOMEM;
	for (uint32_t i = 0; i < IND_N_DOMAINS; i++)
		make_domain(r, t, i, &ind->domains[i]);
	for (uint32_t i = 0; i < IND_N_URIS; i++)
		make_uri(r, t, i, &ind->uris[i]);
	for (uint32_t i = 0; i < IND_N_UAS; i++)
		make_ua(r, t, i, &ind->uas[i]);
	for (uint32_t i = 0; i < IND_N_PAYLOADS; i++)
		make_payload(r, t, i, &ind->payloads[i]);
	for (uint32_t i = 0; i < IND_N_PCRES; i++)
		make_pcre(r, t, i, &ind->pcres[i]);
	for (uint32_t i = 0; i < IND_N_ADDRS; i++) {
		/* singles must be distinct */
		bool dup;

		do {
			make_addr(r, i, &ind->addrs[i]);
			dup = false;
			if (ind->addrs[i].prefix == 32 || ind->addrs[i].prefix == 128)
				for (uint32_t j = 0; j < i && !dup; j++)
					dup =
					    ind->addrs[j].v6 == ind->addrs[i].v6 &&
					    memcmp(ind->addrs[j].addr, ind->addrs[i].addr, 16) == 0;
		} while (dup);
	}
	return 0;
}

int ind_build(struct indicators *ind, uint64_t seed)
{
	struct tokens t = {0};
	struct planner pl = {.ind = ind};
	struct rng r;
	int err = -ENOMEM;

	memset(ind, 0, sizeof(*ind));
	ind->seed = seed;
	rng_seed(&r, seed, 1);
	pl.r = &r;
	t.tok = calloc(MAX_TOKENS, sizeof(*t.tok));
	t.owner = calloc(MAX_TOKENS, sizeof(*t.owner));
	t.set = calloc(TOK_SET_SIZE, sizeof(*t.set));
	if (!t.tok || !t.owner || !t.set)
		goto out;
	if ((err = build_catalogue(ind, &r, &t)) < 0)
		goto out;
	if ((err = plan_domains(&pl)) < 0 || (err = plan_uris_uas(&pl)) < 0 ||
	    (err = plan_payloads(&pl)) < 0 || (err = plan_pcres(&pl)) < 0 ||
	    (err = plan_addrs(&pl)) < 0)
		goto out;
	if ((err = check_plan(&pl, &t)) < 0)
		goto out;
	shuffle_plants(&r, ind);
out:
	free(pl.owner);
	free(t.tok);
	free(t.owner);
	free(t.set);
	if (err < 0)
		ind_free(ind);
	return err;
}

void ind_free(struct indicators *ind)
{
	free(ind->domains);
	free(ind->uris);
	free(ind->uas);
	free(ind->payloads);
	free(ind->pcres);
	free(ind->addrs);
	free(ind->plants);
	memset(ind, 0, sizeof(*ind));
}

uint32_t ind_expected(const struct indicators *ind, const char *family)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < ind->n_plants; i++)
		if (!family || strcmp(family, ind->plants[i].family) == 0)
			n += ind->plants[i].n_sids;
	return n;
}
