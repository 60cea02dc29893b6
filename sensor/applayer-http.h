/*
 * applayer-http.h — HTTP/1.x request parser (client → server stream).
 *
 * Emits, per request: http.method, http.uri, http.host, http.user_agent
 * (each only when present), then tx_end. See applayer-http.c for the
 * normalisation rules (they follow Suricata's libhtp with the IDS
 * personality Suricata configures).
 *
 * Threading: the state lives in the flow's application-layer state and is
 * touched only by the worker owning the flow.
 */
#ifndef SPOTTER_APPLAYER_HTTP_H
#define SPOTTER_APPLAYER_HTTP_H

#include <stdint.h>

#include "applayer-buf.h"
#include "applayer-parse.h"

struct http_req {
	struct app_buf blk;      /* header block spanning segments */
	uint64_t left;           /* body or chunk bytes still to skip */
	uint32_t reqline_end;    /* block offset past the request line's LF; 0 until seen */
	uint32_t line_len;       /* bytes of the chunk-size line so far */
	uint32_t chunk_val;      /* chunk size being read */
	uint8_t state;           /* enum http_state (applayer-http.c) */
	uint8_t scan;            /* header-end scanner state */
	uint8_t chunk_phase;
	uint8_t bol;             /* resync: next byte starts a line */
	uint8_t chunk_overflow;
};

/* Does a client stream start like an HTTP request ("<METHOD> ")? */
enum app_probe app_http_probe_request(const uint8_t *data, uint32_t len);

/* Does a server stream start like an HTTP response ("HTTP/1.")? */
enum app_probe app_http_probe_response(const uint8_t *data, uint32_t len);

/*
 * Parses in-order client bytes. *consumed is set to the bytes used (all of
 * them unless the status is APP_ST_REDETECT, after a CONNECT request).
 */
enum app_status app_http_data(const struct app_parse *ap, struct http_req *s,
			      const uint8_t *data, uint32_t len, uint32_t *consumed);

/* Bytes are missing: drop any partial request and look for the next one. */
void app_http_gap(const struct app_parse *ap, struct http_req *s);

/* Releases the state's buffer. */
void app_http_release(struct app_pool *pool, struct http_req *s);

#endif
