/*
 * xdp-rules.c — the XDP pre-filter's view of a rule set, with stable
 * indicator ids (see xdp-rules.h). Ids are looked up through an index
 * sorted by key, rebuilt at each reload (reloads are rare; lookups are
 * O(log n)).
 */
#include "xdp-rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spotter.h"

struct xdp_registry {
	struct xdp_indicator *ind; /* by id */
	uint32_t n, cap;
	uint32_t *by_key; /* ids sorted by key */
	uint32_t *ids;	  /* per range of the last build */
};

struct xdp_registry *xdp_registry_new(void)
{
	return calloc(1, sizeof(struct xdp_registry));
}

void xdp_registry_free(struct xdp_registry *reg)
{
	if (!reg)
		return;
	for (uint32_t i = 0; i < reg->n; i++) {
		free(reg->ind[i].key);
		free(reg->ind[i].msg);
	}
	free(reg->ind);
	free(reg->by_key);
	free(reg->ids);
	free(reg);
}

unsigned xdp_registry_count(const struct xdp_registry *reg)
{
	return reg->n;
}

const struct xdp_indicator *xdp_registry_get(const struct xdp_registry *reg, uint32_t id)
{
	return id < reg->n ? &reg->ind[id] : NULL;
}

/* Binary search of the sorted index; returns the position key has or would have. */
static uint32_t find(const struct xdp_registry *reg, const char *key, bool *found)
{
	uint32_t lo = 0, hi = reg->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(reg->ind[reg->by_key[mid]].key, key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static int grow(struct xdp_registry *reg)
{
	uint32_t cap = reg->cap ? reg->cap * 2 : 64;
	struct xdp_indicator *ind = realloc(reg->ind, cap * sizeof(*ind));
	uint32_t *by_key;

	if (!ind)
		return -ENOMEM;
	reg->ind = ind;
	by_key = realloc(reg->by_key, cap * sizeof(*by_key));
	if (!by_key)
		return -ENOMEM;
	reg->by_key = by_key;
	reg->cap = cap;
	return 0;
}

/* The id of rule rr, registering it when new. UINT32_MAX when full or out of memory. */
static uint32_t id_of(struct xdp_registry *reg, const struct rules_rule *rr)
{
	bool found;
	uint32_t pos = find(reg, rr->key, &found), id;
	struct xdp_indicator *x;

	if (found)
		return reg->by_key[pos];
	if (reg->n >= SPOTTER_MAX_INDICATORS || (reg->n == reg->cap && grow(reg)))
		return UINT32_MAX;
	id = reg->n;
	x = &reg->ind[id];
	x->key = strdup(rr->key);
	x->msg = strdup(rr->r->msg ? rr->r->msg : "");
	if (!x->key || !x->msg) {
		free(x->key);
		free(x->msg);
		return UINT32_MAX;
	}
	x->gid = rr->r->gid;
	x->sid = rr->r->sid;
	x->rev = rr->r->rev;
	memmove(&reg->by_key[pos + 1], &reg->by_key[pos], (reg->n - pos) * sizeof(uint32_t));
	reg->by_key[pos] = id;
	reg->n++;
	return id;
}

int xdp_rules_build(struct xdp_registry *reg, const struct rules_db *db, const struct prefilter *pf,
		    struct xdp_rules *out)
{
	uint32_t *ids = malloc((pf->n_indicators ? pf->n_indicators : 1) * sizeof(*ids));
	int rc = 0;

	if (!ids)
		return -ENOMEM;
	for (unsigned i = 0; i < pf->n_indicators; i++) {
		ids[i] = id_of(reg, &db->rules[pf->indicator_ids[i]]);
		if (ids[i] == UINT32_MAX) {
			ids[i] = 0;
			rc = reg->n >= SPOTTER_MAX_INDICATORS ? -ENOSPC : -ENOMEM;
		}
	}
	free(reg->ids);
	reg->ids = ids;
	memset(out, 0, sizeof(*out));
	out->filter = !(pf->all_tcp && pf->all_udp && pf->all_other);
	out->all_tcp = pf->all_tcp;
	out->all_udp = pf->all_udp;
	out->all_other = pf->all_other;
	out->tcp_ports = pf->tcp_ports;
	out->udp_ports = pf->udp_ports;
	out->indicators = pf->indicators;
	out->indicator_ids = ids;
	out->n_indicators = pf->n_indicators;
	return rc;
}
