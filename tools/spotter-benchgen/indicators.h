/*
 * indicators.h — the benchmark's indicator catalogue and the plan of where
 * a few of them are planted in the traffic.
 *
 * The catalogue is derived from the seed alone, so the rule writer and the
 * capture writer (which may run in separate invocations: --rules-only,
 * --capture-only) agree on it. Every indicator carries a token that benign
 * traffic cannot contain (see vocab.h), so an indicator is seen exactly where
 * the plan puts it and nowhere else; the plan therefore also gives the exact
 * number of distinct (rule, flow) sightings a correct sensor reports.
 *
 * Ownership: ind_build() allocates everything in struct indicators;
 * ind_free() releases it. Read-only after ind_build(); single-threaded.
 */
#ifndef BENCHGEN_INDICATORS_H
#define BENCHGEN_INDICATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Catalogue sizes. */
#define IND_N_DOMAINS  3000 /* each has a dns.query rule; half tls.sni, half http.host */
#define IND_N_URIS     1500
#define IND_N_UAS      500
#define IND_N_PAYLOADS 3000
#define IND_N_PCRES    500
#define IND_N_ADDRS    10000

/* How many of each are planted in the traffic. */
#define IND_PLANT_DOMAINS  50
#define IND_PLANT_URIS	   20
#define IND_PLANT_UAS	   10
#define IND_PLANT_PAYLOADS 20
#define IND_PLANT_PCRES	   10
#define IND_PLANT_ADDRS	   30

/* First sid of each rule family. */
#define SID_DNS	    9100000u
#define SID_SNI	    9110000u
#define SID_HOST    9120000u
#define SID_URI	    9130000u
#define SID_UA	    9140000u
#define SID_PAYLOAD 9150000u
#define SID_PCRE    9160000u
#define SID_ADDR    9200000u

#define IND_MAX_CONTENT 40
#define IND_MAX_TEXT	200

enum dom_buf { DOM_DNS = 1, DOM_SNI = 2, DOM_HOST = 4 };

struct ind_domain {
	char name[64];
	uint8_t bufs; /* enum dom_buf bits */
};

struct ind_uri {
	char path[96];
	bool nocase;
};

struct ind_ua {
	char content[96]; /* what the rule matches */
	char full[200];	  /* a whole User-Agent containing it, for planting */
};

enum payload_kind {
	PL_TO_CLIENT, /* in a server's response stream */
	PL_TO_SERVER, /* in a client's request stream */
	PL_OFFSET,    /* at a fixed offset of a client stream (custom TCP protocol) */
	PL_PAIR,      /* two contents with distance/within, either direction */
	PL_UDP,	      /* in a UDP datagram, some at a fixed offset */
	PL_KINDS
};

struct ind_content {
	uint8_t bytes[IND_MAX_CONTENT];
	uint8_t len;
	bool nocase;
};

struct ind_payload {
	enum payload_kind kind;
	bool to_client;		 /* direction (PL_TO_CLIENT, PL_PAIR) */
	struct ind_content a, b; /* b only for PL_PAIR */
	bool has_pos;		 /* a has offset/depth */
	uint32_t offset, depth;
	uint32_t distance, within; /* b relative to a (PL_PAIR) */
};

enum pcre_kind {
	PC_URI,	       /* http.uri content + pcre */
	PC_PAYLOAD,    /* payload content + pcre */
	PC_ONLY,       /* pcre alone, Hyperscan-compatible */
	PC_BACKREF,    /* content + pcre with a backreference */
	PC_LOOKBEHIND, /* content + pcre with a lookbehind */
	PC_LOOKAHEAD,  /* content + pcre with a negative lookahead */
	PC_KINDS
};

struct ind_pcre {
	enum pcre_kind kind;
	uint8_t variant;
	bool caseless;
	char tok[16];
};

struct ind_addr {
	uint8_t addr[16]; /* network address; 4 bytes used for IPv4 */
	uint8_t prefix;	  /* 32 / 128 for a single address */
	bool v6;
	bool inbound; /* rule is ADDR -> $HOME_NET rather than $HOME_NET -> ADDR */
};

enum plant_kind {
	PLANT_DNS_QUERY,    /* a DNS query for text */
	PLANT_TLS_SNI,	    /* a TLS session with SNI text */
	PLANT_HTTP_HOST,    /* an HTTP session with Host text */
	PLANT_HTTP_URI,	    /* one request of an HTTP session targets text */
	PLANT_HTTP_UA,	    /* an HTTP session whose User-Agent is text */
	PLANT_HTTP_REQBODY, /* text inside one POST body */
	PLANT_HTTP_RSPBODY, /* text inside one response body */
	PLANT_TCP_C2,	    /* a custom TCP session whose first client bytes hold text at `at` */
	PLANT_UDP_C2,	    /* a UDP exchange whose first datagram holds text at `at` */
	PLANT_SERVER_ADDR,  /* an HTTP or TLS session with this server address */
	PLANT_KINDS
};

#define PLANT_MAX_SIDS 8

/* One planted flow: what goes in it and which rules it must trigger. */
struct plant {
	enum plant_kind kind;
	const char *family; /* "domain", "uri", "ua", "payload", "pcre", "address" */
	uint8_t text[IND_MAX_TEXT];
	uint32_t text_len;
	uint32_t at;	  /* offset of text (PLANT_TCP_C2, PLANT_UDP_C2) */
	uint8_t addr[16]; /* PLANT_SERVER_ADDR */
	bool v6;
	uint32_t sids[PLANT_MAX_SIDS];
	uint32_t n_sids;
};

struct indicators {
	uint64_t seed;
	struct ind_domain *domains;
	struct ind_uri *uris;
	struct ind_ua *uas;
	struct ind_payload *payloads;
	struct ind_pcre *pcres;
	struct ind_addr *addrs;
	struct plant *plants; /* in the order they appear in the capture */
	uint32_t n_plants;
};

/* Builds the catalogue and the plan from seed. Returns 0 or -ENOMEM. */
int ind_build(struct indicators *ind, uint64_t seed);
void ind_free(struct indicators *ind);

/* The pcre rule of p: content (may be empty: *content_len 0), expression and
 * flags ("", "i"). */
void ind_pcre_render(const struct ind_pcre *p, struct ind_content *content, char *re, size_t relen,
		     char *flags, size_t flagslen);

/* Expected distinct (rule, flow) sightings: in total and for one family. */
uint32_t ind_expected(const struct indicators *ind, const char *family);

/* True when a (a v4 or v6 address of 4/16 bytes) lies inside indicator x. */
bool ind_addr_contains(const struct ind_addr *x, const uint8_t *a, bool v6);

#endif
