/*
 * app-http.c — HTTP/1.1 sessions: one or more keep-alive requests (GET
 * mostly, some POST with JSON bodies, HEAD, PUT, OPTIONS, DELETE) with
 * browser-like headers, and responses of varied status, content type and
 * size (HTML, JSON and script text; images and gzip-encoded content as
 * random bytes). Planted: the Host, the User-Agent, one request's URI, text
 * inside one POST body or one response body.
 */
#include "gen.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vocab.h"

enum { PH_REQ = 0, PH_RSP };

/* aux[0]: requests sent, aux[1]: the request that carries the plant,
 * aux[2]: method of the last request (index into methods) */
static const char *const methods[] = {"GET", "POST", "HEAD", "PUT", "OPTIONS", "DELETE"};
static const uint32_t method_cum[] = {80, 92, 95, 97, 99, 100};

static const char *const servers[] = {"nginx/1.24.0", "Apache/2.4.57 (Debian)",
				      "cloudflare",   "Microsoft-IIS/10.0",
				      "nginx",	      "AmazonS3",
				      "gws",	      "envoy"};

/* This response's share of the flow's remaining payload budget: shares are
 * random (uniform between 0 and twice the even share) and the last response
 * takes the rest, so the flow's body bytes add up to its budget. */
static uint32_t body_size(struct gen *g, struct gflow *f)
{
	uint32_t responses_left = f->left - f->aux[0];
	double v = responses_left <= 1
		       ? (double)f->budget
		       : (double)f->budget * 2.0 * rng_unit(&g->rng) / responses_left;

	return v > 32e6 ? 32000000u : (uint32_t)v;
}

static void http_date(const struct gen *g, char *buf, size_t len)
{
	time_t t = (time_t)(g->now_ns / 1000000000u);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void app_http_start(struct gen *g, struct gflow *f)
{
	enum plant_kind pk = f->plant ? f->plant->kind : PLANT_KINDS;

	f->port[1] = rng_chance(&g->rng, 0.9) ? 80 : 8080;
	f->left = 1;
	while (f->left < 10 && rng_chance(&g->rng, 0.55))
		f->left++;
	f->aux[1] = rng_below(&g->rng, f->left);
	if (pk == PLANT_HTTP_HOST)
		snprintf(f->name, sizeof(f->name), "%.*s", (int)f->plant->text_len, f->plant->text);
	else
		vocab_domain(&g->rng, f->name, sizeof(f->name));
	f->ua = vocab_user_agent(&g->rng);
}

static bool planted(const struct gflow *f, enum plant_kind k)
{
	return f->plant && f->plant->kind == k && !f->plant_done && f->aux[0] == f->aux[1];
}

static void request(struct gen *g, struct gflow *f)
{
	char uri[IND_MAX_TEXT + 1];
	char ua[IND_MAX_TEXT + 1];
	uint32_t m = rng_pick(&g->rng, method_cum, 6), body = 0;
	int n;

	if (planted(f, PLANT_HTTP_REQBODY))
		m = 1;
	if (planted(f, PLANT_HTTP_URI)) {
		snprintf(uri, sizeof(uri), "%.*s", (int)f->plant->text_len, f->plant->text);
		f->plant_done = true;
	} else {
		vocab_uri(&g->rng, uri, sizeof(uri));
	}
	if (f->plant && f->plant->kind == PLANT_HTTP_UA)
		snprintf(ua, sizeof(ua), "%.*s", (int)f->plant->text_len, f->plant->text);
	else
		snprintf(ua, sizeof(ua), "%s", f->ua);
	if (m == 1 || m == 3) {
		body = (uint32_t)rng_lognormal(&g->rng, 700, 1.0);
		if (body > 60000)
			body = 60000;
		if (body < 20)
			body = 20;
		if (planted(f, PLANT_HTTP_REQBODY) && body < f->plant->text_len + 64)
			body = f->plant->text_len + 64;
	}
	n = snprintf((char *)f->hdr, HDR_MAX,
		     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: %s\r\n"
		     "Accept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\n",
		     methods[m], uri, f->name, ua,
		     m == 0 ? "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
			    : "*/*");
	if (rng_chance(&g->rng, 0.4))
		n += snprintf((char *)f->hdr + n, HDR_MAX - (size_t)n,
			      "Referer: http://%s/%s/%s.html\r\n", f->name, vocab_word(&g->rng),
			      vocab_word(&g->rng));
	if (rng_chance(&g->rng, 0.5))
		n += snprintf((char *)f->hdr + n, HDR_MAX - (size_t)n,
			      "Cookie: session=%016llx; %s=%08x\r\n",
			      (unsigned long long)rng_next(&g->rng), vocab_word(&g->rng),
			      (unsigned)rng_next(&g->rng));
	if (body)
		n += snprintf((char *)f->hdr + n, HDR_MAX - (size_t)n,
			      "Content-Type: application/json\r\nContent-Length: %u\r\n", body);
	n += snprintf((char *)f->hdr + n, HDR_MAX - (size_t)n, "Connection: keep-alive\r\n\r\n");
	msg_set(g, f, 0, (uint32_t)n, BODY_JSON, body);
	if (body && planted(f, PLANT_HTTP_REQBODY))
		msg_plant(f, (uint32_t)n + rng_below(&g->rng, body - f->plant->text_len + 1));
	f->aux[2] = m;
}

static void response(struct gen *g, struct gflow *f)
{
	static const char *const ctype[] = {"text/html; charset=utf-8", "application/json",
					    "application/javascript", "image/jpeg",
					    "text/html; charset=utf-8"};
	static const enum body_kind bkind[] = {BODY_HTML, BODY_JSON, BODY_SCRIPT, BODY_RANDOM,
					       BODY_RANDOM};
	static const uint32_t ct_cum[] = {30, 55, 70, 88, 100};
	char date[64];
	uint32_t r = rng_below(&g->rng, 100), ct = rng_pick(&g->rng, ct_cum, 5), body;
	const char *status = "200 OK";
	bool plant = planted(f, PLANT_HTTP_RSPBODY);
	int n;

	body = body_size(g, f);
	if (plant) {
		ct = rng_below(&g->rng, 2);
		if (body < f->plant->text_len + 256)
			body = f->plant->text_len + 256;
	} else if (r < 5) {
		status = "304 Not Modified";
		body = 0;
	} else if (r < 9) {
		status = "404 Not Found";
		ct = 0;
		body = rng_range(&g->rng, 150, 600);
	} else if (r < 12) {
		status = r < 11 ? "301 Moved Permanently" : "302 Found";
		ct = 0;
		body = rng_range(&g->rng, 150, 400);
	} else if (r < 13) {
		status = "500 Internal Server Error";
		ct = 0;
		body = rng_range(&g->rng, 100, 300);
	}
	if (f->aux[2] == 2 || f->aux[2] == 4) /* HEAD, OPTIONS */
		body = 0;
	f->budget -= body < f->budget ? body : f->budget;
	http_date(g, date, sizeof(date));
	n = snprintf((char *)f->hdr, HDR_MAX,
		     "HTTP/1.1 %s\r\nDate: %s\r\nServer: %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %u\r\n%sCache-Control: max-age=%u\r\n",
		     status, date, servers[rng_below(&g->rng, 8)], ctype[ct], body,
		     ct == 4 ? "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n" : "",
		     rng_range(&g->rng, 0, 86400));
	if (rng_chance(&g->rng, 0.5))
		n += snprintf((char *)f->hdr + n, HDR_MAX - (size_t)n, "ETag: \"%08x%04x\"\r\n",
			      (unsigned)rng_next(&g->rng), rng_below(&g->rng, 65536));
	n += snprintf((char *)f->hdr + n, HDR_MAX - (size_t)n, "Connection: keep-alive\r\n\r\n");
	msg_set(g, f, 1, (uint32_t)n, bkind[ct], body);
	if (plant)
		msg_plant(f, (uint32_t)n + rng_below(&g->rng, body - f->plant->text_len + 1));
}

bool app_http_next(struct gen *g, struct gflow *f)
{
	if (f->phase == PH_REQ) {
		if (f->aux[0] >= f->left)
			return false;
		request(g, f);
		f->phase = PH_RSP;
	} else {
		response(g, f);
		f->phase = PH_REQ;
		f->aux[0]++;
	}
	return true;
}
