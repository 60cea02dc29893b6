/*
 * detect-engine.c — building and freeing the shared detection engine (see
 * detect-engine.h). Runs on the thread that loads rules; the result is
 * immutable and shared by every worker.
 */
#include "detect-engine.h"

#include <errno.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eve-json.h"

void detect_config_defaults(struct detect_config *c)
{
	memset(c, 0, sizeof(*c));
	c->sensor_id = "spotter";
	c->org = "unknown";
	c->default_tlp = TLP_AMBER;
	c->sighting_pool = 262144;
}

/* Suricata renders metadata as {"key":["value",...],...}, grouping keys. */
static void render_metadata(struct jbuf *jb, const struct rule *r)
{
	bool first_key = true;

	jb_lit(jb, "\"metadata\":{");
	for (uint32_t i = 0; i < r->n_metadata; i++) {
		const char *key = r->metadata[i].key;
		bool seen = false, first_val = true;

		for (uint32_t j = 0; j < i && !seen; j++)
			seen = strcmp(r->metadata[j].key, key) == 0;
		if (seen)
			continue;
		if (!first_key)
			jb_lit(jb, ",");
		first_key = false;
		jb_str(jb, key, strlen(key));
		jb_lit(jb, ":[");
		for (uint32_t j = i; j < r->n_metadata; j++) {
			const char *v = r->metadata[j].value ? r->metadata[j].value : "";

			if (strcmp(r->metadata[j].key, key) != 0)
				continue;
			if (!first_val)
				jb_lit(jb, ",");
			first_val = false;
			jb_str(jb, v, strlen(v));
		}
		jb_lit(jb, "]");
	}
	jb_lit(jb, "}");
}

static char *render_alert_obj(const struct rules_rule *rr, uint32_t *len)
{
	const struct rule *r = rr->r;
	size_t cap = 512 + strlen(r->msg) * 6 + strlen(rr->category) * 6;
	struct jbuf jb;
	char *buf;

	for (uint32_t i = 0; i < r->n_metadata; i++)
		cap += 16 + strlen(r->metadata[i].key) * 6 +
		       (r->metadata[i].value ? strlen(r->metadata[i].value) * 6 : 0);
	buf = malloc(cap);
	if (!buf)
		return NULL;
	jb_init(&jb, buf, cap);
	jb_lit(&jb, "\"alert\":{\"action\":\"allowed\",\"gid\":");
	jb_u64(&jb, r->gid);
	jb_lit(&jb, ",\"signature_id\":");
	jb_u64(&jb, r->sid);
	jb_lit(&jb, ",\"rev\":");
	jb_u64(&jb, r->rev);
	jb_lit(&jb, ",\"signature\":");
	jb_str(&jb, r->msg, strlen(r->msg));
	jb_lit(&jb, ",\"category\":");
	jb_str(&jb, rr->category, strlen(rr->category));
	jb_lit(&jb, ",\"severity\":");
	jb_u64(&jb, rr->severity);
	jb_lit(&jb, ",");
	render_metadata(&jb, r);
	jb_lit(&jb, "}");
	if (jb.overflow) {
		free(buf);
		return NULL;
	}
	*len = (uint32_t)(jb.p - buf);
	return buf;
}

static char *render_sighting_obj(const struct detect_config *cfg, enum tlp tlp, uint32_t *len)
{
	size_t cap = 128 + strlen(cfg->sensor_id) * 6 + strlen(cfg->org) * 6;
	const char *t = tlp_name(tlp);
	struct jbuf jb;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	jb_init(&jb, buf, cap);
	jb_lit(&jb, "\"sighting\":{\"sensor\":");
	jb_str(&jb, cfg->sensor_id, strlen(cfg->sensor_id));
	jb_lit(&jb, ",\"org\":");
	jb_str(&jb, cfg->org, strlen(cfg->org));
	jb_lit(&jb, ",\"tlp\":");
	jb_str(&jb, t, strlen(t));
	*len = (uint32_t)(jb.p - buf);
	return buf;
}

static int alloc_scratch(struct detect_engine *de)
{
	hs_scratch_t *s = NULL;

	for (int i = 0; i < SLOT_MAX; i++) {
		if (!de->db->db[i])
			continue;
		if (hs_alloc_scratch((hs_database_t *)de->db->db[i], &s) != HS_SUCCESS) {
			hs_free_scratch(s);
			return -ENOMEM;
		}
	}
	/* verifiers run after a scan has returned: the same scratch serves */
	for (uint32_t i = 0; i < de->db->n_parts; i++) {
		if (!de->db->parts[i].vdb)
			continue;
		if (hs_alloc_scratch((hs_database_t *)de->db->parts[i].vdb, &s) != HS_SUCCESS) {
			hs_free_scratch(s);
			return -ENOMEM;
		}
	}
	de->scratch = (struct hs_scratch *)s;
	return 0;
}

int detect_engine_new(struct rules_db *db, const struct detect_config *cfg,
		      struct detect_engine **out, char *err, size_t errlen)
{
	struct detect_engine *de = calloc(1, sizeof(*de));
	uint32_t n = db->n_rules;

	*out = NULL;
	if (!de)
		goto oom;
	de->db = db;
	de->n_rules = n;
	de->sighting_pool = cfg->sighting_pool;
	de->alert_obj = calloc(n, sizeof(*de->alert_obj));
	de->alert_obj_len = calloc(n, sizeof(*de->alert_obj_len));
	de->sighting_obj = calloc(n, sizeof(*de->sighting_obj));
	de->sighting_obj_len = calloc(n, sizeof(*de->sighting_obj_len));
	de->tlp = calloc(n, sizeof(*de->tlp));
	if (!de->alert_obj || !de->alert_obj_len || !de->sighting_obj || !de->sighting_obj_len ||
	    !de->tlp)
		goto oom;
	for (uint32_t i = 0; i < n; i++) {
		const struct rule *r = db->rules[i].r;
		enum tlp t = r->tlp != TLP_NONE ? r->tlp : cfg->default_tlp;

		de->tlp[i] = (uint8_t)t;
		de->alert_obj[i] = render_alert_obj(&db->rules[i], &de->alert_obj_len[i]);
		de->sighting_obj[i] = render_sighting_obj(cfg, t, &de->sighting_obj_len[i]);
		if (!de->alert_obj[i] || !de->sighting_obj[i])
			goto oom;
	}
	if (alloc_scratch(de))
		goto oom;
	*out = de;
	return 0;
oom:
	snprintf(err, errlen, "out of memory building the detection engine");
	if (de)
		de->db = NULL; /* not ours until success */
	detect_engine_free(de);
	return -ENOMEM;
}

void detect_engine_free(struct detect_engine *de)
{
	if (!de)
		return;
	for (uint32_t i = 0; i < de->n_rules; i++) {
		if (de->alert_obj)
			free(de->alert_obj[i]);
		if (de->sighting_obj)
			free(de->sighting_obj[i]);
	}
	free(de->alert_obj);
	free(de->alert_obj_len);
	free(de->sighting_obj);
	free(de->sighting_obj_len);
	free(de->tlp);
	free(de->prev_index);
	hs_free_scratch((hs_scratch_t *)de->scratch);
	rules_db_free(de->db);
	free(de);
}

struct keyed {
	const char *key;
	uint32_t index;
};

static int keyed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

int detect_engine_link(struct detect_engine *de, const struct detect_engine *old)
{
	uint32_t n = old->db->n_rules;
	struct keyed *k = malloc((n ? n : 1) * sizeof(*k));

	de->generation = old->generation + 1;
	free(de->prev_index);
	de->prev_index = malloc((de->db->n_rules ? de->db->n_rules : 1) * sizeof(uint32_t));
	if (!k || !de->prev_index) {
		free(k);
		free(de->prev_index);
		de->prev_index = NULL;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		k[i] = (struct keyed){old->db->rules[i].key, i};
	qsort(k, n, sizeof(*k), keyed_cmp);
	for (uint32_t i = 0; i < de->db->n_rules; i++) {
		struct keyed want = {de->db->rules[i].key, 0};
		const struct keyed *hit = n ? bsearch(&want, k, n, sizeof(*k), keyed_cmp) : NULL;

		de->prev_index[i] = hit ? hit->index : UINT32_MAX;
	}
	free(k);
	return 0;
}
