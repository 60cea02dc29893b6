/*
 * worker.c — the per-packet path of one worker (see worker.h).
 *
 * Order of work for a packet, chosen so that each stage sees what it needs:
 * decode (with defragmentation) → flow lookup (expiring idle flows on
 * packet time first) → for TCP the reassembler, which delivers in-order
 * bytes first to detection (the streaming scan) and then to the
 * application layer (so protocol detection and the fields of a request
 * see the same bytes, and a rule's stream content and its sticky buffers
 * are evaluated together at the end of the transaction); for UDP the
 * application layer, then the payload scan; finally the header-only rules
 * and the evaluation of the pass.
 */
#include "worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "log.h"
#include "xdp-filter.h"

#define BATCH 256
#define PIPE 16
#define EXPIRE_EVERY 4096
#define EXPIRE_NS 1000000000ull
#define POLL_MS 100      /* live: longest wait for packets, so stop and reload are seen */
#define DRAIN_MAX 4096   /* live: batches taken from the kernel after stop */

const char *const worker_counter_names[WRK_COUNTER_MAX] = {
	[WRK_PACKETS] = "packets",
	[WRK_BYTES] = "bytes",
	[WRK_BATCHES] = "batches",
	[WRK_CAPTURE_ERRORS] = "capture_errors",
	[WRK_BYPASSED] = "flows_bypassed",
	[WRK_BYPASS_FAILED] = "bypass_failed",
	[WRK_RELOADS] = "reloads",
};

void worker_config_defaults(struct worker_config *c)
{
	memset(c, 0, sizeof(*c));
	decode_config_defaults(&c->decode);
	flow_config_defaults(&c->flow);
	stream_config_defaults(&c->stream);
	applayer_config_defaults(&c->app);
	c->ring_slots = 8192;
	c->output_bytes = 4u << 20;
}

/* ---- sinks: reassembler → detect + application layer → detect ---------- */

static void app_field(void *ud, struct flow *f, enum flow_dir dir, enum buffer buf,
		      const uint8_t *data, uint32_t len)
{
	struct worker *w = ud;

	(void)f;
	(void)dir;
	detect_field(w->detect, buf, data, len);
}

static void app_tx_end(void *ud, struct flow *f, enum flow_dir dir)
{
	struct worker *w = ud;

	(void)f;
	(void)dir;
	detect_tx_end(w->detect);
}

static const struct app_sink app_sink = {.field = app_field, .tx_end = app_tx_end};

/* At flow end there is no packet: stand in one built from the flow key. */
static void synth_switch(struct worker *w, struct flow *f, enum flow_dir dir)
{
	int src = dir == DIR_TO_SERVER ? f->client : !f->client;
	struct packet *p = &w->synth;

	if (w->synth_dir == (int)dir)
		return;
	if (w->synth_dir >= 0)
		detect_packet_end(w->detect);
	memset(p, 0, sizeof(*p));
	p->ts_ns = f->last_ts_ns;
	p->src = f->key.addr[src];
	p->dst = f->key.addr[!src];
	p->sport = f->key.port[src];
	p->dport = f->key.port[!src];
	p->proto = f->key.proto;
	p->ip_version = addr_is_v4(&p->src) ? 4 : 6;
	memcpy(p->vlan, f->key.vlan, sizeof(p->vlan));
	p->vlan_count = (uint8_t)(f->key.vlan[1] ? 2 : f->key.vlan[0] ? 1 : 0);
	w->synth_dir = (int)dir;
	detect_packet_begin(w->detect, f, p, dir);
}

static void stream_data(void *ud, struct flow *f, enum flow_dir dir, const uint8_t *data,
			uint32_t len, uint64_t offset)
{
	struct worker *w = ud;

	(void)offset;
	if (w->in_flow_end)
		synth_switch(w, f, dir);
	detect_stream_data(w->detect, f, dir, data, len);
	applayer_stream_data(w->app, f, dir, data, len, &app_sink, w);
}

/*
 * A flow whose every direction is past inspection (one reached the stream
 * depth, the other too or closed) costs user space nothing but decoding
 * and reassembly from here on: hand it to the XDP program, which drops its
 * later packets (and counts them). Its user-space flow then times out as
 * usual and reports its sightings.
 */
static void maybe_bypass(struct worker *w, struct flow *f, enum stream_event ev)
{
	if (!w->xdp || ev != STREAM_EV_DEPTH || !w->cur || w->in_flow_end || !detect_flow_done(f))
		return;
	switch (xdp_filter_bypass(w->xdp, w->cur)) {
	case 0:
		COUNTER_INC(w->counters[WRK_BYPASSED]);
		break;
	case -EOPNOTSUPP: /* tunnelled: XDP sees only the outer header */
		break;
	default:
		COUNTER_INC(w->counters[WRK_BYPASS_FAILED]);
		break;
	}
}

static void stream_event(void *ud, struct flow *f, enum flow_dir dir, enum stream_event ev)
{
	struct worker *w = ud;

	detect_stream_event(w->detect, f, dir, ev);
	if (ev == STREAM_EV_GAP)
		applayer_stream_gap(w->app, f, dir);
	maybe_bypass(w, f, ev);
}

static const struct stream_sink stream_sink = {.data = stream_data, .event = stream_event};

static void on_flow_end(void *ud, struct flow *f, enum flow_end_reason why)
{
	struct worker *w = ud;

	(void)why;
	if (f->key.proto == IPPROTO_TCP) {
		w->in_flow_end = true;
		w->synth_dir = -1;
		stream_flow_end(w->stream, f, &stream_sink, w);
		if (w->synth_dir >= 0)
			detect_packet_end(w->detect);
		w->in_flow_end = false;
	}
	detect_flow_end(w->detect, f);
	applayer_flow_end(w->app, f);
}

/* ---- the packet path ----------------------------------------------------- */

static void maybe_expire(struct worker *w, uint64_t ts)
{
	if (ts > w->max_ts_ns)
		w->max_ts_ns = ts;
	if (++w->since_expire < EXPIRE_EVERY && w->max_ts_ns < w->next_expire_ns)
		return;
	w->since_expire = 0;
	w->next_expire_ns = w->max_ts_ns + EXPIRE_NS;
	flow_table_expire(w->flows, w->max_ts_ns);
}

/* Everything after decode, for a packet whose flow lookup is prepared. */
static void process_decoded(struct worker *w, struct packet *p, const struct flow_lookup *lk)
{
	enum flow_dir dir = DIR_TO_SERVER;
	bool created;
	struct flow *f;

	maybe_expire(w, p->ts_ns);
	w->cur = p;
	f = flow_table_get_prepared(w->flows, p, lk, &dir, &created);
	if (f) {
		/* needed after the stream scan: start loading them now */
		__builtin_prefetch(f->app);
		__builtin_prefetch(f->det.hs[dir]);
	}
	detect_packet_begin(w->detect, f, p, dir);
	if (!f) {
		detect_payload(w->detect);
	} else if (p->proto == IPPROTO_TCP) {
		stream_handle_packet(w->stream, f, p, dir, &stream_sink, w);
	} else {
		if (p->proto == IPPROTO_UDP)
			applayer_datagram(w->app, f, p, dir, &app_sink, w);
		detect_payload(w->detect);
	}
	detect_packet_end(w->detect);
	w->cur = NULL;
}

static bool decode_one(struct worker *w, struct packet *p)
{
	COUNTER_INC(w->counters[WRK_PACKETS]);
	COUNTER_ADD(w->counters[WRK_BYTES], p->wirelen);
	return decode_packet(&w->decode, p) == DECODE_OK;
}

void worker_process(struct worker *w, struct packet *p)
{
	struct flow_lookup lk;

	if (!decode_one(w, p))
		return;
	flow_table_prepare(w->flows, p, &lk);
	process_decoded(w, p, &lk);
}

void worker_finish(struct worker *w)
{
	flow_table_flush(w->flows);
}

static void backoff(unsigned *idle)
{
	if (++*idle < 64) {
		__builtin_ia32_pause();
	} else if (*idle < 256) {
		sched_yield();
	} else {
		nanosleep(&(struct timespec){.tv_nsec = 50000}, NULL);
	}
}

/* A packet in flight through the worker's short pipeline. */
struct stage {
	struct packet p;
	struct flow_lookup lk;
	bool ok;
};

/* Where a batch's packets come from: the ring's descriptors, or the
 * packets a capture source returned. Inlined into run_stages(). */
static inline void load_desc(struct packet *p, const void *src, uint32_t k)
{
	const struct pkt_ring *r = src;
	const struct pkt_desc *d = &r->slots[(r->cons_first + k) & r->mask];

	p->data = d->data;
	p->caplen = d->caplen;
	p->wirelen = d->wirelen;
	p->ts_ns = d->ts_ns;
	p->pcap_cnt = d->pcap_cnt;
	p->linktype = d->linktype;
	p->hash = d->hash;
}

static inline void load_pkt(struct packet *p, const void *src, uint32_t k)
{
	const struct packet *q = (const struct packet *)src + k;

	p->data = q->data;
	p->caplen = q->caplen;
	p->wirelen = q->wirelen;
	p->ts_ns = q->ts_ns;
	p->pcap_cnt = q->pcap_cnt;
	p->linktype = q->linktype;
	p->hash = 0;
}

/*
 * Runs up to PIPE packets in three passes so that the cache misses of
 * different packets overlap instead of adding up: the packets' bytes are
 * prefetched, then each is decoded and its flow bucket prefetched, then
 * each bucket's first flow is prefetched, and only then are the packets
 * processed in order. The flow table is large (every flow of the last
 * minutes) and its buckets and flows are rarely in cache; this is where a
 * worker would otherwise wait on memory. A reassembled datagram lives in
 * the defragmenter's buffer only until the next decode, so the passes stop
 * after one. Returns how many packets were consumed.
 */
static inline __attribute__((always_inline)) uint32_t
run_stages(struct worker *w, const void *src, uint32_t n,
	   void (*load)(struct packet *, const void *, uint32_t))
{
	struct stage st[PIPE];
	uint32_t m = n < PIPE ? n : PIPE, cnt = 0;

	for (uint32_t k = 0; k < m; k++) {
		/* link, IP and TCP headers span up to two cache lines */
		load(&st[k].p, src, k);
		__builtin_prefetch(st[k].p.data);
		__builtin_prefetch(st[k].p.data + 64);
	}
	while (cnt < m) {
		struct stage *s = &st[cnt++];

		s->ok = decode_one(w, &s->p);
		if (!s->ok)
			continue;
		flow_table_prepare(w->flows, &s->p, &s->lk);
		if (s->p.flags & PKT_F_REASSEMBLED)
			break;
	}
	for (uint32_t k = 0; k < cnt; k++)
		if (st[k].ok)
			flow_table_prefetch(w->flows, &st[k].lk);
	for (uint32_t k = 0; k < cnt; k++)
		if (st[k].ok)
			process_decoded(w, &st[k].p, &st[k].lk);
	return cnt;
}

static uint32_t run_batch(struct worker *w, uint64_t first, uint32_t n)
{
	w->ring.cons_first = first;
	return run_stages(w, &w->ring, n, load_desc);
}

static uint32_t run_packets(struct worker *w, const struct packet *pk, uint32_t n)
{
	return run_stages(w, pk, n, load_pkt);
}

/* ---- rule reload ----------------------------------------------------------- */

static void rebase_flow(void *ud, struct flow *f)
{
	struct worker *w = ud;

	detect_flow_rebase(w->detect, f, w->next_generation);
}

void worker_check_reload(struct worker *w)
{
	struct detect_tables *t = atomic_load_explicit(&w->next, memory_order_acquire);
	const struct detect_engine *de;

	if (!t)
		return;
	de = detect_tables_engine(t);
	w->next_generation = de->generation;
	flow_table_foreach(w->flows, rebase_flow, w);
	w->retired = detect_thread_switch(w->detect, t, de->prev_index);
	w->engine = de;
	COUNTER_INC(w->counters[WRK_RELOADS]);
	atomic_store_explicit(&w->generation, de->generation, memory_order_relaxed);
	atomic_store_explicit(&w->next, NULL, memory_order_release);
}

static void store_cpu_time(struct worker *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	atomic_store_explicit(&w->cpu_ns, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
			      memory_order_relaxed);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned idle = 0;

	for (;;) {
		uint64_t first;
		uint32_t n = pkt_ring_peek(&w->ring, &first, BATCH);

		if (!n) {
			if (pkt_ring_done(&w->ring))
				break;
			backoff(&idle);
			continue;
		}
		idle = 0;
		worker_check_reload(w);
		for (uint32_t i = 0; i < n;)
			i += run_batch(w, first + i, n - i);
		pkt_ring_consume(&w->ring, n);
		COUNTER_INC(w->counters[WRK_BATCHES]);
	}
	worker_finish(w);
	store_cpu_time(w);
	return NULL;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void run_all(struct worker *w, const struct packet *pk, int n)
{
	for (int i = 0; i < n;)
		i += (int)run_packets(w, pk + i, (uint32_t)(n - i));
	COUNTER_INC(w->counters[WRK_BATCHES]);
}

/* At stop: what the kernel already holds for this source is inspected
 * too (bounded, in case the link is busy: at most DRAIN_MAX batches). */
static void drain(struct worker *w, struct packet *pk)
{
	for (unsigned k = 0; k < DRAIN_MAX; k++) {
		int n = capture_poll(w->src, pk, BATCH, 0);

		if (n <= 0)
			return;
		run_all(w, pk, n);
	}
}

/*
 * Live capture: the worker polls its own source (the kernel spread flows
 * over sources by a symmetric hash, or there is one source). Packet time
 * drives flow timeouts as for a file; when the link is quiet the wall
 * clock stands in, so idle flows still end and report.
 */
static void *worker_live_main(void *arg)
{
	struct worker *w = arg;
	struct packet *pk = w->live_pkts;
	bool failing = false;

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		int n = capture_poll(w->src, pk, BATCH, POLL_MS);

		worker_check_reload(w);
		if (n < 0) {
			COUNTER_INC(w->counters[WRK_CAPTURE_ERRORS]);
			if (!failing)
				log_error("worker %u: capture failed: %s; retrying", w->id,
					  strerror(-n));
			failing = true;
			nanosleep(&(struct timespec){.tv_nsec = POLL_MS * 1000000L}, NULL);
			continue;
		}
		if (failing && n > 0) {
			log_notice("worker %u: capture works again", w->id);
			failing = false;
		}
		if (!n) {
			maybe_expire(w, realtime_ns());
			continue;
		}
		run_all(w, pk, n);
	}
	drain(w, pk);
	worker_finish(w);
	store_cpu_time(w);
	return NULL;
}

void worker_set_source(struct worker *w, struct capture_source *src, struct xdp_filter *xdp)
{
	w->src = src;
	w->xdp = xdp;
}

struct worker *worker_new(unsigned id, const struct worker_config *cfg,
			  const struct detect_engine *de, char *err, size_t errlen)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (!w)
		goto oom;
	w->id = id;
	w->engine = de;
	w->generation = de->generation;
	w->synth_dir = -1;
	if (pkt_ring_init(&w->ring, cfg->ring_slots) || output_ring_init(&w->out, cfg->output_bytes))
		goto oom;
	if (decode_ctx_init(&w->decode, &cfg->decode))
		goto oom;
	w->flows = flow_table_new(&cfg->flow, on_flow_end, w);
	w->stream = stream_ctx_new(&cfg->stream);
	w->app = applayer_ctx_new(&cfg->app);
	w->detect = detect_thread_new(de, &w->out);
	if (!w->flows || !w->stream || !w->app || !w->detect)
		goto oom;
	return w;
oom:
	snprintf(err, errlen, "worker %u: out of memory", id);
	worker_free(w);
	return NULL;
}

int worker_start(struct worker *w)
{
	char name[16];
	int rc;

	if (w->src && !w->live_pkts && !(w->live_pkts = calloc(BATCH, sizeof(*w->live_pkts))))
		return -ENOMEM;
	rc = pthread_create(&w->thread, NULL, w->src ? worker_live_main : worker_main, w);

	if (rc)
		return -rc;
	snprintf(name, sizeof(name), "spotter-w%u", w->id);
	pthread_setname_np(w->thread, name);
	w->started = true;
	return 0;
}

void worker_join(struct worker *w)
{
	if (w->started) {
		pthread_join(w->thread, NULL);
		w->started = false;
	}
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	worker_join(w);
	/* the flow table's end callbacks use the other contexts: free it first */
	flow_table_free(w->flows);
	detect_thread_free(w->detect);
	applayer_ctx_free(w->app);
	stream_ctx_free(w->stream);
	decode_ctx_fini(&w->decode);
	output_ring_fini(&w->out);
	pkt_ring_fini(&w->ring);
	detect_tables_free(w->retired);
	detect_tables_free(atomic_load(&w->next));
	free(w->live_pkts);
	free(w);
}
