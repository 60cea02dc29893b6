/*
 * applayer.c — application-layer protocol detection, per-flow parser state
 * and dispatch to the HTTP, TLS and DNS parsers (see applayer.h).
 *
 * Detection looks at content first; ports only make weak signatures
 * acceptable. Each TCP direction is examined on its own, from its first
 * bytes, until a probe says yes or every probe says no; at most
 * APP_DETECT_MAX bytes are examined (kept in a small pool buffer while a
 * probe needs more than one segment). Probes, in order of precedence:
 *
 *   HTTP    client: a known method token followed by a space ("GET ",
 *           "POST ", ..., CONNECT, TRACE, PATCH and the WebDAV/DeltaV
 *           methods); "GETX /" is not one. Server: "HTTP/1.".
 *   TLS     a handshake record header 16 03 00..04 with a length of
 *           1..18432, whose handshake message is a ClientHello (client) or
 *           ServerHello (server) of 38..65536 bytes with version 03 00..04
 *           (the handshake header may straddle up to six records).
 *   DNP3    link header 05 64, length >= 5, and a valid CRC over the
 *           8-byte link header (any port, TCP and UDP).
 *   DNS     TCP: only with port 53 on either side: a 2-byte length of at
 *           least 17, a sane header (opcode 0/1/2/4/5, zero bit clear, no
 *           rcode in a query), 1..32 questions, the first question parses
 *           (labels <= 63, name <= 255, type != 0, class IN/CH/HS/NONE/ANY).
 *           UDP port 53: a sane header and all questions parse. UDP on any
 *           other port: the whole message must parse exactly (questions and
 *           all resource records, nothing left over, at least one record or
 *           question, compression pointers only backwards) — arbitrary UDP
 *           practically never does. NetBIOS name service (port 137) uses
 *           the DNS wire format for something else and is not DNS.
 *   Modbus  MBAP header: protocol id 0, length 2..254, and the ADU complete
 *           within the examined bytes: on port 502 one such ADU suffices
 *           (test traffic with illegal function codes stays Modbus);
 *           elsewhere two consecutive ones, function codes not 0 or 0x80.
 *
 * The first direction to say yes labels the flow (f->app_proto; content
 * wins over the port: HTTP on 3000 or TLS on 8443 are found). A direction
 * whose probes all say no is refused; when both are, the flow is labelled
 * APP_PROTO_FAILED and costs nothing more. As in Suricata, a refused client
 * side keeps its first APP_DETECT_MAX bytes (not in a midstream flow): when
 * the server's side then names the protocol ("HTTP/1.1 200" after a request
 * with an unknown method), those bytes are parsed after all. A UDP
 * direction is refused after APP_DETECT_UDP_DGRAMS datagrams that match
 * nothing. A gap before a decision refuses the direction. In a flow picked
 * up midstream the client's side is parsed only if its own bytes show the
 * protocol (its start may be missing; Suricata gives up the same way).
 *
 * Parsing: only the client's direction carries fields (HTTP requests, the
 * TLS ClientHello, DNS queries); DNS over UDP parses each datagram, either
 * direction (responses emit nothing). Modbus and DNP3 are labelled only.
 * After an HTTP CONNECT the client direction is detected again (HTTP or
 * TLS), so the SNI of a proxied TLS session is seen, as in Suricata.
 *
 * Memory: the per-flow state and every buffer come from the worker's pool
 * (applayer-buf.h), capped by the memcap. A flow that gets no state is not
 * inspected (counted once, APP_CTR_POOL_EXHAUSTED).
 *
 * Threading: a context and the flows it serves belong to one worker.
 * Ownership: the context owns the pool and the scratch memory; f->app is
 * owned by the context until applayer_flow_end().
 */
#include "applayer.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "applayer-buf.h"
#include "applayer-dns.h"
#include "applayer-http.h"
#include "applayer-parse.h"
#include "applayer-tls.h"
#include "flow.h"

#define APP_DETECT_MAX 1024u
#define APP_DETECT_UDP_DGRAMS 4u

#define APP_DEF_HTTP_MAX_HEADER (16u * 1024u)
#define APP_DEF_TLS_MAX_HELLO (16u * 1024u)
#define APP_DEF_DNS_TCP_MAX (4u * 1024u)
#define APP_DEF_MEMCAP (32ull * 1024u * 1024u)

#define PORT_DNS 53
#define PORT_MODBUS 502
#define PORT_NBNS 137

enum dir_mode {
	DIR_DETECT = 0,
	DIR_HELD,       /* client side refused: bytes kept in case the server's side decides */
	DIR_PARSE,
	DIR_OFF,
};

/* Probes a direction must skip (zero: all of them run). */
enum {
	SKIP_HTTP = 1 << 0,
	SKIP_TLS = 1 << 1,
	SKIP_DNS = 1 << 2,
	SKIP_MODBUS = 1 << 3,
	SKIP_DNP3 = 1 << 4,
};

struct app_dir {
	struct app_buf det;       /* first bytes, while a probe needs more */
	union {
		struct http_req http;
		struct tls_client tls;
		struct dns_tcp dns;
	} p;
	uint32_t dgrams;          /* UDP datagrams that matched nothing */
	uint8_t mode;             /* enum dir_mode */
	uint8_t parser;           /* enum app_proto of p, in DIR_PARSE */
	uint8_t skip;             /* SKIP_* */
	uint8_t refused;
	uint8_t redetect;         /* detecting again after CONNECT */
};

struct app_flow {
	struct app_dir dir[2];    /* by enum flow_dir */
};

struct applayer_ctx {
	struct applayer_config cfg;
	struct app_pool pool;
	uint8_t *scratch;
	uint32_t scratch_len;
	counter_t ctr[APP_CTR_MAX];
};

/* f->app of a flow that could not get state: never written, compared only. */
static struct app_flow app_flow_none;

const char *const app_counter_names[APP_CTR_MAX] = {
	[APP_CTR_FLOWS_HTTP] = "flows_http",
	[APP_CTR_FLOWS_TLS] = "flows_tls",
	[APP_CTR_FLOWS_DNS] = "flows_dns",
	[APP_CTR_FLOWS_MODBUS] = "flows_modbus",
	[APP_CTR_FLOWS_DNP3] = "flows_dnp3",
	[APP_CTR_FLOWS_FAILED] = "flows_failed",
	[APP_CTR_HTTP_REQUESTS] = "http_requests",
	[APP_CTR_DNS_QUERIES] = "dns_queries",
	[APP_CTR_TLS_CLIENT_HELLOS] = "tls_client_hellos",
	[APP_CTR_PARSE_ERRORS] = "parse_errors",
	[APP_CTR_TOO_LONG] = "too_long",
	[APP_CTR_POOL_EXHAUSTED] = "pool_exhausted",
	[APP_CTR_POOL_BYTES] = "pool_bytes",
};

const char *app_proto_name(enum app_proto p)
{
	static const char *const names[APP_PROTO_MAX] = {
		[APP_PROTO_HTTP] = "http",
		[APP_PROTO_TLS] = "tls",
		[APP_PROTO_DNS] = "dns",
		[APP_PROTO_MODBUS] = "modbus",
		[APP_PROTO_DNP3] = "dnp3",
		[APP_PROTO_FAILED] = "failed",
	};

	return (unsigned)p < APP_PROTO_MAX ? names[p] : NULL;
}

void applayer_config_defaults(struct applayer_config *c)
{
	c->http_max_header = APP_DEF_HTTP_MAX_HEADER;
	c->tls_max_hello = APP_DEF_TLS_MAX_HELLO;
	c->dns_tcp_max = APP_DEF_DNS_TCP_MAX;
	c->memcap = APP_DEF_MEMCAP;
}

static uint32_t clamp_max(uint32_t v, uint32_t def)
{
	if (v == 0)
		return def;
	return v > APP_BUF_LIMIT ? APP_BUF_LIMIT : v;
}

struct applayer_ctx *applayer_ctx_new(const struct applayer_config *cfg)
{
	struct applayer_ctx *ctx = calloc(1, sizeof(*ctx));
	uint32_t max_buf;

	if (!ctx)
		return NULL;
	if (cfg)
		ctx->cfg = *cfg;
	ctx->cfg.http_max_header = clamp_max(ctx->cfg.http_max_header, APP_DEF_HTTP_MAX_HEADER);
	ctx->cfg.tls_max_hello = clamp_max(ctx->cfg.tls_max_hello, APP_DEF_TLS_MAX_HELLO);
	ctx->cfg.dns_tcp_max = clamp_max(ctx->cfg.dns_tcp_max, APP_DEF_DNS_TCP_MAX);
	if (ctx->cfg.memcap == 0)
		ctx->cfg.memcap = APP_DEF_MEMCAP;
	if (ctx->cfg.dns_tcp_max > UINT16_MAX)
		ctx->cfg.dns_tcp_max = UINT16_MAX;
	max_buf = APP_DETECT_MAX;
	if (ctx->cfg.http_max_header > max_buf)
		max_buf = ctx->cfg.http_max_header;
	if (ctx->cfg.tls_max_hello > max_buf)
		max_buf = ctx->cfg.tls_max_hello;
	if (ctx->cfg.dns_tcp_max > max_buf)
		max_buf = ctx->cfg.dns_tcp_max;
	app_pool_init(&ctx->pool, ctx->cfg.memcap, sizeof(struct app_flow), max_buf);
	ctx->scratch_len = APP_SCRATCH_REGIONS * ctx->cfg.http_max_header;
	if (ctx->scratch_len < APP_DNS_NAME_BUF)
		ctx->scratch_len = APP_DNS_NAME_BUF;
	ctx->scratch = malloc(ctx->scratch_len);
	if (!ctx->scratch) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

void applayer_ctx_free(struct applayer_ctx *ctx)
{
	if (!ctx)
		return;
	app_pool_fini(&ctx->pool);
	free(ctx->scratch);
	free(ctx);
}

const counter_t *applayer_ctx_counters(const struct applayer_ctx *ctx)
{
	return ctx->ctr;
}

/* ---- per-flow state ------------------------------------------------------- */

static void pool_gauge(struct applayer_ctx *ctx)
{
	COUNTER_SET(ctx->ctr[APP_CTR_POOL_BYTES], ctx->pool.used);
}

/* The flow's state, created on first use; NULL when none can be had. */
static struct app_flow *flow_state(struct applayer_ctx *ctx, struct flow *f)
{
	struct app_flow *st = f->app;

	if (st)
		return st == &app_flow_none ? NULL : st;
	st = app_pool_obj_get(&ctx->pool);
	pool_gauge(ctx);
	if (!st) {
		COUNTER_INC(ctx->ctr[APP_CTR_POOL_EXHAUSTED]);
		f->app = &app_flow_none;
		return NULL;
	}
	f->app = st;
	return st;
}

static void parse_ctx(struct app_parse *ap, struct applayer_ctx *ctx, struct flow *f,
		      enum flow_dir dir, const struct app_sink *sink, void *ud)
{
	ap->f = f;
	ap->dir = dir;
	ap->sink = sink;
	ap->ud = ud;
	ap->cfg = &ctx->cfg;
	ap->pool = &ctx->pool;
	ap->ctr = ctx->ctr;
	ap->scratch = ctx->scratch;
	ap->scratch_len = ctx->scratch_len;
}

static void parser_release(struct applayer_ctx *ctx, struct app_dir *d)
{
	if (d->mode != DIR_PARSE)
		return;
	switch (d->parser) {
	case APP_PROTO_HTTP:
		app_http_release(&ctx->pool, &d->p.http);
		break;
	case APP_PROTO_TLS:
		app_tls_release(&ctx->pool, &d->p.tls);
		break;
	case APP_PROTO_DNS:
		app_dns_release(&ctx->pool, &d->p.dns);
		break;
	default:
		break;
	}
}

static void dir_off(struct applayer_ctx *ctx, struct app_dir *d)
{
	parser_release(ctx, d);
	app_buf_release(&ctx->pool, &d->det);
	d->mode = DIR_OFF;
}

static bool has_parser(enum app_proto proto, enum flow_dir dir)
{
	return dir == DIR_TO_SERVER &&
	       (proto == APP_PROTO_HTTP || proto == APP_PROTO_TLS || proto == APP_PROTO_DNS);
}

/* Starts the parser of proto on d (or turns d off when dir has none). */
static void parser_start(struct applayer_ctx *ctx, struct app_dir *d, enum app_proto proto,
			 enum flow_dir dir)
{
	parser_release(ctx, d);
	memset(&d->p, 0, sizeof(d->p));
	d->redetect = 0;
	d->parser = (uint8_t)proto;
	d->mode = has_parser(proto, dir) ? DIR_PARSE : DIR_OFF;
	if (d->mode == DIR_OFF)
		app_buf_release(&ctx->pool, &d->det);
}

static void label(struct applayer_ctx *ctx, struct flow *f, enum app_proto proto)
{
	static const enum app_counter ctr[APP_PROTO_MAX] = {
		[APP_PROTO_HTTP] = APP_CTR_FLOWS_HTTP,
		[APP_PROTO_TLS] = APP_CTR_FLOWS_TLS,
		[APP_PROTO_DNS] = APP_CTR_FLOWS_DNS,
		[APP_PROTO_MODBUS] = APP_CTR_FLOWS_MODBUS,
		[APP_PROTO_DNP3] = APP_CTR_FLOWS_DNP3,
		[APP_PROTO_FAILED] = APP_CTR_FLOWS_FAILED,
	};

	f->app_proto = (uint8_t)proto;
	COUNTER_INC(ctx->ctr[ctr[proto]]);
}

/* May a refused direction keep its bytes for a decision by the other side? */
static bool may_hold(const struct flow *f, const struct app_dir *d, enum flow_dir dir)
{
	return dir == DIR_TO_SERVER && f->key.proto == IPPROTO_TCP && !d->redetect &&
	       !(f->flags & FLOW_F_MIDSTREAM) && d->det.len > 0;
}

static void refuse(struct applayer_ctx *ctx, struct app_flow *st, struct flow *f,
		   enum flow_dir dir)
{
	struct app_dir *d = &st->dir[dir];

	d->refused = 1;
	if (f->app_proto == APP_PROTO_UNKNOWN && st->dir[!dir].refused) {
		label(ctx, f, APP_PROTO_FAILED);
		dir_off(ctx, &st->dir[DIR_TO_SERVER]);
		dir_off(ctx, &st->dir[DIR_TO_CLIENT]);
	} else if (d->mode == DIR_DETECT && may_hold(f, d, dir)) {
		d->mode = DIR_HELD;
	} else {
		dir_off(ctx, d);
	}
}

/* ---- probes --------------------------------------------------------------- */

/* CRC-16/DNP (poly 0x3D65, reflected, complemented). */
static uint16_t dnp3_crc(const uint8_t *p, uint32_t n)
{
	uint16_t crc = 0;
	uint32_t i, b;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa6bc) : (uint16_t)(crc >> 1);
	}
	return (uint16_t)~crc;
}

static enum app_probe probe_dnp3(const uint8_t *p, uint32_t n)
{
	if (n >= 1 && p[0] != 0x05)
		return APP_PROBE_NO;
	if (n >= 2 && p[1] != 0x64)
		return APP_PROBE_NO;
	if (n >= 3 && p[2] < 5)
		return APP_PROBE_NO;
	if (n < 10)
		return APP_PROBE_MORE;
	return dnp3_crc(p, 8) == (uint16_t)(p[8] | p[9] << 8) ? APP_PROBE_YES : APP_PROBE_NO;
}

/*
 * One MBAP-framed ADU at p; *adu its length once the header is known. With
 * strict, function code 0 and 0x80 (never valid) are refused too.
 */
static enum app_probe modbus_adu(const uint8_t *p, uint32_t n, bool strict, uint32_t *adu)
{
	uint32_t len;

	if (n >= 4 && (p[2] != 0 || p[3] != 0))
		return APP_PROBE_NO;
	if (n < 6)
		return APP_PROBE_MORE;
	len = app_be16(p + 4);
	if (len < 2 || len > 254)
		return APP_PROBE_NO;
	if (strict && n >= 8 && (p[7] & 0x7f) == 0)
		return APP_PROBE_NO;
	*adu = 6 + len;
	return n >= *adu ? APP_PROBE_YES : APP_PROBE_MORE;
}

static enum app_probe probe_modbus(const uint8_t *p, uint32_t n, bool port502)
{
	uint32_t a = 0, b = 0;
	enum app_probe r = modbus_adu(p, n, !port502, &a);

	if (r != APP_PROBE_YES || port502)
		return r;
	return modbus_adu(p + a, n - a, true, &b);
}

static bool flow_port(const struct flow *f, uint16_t port)
{
	return f->key.port[0] == port || f->key.port[1] == port;
}

/* Folds one probe's verdict in; true on a yes (*proto set). */
static bool verdict(enum app_probe r, enum app_proto p, enum app_proto *proto, bool *more)
{
	if (r == APP_PROBE_YES) {
		*proto = p;
		return true;
	}
	*more |= r == APP_PROBE_MORE;
	return false;
}

/* The probes in order of precedence; the first yes wins. */
static enum app_probe probe_tcp(const struct flow *f, enum flow_dir dir, uint8_t skip,
				const uint8_t *p, uint32_t n, enum app_proto *proto)
{
	bool more = false;

	if (!(skip & SKIP_HTTP) &&
	    verdict(dir == DIR_TO_SERVER ? app_http_probe_request(p, n)
					 : app_http_probe_response(p, n),
		    APP_PROTO_HTTP, proto, &more))
		return APP_PROBE_YES;
	if (!(skip & SKIP_TLS) && verdict(app_tls_probe(p, n, dir), APP_PROTO_TLS, proto, &more))
		return APP_PROBE_YES;
	if (!(skip & SKIP_DNP3) && verdict(probe_dnp3(p, n), APP_PROTO_DNP3, proto, &more))
		return APP_PROBE_YES;
	if (!(skip & SKIP_DNS) && flow_port(f, PORT_DNS) &&
	    verdict(app_dns_probe_tcp(p, n), APP_PROTO_DNS, proto, &more))
		return APP_PROBE_YES;
	if (!(skip & SKIP_MODBUS) &&
	    verdict(probe_modbus(p, n, flow_port(f, PORT_MODBUS)), APP_PROTO_MODBUS, proto, &more))
		return APP_PROBE_YES;
	return more ? APP_PROBE_MORE : APP_PROBE_NO;
}

/* ---- TCP ------------------------------------------------------------------ */

static void dir_input(struct applayer_ctx *ctx, struct app_flow *st, struct app_parse *ap,
		      const uint8_t *data, uint32_t len);

/* Runs the direction's parser; returns the bytes it consumed. */
static uint32_t dir_parse(struct applayer_ctx *ctx, struct app_parse *ap, struct app_dir *d,
			  const uint8_t *data, uint32_t len)
{
	enum app_status r = APP_ST_OK;
	uint32_t used = len;

	switch (d->parser) {
	case APP_PROTO_HTTP:
		r = app_http_data(ap, &d->p.http, data, len, &used);
		break;
	case APP_PROTO_TLS:
		r = app_tls_data(ap, &d->p.tls, data, len);
		break;
	case APP_PROTO_DNS:
		r = app_dns_tcp_data(ap, &d->p.dns, data, len);
		break;
	default:
		break;
	}
	if (r == APP_ST_STOP) {
		dir_off(ctx, d);
		return len;
	}
	if (r == APP_ST_REDETECT) {
		parser_release(ctx, d);
		d->mode = DIR_DETECT;
		d->redetect = 1;
		d->skip = (uint8_t)~(SKIP_HTTP | SKIP_TLS);
	}
	return used;
}

/* Bytes a direction held while detecting go to its parser. */
static void flush_det(struct applayer_ctx *ctx, struct app_flow *st, struct app_parse *ap)
{
	struct app_dir *d = &st->dir[ap->dir];
	struct app_buf held = d->det;

	memset(&d->det, 0, sizeof(d->det));
	if (held.len > 0)
		dir_input(ctx, st, ap, held.data, held.len);
	app_buf_release(&ctx->pool, &held);
}

static uint8_t probe_bit(enum app_proto proto)
{
	switch (proto) {
	case APP_PROTO_HTTP:
		return SKIP_HTTP;
	case APP_PROTO_TLS:
		return SKIP_TLS;
	case APP_PROTO_DNS:
		return SKIP_DNS;
	case APP_PROTO_MODBUS:
		return SKIP_MODBUS;
	case APP_PROTO_DNP3:
		return SKIP_DNP3;
	default:
		return 0;
	}
}

/* Direction ap->dir recognised proto. */
static void decide(struct applayer_ctx *ctx, struct app_flow *st, struct app_parse *ap,
		   enum app_proto proto)
{
	struct flow *f = ap->f;
	struct app_dir *d = &st->dir[ap->dir];
	enum flow_dir odir = ap->dir == DIR_TO_SERVER ? DIR_TO_CLIENT : DIR_TO_SERVER;
	struct app_dir *o = &st->dir[odir];

	if (f->app_proto == APP_PROTO_UNKNOWN) {
		label(ctx, f, proto);
		parser_start(ctx, d, proto, ap->dir);
		if (o->mode == DIR_DETECT && odir == DIR_TO_SERVER && (f->flags & FLOW_F_MIDSTREAM)) {
			/* picked up midstream: the client must show the protocol itself */
			o->skip = (uint8_t)~probe_bit(proto);
		} else if (o->mode == DIR_DETECT || o->mode == DIR_HELD) { /* the other side follows */
			struct app_parse oap = *ap;

			oap.dir = odir;
			parser_start(ctx, o, proto, odir);
			flush_det(ctx, st, &oap);
		}
	} else if (d->redetect) { /* after CONNECT: the tunnel may carry TLS */
		if (proto != f->app_proto)
			label(ctx, f, proto);
		parser_start(ctx, d, proto, ap->dir);
	} else if (proto == f->app_proto) {
		parser_start(ctx, d, proto, ap->dir);
	} else {
		dir_off(ctx, d);
	}
}

/*
 * Detection on a direction's next bytes. Returns the bytes used up: all of
 * them when undecided or refused, none when decided on these bytes alone
 * (the parser starts on them), the part added to the held bytes otherwise
 * (the held bytes have gone to the parser).
 */
static uint32_t dir_detect(struct applayer_ctx *ctx, struct app_flow *st, struct app_parse *ap,
			   const uint8_t *data, uint32_t len)
{
	struct app_dir *d = &st->dir[ap->dir];
	const uint8_t *p = data;
	uint32_t n = len, add = 0;
	enum app_proto proto = APP_PROTO_UNKNOWN;
	enum app_probe r;

	if (d->det.len > 0) {
		add = APP_DETECT_MAX - d->det.len;
		if (add > len)
			add = len;
		if (app_buf_append(&ctx->pool, &d->det, data, add) < 0)
			goto exhausted;
		p = d->det.data;
		n = d->det.len;
	}
	r = probe_tcp(ap->f, ap->dir, d->skip, p, n, &proto);
	if (r == APP_PROBE_MORE && n < APP_DETECT_MAX) {
		if (d->det.len == 0 && app_buf_append(&ctx->pool, &d->det, data, len) < 0)
			goto exhausted;
		return len;
	}
	if (r != APP_PROBE_YES) {
		if (d->det.len == 0 && len <= APP_DETECT_MAX && ap->dir == DIR_TO_SERVER)
			(void)app_buf_append(&ctx->pool, &d->det, data, len); /* kept if it can be */
		refuse(ctx, st, ap->f, ap->dir);
		return len;
	}
	decide(ctx, st, ap, proto);
	if (d->det.len == 0)
		return 0;
	flush_det(ctx, st, ap);
	return add;
exhausted:
	COUNTER_INC(ctx->ctr[APP_CTR_POOL_EXHAUSTED]);
	refuse(ctx, st, ap->f, ap->dir);
	return len;
}

/* A refused client side keeps bytes up to APP_DETECT_MAX, then gives up. */
static uint32_t dir_hold(struct applayer_ctx *ctx, struct app_dir *d, const uint8_t *data,
			 uint32_t len)
{
	if ((uint64_t)d->det.len + len > APP_DETECT_MAX ||
	    app_buf_append(&ctx->pool, &d->det, data, len) < 0)
		dir_off(ctx, d);
	return len;
}

static void dir_input(struct applayer_ctx *ctx, struct app_flow *st, struct app_parse *ap,
		      const uint8_t *data, uint32_t len)
{
	struct app_dir *d = &st->dir[ap->dir];

	while (len > 0) {
		uint32_t used;

		if (d->mode == DIR_PARSE)
			used = dir_parse(ctx, ap, d, data, len);
		else if (d->mode == DIR_DETECT)
			used = dir_detect(ctx, st, ap, data, len);
		else if (d->mode == DIR_HELD)
			used = dir_hold(ctx, d, data, len);
		else
			return;
		data += used;
		len -= used;
	}
}

void applayer_stream_data(struct applayer_ctx *ctx, struct flow *f, enum flow_dir dir,
			  const uint8_t *data, uint32_t len, const struct app_sink *sink,
			  void *ud)
{
	struct app_flow *st;
	struct app_parse ap;

	if (len == 0 || f->app_proto == APP_PROTO_FAILED)
		return;
	st = flow_state(ctx, f);
	if (!st || st->dir[dir].mode == DIR_OFF)
		return;
	parse_ctx(&ap, ctx, f, dir, sink, ud);
	dir_input(ctx, st, &ap, data, len);
	pool_gauge(ctx);
}

void applayer_stream_gap(struct applayer_ctx *ctx, struct flow *f, enum flow_dir dir)
{
	struct app_flow *st = f->app;
	struct app_dir *d;
	struct app_parse ap;

	if (!st || st == &app_flow_none)
		return;
	d = &st->dir[dir];
	if (d->mode == DIR_DETECT) {
		app_buf_release(&ctx->pool, &d->det); /* what was held no longer lines up */
		if (d->redetect)
			dir_off(ctx, d);
		else
			refuse(ctx, st, f, dir);
	} else if (d->mode == DIR_HELD) {
		dir_off(ctx, d);
	} else if (d->mode == DIR_PARSE && d->parser == APP_PROTO_HTTP) {
		parse_ctx(&ap, ctx, f, dir, NULL, NULL);
		app_http_gap(&ap, &d->p.http);
	} else if (d->mode == DIR_PARSE) {
		dir_off(ctx, d); /* TLS and DNS framing cannot be recovered */
	}
}

/* ---- UDP ------------------------------------------------------------------ */

static enum app_proto probe_udp(const struct flow *f, const uint8_t *p, uint32_t n)
{
	bool port53 = flow_port(f, PORT_DNS);

	if (port53 && app_dns_probe_udp(p, n, true) == APP_PROBE_YES)
		return APP_PROTO_DNS;
	if (probe_dnp3(p, n) == APP_PROBE_YES)
		return APP_PROTO_DNP3;
	if (!port53 && !flow_port(f, PORT_NBNS) && app_dns_probe_udp(p, n, false) == APP_PROBE_YES)
		return APP_PROTO_DNS;
	return APP_PROTO_UNKNOWN;
}

void applayer_datagram(struct applayer_ctx *ctx, struct flow *f, const struct packet *p,
		       enum flow_dir dir, const struct app_sink *sink, void *ud)
{
	struct app_flow *st;
	struct app_parse ap;
	enum app_proto proto;

	if (!p->payload || p->payload_len == 0)
		return;
	if (f->app_proto == APP_PROTO_UNKNOWN) {
		st = f->app;
		if (st == &app_flow_none || (st && st->dir[dir].mode == DIR_OFF))
			return;
		proto = probe_udp(f, p->payload, p->payload_len);
		if (proto == APP_PROTO_UNKNOWN) {
			st = flow_state(ctx, f);
			if (st && ++st->dir[dir].dgrams >= APP_DETECT_UDP_DGRAMS)
				refuse(ctx, st, f, dir);
			return;
		}
		label(ctx, f, proto);
	}
	if (f->app_proto != APP_PROTO_DNS)
		return;
	parse_ctx(&ap, ctx, f, dir, sink, ud);
	app_dns_message(&ap, p->payload, p->payload_len);
}

void applayer_flow_end(struct applayer_ctx *ctx, struct flow *f)
{
	struct app_flow *st = f->app;

	f->app = NULL;
	if (!st || st == &app_flow_none)
		return;
	dir_off(ctx, &st->dir[DIR_TO_SERVER]);
	dir_off(ctx, &st->dir[DIR_TO_CLIENT]);
	app_pool_obj_put(&ctx->pool, st);
}
