/*
 * gen.h — what the traffic scheduler, the session layer and the
 * application models share: the generator state, a flow being generated and
 * the message it is sending.
 *
 * A flow is a conversation between a client (side 0) and a server (side 1).
 * Its application model produces messages one at a time (app_*_next); the
 * session layer (session.c) turns them into packets — TCP handshake,
 * segments of at most the flow's MSS, delayed ACKs, FIN — one packet per
 * session_step() call, so the scheduler can interleave many flows packet by
 * packet. Message bytes are never stored whole: a message is a small header
 * held in the flow plus a body described by kind and length, produced
 * segment by segment straight into the output buffer.
 *
 * Single-threaded. The scheduler owns every struct gflow (allocated at flow
 * start, freed at flow end).
 */
#ifndef BENCHGEN_GEN_H
#define BENCHGEN_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "indicators.h"
#include "pcapw.h"
#include "rng.h"

enum app {
	APP_HTTP = 0,
	APP_TLS,
	APP_DNS,
	APP_MODBUS,
	APP_DNP3,
	APP_ICMP,
	APP_C2_TCP, /* a custom protocol over TCP, only for planted payloads */
	APP_C2_UDP, /* the same over UDP */
	APP_MAX
};

enum body_kind {
	BODY_NONE = 0,
	BODY_HTML, /* cut from the text pools */
	BODY_JSON,
	BODY_SCRIPT,
	BODY_RANDOM, /* compressed or encrypted content */
	BODY_TLS,    /* TLS application-data records of random bytes */
};

#define POOL_KINDS 3	      /* html, json, script */
#define POOL_SIZE  (4u << 20) /* bytes per text pool */
#define HDR_MAX	   4096u
#define TLS_RECORD 16406u /* 5-byte header + 16384 + type + 16-byte tag */

/* The message a flow is sending: hdr_len bytes from the flow's hdr, then
 * the body, then (overlaid anywhere) the planted text. */
struct gmsg {
	uint8_t dir; /* 0 client to server, 1 server to client */
	uint32_t hdr_len;
	uint32_t len; /* header + body */
	uint32_t pos; /* bytes already sent */
	enum body_kind body;
	uint32_t body_seed; /* where in the pool the body starts */
	uint32_t plant_at;  /* message offset of the planted text */
	uint32_t plant_len; /* 0: nothing planted in this message */
};

enum tcp_state {
	TCP_SYN = 0,
	TCP_SYNACK,
	TCP_ACK,
	TCP_DATA,
	TCP_FIN1, /* closer's FIN */
	TCP_FIN2, /* peer's FIN */
	TCP_FIN3, /* closer's last ACK */
	TCP_DONE,
};

struct gflow {
	uint64_t serial;
	enum app app;
	uint8_t proto; /* IPPROTO_TCP / UDP / ICMP / ICMPV6 */
	bool v6;
	uint16_t vlan;
	uint8_t mac[2][6];
	uint8_t addr[2][16];
	uint16_t port[2];
	uint16_t ip_id[2];
	uint8_t ttl[2];
	uint16_t win[2];
	uint16_t mss;	    /* payload bytes per full segment */
	uint32_t seq[2];    /* next sequence number each side sends */
	uint32_t ts_off[2]; /* TCP timestamp clock offset per side */

	enum tcp_state st;
	uint8_t closer;	    /* side that sends the first FIN */
	uint8_t unacked[2]; /* full segments from a side not yet ACKed */
	bool ack_due;
	uint8_t ack_from;

	bool have_msg;
	struct gmsg msg;

	/* application state */
	uint32_t left; /* messages or transactions still to come */
	uint32_t phase;
	uint64_t budget; /* payload bytes the application aims for */
	uint32_t aux[4];

	char name[80];	/* Host, SNI or DNS name of the flow */
	const char *ua; /* HTTP User-Agent */

	const struct plant *plant; /* NULL for an ordinary flow */
	bool plant_done;

	uint64_t est_left; /* estimated wire bytes still to come */
	uint64_t pkts, bytes;
	uint8_t hdr[HDR_MAX];
};

struct traffic_stats;

struct gen {
	struct rng rng;
	struct pcapw w;
	uint64_t now_ns;
	uint8_t *pool[POOL_KINDS];
	struct traffic_stats *st;
	uint64_t outstanding; /* sum of est_left over active flows */
};

/* ---- traffic.c ---- */

struct app_ops {
	void (*start)(struct gen *g, struct gflow *f);
	bool (*next)(struct gen *g, struct gflow *f);
};

extern const struct app_ops app_ops[APP_MAX];

/* Accounts for and timestamps the frame of len bytes just built for f. */
void gen_commit(struct gen *g, struct gflow *f, uint32_t len);

/* ---- session.c ---- */

/* Emits the flow's next packet; returns false once the flow has ended. */
bool session_step(struct gen *g, struct gflow *f);

/* ---- application models: start sets ports, budget and state; next fills
 * f->msg with the next message and returns false when the conversation is
 * over. ---- */
void app_http_start(struct gen *g, struct gflow *f);
bool app_http_next(struct gen *g, struct gflow *f);
void app_tls_start(struct gen *g, struct gflow *f);
bool app_tls_next(struct gen *g, struct gflow *f);
void app_dns_start(struct gen *g, struct gflow *f);
bool app_dns_next(struct gen *g, struct gflow *f);
void app_modbus_start(struct gen *g, struct gflow *f);
bool app_modbus_next(struct gen *g, struct gflow *f);
void app_dnp3_start(struct gen *g, struct gflow *f);
bool app_dnp3_next(struct gen *g, struct gflow *f);
void app_icmp_start(struct gen *g, struct gflow *f);
bool app_icmp_next(struct gen *g, struct gflow *f);
void app_c2_start(struct gen *g, struct gflow *f);
bool app_c2_next(struct gen *g, struct gflow *f);

/* Sets f->msg to a message of hdr_len header bytes (already in f->hdr)
 * followed by body_len body bytes of the given kind. */
static inline void msg_set(struct gen *g, struct gflow *f, uint8_t dir, uint32_t hdr_len,
			   enum body_kind body, uint32_t body_len)
{
	f->msg.dir = dir;
	f->msg.hdr_len = hdr_len;
	f->msg.len = hdr_len + body_len;
	f->msg.pos = 0;
	f->msg.body = body_len ? body : BODY_NONE;
	f->msg.body_seed = rng_below(&g->rng, POOL_SIZE);
	f->msg.plant_at = 0;
	f->msg.plant_len = 0;
}

/* Overlays the flow's planted text at message offset `at` (clipped to the
 * message) and marks the plant as placed. */
static inline void msg_plant(struct gflow *f, uint32_t at)
{
	uint32_t n = f->plant->text_len;

	if (at + n > f->msg.len)
		at = f->msg.len > n ? f->msg.len - n : 0;
	f->msg.plant_at = at;
	f->msg.plant_len = n;
	f->plant_done = true;
}

/* Body length of a TLS record stream for about n bytes (the last record
 * holds at least a header, a type byte and a tag). */
static inline uint32_t tls_body_len(uint32_t n)
{
	uint32_t last = n % TLS_RECORD;

	if (last && last < 22)
		n += 22 - last;
	return n < 22 ? 22 : n;
}

#endif
