/*
 * test_detect.c — the detection engine through a worker, in process:
 * hand-built packets go through decode, flow, stream and the application
 * layer into detection, and the records in the worker's output ring are
 * read back. Each modifier is tested at its edges with a near miss beside
 * it; the same flow never raises a rule twice.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "decode-test.h"
#include "detect-engine.h"
#include "vars.h"
#include "worker.h"

#define CLI 0x0a000005u /* 10.0.0.5 */
#define SRV 0xc6336407u /* 198.51.100.7 */

struct harness {
	struct detect_engine *de;
	struct worker *w;
	uint64_t ts;
	uint64_t cnt;
	/* records read back: sid and kind, count for sighting records */
	uint32_t sid[64];
	uint8_t kind[64];
	uint32_t count[64];
	uint32_t src_port[64];
	unsigned n;
};

static struct detect_engine *engine_of(const char *rules)
{
	struct vars *v = vars_new();
	struct ruleset *rs = ruleset_new();
	struct rules_db *db = NULL;
	struct detect_engine *de = NULL;
	struct detect_config dc;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(ruleset_load_string(rs, "t.rules", rules, v), 0);
	if (rs->n_errors) {
		rule_error_format(&rs->errors[0], err, sizeof(err));
		fprintf(stderr, "%s\n", err);
	}
	CU_ASSERT_EQUAL_FATAL(rs->n_errors, 0);
	CU_ASSERT_EQUAL_FATAL(rules_db_compile(rs, &db, NULL, err, sizeof(err)), 0);
	detect_config_defaults(&dc);
	dc.sensor_id = "unit";
	CU_ASSERT_EQUAL_FATAL(detect_engine_new(db, &dc, &de, err, sizeof(err)), 0);
	de->generation = 1;
	vars_free(v);
	return de;
}

static void h_init(struct harness *h, const char *rules)
{
	struct worker_config wc;
	char err[256];

	memset(h, 0, sizeof(*h));
	h->ts = 1795373430ull * 1000000000ull;
	h->de = engine_of(rules);
	worker_config_defaults(&wc);
	wc.flow.memcap = 1 << 20;
	wc.flow.hash_size = 1024;
	h->w = worker_new(0, &wc, h->de, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->w);
}

static void h_feed(struct harness *h, const uint8_t *frame, size_t len)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.data = frame;
	p.caplen = p.wirelen = (uint32_t)len;
	p.ts_ns = (h->ts += 1000000);
	p.pcap_cnt = ++h->cnt;
	p.linktype = LINKTYPE_ETHERNET;
	worker_process(h->w, &p);
}

static void tcp(struct harness *h, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		uint8_t flags, uint32_t seq, uint32_t ack, const char *data)
{
	uint8_t f[2048];
	size_t n = strlen(data), off = dt_eth(f, 0x0800);

	off += dt_ipv4(f + off, 6, src, dst, 20 + (uint32_t)n, 1, 0);
	off += dt_tcp(f + off, sport, dport, seq, ack, flags);
	memcpy(f + off, data, n);
	h_feed(h, f, off + n);
}

static void udp(struct harness *h, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		const char *data)
{
	uint8_t f[2048];
	size_t n = strlen(data), off = dt_eth(f, 0x0800);

	off += dt_ipv4(f + off, 17, src, dst, 8 + (uint32_t)n, 1, 0);
	off += dt_udp(f + off, sport, dport, (uint32_t)n);
	memcpy(f + off, data, n);
	h_feed(h, f, off + n);
}

/* A client (10.0.0.5:port) to server (198.51.100.7:80) session. */
struct session {
	struct harness *h;
	uint16_t port;
	uint32_t cseq, sseq;
};

static struct session open_session(struct harness *h, uint16_t port)
{
	struct session s = {h, port, 1000, 5000};

	tcp(h, CLI, port, SRV, 80, TCP_SYN, s.cseq++, 0, "");
	tcp(h, SRV, 80, CLI, port, TCP_SYN | TCP_ACK, s.sseq++, s.cseq, "");
	tcp(h, CLI, port, SRV, 80, TCP_ACK, s.cseq, s.sseq, "");
	return s;
}

static void c_send(struct session *s, const char *data)
{
	tcp(s->h, CLI, s->port, SRV, 80, TCP_ACK | TCP_PSH, s->cseq, s->sseq, data);
	s->cseq += (uint32_t)strlen(data);
}

static void s_send(struct session *s, const char *data)
{
	tcp(s->h, SRV, 80, CLI, s->port, TCP_ACK | TCP_PSH, s->sseq, s->cseq, data);
	s->sseq += (uint32_t)strlen(data);
}

/* Ends all flows and reads every record from the output ring. */
static void h_finish(struct harness *h)
{
	const struct output_record *rec;

	worker_finish(h->w);
	while ((rec = output_ring_peek(&h->w->out))) {
		const char *js = output_record_json(rec);
		char buf[4096];
		const char *p;

		snprintf(buf, sizeof(buf), "%.*s", (int)rec->json_len, js);
		if (h->n < 64) {
			p = strstr(buf, "\"signature_id\":");
			h->sid[h->n] = p ? (uint32_t)strtoul(p + 15, NULL, 10) : 0;
			h->kind[h->n] = rec->kind;
			p = strstr(buf, "\"count\":");
			h->count[h->n] = p ? (uint32_t)strtoul(p + 8, NULL, 10) : 1;
			p = strstr(buf, "\"src_port\":");
			h->src_port[h->n] = p ? (uint32_t)strtoul(p + 11, NULL, 10) : 0;
			h->n++;
		}
		output_ring_release(&h->w->out, rec);
	}
}

static void h_fini(struct harness *h)
{
	worker_free(h->w);
	detect_engine_free(h->de);
}

/* Number of alert records for sid. */
static unsigned alerts(const struct harness *h, uint32_t sid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < h->n; i++)
		n += h->kind[i] == OUTPUT_ALERT && h->sid[i] == sid;
	return n;
}

/* The final count of a sighting of sid (1 when no sighting record). */
static uint32_t final_count(const struct harness *h, uint32_t sid)
{
	for (unsigned i = 0; i < h->n; i++)
		if (h->kind[i] == OUTPUT_SIGHTING && h->sid[i] == sid)
			return h->count[i];
	return alerts(h, sid) ? 1 : 0;
}

#define R(opts, sid) "alert tcp any any -> any any (msg:\"t\"; " opts " sid:" #sid ";)\n"

static void test_stream_content(void)
{
	struct harness h;
	struct session s;

	h_init(&h, R("content:\"evil-payload\";", 1) R("content:\"EVIL-PAYLOAD\";", 2)
			   R("content:\"EVIL-PAYLOAD\"; nocase;", 3));
	s = open_session(&h, 40001);
	c_send(&s, "xxevil-pa");   /* split across three segments */
	c_send(&s, "yl");
	c_send(&s, "oad and evil-payload again");
	c_send(&s, "evil-payload");
	h_finish(&h);
	CU_ASSERT_EQUAL(alerts(&h, 1), 1);
	CU_ASSERT_EQUAL(final_count(&h, 1), 2); /* counted once per packet */
	CU_ASSERT_EQUAL(alerts(&h, 2), 0);       /* case differs */
	CU_ASSERT_EQUAL(alerts(&h, 3), 1);
	h_fini(&h);
}

static void test_offset_depth(void)
{
	struct harness h;
	struct session s;

	/* "ABC" must lie within stream bytes [2, 6) */
	h_init(&h, R("content:\"ABC\"; offset:2; depth:4;", 10));
	s = open_session(&h, 40010);
	c_send(&s, "..ABC");        /* bytes 2..4: inside */
	s = open_session(&h, 40011);
	c_send(&s, "...ABC");       /* bytes 3..5: last position */
	s = open_session(&h, 40012);
	c_send(&s, "....ABC");      /* bytes 4..6: ends one past depth */
	s = open_session(&h, 40013);
	c_send(&s, ".ABC");         /* starts before offset */
	s = open_session(&h, 40014);
	c_send(&s, "..AB");         /* split at the edge, still inside */
	c_send(&s, "C");
	h_finish(&h);
	CU_ASSERT_EQUAL(alerts(&h, 10), 3);
	for (unsigned i = 0; i < h.n; i++)
		CU_ASSERT(h.src_port[i] == 40010 || h.src_port[i] == 40011 ||
			  h.src_port[i] == 40014);
	h_fini(&h);
}

static void test_distance_within(void)
{
	struct harness h;
	struct session s;

	/* "cd" starts 1..3 bytes after "ab" ends (distance 1, within 4) */
	h_init(&h, R("content:\"ab\"; content:\"cd\"; distance:1; within:4;", 20));
	s = open_session(&h, 40020);
	c_send(&s, "abXcd");     /* gap 1 */
	s = open_session(&h, 40021);
	c_send(&s, "abXXXcd");   /* gap 3 */
	s = open_session(&h, 40022);
	c_send(&s, "abcd");      /* gap 0: too close */
	s = open_session(&h, 40023);
	c_send(&s, "abXXXXcd");  /* gap 4: too far */
	s = open_session(&h, 40024);
	c_send(&s, "abXX");      /* across segments */
	c_send(&s, "cd");
	h_finish(&h);
	CU_ASSERT_EQUAL(alerts(&h, 20), 3);
	for (unsigned i = 0; i < h.n; i++)
		CU_ASSERT(h.src_port[i] == 40020 || h.src_port[i] == 40021 ||
			  h.src_port[i] == 40024);
	h_fini(&h);
}

static void test_pcre(void)
{
	struct harness h;
	struct session s;

	h_init(&h, R("content:\"id=\"; pcre:\"/id=[0-9]{4}\\b/\";", 30) /* verifier */
			   R("pcre:\"/tok(en)?-[a-f]{3}/i\";", 31)       /* Hyperscan */
			   R("pcre:\"/(xy)\\1z/\";", 32)                  /* prefilter */
			   R("content:\"id=\"; pcre:!\"/id=0/\";", 33)   /* negated verifier */
			   R("content:\"xyx\"; pcre:\"/(xy)\\1z/\";", 34)); /* verifier in PCRE2 */
	s = open_session(&h, 40030);
	c_send(&s, "GET /?id=1234 TOKEN-abc xyxyz");
	s = open_session(&h, 40031);
	c_send(&s, "GET /?id=012 tok-ab xyxz");
	h_finish(&h);
	CU_ASSERT_EQUAL(alerts(&h, 30), 1);
	CU_ASSERT_EQUAL(alerts(&h, 31), 1);
	CU_ASSERT_EQUAL(alerts(&h, 32), 1);
	CU_ASSERT_EQUAL(alerts(&h, 33), 1);
	CU_ASSERT_EQUAL(alerts(&h, 34), 1);
	for (unsigned i = 0; i < h.n; i++)
		CU_ASSERT_EQUAL(h.src_port[i], 40030);
	h_fini(&h);
}

static void test_parts_and_negation(void)
{
	struct harness h;
	struct session s;

	h_init(&h, R("content:\"first\"; content:\"second\";", 40)
			   R("content:\"GET\"; content:!\"Mozilla\";", 41));
	s = open_session(&h, 40040);
	c_send(&s, "GET / second ");  /* parts in different segments, any order */
	c_send(&s, "and first");
	s = open_session(&h, 40041);
	c_send(&s, "GET / Mozilla first");
	h_finish(&h);
	CU_ASSERT_EQUAL(alerts(&h, 40), 1);
	CU_ASSERT_EQUAL(alerts(&h, 41), 1); /* only the session without Mozilla */
	for (unsigned i = 0; i < h.n; i++)
		if (h.sid[i] == 41)
			CU_ASSERT_EQUAL(h.src_port[i], 40040);
	h_fini(&h);
}

static void test_flow_keywords(void)
{
	struct harness h;
	struct session s;

	h_init(&h, R("flow:to_server; content:\"hello\";", 50)
			   R("flow:to_client; content:\"hello\";", 51)
			   R("flow:established; content:\"early\";", 52));
	s = open_session(&h, 40050);
	s_send(&s, "hello from the server");
	/* data after a SYN nobody answered: not established */
	tcp(&h, CLI, 40051, SRV, 80, TCP_SYN, 1, 0, "");
	tcp(&h, CLI, 40051, SRV, 80, TCP_PSH, 2, 0, "early");
	s = open_session(&h, 40052);
	c_send(&s, "early");
	h_finish(&h);
	CU_ASSERT_EQUAL(alerts(&h, 50), 0);
	CU_ASSERT_EQUAL(alerts(&h, 51), 1);
	CU_ASSERT_EQUAL(alerts(&h, 52), 1);
	for (unsigned i = 0; i < h.n; i++)
		if (h.sid[i] == 52)
			CU_ASSERT_EQUAL(h.src_port[i], 40052);
	h_fini(&h);
}

static void test_header_only(void)
{
	struct harness h;
	struct session s;

	h_init(&h, "alert ip any any -> 198.51.100.7 any (msg:\"ioc\"; sid:60;)\n"
		   "alert ip 198.51.100.8 any -> any any (msg:\"ioc2\"; sid:61;)\n"
		   "alert tcp any any -> any 81 (msg:\"port\"; sid:62;)\n");
	s = open_session(&h, 40060);
	c_send(&s, "one");
	c_send(&s, "two");
	h_finish(&h);
	CU_ASSERT_EQUAL(alerts(&h, 60), 1);
	CU_ASSERT_EQUAL(final_count(&h, 60), 4); /* every client packet of the flow */
	CU_ASSERT_EQUAL(alerts(&h, 61), 0);
	CU_ASSERT_EQUAL(alerts(&h, 62), 0);
	h_fini(&h);
}

static void test_http_and_udp(void)
{
	struct harness h;
	struct session s;

	h_init(&h, "alert http any any -> any any (msg:\"h\"; http.host; content:\"bad.example\"; "
		   "http.uri; content:\"/gate\"; sid:70;)\n"
		   "alert http any any -> any any (msg:\"h2\"; content:\"/gate\"; sid:71;)\n"
		   "alert udp any any -> any any (msg:\"u\"; content:\"beacon\"; sid:72;)\n"
		   "alert http any any -> any any (msg:\"h3\"; http.host; content:\"BAD\"; sid:73;)\n");
	s = open_session(&h, 40070);
	c_send(&s, "GET /gate.php HTTP/1.1\r\nHost: BAD.example:8080\r\n\r\n");
	s = open_session(&h, 40071);
	c_send(&s, "GET /other HTTP/1.1\r\nHost: bad.example\r\n\r\nGET /gate HTTP/1.1\r\n"
		   "Host: good.example\r\n\r\n");
	udp(&h, CLI, 5000, SRV, 9999, "xx beacon xx");
	udp(&h, CLI, 5001, SRV, 9999, "xx beaco");
	h_finish(&h);
	/* host and uri must come from the same request */
	CU_ASSERT_EQUAL(alerts(&h, 70), 1);
	CU_ASSERT_EQUAL(alerts(&h, 71), 2);
	CU_ASSERT_EQUAL(alerts(&h, 72), 1);
	CU_ASSERT_EQUAL(alerts(&h, 73), 0); /* http.host is lower-cased */
	for (unsigned i = 0; i < h.n; i++)
		if (h.sid[i] == 70)
			CU_ASSERT_EQUAL(h.src_port[i], 40070);
	h_fini(&h);
}

static void test_gap(void)
{
	struct harness h;
	struct session s;

	h_init(&h, R("content:\"late\";", 80) R("content:\"late\"; depth:8;", 81));
	s = open_session(&h, 40080);
	c_send(&s, "abc");
	s.cseq += 100; /* 100 bytes never seen */
	c_send(&s, "late data");
	s.cseq += 100;
	c_send(&s, "x");
	h_finish(&h);
	/* after the gap unanchored parts still match; depth no longer applies */
	CU_ASSERT_EQUAL(alerts(&h, 80), 1);
	CU_ASSERT_EQUAL(alerts(&h, 81), 0);
	h_fini(&h);
}

/* Index of sid in engine de. */
static uint32_t rule_index(const struct detect_engine *de, uint32_t sid)
{
	for (uint32_t i = 0; i < de->db->n_rules; i++)
		if (de->db->rules[i].r->sid == sid)
			return i;
	return UINT32_MAX;
}

/*
 * A reload in the middle of a session: the sightings raised so far end
 * with their counts, alert counts follow their rule, a rule new in the
 * set fires on the session already under way, and a part anchored at the
 * stream start no longer applies to it (as after a gap), but does to a
 * new session.
 */
static void test_reload(void)
{
	struct harness h;
	struct session s, s2;
	struct detect_engine *next;
	const counter_t *ra;

	h_init(&h, R("content:\"alpha\";", 90) R("content:\"GET\"; depth:3;", 91));
	s = open_session(&h, 40090);
	c_send(&s, "GET alpha");
	c_send(&s, "alpha");
	CU_ASSERT_EQUAL(h.w->generation, 1);

	next = engine_of(R("content:\"GET\"; depth:3;", 91) R("content:\"beta\";", 92)
				 R("content:\"alpha\";", 90));
	CU_ASSERT_EQUAL_FATAL(detect_engine_link(next, h.de), 0);
	CU_ASSERT_EQUAL(next->generation, 2);
	CU_ASSERT_EQUAL(next->prev_index[rule_index(next, 90)], rule_index(h.de, 90));
	CU_ASSERT_EQUAL(next->prev_index[rule_index(next, 92)], UINT32_MAX);
	atomic_store(&h.w->next, detect_tables_new(next));
	worker_check_reload(&*h.w);
	CU_ASSERT_PTR_NULL(atomic_load(&h.w->next));
	CU_ASSERT_EQUAL(h.w->generation, 2);
	CU_ASSERT_EQUAL(COUNTER_GET(h.w->counters[WRK_RELOADS]), 1);
	detect_tables_free(h.w->retired);
	h.w->retired = NULL;
	detect_engine_free(h.de);
	h.de = next;
	ra = detect_thread_rule_alerts(h.w->detect);
	CU_ASSERT_EQUAL(COUNTER_GET(ra[rule_index(next, 90)]), 1);
	CU_ASSERT_EQUAL(COUNTER_GET(ra[rule_index(next, 91)]), 1);
	CU_ASSERT_EQUAL(COUNTER_GET(ra[rule_index(next, 92)]), 0);

	c_send(&s, "GET beta");           /* the same session, under the new set */
	s2 = open_session(&h, 40091);
	c_send(&s2, "GET x");             /* a new session */
	h_finish(&h);
	/* before the reload: 90 and 91 once each, 90 counted twice */
	CU_ASSERT_EQUAL(alerts(&h, 90), 1);
	CU_ASSERT_EQUAL(final_count(&h, 90), 2);
	CU_ASSERT_EQUAL(alerts(&h, 92), 1);
	/* 91 again only on the new session: anchored parts do not apply mid-stream */
	CU_ASSERT_EQUAL(alerts(&h, 91), 2);
	{
		unsigned on_old = 0, on_new = 0;

		for (unsigned i = 0; i < h.n; i++) {
			if (h.sid[i] == 92)
				CU_ASSERT_EQUAL(h.src_port[i], 40090);
			if (h.sid[i] == 91 && h.kind[i] == OUTPUT_ALERT) {
				on_old += h.src_port[i] == 40090;
				on_new += h.src_port[i] == 40091;
			}
		}
		CU_ASSERT_EQUAL(on_old, 1);
		CU_ASSERT_EQUAL(on_new, 1);
	}
	ra = detect_thread_rule_alerts(h.w->detect);
	CU_ASSERT_EQUAL(COUNTER_GET(ra[rule_index(next, 91)]), 2);
	CU_ASSERT_EQUAL(COUNTER_GET(ra[rule_index(next, 92)]), 1);
	h_fini(&h);
}

static CU_TestInfo tests[] = {
	{"reload mid-session", test_reload},
	{"stream content and nocase", test_stream_content},
	{"offset and depth", test_offset_depth},
	{"distance and within", test_distance_within},
	{"pcre", test_pcre},
	{"independent parts and negation", test_parts_and_negation},
	{"flow keywords", test_flow_keywords},
	{"header-only rules", test_header_only},
	{"sticky buffers and UDP", test_http_and_udp},
	{"stream gap", test_gap},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"detect", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
