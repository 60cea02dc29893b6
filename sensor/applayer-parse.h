/*
 * applayer-parse.h — what applayer.c hands the protocol parsers
 * (applayer-http.c, applayer-tls.c, applayer-dns.c), and what they answer.
 *
 * Header only: the call context of one parser invocation (flow, direction,
 * sink, the worker's pool, scratch memory and counters) and the inline
 * helpers that emit fields and count. Nothing here is public API.
 *
 * Threading: a struct app_parse lives on the worker's stack for one call.
 */
#ifndef SPOTTER_APPLAYER_PARSE_H
#define SPOTTER_APPLAYER_PARSE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "applayer-buf.h"
#include "applayer.h"
#include "buffer.h"
#include "counter.h"
#include "packet.h"

struct flow;

/* Verdict of a content probe on the first bytes of a direction. */
enum app_probe {
	APP_PROBE_NO = 0,   /* cannot be this protocol */
	APP_PROBE_MORE,     /* could be; more bytes are needed to tell */
	APP_PROBE_YES,
};

/* What a stream parser wants next. */
enum app_status {
	APP_ST_OK = 0,      /* everything consumed, keep parsing */
	APP_ST_STOP,        /* stop parsing this direction */
	APP_ST_REDETECT,    /* rerun detection on the bytes not consumed (CONNECT) */
};

struct app_parse {
	struct flow *f;
	enum flow_dir dir;
	const struct app_sink *sink;
	void *ud;
	const struct applayer_config *cfg;
	struct app_pool *pool;
	counter_t *ctr;                /* [APP_CTR_MAX] */
	uint8_t *scratch;              /* per-worker, valid for this call only */
	uint32_t scratch_len;
};

/* Scratch layout: four HTTP field regions of http_max_header bytes each
 * (URI, Host, User-Agent, Transfer-Encoding), reused by DNS for names. */
#define APP_SCRATCH_REGIONS 4u
#define APP_DNS_NAME_MAX 1025u     /* Suricata's MAX_NAME_LEN */
#define APP_DNS_NAME_BUF (APP_DNS_NAME_MAX + 64u)

static inline void app_emit(const struct app_parse *ap, enum buffer b, const uint8_t *data,
			    uint32_t len)
{
	if (ap->sink && ap->sink->field)
		ap->sink->field(ap->ud, ap->f, ap->dir, b, data, len);
}

static inline void app_tx_end(const struct app_parse *ap)
{
	if (ap->sink && ap->sink->tx_end)
		ap->sink->tx_end(ap->ud, ap->f, ap->dir);
}

static inline void app_count(const struct app_parse *ap, enum app_counter c)
{
	COUNTER_INC(ap->ctr[c]);
}

/*
 * Appends to a bounded message buffer, counting APP_CTR_TOO_LONG when the
 * result would exceed max and APP_CTR_POOL_EXHAUSTED when the pool is dry.
 * Returns 0 or a negative errno (b unchanged).
 */
static inline int app_buf_append_bounded(const struct app_parse *ap, struct app_buf *b,
					 const uint8_t *data, uint32_t n, uint32_t max)
{
	int rc;

	if ((uint64_t)b->len + n > max) {
		app_count(ap, APP_CTR_TOO_LONG);
		return -EMSGSIZE;
	}
	rc = app_buf_append(ap->pool, b, data, n);
	if (rc == -ENOMEM)
		app_count(ap, APP_CTR_POOL_EXHAUSTED);
	else if (rc < 0)
		app_count(ap, APP_CTR_TOO_LONG);
	return rc;
}

static inline uint16_t app_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t app_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

#endif
