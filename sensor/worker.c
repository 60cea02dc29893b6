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

#define BATCH 256
#define PIPE 16
#define EXPIRE_EVERY 4096
#define EXPIRE_NS 1000000000ull

const char *const worker_counter_names[WRK_COUNTER_MAX] = {
	[WRK_PACKETS] = "packets",
	[WRK_BYTES] = "bytes",
	[WRK_BATCHES] = "batches",
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

static void stream_event(void *ud, struct flow *f, enum flow_dir dir, enum stream_event ev)
{
	struct worker *w = ud;

	detect_stream_event(w->detect, f, dir, ev);
	if (ev == STREAM_EV_GAP)
		applayer_stream_gap(w->app, f, dir);
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

/*
 * Runs up to PIPE descriptors in three passes so that the cache misses of
 * different packets overlap instead of adding up: the packets' bytes are
 * prefetched, then each is decoded and its flow bucket prefetched, then
 * each bucket's first flow is prefetched, and only then are the packets
 * processed in order. The flow table is large (every flow of the last
 * minutes) and its buckets and flows are rarely in cache; this is where a
 * worker would otherwise wait on memory. A reassembled datagram lives in
 * the defragmenter's buffer only until the next decode, so the passes stop
 * after one. Returns how many descriptors were consumed.
 */
static uint32_t run_batch(struct worker *w, uint64_t first, uint32_t n)
{
	struct stage st[PIPE];
	uint32_t m = n < PIPE ? n : PIPE, cnt = 0;

	for (uint32_t k = 0; k < m; k++) {
		/* link, IP and TCP headers span up to two cache lines */
		const uint8_t *data = w->ring.slots[(first + k) & w->ring.mask].data;

		__builtin_prefetch(data);
		__builtin_prefetch(data + 64);
	}
	while (cnt < m) {
		const struct pkt_desc *d = &w->ring.slots[(first + cnt) & w->ring.mask];
		struct stage *s = &st[cnt++];

		s->p.data = d->data;
		s->p.caplen = d->caplen;
		s->p.wirelen = d->wirelen;
		s->p.ts_ns = d->ts_ns;
		s->p.pcap_cnt = d->pcap_cnt;
		s->p.linktype = d->linktype;
		s->p.hash = d->hash;
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

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned idle = 0;
	struct timespec ts;

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
		for (uint32_t i = 0; i < n;)
			i += run_batch(w, first + i, n - i);
		pkt_ring_consume(&w->ring, n);
		COUNTER_INC(w->counters[WRK_BATCHES]);
	}
	worker_finish(w);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	atomic_store_explicit(&w->cpu_ns, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
			      memory_order_relaxed);
	return NULL;
}

struct worker *worker_new(unsigned id, const struct worker_config *cfg,
			  const struct detect_engine *de, char *err, size_t errlen)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (!w)
		goto oom;
	w->id = id;
	w->engine = de;
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
	int rc = pthread_create(&w->thread, NULL, worker_main, w);

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
	free(w);
}
