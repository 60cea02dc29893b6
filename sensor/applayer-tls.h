/*
 * applayer-tls.h — TLS ClientHello parser (client → server stream).
 *
 * Reads the record layer, reassembles the first handshake message across
 * records and segments, and from the ClientHello emits tls.sni (the first
 * server_name entry of type host_name), then tx_end. After the ClientHello
 * the direction is not parsed any further.
 *
 * Threading: the state lives in the flow's application-layer state and is
 * touched only by the worker owning the flow.
 */
#ifndef SPOTTER_APPLAYER_TLS_H
#define SPOTTER_APPLAYER_TLS_H

#include <stdint.h>

#include "applayer-buf.h"
#include "applayer-parse.h"

struct tls_client {
	struct app_buf hs;       /* handshake bytes, when the message spans records/segments */
	uint32_t rec_left;       /* payload bytes left in the current record */
	uint32_t hs_need;        /* 4 + handshake length, once known; 0 before */
	uint8_t hdr[5];          /* record header being read */
	uint8_t hdr_len;
	uint8_t in_record;
	uint8_t records;         /* records started so far (saturating) */
};

/*
 * Does a stream start with a TLS handshake record carrying a ClientHello
 * (dir DIR_TO_SERVER) or a ServerHello (DIR_TO_CLIENT)? Looks at the record
 * header and the first handshake bytes, across up to six small records.
 */
enum app_probe app_tls_probe(const uint8_t *data, uint32_t len, enum flow_dir dir);

/* Parses in-order client bytes; APP_ST_STOP once the ClientHello is done. */
enum app_status app_tls_data(const struct app_parse *ap, struct tls_client *s,
			     const uint8_t *data, uint32_t len);

void app_tls_release(struct app_pool *pool, struct tls_client *s);

#endif
