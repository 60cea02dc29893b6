/*
 * buffer.c — names of the inspection buffers (see buffer.h).
 */
#include "buffer.h"

static const char *const buffer_names[BUFFER_MAX] = {
	[BUFFER_PAYLOAD] = "pkt_data",
	[BUFFER_HTTP_URI] = "http.uri",
	[BUFFER_HTTP_HOST] = "http.host",
	[BUFFER_HTTP_METHOD] = "http.method",
	[BUFFER_HTTP_USER_AGENT] = "http.user_agent",
	[BUFFER_DNS_QUERY] = "dns.query",
	[BUFFER_TLS_SNI] = "tls.sni",
};

const char *buffer_name(enum buffer b)
{
	return (unsigned)b < BUFFER_MAX ? buffer_names[b] : "?";
}
