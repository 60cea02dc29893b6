/*
 * live.c — the live sensor's set-up, run, reload and tear-down (see
 * live.h). Main thread only; the workers and the output thread are the
 * pipeline's.
 */
#include "live.h"

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "engine-load.h"
#include "exit-status.h"
#include "log.h"
#include "prefilter.h"
#include "privs.h"
#include "stats.h"
#include "xdp-filter.h"
#include "xdp-rules.h"

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t report_flag;
static volatile sig_atomic_t reload_flag;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else if (sig == SIGUSR1)
		report_flag = 1;
	else
		stop_flag = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a sleep ends at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

struct live {
	struct conf *c;
	struct detect_engine **engine;	/* current rule set, owned by the caller */
	struct xdp_filter **xdp;	/* per interface; NULL where not attached */
	struct xdp_filter **xdp_of_src; /* per source, for bypass */
	struct xdp_registry *reg;
	struct capture *cap;
	struct pipeline *pl;
	struct stats_info si;
	char path[512]; /* "live eth0,eth1 (afpacket)" */
	uint16_t *vlans;
	struct addr_range *nets;
	int xmode; /* enum xdp_mode_pref */
};

/* ---- configuration ----------------------------------------------------- */

static int capture_mode_of(const char *s, enum capture_mode *m)
{
	static const char *const names[] = {"auto", "afxdp", "afpacket", "pcap"};

	for (unsigned i = 0; i < 4; i++)
		if (!s || strcmp(s, names[i]) == 0) {
			*m = (enum capture_mode)i;
			return 0;
		}
	return -1;
}

/* xdp.mode: auto, native, generic; off is -1. */
static int xdp_mode_of(const char *s, int *m)
{
	if (!s || strcmp(s, "auto") == 0)
		*m = XDP_MODE_AUTO;
	else if (strcmp(s, "native") == 0)
		*m = XDP_MODE_NATIVE;
	else if (strcmp(s, "generic") == 0)
		*m = XDP_MODE_GENERIC;
	else if (strcmp(s, "off") == 0)
		*m = -1;
	else
		return -1;
	return 0;
}

/* xdp.exclude-vlans and xdp.exclude-subnets into the loader's terms. */
static int parse_excludes(struct live *lv)
{
	const struct conf *c = lv->c;
	char err[256];

	lv->vlans = calloc(c->n_exclude_vlans + 1, sizeof(*lv->vlans));
	lv->nets = calloc(c->n_exclude_nets + 1, sizeof(*lv->nets));
	if (!lv->vlans || !lv->nets) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	for (unsigned i = 0; i < c->n_exclude_vlans; i++) {
		char *end;
		unsigned long v = strtoul(c->exclude_vlans[i], &end, 10);

		if (end == c->exclude_vlans[i] || *end || v < 1 || v > 4094) {
			log_error("xdp.exclude-vlans: \"%s\" is not a VLAN id (1-4094)",
				  c->exclude_vlans[i]);
			return EXIT_USAGE;
		}
		lv->vlans[i] = (uint16_t)v;
	}
	for (unsigned i = 0; i < c->n_exclude_nets; i++) {
		if (addr_parse_cidr(c->exclude_nets[i], &lv->nets[i], err, sizeof(err))) {
			log_error("xdp.exclude-subnets: %s", err);
			return EXIT_USAGE;
		}
	}
	return -1;
}

/* ---- the XDP pre-filter ------------------------------------------------ */

/* Gives every attached program the rules of engine. Returns 0 or -errno. */
static int feed_xdp(struct live *lv, const struct detect_engine *de)
{
	struct prefilter *pf = prefilter_build(de->db);
	struct xdp_rules xr;
	char err[256];
	int rc;

	if (!pf)
		return -ENOMEM;
	rc = xdp_rules_build(lv->reg, de->db, pf, &xr);
	if (rc == -ENOSPC)
		log_warn(
		    "more than %u distinct indicators since start: new ones share hit counter 0",
		    (unsigned)xdp_registry_count(lv->reg));
	else if (rc)
		goto out;
	rc = 0;
	for (unsigned i = 0; i < lv->c->n_interfaces; i++) {
		int r;

		if (!lv->xdp[i])
			continue;
		r = xdp_filter_set_rules(lv->xdp[i], &xr, err, sizeof(err));
		if (r) {
			log_error("%s: cannot update the XDP pre-filter: %s", lv->c->interfaces[i],
				  err);
			rc = r;
		}
	}
	if (!rc)
		log_info("XDP pre-filter: %s, %u indicator ranges",
			 xr.filter ? "ports and protocols of the rules" : "everything passes",
			 xr.n_indicators);
out:
	prefilter_free(pf);
	return rc;
}

static int attach_one(struct live *lv, unsigned i, bool redirect, char *err, size_t errlen)
{
	const struct conf *c = lv->c;
	struct xdp_filter_config xc = {
	    .ifname = c->interfaces[i],
	    .mode = (enum xdp_mode_pref)lv->xmode,
	    .redirect_xsk = redirect,
	    .exclude_vlans = lv->vlans,
	    .n_exclude_vlans = c->n_exclude_vlans,
	    .exclude_nets = lv->nets,
	    .n_exclude_nets = c->n_exclude_nets,
	};

	return xdp_filter_attach(&xc, &lv->xdp[i], err, errlen);
}

/*
 * `auto` attached the program to redirect to AF_XDP sockets; when the
 * capture fell back to AF_PACKET or libpcap, it is attached again without
 * (the redirect is fixed when the program loads), so its counters do not
 * report failed redirects. Happens once, before any worker runs.
 */
static int reattach_without_redirect(struct live *lv)
{
	char err[512];

	for (unsigned i = 0; i < lv->c->n_interfaces; i++) {
		if (!lv->xdp[i])
			continue;
		xdp_filter_detach(lv->xdp[i]);
		lv->xdp[i] = NULL;
		if (attach_one(lv, i, false, err, sizeof(err))) {
			log_warn("%s: no XDP pre-filter (%s)", lv->c->interfaces[i], err);
			lv->xdp[i] = NULL;
		}
	}
	return feed_xdp(lv, *lv->engine);
}

/*
 * Attaches the program to every interface unless pcap was asked for or
 * xdp.mode is off. Where it cannot attach: AF_XDP cannot run, the other
 * modes go on without the pre-filter (said once per interface).
 */
static int attach_xdp(struct live *lv, enum capture_mode mode)
{
	const struct conf *c = lv->c;
	int xmode;

	if (xdp_mode_of(c->xdp_mode, &xmode)) {
		log_error("xdp.mode: unknown mode \"%s\" (auto, native, generic, off)",
			  c->xdp_mode);
		return EXIT_USAGE;
	}
	if (xmode < 0 && mode == CAPTURE_MODE_AFXDP) {
		log_error("--capture afxdp needs the XDP program (xdp.mode is off)");
		return EXIT_USAGE;
	}
	if (xmode < 0 || mode == CAPTURE_MODE_PCAP)
		return -1;
	lv->xmode = xmode;
	for (unsigned i = 0; i < c->n_interfaces; i++) {
		char err[512];
		int rc = attach_one(lv, i, mode == CAPTURE_MODE_AFXDP || mode == CAPTURE_MODE_AUTO,
				    err, sizeof(err));

		if (rc) {
			lv->xdp[i] = NULL;
			if (mode == CAPTURE_MODE_AFXDP) {
				log_error("%s: cannot attach the XDP program AF_XDP needs: %s",
					  c->interfaces[i], err);
				return EXIT_RUNTIME;
			}
			log_warn("%s: no XDP pre-filter (%s); every packet goes to user space",
				 c->interfaces[i], err);
			continue;
		}
		log_notice("%s: XDP pre-filter attached in %s mode", c->interfaces[i],
			   xdp_filter_mode(lv->xdp[i]));
	}
	if (feed_xdp(lv, *lv->engine)) {
		log_error("cannot give the rules to the XDP pre-filter");
		return EXIT_RUNTIME;
	}
	return -1;
}

/* ---- capture ------------------------------------------------------------ */

static int open_capture(struct live *lv, enum capture_mode mode)
{
	const struct conf *c = lv->c;
	struct prefilter *pf = prefilter_build((*lv->engine)->db);
	char *bpf = pf ? prefilter_pcap_expression(pf) : NULL;
	unsigned per_if = c->workers / c->n_interfaces;
	struct capture_config cc = {
	    .interfaces = c->interfaces,
	    .n_interfaces = c->n_interfaces,
	    .mode = mode,
	    .workers = per_if ? per_if : 1,
	    .ring_bytes = c->ring_bytes,
	    .pcap_filter = bpf,
	    .xdp = lv->xdp,
	    .promiscuous = c->promiscuous,
	};
	char err[512];
	size_t len = 0;
	int rc;

	prefilter_free(pf);
	rc = capture_open(&cc, &lv->cap, err, sizeof(err));
	free(bpf);
	if (rc) {
		log_error("%s", err);
		return EXIT_RUNTIME;
	}
	if (capture_fallback_reason(lv->cap)[0])
		log_notice("capture: %s", capture_fallback_reason(lv->cap));
	for (unsigned i = 0; i < c->n_interfaces; i++)
		len += (size_t)snprintf(lv->path + len, sizeof(lv->path) - len, "%s%s",
					i ? "," : "live ", c->interfaces[i]);
	snprintf(lv->path + len, sizeof(lv->path) - len, " (%s, %u sources)",
		 capture_mode_name(capture_mode_used(lv->cap)), capture_n_sources(lv->cap));
	log_notice("capture: %s", lv->path + 5);
	if (mode == CAPTURE_MODE_AUTO && capture_mode_used(lv->cap) != CAPTURE_MODE_AFXDP &&
	    reattach_without_redirect(lv))
		log_error("cannot give the rules to the XDP pre-filter");
	return -1;
}

/* ---- reload ------------------------------------------------------------- */

static void reload(void *ud)
{
	struct live *lv = ud;
	struct detect_engine *de = NULL;
	const struct detect_engine *old;
	uint32_t rejected = 0;
	char err[256];

	log_notice("SIGHUP: reloading the rules");
	if (engine_load(lv->c, &de, &rejected) >= 0) {
		lv->si.reload_failures++;
		log_error("reload failed; the rule set in use stays (generation %u)",
			  (*lv->engine)->generation);
		return;
	}
	if (detect_engine_link(de, *lv->engine)) {
		lv->si.reload_failures++;
		log_error("reload failed: out of memory; the rule set in use stays");
		detect_engine_free(de);
		return;
	}
	old = pipeline_reload(lv->pl, de, err, sizeof(err));
	if (!old) {
		lv->si.reload_failures++;
		log_error("reload failed: %s; the rule set in use stays", err);
		detect_engine_free(de);
		return;
	}
	*lv->engine = de;
	detect_engine_free((struct detect_engine *)old);
	if (feed_xdp(lv, de))
		log_error("reload: the XDP pre-filter keeps the previous rules' filter");
	lv->si.reloads++;
	lv->si.generation = de->generation;
	lv->si.rules_loaded = de->db->n_rules;
	lv->si.rules_rejected = rejected;
	lv->si.compile_ns = de->db->compile_ns;
	log_notice("rules reloaded: generation %u, %u rules, %u rejected, compiled in %.3f s",
		   de->generation, de->db->n_rules, rejected, (double)de->db->compile_ns / 1e9);
}

static void report(void *ud)
{
	struct live *lv = ud;

	stats_print(stderr, lv->pl, &lv->si);
}

/* ---- the run ------------------------------------------------------------- */

static int setup(struct live *lv, struct pipeline_config *pc)
{
	const struct conf *c = lv->c;
	enum capture_mode mode;
	char err[512];
	unsigned n;
	int st;

	if (capture_mode_of(c->capture, &mode)) {
		log_error("--capture: unknown mode \"%s\" (auto, afxdp, afpacket, pcap)",
			  c->capture);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; i < c->n_interfaces; i++) {
		if (!if_nametoindex(c->interfaces[i])) {
			log_error("%s: no such interface", c->interfaces[i]);
			return EXIT_RUNTIME;
		}
	}
	lv->xdp = calloc(c->n_interfaces, sizeof(*lv->xdp));
	lv->reg = xdp_registry_new();
	if (!lv->xdp || !lv->reg) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	if ((st = parse_excludes(lv)) >= 0 || (st = attach_xdp(lv, mode)) >= 0 ||
	    (st = open_capture(lv, mode)) >= 0)
		return st;
	if (c->user) {
		int rc = privs_drop(c->user, err, sizeof(err));

		if (rc) {
			log_error("%s", err);
			return rc == -ENOENT ? EXIT_USAGE : EXIT_RUNTIME;
		}
		log_notice("running as %s with CAP_BPF only", c->user);
	}
	n = capture_n_sources(lv->cap);
	lv->xdp_of_src = calloc(n, sizeof(*lv->xdp_of_src));
	if (!lv->xdp_of_src) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	for (unsigned i = 0; c->bypass && i < n; i++)
		lv->xdp_of_src[i] = lv->xdp[capture_source_iface(lv->cap, i)];
	pc->workers = n;
	pc->worker.ring_slots = 64; /* workers poll their source; the ring is unused */
	if (pipeline_new(pc, *lv->engine, &lv->pl, err, sizeof(err))) {
		log_error("%s", err);
		return EXIT_RUNTIME;
	}
	pipeline_attach_capture(lv->pl, lv->cap, lv->xdp_of_src);
	output_set_counters(lv->pl->output, stats_counters_json, lv->pl);
	return -1;
}

static void teardown(struct live *lv)
{
	pipeline_free(lv->pl);
	capture_close(lv->cap);
	for (unsigned i = 0; lv->xdp && i < lv->c->n_interfaces; i++)
		xdp_filter_detach(lv->xdp[i]);
	free(lv->xdp);
	free(lv->xdp_of_src);
	xdp_registry_free(lv->reg);
	free(lv->vlans);
	free(lv->nets);
}

int live_run(struct conf *c, struct detect_engine **engine, uint32_t rejected,
	     struct pipeline_config *pc)
{
	struct live lv = {.c = c, .engine = engine};
	char err[512];
	int status;

	install_signals();
	status = setup(&lv, pc);
	if (status >= 0) {
		teardown(&lv);
		return status;
	}
	lv.si = (struct stats_info){.capture_path = lv.path,
				    .rules_loaded = (*engine)->db->n_rules,
				    .rules_rejected = rejected,
				    .compile_ns = (*engine)->db->compile_ns,
				    .workers = lv.pl->n_workers,
				    .cap = lv.cap,
				    .xdp = lv.xdp,
				    .ifnames = c->interfaces,
				    .n_if = c->n_interfaces,
				    .indicators = lv.reg,
				    .generation = (*engine)->generation};
	log_notice("running with %u workers; SIGINT or SIGTERM stops, SIGHUP reloads the rules",
		   lv.pl->n_workers);
	status = EXIT_DONE;
	if (pipeline_run_live(lv.pl, &stop_flag, &report_flag, report, &reload_flag, reload, &lv))
		status = EXIT_RUNTIME;
	if (lv.pl->output_result)
		status = EXIT_RUNTIME; /* the sink said why */
	if (c->log_level >= LOG_NOTICE)
		stats_print(stderr, lv.pl, &lv.si);
	if (c->stats_json && stats_write_json(c->stats_json, lv.pl, &lv.si, err, sizeof(err))) {
		log_error("%s", err);
		status = EXIT_RUNTIME;
	}
	teardown(&lv);
	return status;
}
