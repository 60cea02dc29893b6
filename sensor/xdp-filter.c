/*
 * xdp-filter.c — loads bpf/spotter.bpf.c through its skeleton, attaches it
 * by BPF link, and feeds it (see xdp-filter.h).
 *
 * Lifecycle (libbpf-bootstrap's order): open → set rodata → load → fill the
 * operator excludes → attach by link (native first where allowed, generic
 * otherwise) → set rules (any number of times) → detach: close the link
 * (the kernel detaches), destroy the skeleton. A link fd dies with the
 * process, so a crashed or killed spotter leaves nothing on the NIC.
 *
 * Rule swaps: each of filter_map, indicator4_map and indicator6_map is an
 * array of maps with one slot. xdp_filter_set_rules() creates fresh inner
 * maps with the template's spec, fills them while the program still reads
 * the old ones, swaps each in with one update of its slot, then closes the
 * old fds (the kernel frees an old map once no program run still holds it).
 *
 * Threading: see xdp-filter.h. The struct is written only by set-up and
 * xdp_filter_set_rules(); the bypass and counter calls only read it and
 * use the bpf() syscall, which is safe concurrently.
 * Ownership: struct xdp_filter owns the skeleton, the link fd and the
 * current inner map fds; xdp_filter_detach() releases them all.
 */
#include "xdp-filter.h"

#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "iptree.h"
#include "log.h"
#include "packet.h"
#include "spotter.h"
#include "spotter.skel.h"

const char *const spotter_xdp_counter_names[XDPC_MAX] = {
	[XDPC_PACKETS] = "xdp.packets",
	[XDPC_BYTES] = "xdp.bytes",
	[XDPC_PASS_WANTED] = "xdp.pass_wanted",
	[XDPC_PASS_INDICATOR] = "xdp.pass_indicator",
	[XDPC_PASS_FRAGMENT] = "xdp.pass_fragment",
	[XDPC_PASS_NON_IP] = "xdp.pass_non_ip",
	[XDPC_PASS_MALFORMED] = "xdp.pass_malformed",
	[XDPC_PASS_UNPARSED] = "xdp.pass_unparsed",
	[XDPC_DROP_FILTERED] = "xdp.drop_filtered",
	[XDPC_DROP_EXCLUDED_VLAN] = "xdp.drop_excluded_vlan",
	[XDPC_DROP_EXCLUDED_NET] = "xdp.drop_excluded_net",
	[XDPC_DROP_BYPASS] = "xdp.drop_bypass",
	[XDPC_REDIRECT] = "xdp.redirect",
	[XDPC_REDIRECT_FAILED] = "xdp.redirect_failed",
	[XDPC_INDICATOR_HITS] = "xdp.indicator_hits",
};

/* The rule-derived inner maps, by outer slot. */
enum inner_kind {
	INNER_FILTER = 0,
	INNER_IND4,
	INNER_IND6,
	INNER_MAX
};

static const char *const inner_names[INNER_MAX] = {"spx_filter", "spx_ind4", "spx_ind6"};
static const char *const inner_what[INNER_MAX] = {"filter", "IPv4 indicator", "IPv6 indicator"};

/* An inner map template's spec, taken before load: libbpf frees the
 * templates once the outer maps exist. */
struct inner_spec {
	enum bpf_map_type type;
	uint32_t key_size, value_size, max_entries, flags;
};

struct xdp_filter {
	struct spotter_bpf *skel;
	int link_fd;                 /* -1: loaded, not attached */
	int inner_fd[INNER_MAX];     /* the inner maps now in the slots, -1 none */
	struct inner_spec inner[INNER_MAX];
	int ncpus;                   /* possible CPUs: per-CPU value count */
	const char *mode;            /* "native", "generic", "none" */
	char ifname[IF_NAMESIZE];
};

/* ---- libbpf's messages into our logger ---------------------------------- */

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level lvl = LOG_DEBUG;

	if (level == LIBBPF_WARN)
		lvl = LOG_WARN;
	else if (level == LIBBPF_INFO)
		lvl = LOG_INFO;
	log_vmsg(lvl, fmt, ap);
	return 0;
}

/* ---- operator excludes and indicators: ranges to LPM prefixes ----------- */

/* The IPv4-mapped block ::ffff:0:0/96. */
static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Whether the first len bits (len <= 96) of pfx equal those of the
 * IPv4-mapped block, i.e. pfx/len contains all of IPv4. */
static bool covers_v4(const struct addr128 *pfx, unsigned len)
{
	unsigned bytes = len / 8, bits = len % 8;

	if (memcmp(pfx->b, v4_mapped, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((pfx->b[bytes] ^ v4_mapped[bytes]) & (uint8_t)(0xff << (8 - bits))) == 0;
}

struct lpm_fill {
	int fd4, fd6;
	const void *value;
	unsigned n4, n6; /* prefixes written */
};

static int lpm_put4(struct lpm_fill *f, const uint8_t addr[4], unsigned len)
{
	struct spotter_lpm4_key k = {.prefixlen = len};

	memcpy(k.addr, addr, 4);
	if (bpf_map_update_elem(f->fd4, &k, f->value, BPF_ANY))
		return -errno;
	f->n4++;
	return 0;
}

/*
 * One prefix of a range: IPv4-mapped prefixes go to the IPv4 trie at
 * len - 96; every other prefix to the IPv6 trie, and a short one that
 * contains the whole IPv4-mapped block (::/0, from `any` or a complement)
 * to the IPv4 trie as 0.0.0.0/0 too.
 */
static int lpm_put(void *ud, const struct addr128 *pfx, unsigned len)
{
	static const uint8_t zero4[4];
	struct lpm_fill *f = ud;
	struct spotter_lpm6_key k = {.prefixlen = len};
	int rc;

	if (len >= 96 && addr_is_v4(pfx))
		return lpm_put4(f, pfx->b + 12, len - 96);
	memcpy(k.addr, pfx->b, 16);
	if (bpf_map_update_elem(f->fd6, &k, f->value, BPF_ANY))
		return -errno;
	f->n6++;
	if (len < 96 && covers_v4(pfx, len)) {
		rc = lpm_put4(f, zero4, 0);
		if (rc)
			return rc;
	}
	return 0;
}

/* "a" for one address, "a-b" for a range. */
static const char *range_str(const struct addr_range *r, char *buf, size_t len)
{
	char lo[64], hi[64];

	addr_format(&r->lo, lo, sizeof(lo));
	if (addr_cmp(&r->lo, &r->hi) == 0) {
		snprintf(buf, len, "%s", lo);
		return buf;
	}
	addr_format(&r->hi, hi, sizeof(hi));
	snprintf(buf, len, "%s-%s", lo, hi);
	return buf;
}

/* Fills the tries fd4/fd6 with every range, each prefix's value *value or
 * values[i] (when values is not NULL). what names the list in errors. */
static int fill_lpm(int fd4, int fd6, const struct addr_range *r, unsigned n,
		    const uint32_t *values, const char *what, char *err, size_t errlen)
{
	static const uint8_t one = 1;
	struct lpm_fill f = {.fd4 = fd4, .fd6 = fd6, .value = &one};
	char buf[160];

	for (unsigned i = 0; i < n; i++) {
		int rc;

		if (values)
			f.value = &values[i];
		rc = iptree_range_to_prefixes(&r[i], lpm_put, &f);
		if (rc == -ENOSPC || rc == -E2BIG) {
			snprintf(err, errlen, "%s: more prefixes than the map holds at %s", what,
				 range_str(&r[i], buf, sizeof(buf)));
			return rc;
		}
		if (rc) {
			snprintf(err, errlen, "%s: %s: %s", what, range_str(&r[i], buf, sizeof(buf)),
				 strerror(-rc));
			return rc;
		}
	}
	log_debug("xdp: %s: %u ranges as %u IPv4 and %u IPv6 prefixes", what, n, f.n4, f.n6);
	return 0;
}

static int fill_excludes(struct xdp_filter *x, const struct xdp_filter_config *cfg, char *err,
			 size_t errlen)
{
	int vfd = bpf_map__fd(x->skel->maps.exclude_vlan_map);
	uint8_t one = 1;

	for (unsigned i = 0; i < cfg->n_exclude_vlans; i++) {
		uint32_t id = cfg->exclude_vlans[i];

		if (id >= SPOTTER_MAX_VLANS) {
			snprintf(err, errlen, "excluded VLAN %u: VLAN ids are 0..4095", id);
			return -EINVAL;
		}
		if (bpf_map_update_elem(vfd, &id, &one, BPF_ANY)) {
			snprintf(err, errlen, "excluded VLAN %u: %s", id, strerror(errno));
			return -errno;
		}
	}
	return fill_lpm(bpf_map__fd(x->skel->maps.exclude4_map),
			bpf_map__fd(x->skel->maps.exclude6_map), cfg->exclude_nets,
			cfg->n_exclude_nets, NULL, "excluded networks", err, errlen);
}

/* ---- loading and attaching ---------------------------------------------- */

static struct xdp_filter *filter_new(void)
{
	struct xdp_filter *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->link_fd = -1;
	for (int i = 0; i < INNER_MAX; i++)
		x->inner_fd[i] = -1;
	x->mode = "none";
	return x;
}

static void save_inner_specs(struct xdp_filter *x)
{
	struct bpf_map *outer[INNER_MAX] = {x->skel->maps.filter_map, x->skel->maps.indicator4_map,
					    x->skel->maps.indicator6_map};

	for (int i = 0; i < INNER_MAX; i++) {
		const struct bpf_map *t = bpf_map__inner_map(outer[i]);

		x->inner[i].type = bpf_map__type(t);
		x->inner[i].key_size = bpf_map__key_size(t);
		x->inner[i].value_size = bpf_map__value_size(t);
		x->inner[i].max_entries = bpf_map__max_entries(t);
		x->inner[i].flags = bpf_map__map_flags(t);
	}
}

/* Why the kernel refused to load: the cause and what to do. */
static void explain_load(int rc, char *err, size_t errlen)
{
	switch (-rc) {
	case EPERM:
	case EACCES:
		snprintf(err, errlen,
			 "loading the XDP program: %s (run as root, or with CAP_BPF, "
			 "CAP_NET_ADMIN and CAP_PERFMON)",
			 strerror(-rc));
		break;
	case ESRCH:
		snprintf(err, errlen,
			 "loading the XDP program: kernel BTF is missing (%s); "
			 "a kernel built with CONFIG_DEBUG_INFO_BTF is needed",
			 strerror(-rc));
		break;
	default:
		snprintf(err, errlen,
			 "loading the XDP program: %s (does this kernel support BPF and "
			 "XDP? libbpf's messages before this one, with the verifier's "
			 "log, say why)",
			 strerror(-rc));
	}
}

int xdp_filter_load(const struct xdp_filter_config *cfg, struct xdp_filter **out, char *err,
		    size_t errlen)
{
	struct xdp_filter *x;
	int rc;

	*out = NULL;
	libbpf_set_print(libbpf_log);
	x = filter_new();
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = libbpf_num_possible_cpus();
	if (rc < 0) {
		snprintf(err, errlen, "counting possible CPUs: %s", strerror(-rc));
		goto fail;
	}
	x->ncpus = rc;
	x->skel = spotter_bpf__open();
	if (!x->skel) {
		rc = -errno;
		snprintf(err, errlen, "opening the XDP program: %s", strerror(-rc));
		goto fail;
	}
	save_inner_specs(x);
	x->skel->rodata->cfg_redirect_xsk = cfg->redirect_xsk;
	x->skel->rodata->cfg_exclude_vlans = cfg->n_exclude_vlans > 0;
	x->skel->rodata->cfg_exclude_nets = cfg->n_exclude_nets > 0;
	rc = spotter_bpf__load(x->skel);
	if (rc) {
		explain_load(rc, err, errlen);
		goto fail;
	}
	rc = fill_excludes(x, cfg, err, errlen);
	if (rc)
		goto fail;
	*out = x;
	return 0;
fail:
	xdp_filter_detach(x);
	return rc;
}

/* Creates the link in one mode. Returns the link fd or -errno. */
static int link_mode(struct xdp_filter *x, int ifindex, __u32 flags)
{
	/* spelled out rather than LIBBPF_OPTS(): cppcheck cannot see the macro */
	struct bpf_link_create_opts opts = {.sz = sizeof(opts), .flags = flags};
	int fd = bpf_link_create(bpf_program__fd(x->skel->progs.spotter_xdp), ifindex, BPF_XDP,
				 &opts);

	return fd < 0 ? -errno : fd;
}

static void explain_attach(const char *ifname, const char *mode, int rc, char *err, size_t errlen)
{
	char hint[160];

	switch (-rc) {
	case EPERM:
	case EACCES:
		snprintf(hint, sizeof(hint), "run as root, or with CAP_NET_ADMIN and CAP_BPF");
		break;
	case EBUSY:
	case EEXIST:
		snprintf(hint, sizeof(hint),
			 "another XDP program is attached: see `bpftool net show dev %s`", ifname);
		break;
	case EOPNOTSUPP:
		snprintf(hint, sizeof(hint), "no XDP support in this mode: try generic mode");
		break;
	case EINVAL:
		snprintf(hint, sizeof(hint),
			 "XDP links need Linux 5.9 or later; native mode may refuse the MTU");
		break;
	default:
		snprintf(hint, sizeof(hint), "see the kernel log");
	}
	snprintf(err, errlen, "%s: attaching XDP in %s mode: %s (%s)", ifname, mode, strerror(-rc),
		 hint);
}

static int attach_link(struct xdp_filter *x, const struct xdp_filter_config *cfg, int ifindex,
		       char *err, size_t errlen)
{
	int fd;

	if (cfg->mode != XDP_MODE_GENERIC) {
		fd = link_mode(x, ifindex, XDP_FLAGS_DRV_MODE);
		if (fd >= 0) {
			x->mode = "native";
			goto done;
		}
		if (cfg->mode == XDP_MODE_NATIVE || fd == -EPERM || fd == -EACCES ||
		    fd == -EBUSY || fd == -EEXIST) {
			explain_attach(cfg->ifname, "native", fd, err, errlen);
			return fd;
		}
		log_notice("xdp: %s: native mode refused (%s); trying generic mode", cfg->ifname,
			   strerror(-fd));
	}
	fd = link_mode(x, ifindex, XDP_FLAGS_SKB_MODE);
	if (fd < 0) {
		explain_attach(cfg->ifname, "generic", fd, err, errlen);
		return fd;
	}
	x->mode = "generic";
done:
	x->link_fd = fd;
	log_info("xdp: %s: attached in %s mode (link)", cfg->ifname, x->mode);
	return 0;
}

int xdp_filter_attach(const struct xdp_filter_config *cfg, struct xdp_filter **out, char *err,
		      size_t errlen)
{
	struct xdp_filter *x;
	int ifindex, rc;

	*out = NULL;
	if (!cfg->ifname || !*cfg->ifname || strlen(cfg->ifname) >= IF_NAMESIZE) {
		snprintf(err, errlen, "XDP: no interface name, or one longer than %d characters",
			 IF_NAMESIZE - 1);
		return -EINVAL;
	}
	ifindex = (int)if_nametoindex(cfg->ifname);
	if (ifindex == 0) {
		snprintf(err, errlen, "%s: no such interface", cfg->ifname);
		return -ENODEV;
	}
	rc = xdp_filter_load(cfg, &x, err, errlen);
	if (rc) {
		/* name the interface in every message of this call */
		char cause[512];

		snprintf(cause, sizeof(cause), "%s", err);
		snprintf(err, errlen, "%s: %s", cfg->ifname, cause);
		return rc;
	}
	snprintf(x->ifname, sizeof(x->ifname), "%s", cfg->ifname);
	rc = attach_link(x, cfg, ifindex, err, errlen);
	if (rc) {
		xdp_filter_detach(x);
		return rc;
	}
	*out = x;
	return 0;
}

const char *xdp_filter_mode(const struct xdp_filter *x)
{
	return x->mode;
}

int xdp_filter_prog_fd(const struct xdp_filter *x)
{
	return bpf_program__fd(x->skel->progs.spotter_xdp);
}

int xdp_filter_xsk_map_fd(const struct xdp_filter *x)
{
	return bpf_map__fd(x->skel->maps.xsks_map);
}

void xdp_filter_detach(struct xdp_filter *x)
{
	if (!x)
		return;
	if (x->link_fd >= 0) {
		close(x->link_fd); /* the last reference: the kernel detaches */
		log_info("xdp: %s: detached", x->ifname);
	}
	for (int i = 0; i < INNER_MAX; i++)
		if (x->inner_fd[i] >= 0)
			close(x->inner_fd[i]);
	spotter_bpf__destroy(x->skel);
	free(x);
}

/* ---- rules: fresh inner maps, swapped in -------------------------------- */

/* A new, empty map with the spec of an inner template. Returns its fd or
 * -errno. */
static int inner_new(const struct inner_spec *t, const char *name)
{
	struct bpf_map_create_opts opts = {.sz = sizeof(opts), .map_flags = t->flags};
	int fd = bpf_map_create(t->type, name, t->key_size, t->value_size, t->max_entries, &opts);

	return fd < 0 ? -errno : fd;
}

static int fill_filter(int fd, const struct xdp_rules *r, char *err, size_t errlen)
{
	struct spotter_filter *f = calloc(1, sizeof(*f)); /* 16 KiB: not on the stack */
	uint32_t zero = 0;
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f->enabled = r->filter;
	f->all_tcp = r->all_tcp;
	f->all_udp = r->all_udp;
	f->all_other = r->all_other;
	if (r->tcp_ports)
		memcpy(f->ports[SPOTTER_L4_TCP], r->tcp_ports, sizeof(f->ports[0]));
	if (r->udp_ports)
		memcpy(f->ports[SPOTTER_L4_UDP], r->udp_ports, sizeof(f->ports[0]));
	if (bpf_map_update_elem(fd, &zero, f, BPF_ANY)) {
		rc = -errno;
		snprintf(err, errlen, "XDP filter map: %s", strerror(-rc));
	}
	free(f);
	return rc;
}

static int check_ids(const struct xdp_rules *r, char *err, size_t errlen)
{
	char buf[160];

	for (unsigned i = 0; i < r->n_indicators; i++)
		if (r->indicator_ids[i] >= SPOTTER_MAX_INDICATORS) {
			snprintf(err, errlen, "indicator %s: id %u is not below %u",
				 range_str(&r->indicators[i], buf, sizeof(buf)), r->indicator_ids[i],
				 (unsigned)SPOTTER_MAX_INDICATORS);
			return -ERANGE;
		}
	return 0;
}

int xdp_filter_set_rules(struct xdp_filter *x, const struct xdp_rules *r, char *err,
			 size_t errlen)
{
	struct bpf_map *outer[INNER_MAX] = {x->skel->maps.filter_map, x->skel->maps.indicator4_map,
					    x->skel->maps.indicator6_map};
	int fd[INNER_MAX] = {-1, -1, -1};
	uint32_t zero = 0;
	int rc;

	rc = check_ids(r, err, errlen);
	if (rc)
		return rc;
	for (int i = 0; i < INNER_MAX; i++) {
		fd[i] = inner_new(&x->inner[i], inner_names[i]);
		if (fd[i] < 0) {
			rc = fd[i];
			snprintf(err, errlen, "creating the XDP %s map: %s", inner_what[i],
				 strerror(-rc));
			goto out;
		}
	}
	rc = fill_filter(fd[INNER_FILTER], r, err, errlen);
	if (rc)
		goto out;
	rc = fill_lpm(fd[INNER_IND4], fd[INNER_IND6], r->indicators, r->n_indicators,
		      r->indicator_ids, "indicators", err, errlen);
	if (rc)
		goto out;
	/* The swap: one update per slot, each atomic for the program. */
	for (int i = 0; i < INNER_MAX; i++) {
		if (bpf_map_update_elem(bpf_map__fd(outer[i]), &zero, &fd[i], BPF_ANY)) {
			rc = -errno;
			snprintf(err, errlen, "swapping in the XDP %s map: %s", inner_what[i],
				 strerror(-rc));
			goto out; /* slots already swapped keep the new maps */
		}
		if (x->inner_fd[i] >= 0)
			close(x->inner_fd[i]);
		x->inner_fd[i] = fd[i];
		fd[i] = -1;
	}
out:
	for (int i = 0; i < INNER_MAX; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return rc;
}

/* ---- bypass ------------------------------------------------------------- */

/* The program's flow_key() over a decoded packet (see struct
 * spotter_flow_key and flow_key_init(), whose normalisation it follows). */
static int bypass_key(struct spotter_flow_key *k, const struct packet *p)
{
	bool ports = p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP;
	uint16_t sport = ports ? p->sport : 0, dport = ports ? p->dport : 0;
	int c, src_side;

	if (p->flags & PKT_F_TUNNELED)
		return -EOPNOTSUPP;
	memset(k, 0, sizeof(*k));
	c = addr_cmp(&p->src, &p->dst);
	src_side = (c > 0 || (c == 0 && sport > dport)) ? 1 : 0;
	memcpy(k->addr[src_side].b, p->src.b, 16);
	memcpy(k->addr[!src_side].b, p->dst.b, 16);
	k->port[src_side] = sport;
	k->port[!src_side] = dport;
	k->vlan = p->vlan_count ? p->vlan[0] : 0;
	k->proto = p->proto;
	return 0;
}

int xdp_filter_bypass(struct xdp_filter *x, const struct packet *p)
{
	struct spotter_flow_key k;
	struct spotter_bypass_value v = {0, 0};
	int rc = bypass_key(&k, p);

	if (rc)
		return rc;
	if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.bypass_map), &k, &v, BPF_NOEXIST) &&
	    errno != EEXIST)
		return -errno;
	return 0;
}

int xdp_filter_bypass_stats(const struct xdp_filter *x, const struct packet *p,
			    uint64_t *packets, uint64_t *bytes)
{
	struct spotter_flow_key k;
	struct spotter_bypass_value v;
	int rc = bypass_key(&k, p);

	if (rc)
		return rc;
	if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.bypass_map), &k, &v))
		return -errno;
	*packets = v.packets;
	*bytes = v.bytes;
	return 0;
}

int xdp_filter_unbypass(struct xdp_filter *x, const struct packet *p)
{
	struct spotter_flow_key k;
	int rc = bypass_key(&k, p);

	if (rc)
		return rc;
	if (bpf_map_delete_elem(bpf_map__fd(x->skel->maps.bypass_map), &k))
		return -errno;
	return 0;
}

/* ---- counters ----------------------------------------------------------- */

/* Sum over CPUs of slot key of a per-CPU u64 array; 0 when unreadable. */
static uint64_t percpu_sum(const struct xdp_filter *x, const struct bpf_map *map, uint32_t key)
{
	uint64_t *v = calloc((size_t)x->ncpus, sizeof(*v)), sum = 0;

	if (!v)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, v) == 0)
		for (int i = 0; i < x->ncpus; i++)
			sum += v[i];
	free(v);
	return sum;
}

uint64_t xdp_filter_counter(const struct xdp_filter *x, unsigned c)
{
	if (c >= XDPC_MAX)
		return 0;
	return percpu_sum(x, x->skel->maps.counters_map, c);
}

uint64_t xdp_filter_indicator_hits(const struct xdp_filter *x, uint32_t id)
{
	if (id >= SPOTTER_MAX_INDICATORS)
		return 0;
	return percpu_sum(x, x->skel->maps.indicator_hits_map, id);
}
