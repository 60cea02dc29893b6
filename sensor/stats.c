/*
 * stats.c — summing and reporting counters (see stats.h).
 */
#include "stats.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "applayer.h"
#include "spotter.h"
#include "capture.h"
#include "decode.h"
#include "detect-engine.h"
#include "flow.h"
#include "output.h"
#include "stream.h"
#include "worker.h"
#include "xdp-filter.h"
#include "xdp-rules.h"

#define SUMMARY_RULES 40

struct totals {
	uint64_t decode[DEC_COUNTER_MAX];
	uint64_t flow[FLOW_CTR_MAX];
	uint64_t stream[STREAM_CTR_MAX];
	uint64_t app[APP_CTR_MAX];
	uint64_t detect[DET_COUNTER_MAX];
	uint64_t worker[WRK_COUNTER_MAX];
	uint64_t output[OUT_COUNTER_MAX];
};

static void add(uint64_t *dst, const counter_t *src, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		dst[i] += COUNTER_GET(src[i]);
}

static void sum(const struct pipeline *pl, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < pl->n_workers; i++) {
		const struct worker *w = pl->workers[i];

		add(t->decode, w->decode.counters, DEC_COUNTER_MAX);
		add(t->flow, flow_table_counters(w->flows), FLOW_CTR_MAX);
		add(t->stream, stream_ctx_counters(w->stream), STREAM_CTR_MAX);
		add(t->app, applayer_ctx_counters(w->app), APP_CTR_MAX);
		add(t->detect, detect_thread_counters(w->detect), DET_COUNTER_MAX);
		add(t->worker, w->counters, WRK_COUNTER_MAX);
	}
	add(t->output, output_counters(pl->output), OUT_COUNTER_MAX);
}

/* Packets and bytes taken in: the reader's count for a file, the workers'
 * for live capture (no reader there). */
static uint64_t in_packets(const struct pipeline *pl, const struct totals *t)
{
	return pl->live ? t->worker[WRK_PACKETS] : COUNTER_GET(pl->packets);
}

static uint64_t in_bytes(const struct pipeline *pl, const struct totals *t)
{
	return pl->live ? t->worker[WRK_BYTES] : COUNTER_GET(pl->bytes);
}

static uint64_t rule_alerts(const struct pipeline *pl, uint32_t ri)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < pl->n_workers; i++)
		n += COUNTER_GET(detect_thread_rule_alerts(pl->workers[i]->detect)[ri]);
	return n;
}

static uint64_t peak_rss_bytes(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (uint64_t)ru.ru_maxrss * 1024;
}

static uint64_t flow_bytes(const struct pipeline *pl)
{
	const struct rules_db *db = pl->engine->db;

	return flow_table_flow_size() + db->stream_state_bytes[0] + db->stream_state_bytes[1];
}

static uint64_t elapsed_ns(const struct pipeline *pl)
{
	struct timespec ts;
	uint64_t end = pl->end_ns;

	if (!pl->start_ns)
		return 0;
	if (!end) { /* still running (SIGUSR1) */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		end = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	return end > pl->start_ns ? end - pl->start_ns : 0;
}

static uint64_t decode_errors(const struct totals *t)
{
	uint64_t n = 0;

	for (int i = DEC_ERR_LINKTYPE; i <= DEC_ERR_TUNNEL_DEPTH; i++)
		n += t->decode[i];
	return n;
}

static void print_nonzero(FILE *out, const char *title, const uint64_t *v,
			  const char *const *names, unsigned n)
{
	bool any = false;

	for (unsigned i = 0; i < n; i++) {
		if (!v[i])
			continue;
		fprintf(out, "%s%s %llu", any ? ", " : title, names[i], (unsigned long long)v[i]);
		any = true;
	}
	if (any)
		fputc('\n', out);
}

static void json_str(FILE *f, const char *s);

static void print_live(FILE *out, const struct stats_info *si, const struct totals *t)
{
	struct capture_stats cs;

	capture_stats(si->cap, &cs);
	fprintf(out, "kernel: %llu dropped (ring full), %llu dropped by the interface",
		(unsigned long long)cs.kernel_drops, (unsigned long long)cs.if_drops);
	if (cs.ring_full)
		fprintf(out, ", %llu ring-full events", (unsigned long long)cs.ring_full);
	fprintf(out, "; %llu flows bypassed; rules generation %u (%u reloads, %u failed)\n",
		(unsigned long long)t->worker[WRK_BYPASSED], si->generation, si->reloads,
		si->reload_failures);
	for (unsigned i = 0; i < si->n_if; i++) {
		const struct xdp_filter *x = si->xdp[i];

		if (!x)
			continue;
		fprintf(out,
			"xdp %s (%s): %llu packets; passed %llu wanted, %llu indicator; dropped %llu "
			"filtered, %llu bypassed, %llu excluded; %llu redirected\n",
			si->ifnames[i], xdp_filter_mode(x),
			(unsigned long long)xdp_filter_counter(x, XDPC_PACKETS),
			(unsigned long long)xdp_filter_counter(x, XDPC_PASS_WANTED),
			(unsigned long long)xdp_filter_counter(x, XDPC_PASS_INDICATOR),
			(unsigned long long)xdp_filter_counter(x, XDPC_DROP_FILTERED),
			(unsigned long long)xdp_filter_counter(x, XDPC_DROP_BYPASS),
			(unsigned long long)xdp_filter_counter(x, XDPC_DROP_EXCLUDED_VLAN) +
				(unsigned long long)xdp_filter_counter(x, XDPC_DROP_EXCLUDED_NET),
			(unsigned long long)xdp_filter_counter(x, XDPC_REDIRECT));
	}
}

/* One element of a per-rule list: {"gid":..,"sid":..,"rev":..,"<what>":n,"msg":..}. */
static void json_rule_count(FILE *f, bool *first, const char *indent, uint32_t gid, uint32_t sid,
			    uint32_t rev, const char *what, uint64_t n, const char *msg)
{
	fprintf(f, "%s\n%s{\"gid\": %u, \"sid\": %u, \"rev\": %u, \"%s\": %llu, \"msg\": ",
		*first ? "" : ",", indent, gid, sid, rev, what, (unsigned long long)n);
	json_str(f, msg ? msg : "");
	fputc('}', f);
	*first = false;
}

/* Hits of indicator id over every interface's program. */
static uint64_t indicator_hits(const struct stats_info *si, uint32_t id)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < si->n_if; i++)
		if (si->xdp[i])
			n += xdp_filter_indicator_hits(si->xdp[i], id);
	return n;
}

static void json_live(FILE *f, const struct stats_info *si, const struct totals *t)
{
	struct capture_stats cs;
	bool first = true;

	capture_stats(si->cap, &cs);
	fprintf(f,
		"  \"live\": {\"mode\": \"%s\", \"sources\": %u, \"kernel_drops\": %llu, "
		"\"if_drops\": %llu, \"ring_full\": %llu, \"delivered\": %llu, "
		"\"flows_bypassed\": %llu, \"bypass_failed\": %llu, \"capture_errors\": %llu, "
		"\"generation\": %u, \"reloads\": %u, \"reload_failures\": %u,\n    \"xdp\": {",
		capture_mode_name(capture_mode_used(si->cap)), capture_n_sources(si->cap),
		(unsigned long long)cs.kernel_drops, (unsigned long long)cs.if_drops,
		(unsigned long long)cs.ring_full, (unsigned long long)cs.packets,
		(unsigned long long)t->worker[WRK_BYPASSED],
		(unsigned long long)t->worker[WRK_BYPASS_FAILED],
		(unsigned long long)t->worker[WRK_CAPTURE_ERRORS], si->generation, si->reloads,
		si->reload_failures);
	for (unsigned i = 0; i < si->n_if; i++) {
		const struct xdp_filter *x = si->xdp[i];

		if (!x)
			continue;
		fprintf(f, "%s\n      ", first ? "" : ",");
		json_str(f, si->ifnames[i]);
		fprintf(f, ": {\"mode\": \"%s\"", xdp_filter_mode(x));
		for (unsigned c = 0; c < XDPC_MAX; c++)
			fprintf(f, ", \"%s\": %llu", spotter_xdp_counter_names[c],
				(unsigned long long)xdp_filter_counter(x, c));
		fputc('}', f);
		first = false;
	}
	fprintf(f, "%s},\n    \"indicator_hits\": [", first ? "" : "\n    ");
	first = true;
	for (uint32_t id = 0; si->indicators && id < xdp_registry_count(si->indicators); id++) {
		const struct xdp_indicator *ind = xdp_registry_get(si->indicators, id);
		uint64_t n = indicator_hits(si, id);

		if (n)
			json_rule_count(f, &first, "      ", ind->gid, ind->sid, ind->rev, "packets", n,
					ind->msg);
	}
	fprintf(f, "%s]},\n", first ? "" : "\n    ");
}

void stats_print(FILE *out, const struct pipeline *pl, const struct stats_info *si)
{
	const struct rules_db *db = pl->engine->db;
	uint64_t el = elapsed_ns(pl);
	struct totals t;

	sum(pl, &t);
	fprintf(out, "== spotter summary\n");
	fprintf(out, "capture: %s: %llu packets, %llu bytes in %.3f s", si->capture_path,
		(unsigned long long)in_packets(pl, &t), (unsigned long long)in_bytes(pl, &t),
		(double)el / 1e9);
	if (el)
		fprintf(out, " (%.2f Gbit/s, %.0f packets/s)",
			(double)in_bytes(pl, &t) * 8 / (double)el,
			(double)in_packets(pl, &t) * 1e9 / (double)el);
	fprintf(out, ", %u workers\n", si->workers);
	if (si->cap)
		print_live(out, si, &t);
	fprintf(out, "rules: %u loaded, %u rejected, compiled in %.3f s\n", si->rules_loaded,
		si->rules_rejected, (double)si->compile_ns / 1e9);
	fprintf(out, "flows: %llu created, %llu timed out, %llu evicted, %llu refused\n",
		(unsigned long long)t.flow[FLOW_CTR_CREATED],
		(unsigned long long)t.flow[FLOW_CTR_TIMEOUT],
		(unsigned long long)t.flow[FLOW_CTR_EVICTED],
		(unsigned long long)t.flow[FLOW_CTR_REFUSED]);
	fprintf(out, "sightings: %llu alerts (%llu distinct), %llu repeats, %llu dropped\n",
		(unsigned long long)t.detect[DET_ALERTS],
		(unsigned long long)t.detect[DET_SIGHTINGS],
		(unsigned long long)t.detect[DET_REPEATS],
		(unsigned long long)t.detect[DET_OUTPUT_DROPPED]);
	if (output_kafka(pl->output)) {
		const struct output_kafka *k = output_kafka(pl->output);
		const counter_t *kc = output_kafka_counters(k);

		fprintf(out,
			"kafka: %llu delivered, %llu spooled, %llu replayed from the spool, %llu "
			"dropped (spool full), %llu withheld by TLP; last seq %llu; %llu in the "
			"spool\n",
			(unsigned long long)COUNTER_GET(kc[KAFKA_DELIVERED]),
			(unsigned long long)COUNTER_GET(kc[KAFKA_SPOOLED]),
			(unsigned long long)COUNTER_GET(kc[KAFKA_SPOOL_REPLAYED]),
			(unsigned long long)COUNTER_GET(kc[KAFKA_DROPPED_SPOOL_FULL]),
			(unsigned long long)COUNTER_GET(kc[KAFKA_WITHHELD_TLP]),
			(unsigned long long)output_last_seq(pl->output),
			(unsigned long long)output_kafka_spool_records(k));
	}
	fprintf(out, "decode errors: %llu\n", (unsigned long long)decode_errors(&t));
	print_nonzero(out, "  decode: ", t.decode + DEC_ERR_LINKTYPE,
		      decode_counter_names + DEC_ERR_LINKTYPE, DEC_COUNTER_MAX - DEC_ERR_LINKTYPE);
	print_nonzero(out, "  stream: ", t.stream, stream_counter_names, STREAM_CTR_MAX);
	print_nonzero(out, "  app: ", t.app, app_counter_names, APP_CTR_MAX);
	{
		/* the summary lists the first rules that fired; --stats-json has all */
		unsigned shown = 0, more = 0;

		for (uint32_t i = 0; i < db->n_rules; i++) {
			uint64_t n = rule_alerts(pl, i);

			if (!n)
				continue;
			if (shown++ >= SUMMARY_RULES) {
				more++;
				continue;
			}
			fprintf(out, "  %7llu  %u:%u:%u  %s\n", (unsigned long long)n,
				db->rules[i].r->gid, db->rules[i].r->sid, db->rules[i].r->rev,
				db->rules[i].r->msg);
		}
		if (more)
			fprintf(out, "  ... and %u more rules with alerts (see --stats-json)\n", more);
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_group(FILE *f, const char *name, const uint64_t *v, const char *const *names,
		       unsigned n, bool last)
{
	fprintf(f, "  \"%s\": {", name);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", names[i], (unsigned long long)v[i]);
	fprintf(f, "}%s\n", last ? "" : ",");
}

static void json_kafka(FILE *f, const struct pipeline *pl)
{
	const struct output_kafka *k = output_kafka(pl->output);
	const counter_t *kc = output_kafka_counters(k);
	const struct histo *lat = output_kafka_latency(k);

	fprintf(f, "  \"kafka\": {");
	for (int i = 0; i < KAFKA_COUNTER_MAX; i++)
		fprintf(f, "\"%s\": %llu, ", kafka_counter_names[i],
			(unsigned long long)COUNTER_GET(kc[i]));
	fprintf(f,
		"\"queue\": %llu, \"spool_records\": %llu, \"spool_bytes\": %llu, "
		"\"last_seq\": %llu, \"latency_p50_us\": %llu, \"latency_p99_us\": %llu},\n",
		(unsigned long long)output_kafka_queue(k),
		(unsigned long long)output_kafka_spool_records(k),
		(unsigned long long)output_kafka_spool_bytes(k),
		(unsigned long long)output_last_seq(pl->output),
		(unsigned long long)histo_quantile(lat, 0.5),
		(unsigned long long)histo_quantile(lat, 0.99));
}

void stats_counters_json(void *ud, struct jbuf *jb)
{
	const struct pipeline *pl = ud;
	struct totals t;

	sum(pl, &t);
	jb_lit(jb, "{\"packets\":");
	jb_u64(jb, in_packets(pl, &t));
	jb_lit(jb, ",\"bytes\":");
	jb_u64(jb, in_bytes(pl, &t));
	jb_lit(jb, ",\"decode_errors\":");
	jb_u64(jb, decode_errors(&t));
	jb_lit(jb, ",\"flows\":");
	jb_u64(jb, t.flow[FLOW_CTR_CREATED]);
	jb_lit(jb, ",\"alerts\":");
	jb_u64(jb, t.detect[DET_ALERTS]);
	jb_lit(jb, ",\"output_dropped\":");
	jb_u64(jb, t.detect[DET_OUTPUT_DROPPED]);
	if (output_kafka(pl->output)) {
		const counter_t *kc = output_kafka_counters(output_kafka(pl->output));

		jb_lit(jb, ",\"kafka_delivered\":");
		jb_u64(jb, COUNTER_GET(kc[KAFKA_DELIVERED]));
		jb_lit(jb, ",\"kafka_spooled\":");
		jb_u64(jb, COUNTER_GET(kc[KAFKA_SPOOLED]));
		jb_lit(jb, ",\"kafka_dropped\":");
		jb_u64(jb, COUNTER_GET(kc[KAFKA_DROPPED_SPOOL_FULL]) +
				   COUNTER_GET(kc[KAFKA_DROPPED_ERROR]));
		jb_lit(jb, ",\"kafka_spool_records\":");
		jb_u64(jb, output_kafka_spool_records(output_kafka(pl->output)));
	}
	jb_lit(jb, "}");
}

int stats_write_json(const char *path, const struct pipeline *pl, const struct stats_info *si,
		     char *err, size_t errlen)
{
	const struct rules_db *db = pl->engine->db;
	struct totals t;
	bool first = true;
	FILE *f = fopen(path, "w");

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
		return -e;
	}
	sum(pl, &t);
	fprintf(f, "{\n  \"version\": \"%s\",\n  \"workers\": %u,\n  \"elapsed_ns\": %llu,\n",
		SPOTTER_VERSION, si->workers, (unsigned long long)elapsed_ns(pl));
	fprintf(f, "  \"workers_cpu_ns\": [");
	for (unsigned i = 0; i < pl->n_workers; i++)
		fprintf(f, "%s%llu", i ? ", " : "",
			(unsigned long long)atomic_load_explicit(&pl->workers[i]->cpu_ns,
								 memory_order_relaxed));
	fprintf(f, "],\n");
	fprintf(f, "  \"capture\": {\"path\": ");
	json_str(f, si->capture_path ? si->capture_path : "");
	fprintf(f, ", \"packets\": %llu, \"bytes\": %llu, \"end\": \"%s\"},\n",
		(unsigned long long)in_packets(pl, &t), (unsigned long long)in_bytes(pl, &t),
		pl->capture_end == CAPTURE_TRUNCATED ? "truncated"
		: pl->capture_end == CAPTURE_BAD     ? "malformed"
						     : "eof");
	fprintf(f,
		"  \"memory\": {\"peak_rss_bytes\": %llu, \"flow_bytes\": %llu, "
		"\"rules_db_bytes\": %llu},\n",
		(unsigned long long)peak_rss_bytes(), (unsigned long long)flow_bytes(pl),
		(unsigned long long)rules_db_bytes(db));
	if (si->cap)
		json_live(f, si, &t);
	json_group(f, "worker", t.worker, worker_counter_names, WRK_COUNTER_MAX, false);
	json_group(f, "decode", t.decode, decode_counter_names, DEC_COUNTER_MAX, false);
	fprintf(f, "  \"flow\": {\"created\": %llu, \"timeout\": %llu, \"evicted\": %llu, "
		   "\"refused\": %llu, \"peak\": %llu},\n",
		(unsigned long long)t.flow[FLOW_CTR_CREATED],
		(unsigned long long)t.flow[FLOW_CTR_TIMEOUT],
		(unsigned long long)t.flow[FLOW_CTR_EVICTED],
		(unsigned long long)t.flow[FLOW_CTR_REFUSED],
		(unsigned long long)t.flow[FLOW_CTR_PEAK]);
	json_group(f, "stream", t.stream, stream_counter_names, STREAM_CTR_MAX, false);
	json_group(f, "app", t.app, app_counter_names, APP_CTR_MAX, false);
	json_group(f, "detect", t.detect, detect_counter_names, DET_COUNTER_MAX, false);
	fprintf(f, "  \"output\": {\"records\": %llu, \"alerts\": %llu, \"sighting_updates\": %llu, "
		   "\"seq_errors\": %llu, \"dropped\": %llu",
		(unsigned long long)t.output[OUT_RECORDS], (unsigned long long)t.output[OUT_ALERTS],
		(unsigned long long)t.output[OUT_SIGHTINGS],
		(unsigned long long)t.output[OUT_SEQ_ERRORS],
		(unsigned long long)t.detect[DET_OUTPUT_DROPPED]);
	if (output_eve(pl->output)) {
		const counter_t *e = output_eve_counters(output_eve(pl->output));

		fprintf(f, ", \"eve_lines\": %llu, \"bytes\": %llu, \"write_errors\": %llu",
			(unsigned long long)COUNTER_GET(e[EVE_LINES]),
			(unsigned long long)COUNTER_GET(e[EVE_BYTES]),
			(unsigned long long)COUNTER_GET(e[EVE_WRITE_ERRORS]));
	}
	fprintf(f, "},\n");
	if (output_kafka(pl->output))
		json_kafka(f, pl);
	fprintf(f,
		"  \"rules\": {\"loaded\": %u, \"rejected\": %u, \"compile_ns\": %llu, "
		"\"alerts\": [",
		si->rules_loaded, si->rules_rejected, (unsigned long long)si->compile_ns);
	for (uint32_t i = 0; i < db->n_rules; i++) {
		uint64_t n = rule_alerts(pl, i);
		const struct rule *r = db->rules[i].r;

		if (n)
			json_rule_count(f, &first, "    ", r->gid, r->sid, r->rev, "alerts", n, r->msg);
	}
	fprintf(f, "%s]}\n}\n", first ? "" : "\n  ");
	if (fclose(f)) {
		int e = errno;

		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}
