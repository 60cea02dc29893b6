/*
 * applayer_rec.h — test support for the application-layer tests: a
 * recording sink that writes every field as "name=value\n" (to-client
 * fields prefixed with '<', bytes outside printable ASCII as \xNN) and
 * every tx_end as "--\n", plus hand-built flows and packets.
 *
 * Header only (static functions), included by test_applayer_*.c.
 */
#ifndef SPOTTER_TEST_APPLAYER_REC_H
#define SPOTTER_TEST_APPLAYER_REC_H

#include <stdio.h>
#include <string.h>

#include "applayer.h"
#include "buffer.h"
#include "flow.h"
#include "packet.h"

#define REC_CAP (256u * 1024u)

struct rec {
	char log[REC_CAP];
	size_t len;
	unsigned fields, txs;
	int overflow;
	int bad_dir;        /* a field or tx_end for another flow */
	struct flow *f;
};

static inline void rec_put(struct rec *r, const char *s, size_t n)
{
	if (r->len + n >= REC_CAP) {
		r->overflow = 1;
		return;
	}
	memcpy(r->log + r->len, s, n);
	r->len += n;
	r->log[r->len] = '\0';
}

static inline void rec_field(void *ud, struct flow *f, enum flow_dir dir, enum buffer buf,
		      const uint8_t *data, uint32_t len)
{
	struct rec *r = ud;
	const char *name = buffer_name(buf);
	char tmp[8];
	uint32_t i;

	if (f != r->f)
		r->bad_dir = 1;
	if (dir == DIR_TO_CLIENT)
		rec_put(r, "<", 1);
	rec_put(r, name, strlen(name));
	rec_put(r, "=", 1);
	for (i = 0; i < len; i++) {
		if (data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\\') {
			rec_put(r, (const char *)&data[i], 1);
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", data[i]);
			rec_put(r, tmp, 4);
		}
	}
	rec_put(r, "\n", 1);
	r->fields++;
}

static inline void rec_tx_end(void *ud, struct flow *f, enum flow_dir dir)
{
	struct rec *r = ud;

	if (f != r->f)
		r->bad_dir = 1;
	rec_put(r, dir == DIR_TO_CLIENT ? "<--\n" : "--\n", dir == DIR_TO_CLIENT ? 4 : 3);
	r->txs++;
}

static const struct app_sink rec_sink = {rec_field, rec_tx_end};

static inline void rec_reset(struct rec *r, struct flow *f)
{
	r->len = 0;
	r->log[0] = '\0';
	r->fields = r->txs = 0;
	r->overflow = r->bad_dir = 0;
	r->f = f;
}

/* A zeroed flow with client on key side 0. */
static inline void rec_flow(struct flow *f, uint8_t proto, uint16_t cport, uint16_t sport)
{
	memset(f, 0, sizeof(*f));
	f->key.proto = proto;
	f->key.port[0] = cport;
	f->key.port[1] = sport;
	f->client = 0;
}

static inline void rec_stream(struct applayer_ctx *ctx, struct flow *f, enum flow_dir dir,
		       const void *data, size_t len, struct rec *r)
{
	applayer_stream_data(ctx, f, dir, data, (uint32_t)len, &rec_sink, r);
}

/* Feeds data in segments: cuts at the offsets in cuts[0..ncuts) (ascending). */
static inline void rec_stream_cut(struct applayer_ctx *ctx, struct flow *f, enum flow_dir dir,
			   const void *data, size_t len, const size_t *cuts, size_t ncuts,
			   struct rec *r)
{
	const uint8_t *p = data;
	size_t prev = 0, i;

	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;

		if (end > prev)
			rec_stream(ctx, f, dir, p + prev, end - prev, r);
		prev = end;
	}
}

static inline void rec_datagram(struct applayer_ctx *ctx, struct flow *f, enum flow_dir dir,
			 const void *data, size_t len, struct rec *r)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.payload = data;
	p.payload_len = (uint32_t)len;
	p.proto = 17;
	p.sport = dir == DIR_TO_SERVER ? f->key.port[0] : f->key.port[1];
	p.dport = dir == DIR_TO_SERVER ? f->key.port[1] : f->key.port[0];
	applayer_datagram(ctx, f, &p, dir, &rec_sink, r);
}

static inline uint64_t rec_ctr(const struct applayer_ctx *ctx, enum app_counter c)
{
	return COUNTER_GET(applayer_ctx_counters(ctx)[c]);
}

#endif
