/*
 * applayer.h — application-layer protocol detection and field extraction.
 *
 * The application layer sees each TCP direction as the in-order stream the
 * reassembler delivers, and each UDP datagram whole. It detects the
 * protocol from content (not only from the port): HTTP/1.x, TLS, DNS (UDP
 * and TCP), and labels Modbus/TCP and DNP3. For the protocols the rule
 * language has sticky buffers for, it extracts the fields and hands them to
 * a sink, one transaction at a time:
 *   HTTP request: http.method, http.uri, http.host, http.user_agent
 *   DNS query:    dns.query (once per question; responses are not queries)
 *   TLS:          tls.sni from the ClientHello
 * A transaction's fields are followed by tx_end(), when detection runs over
 * them together.
 *
 * Field normalisation follows Suricata: http.host is lower-cased without
 * the port; http.uri is the request target, percent-decoded, with an
 * absolute-form target reduced to its path; dns.query is the dotted name
 * without the trailing dot; tls.sni is the server_name as sent.
 *
 * Parsers never read past the data they were given and never allocate per
 * packet: a message that spans segments is accumulated in a bounded buffer
 * from the worker's pool (counted when the pool is exhausted or a message
 * is over its bound, and the flow's parsing for that direction stops).
 *
 * Threading: a context belongs to one worker, like its flows.
 */
#ifndef SPOTTER_APPLAYER_H
#define SPOTTER_APPLAYER_H

#include <stdint.h>

#include "buffer.h"
#include "counter.h"
#include "packet.h"

struct flow;

enum app_proto {
	APP_PROTO_UNKNOWN = 0,
	APP_PROTO_HTTP,
	APP_PROTO_TLS,
	APP_PROTO_DNS,
	APP_PROTO_MODBUS,
	APP_PROTO_DNP3,
	APP_PROTO_FAILED,  /* detection gave up on this flow */
	APP_PROTO_MAX
};

/* "http", "tls", "dns", "modbus", "dnp3", "failed"; NULL for unknown. */
const char *app_proto_name(enum app_proto p);

struct app_sink {
	/* One field of the current transaction in direction dir. The bytes are
	 * valid only during the call. */
	void (*field)(void *ud, struct flow *f, enum flow_dir dir, enum buffer buf,
		      const uint8_t *data, uint32_t len);
	/* The current transaction's fields are complete. */
	void (*tx_end)(void *ud, struct flow *f, enum flow_dir dir);
};

enum app_counter {
	APP_CTR_FLOWS_HTTP = 0,
	APP_CTR_FLOWS_TLS,
	APP_CTR_FLOWS_DNS,
	APP_CTR_FLOWS_MODBUS,
	APP_CTR_FLOWS_DNP3,
	APP_CTR_FLOWS_FAILED,
	APP_CTR_HTTP_REQUESTS,
	APP_CTR_DNS_QUERIES,
	APP_CTR_TLS_CLIENT_HELLOS,
	APP_CTR_PARSE_ERRORS,      /* malformed messages */
	APP_CTR_TOO_LONG,          /* message over its bound */
	APP_CTR_POOL_EXHAUSTED,    /* no buffer for a message spanning segments */
	APP_CTR_POOL_BYTES,        /* gauge: bytes of pool slabs allocated */
	APP_CTR_MAX
};

extern const char *const app_counter_names[APP_CTR_MAX];

struct applayer_config {
	uint32_t http_max_header;  /* request line + headers (default 16 KiB) */
	uint32_t tls_max_hello;    /* ClientHello record(s) (default 16 KiB) */
	uint32_t dns_tcp_max;      /* DNS-over-TCP message (default 4 KiB) */
	uint64_t memcap;           /* pooled buffer bytes per worker (default 32 MiB) */
};

void applayer_config_defaults(struct applayer_config *c);

struct applayer_ctx;

/* Returns NULL on allocation failure. Maxima of 0 take the default; each is
 * clamped to 1 MiB. */
struct applayer_ctx *applayer_ctx_new(const struct applayer_config *cfg);
void applayer_ctx_free(struct applayer_ctx *ctx);

/* In-order TCP bytes of direction dir (from the reassembler). */
void applayer_stream_data(struct applayer_ctx *ctx, struct flow *f, enum flow_dir dir,
			  const uint8_t *data, uint32_t len, const struct app_sink *sink,
			  void *ud);

/* Bytes are missing in direction dir: resynchronise or stop parsing it. */
void applayer_stream_gap(struct applayer_ctx *ctx, struct flow *f, enum flow_dir dir);

/* One UDP datagram's payload. */
void applayer_datagram(struct applayer_ctx *ctx, struct flow *f, const struct packet *p,
		       enum flow_dir dir, const struct app_sink *sink, void *ud);

/* Releases the flow's parser state (f->app). Idempotent. Every flow that
 * reached the application layer must be ended before applayer_ctx_free(). */
void applayer_flow_end(struct applayer_ctx *ctx, struct flow *f);

const counter_t *applayer_ctx_counters(const struct applayer_ctx *ctx);

#endif
