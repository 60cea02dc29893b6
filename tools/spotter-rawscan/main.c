/*
 * spotter-rawscan — the raw Hyperscan ceiling for a capture and a rule set.
 *
 * Loads the capture into memory, decodes every packet and copies the TCP and
 * UDP payloads into one contiguous buffer (with per-packet lengths); compiles
 * every content literal of the rules into one Hyperscan block-mode database;
 * then times one hs_scan() per payload with a single scratch, repeating
 * whole passes until at least --min-seconds have elapsed. No flow tracking,
 * no reassembly, no application parsing, no pcre, no output: the throughput
 * of pure multi-literal matching over the same bytes, which a sensor cannot
 * beat. Single-threaded; everything is freed before exit.
 */
#include <errno.h>
#include <getopt.h>
#include <hs/hs.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture-file.h"
#include "decode.h"
#include "ruleset.h"
#include "vars.h"

#define MAX_RULE_PATHS 16

/* Transport payloads of the capture, back to back. */
struct payloads {
	uint8_t *buf;
	uint64_t len, cap;
	uint32_t *plen; /* length of each payload, in capture order */
	uint64_t n, ncap;
	uint64_t packets;    /* packets in the capture */
	uint64_t wire_bytes; /* their wire lengths */
};

/* Content literals as Hyperscan expressions. */
struct literal {
	char *expr;
	unsigned flags;
};

struct literals {
	struct literal *v;
	uint64_t n, cap; /* after load: sorted and unique */
	uint64_t items;	 /* content options in the rules */
	uint32_t rules, rule_errors;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns p with room for `need` elements of `elem` bytes (capacity *cap,
 * doubled as needed), or NULL when out of memory (p is then unchanged). */
static void *grow(void *p, uint64_t *cap, uint64_t need, size_t elem)
{
	uint64_t c = *cap ? *cap : 1024;
	void *np;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	np = realloc(p, c * elem);
	if (np)
		*cap = c;
	return np;
}

static int append_payload(struct payloads *pl, const uint8_t *data, uint32_t len)
{
	uint8_t *buf = grow(pl->buf, &pl->cap, pl->len + len, 1);
	uint32_t *plen;

	if (!buf)
		return -ENOMEM;
	pl->buf = buf;
	if (!(plen = grow(pl->plen, &pl->ncap, pl->n + 1, sizeof(*plen))))
		return -ENOMEM;
	pl->plen = plen;
	memcpy(pl->buf + pl->len, data, len);
	pl->len += len;
	pl->plen[pl->n++] = len;
	return 0;
}

/* Reads the capture and keeps the payload of every TCP and UDP packet. */
static int collect_payloads(const char *path, struct payloads *pl)
{
	struct capture_file *cf = NULL;
	struct decode_config dc;
	struct decode_ctx dctx;
	struct packet p;
	enum capture_status st = CAPTURE_EOF;
	char err[256];
	int rc;

	if ((rc = capture_file_open(path, true, &cf, err, sizeof(err))) < 0) {
		fprintf(stderr, "spotter-rawscan: %s\n", err);
		return rc;
	}
	decode_config_defaults(&dc);
	if ((rc = decode_ctx_init(&dctx, &dc)) < 0) {
		capture_file_close(cf);
		return rc;
	}
	/* one allocation up front: the payloads never exceed the file */
	pl->buf = grow(pl->buf, &pl->cap, capture_file_size(cf) + 1, 1);
	rc = pl->buf ? 0 : -ENOMEM;
	memset(&p, 0, sizeof(p));
	while (rc == 0 && (st = capture_file_next(cf, &p)) == CAPTURE_PACKET) {
		pl->packets++;
		pl->wire_bytes += p.wirelen;
		if (decode_packet(&dctx, &p) != DECODE_OK || !p.payload_len ||
		    (p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP))
			continue;
		rc = append_payload(pl, p.payload, p.payload_len);
	}
	if (rc == 0 && st != CAPTURE_EOF)
		fprintf(stderr, "spotter-rawscan: %s: %s (using the %" PRIu64 " packets before)\n",
			path, capture_file_error(cf), pl->packets);
	decode_ctx_fini(&dctx);
	capture_file_close(cf);
	return rc;
}

/* A literal as a Hyperscan expression: bytes other than [A-Za-z0-9_] as \xNN. */
static char *escape(const uint8_t *b, uint32_t len)
{
	char *s = malloc((size_t)len * 4 + 1), *q = s;

	if (!s)
		return NULL;
	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = b[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_')
			*q++ = (char)c;
		else
			q += sprintf(q, "\\x%02x", c);
	}
	*q = '\0';
	return s;
}

static int add_literal(struct literals *lit, const struct rule_content *c)
{
	struct literal *v;
	char *e;

	lit->items++;
	if (!c->len)
		return 0;
	if (!(v = grow(lit->v, &lit->cap, lit->n + 1, sizeof(*v))))
		return -ENOMEM;
	lit->v = v;
	if (!(e = escape(c->bytes, c->len)))
		return -ENOMEM;
	lit->v[lit->n].expr = e;
	lit->v[lit->n].flags = c->nocase ? HS_FLAG_CASELESS : 0;
	lit->n++;
	return 0;
}

static int cmp_literal(const void *x, const void *y)
{
	const struct literal *a = x, *b = y;
	int c = strcmp(a->expr, b->expr);

	return c ? c : (a->flags > b->flags) - (a->flags < b->flags);
}

/* Sorts and drops duplicates: the database holds each literal once, as a
 * sensor's prefilter would. */
static void dedup(struct literals *lit)
{
	uint64_t k = 0;

	if (!lit->n)
		return;
	qsort(lit->v, lit->n, sizeof(*lit->v), cmp_literal);
	for (uint64_t i = 1; i < lit->n; i++) {
		if (cmp_literal(&lit->v[k], &lit->v[i]) == 0)
			free(lit->v[i].expr);
		else
			lit->v[++k] = lit->v[i];
	}
	lit->n = k + 1;
}

static int load_literals(char *const *paths, int npaths, struct literals *lit)
{
	struct vars *vars = vars_new();
	struct ruleset *rs = ruleset_new();
	int rc = (vars && rs) ? 0 : -ENOMEM;

	for (int i = 0; rc == 0 && i < npaths; i++)
		if ((rc = ruleset_load_path(rs, paths[i], vars)) < 0)
			fprintf(stderr, "spotter-rawscan: %s: %s\n", paths[i], strerror(-rc));
	for (uint32_t r = 0; rc == 0 && r < rs->n_rules; r++) {
		const struct rule *rule = rs->rules[r];

		for (uint32_t i = 0; rc == 0 && i < rule->n_items; i++)
			if (rule->items[i].kind == RULE_ITEM_CONTENT)
				rc = add_literal(lit, &rule->items[i].u.content);
	}
	if (rs) {
		lit->rules = rs->n_rules;
		lit->rule_errors = rs->n_errors;
	}
	ruleset_free(rs);
	vars_free(vars);
	dedup(lit);
	return rc;
}

static void free_literals(struct literals *lit)
{
	for (uint64_t i = 0; i < lit->n; i++)
		free(lit->v[i].expr);
	free(lit->v);
}

static int compile(const struct literals *lit, hs_database_t **db)
{
	const char **expr = calloc(lit->n, sizeof(*expr));
	unsigned *flags = calloc(lit->n, sizeof(*flags)), *ids = calloc(lit->n, sizeof(*ids));
	hs_compile_error_t *cerr = NULL;
	int rc = -ENOMEM;

	if (!expr || !flags || !ids)
		goto out;
	for (uint64_t i = 0; i < lit->n; i++) {
		expr[i] = lit->v[i].expr;
		flags[i] = lit->v[i].flags;
		ids[i] = (unsigned)i;
	}
	if (hs_compile_multi(expr, flags, ids, (unsigned)lit->n, HS_MODE_BLOCK, NULL, db, &cerr) !=
	    HS_SUCCESS) {
		fprintf(stderr, "spotter-rawscan: hyperscan: %s (expression %d)\n",
			cerr ? cerr->message : "compile failed", cerr ? cerr->expression : -1);
		hs_free_compile_error(cerr);
		rc = -EINVAL;
		goto out;
	}
	rc = 0;
out:
	free(expr);
	free(flags);
	free(ids);
	return rc;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
		    void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)fl;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* One pass: one hs_scan() per payload. Returns the matches, or -1 on error. */
static int64_t scan_pass(const hs_database_t *db, hs_scratch_t *scratch, const struct payloads *pl)
{
	const uint8_t *p = pl->buf;
	uint64_t matches = 0;

	for (uint64_t i = 0; i < pl->n; i++) {
		if (hs_scan(db, (const char *)p, pl->plen[i], 0, scratch, on_match, &matches) !=
		    HS_SUCCESS)
			return -1;
		p += pl->plen[i];
	}
	return (int64_t)matches;
}

struct result {
	uint64_t passes, matches;
	double seconds, compile_seconds; /* seconds: one pass */
};

static void report(const struct payloads *pl, const struct literals *lit, const struct result *r,
		   bool json)
{
	double gbps = (double)pl->len * 8 / r->seconds / 1e9;
	double wire_gbps = (double)pl->wire_bytes * 8 / r->seconds / 1e9;
	double ns_pkt = r->seconds * 1e9 / (double)(pl->n ? pl->n : 1);

	if (json) {
		printf("{\"payload_bytes\": %" PRIu64 ", \"packets\": %" PRIu64
		       ", \"capture_packets\": %" PRIu64 ", \"wire_bytes\": %" PRIu64
		       ", \"seconds\": %.6f, \"passes\": %" PRIu64 ", \"gbps_payload\": %.3f"
		       ", \"gbps_wire\": %.3f, \"ns_per_packet\": %.1f, \"compile_seconds\": %.3f"
		       ", \"literals\": %" PRIu64 ", \"content_items\": %" PRIu64
		       ", \"rules\": %u, \"rule_errors\": %u, \"matches\": %" PRIu64
		       ", \"hyperscan\": \"%s\"}\n",
		       pl->len, pl->n, pl->packets, pl->wire_bytes, r->seconds, r->passes, gbps,
		       wire_gbps, ns_pkt, r->compile_seconds, lit->n, lit->items, lit->rules,
		       lit->rule_errors, r->matches, hs_version());
		return;
	}
	printf("rules: %u loaded (%u errors), %" PRIu64 " content options, %" PRIu64
	       " distinct literals, compiled in %.3f s\n",
	       lit->rules, lit->rule_errors, lit->items, lit->n, r->compile_seconds);
	printf("capture: %" PRIu64 " packets, %" PRIu64 " wire bytes; %" PRIu64
	       " payloads, %" PRIu64 " payload bytes\n",
	       pl->packets, pl->wire_bytes, pl->n, pl->len);
	printf("scan: %.4f s per pass (%" PRIu64 " passes), %.2f Gbit/s of payload, %.2f Gbit/s "
	       "of wire, %.1f ns per packet, %" PRIu64 " matches per pass\n",
	       r->seconds, r->passes, gbps, wire_gbps, ns_pkt, r->matches);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: spotter-rawscan -r CAPTURE -R RULES [-R RULES ...] [--min-seconds S] "
		   "[--json]\n"
		   "  -r, --read FILE      capture (pcap or pcapng)\n"
		   "  -R, --rules PATH     rule file or directory (repeatable)\n"
		   "      --min-seconds S  time passes until at least S seconds (default 2)\n"
		   "      --json           one JSON object on stdout\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"read", required_argument, NULL, 'r'},
	    {"rules", required_argument, NULL, 'R'},
	    {"min-seconds", required_argument, NULL, 'm'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *rule_paths[MAX_RULE_PATHS];
	int nrules = 0, c, rc = 1;
	const char *cap = NULL;
	double min_s = 2.0, t0;
	bool json = false;
	struct payloads pl = {0};
	struct literals lit = {0};
	struct result res = {0};
	hs_database_t *db = NULL;
	hs_scratch_t *scratch = NULL;

	while ((c = getopt_long(argc, argv, "r:R:h", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			cap = optarg;
			break;
		case 'R':
			if (nrules == MAX_RULE_PATHS) {
				fprintf(stderr, "spotter-rawscan: at most %d rule paths\n",
					MAX_RULE_PATHS);
				return 2;
			}
			rule_paths[nrules++] = optarg;
			break;
		case 'm':
			min_s = strtod(optarg, NULL);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!cap || !nrules || optind < argc || !(min_s >= 0)) {
		usage(stderr);
		return 2;
	}

	if (load_literals(rule_paths, nrules, &lit) < 0)
		goto out;
	if (!lit.n) {
		fprintf(stderr, "spotter-rawscan: no content literal in the rules\n");
		goto out;
	}
	t0 = now_s();
	if (compile(&lit, &db) < 0)
		goto out;
	res.compile_seconds = now_s() - t0;
	if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
		fprintf(stderr, "spotter-rawscan: hyperscan: cannot allocate scratch\n");
		goto out;
	}
	if (collect_payloads(cap, &pl) < 0)
		goto out;

	t0 = now_s();
	do {
		int64_t m = scan_pass(db, scratch, &pl);

		if (m < 0) {
			fprintf(stderr, "spotter-rawscan: hyperscan: scan failed\n");
			goto out;
		}
		res.matches = (uint64_t)m;
		res.passes++;
	} while (now_s() - t0 < min_s);
	res.seconds = (now_s() - t0) / (double)res.passes;
	report(&pl, &lit, &res, json);
	rc = 0;
out:
	hs_free_scratch(scratch);
	hs_free_database(db);
	free_literals(&lit);
	free(pl.buf);
	free(pl.plen);
	return rc;
}
