/*
 * applayer-dns.h — DNS over UDP (one message per datagram) and over TCP
 * (2-byte length framing).
 *
 * For a query (QR=0) every question's name is emitted as dns.query (dotted,
 * no trailing dot, label bytes as sent), then tx_end. Responses emit
 * nothing. A message that does not parse emits nothing (as in Suricata,
 * where a malformed request creates no transaction).
 *
 * Threading: the TCP state lives in the flow's application-layer state and
 * is touched only by the worker owning the flow.
 */
#ifndef SPOTTER_APPLAYER_DNS_H
#define SPOTTER_APPLAYER_DNS_H

#include <stdbool.h>
#include <stdint.h>

#include "applayer-buf.h"
#include "applayer-parse.h"

struct dns_tcp {
	struct app_buf msg;      /* message spanning segments */
	uint32_t skip;           /* bytes still to skip (message over its bound) */
	uint16_t need;           /* length of the message being read */
	uint8_t lenbuf[2];
	uint8_t len_have;        /* bytes of the length prefix read */
	uint8_t in_msg;
};

/*
 * Is this datagram DNS? On port 53 a sane header and questions that parse
 * are enough; elsewhere the whole message must parse exactly (questions
 * and every resource record, nothing left over).
 */
enum app_probe app_dns_probe_udp(const uint8_t *data, uint32_t len, bool port53);

/* The first bytes of a TCP stream on port 53: length prefix, sane header,
 * a first question that parses. */
enum app_probe app_dns_probe_tcp(const uint8_t *data, uint32_t len);

/* One whole message (a datagram, or a de-framed TCP message). */
void app_dns_message(const struct app_parse *ap, const uint8_t *msg, uint32_t len);

/* In-order TCP bytes. Always APP_ST_OK: framing survives bad messages. */
enum app_status app_dns_tcp_data(const struct app_parse *ap, struct dns_tcp *s,
				 const uint8_t *data, uint32_t len);

void app_dns_release(struct app_pool *pool, struct dns_tcp *s);

#endif
