/*
 * buffer.h — the inspection buffers a rule's content and pcre can apply to.
 *
 * BUFFER_PAYLOAD is the default: the reassembled stream of one direction for
 * TCP, the (defragmented) packet payload for UDP, ICMP and other protocols.
 * The rest are the sticky buffers, each filled by an application-layer parser.
 */
#ifndef SPOTTER_BUFFER_H
#define SPOTTER_BUFFER_H

enum buffer {
	BUFFER_PAYLOAD = 0,
	BUFFER_HTTP_URI,
	BUFFER_HTTP_HOST,
	BUFFER_HTTP_METHOD,
	BUFFER_HTTP_USER_AGENT,
	BUFFER_DNS_QUERY,
	BUFFER_TLS_SNI,
	BUFFER_MAX
};

/* Canonical keyword of a buffer ("pkt_data", "http.uri", ...). */
const char *buffer_name(enum buffer b);

#endif
