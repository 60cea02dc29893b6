/*
 * rule.c — freeing a parsed rule, TLP and protocol names (see rule.h).
 *
 * rule_free() releases everything a struct rule points to; the rest is
 * static data. Any thread may call the name functions.
 */
#include "rule.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "classification.h"

static const char *const tlp_names[] = {
	[TLP_NONE] = "none",   [TLP_CLEAR] = "clear",		[TLP_GREEN] = "green",
	[TLP_AMBER] = "amber", [TLP_AMBER_STRICT] = "amber+strict", [TLP_RED] = "red",
};

const char *tlp_name(enum tlp t)
{
	return (unsigned)t < sizeof(tlp_names) / sizeof(tlp_names[0]) ? tlp_names[t] : "?";
}

int tlp_parse(const char *s, enum tlp *out)
{
	if (strcasecmp(s, "white") == 0) {
		*out = TLP_CLEAR;
		return 0;
	}
	for (unsigned t = TLP_CLEAR; t <= TLP_RED; t++) {
		if (strcasecmp(s, tlp_names[t]) == 0) {
			*out = (enum tlp)t;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const proto_names[RULE_PROTO_MAX] = {
	[RULE_PROTO_IP] = "ip",	  [RULE_PROTO_TCP] = "tcp",   [RULE_PROTO_UDP] = "udp",
	[RULE_PROTO_ICMP] = "icmp", [RULE_PROTO_DNS] = "dns",   [RULE_PROTO_HTTP] = "http",
	[RULE_PROTO_TLS] = "tls",
};

const char *rule_proto_name(enum rule_proto p)
{
	return (unsigned)p < RULE_PROTO_MAX ? proto_names[p] : "?";
}

uint32_t rule_severity(const struct rule *r)
{
	const struct classtype *ct;

	if (r->priority)
		return r->priority;
	ct = r->classtype ? classtype_lookup(r->classtype) : NULL;
	return ct ? ct->priority : RULE_PRIORITY_DEFAULT;
}

static void free_kv(struct rule_kv *kv, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->file);
	free(r->text);
	addr_set_fini(&r->src);
	addr_set_fini(&r->dst);
	port_set_fini(&r->sport);
	port_set_fini(&r->dport);
	free(r->msg);
	free(r->classtype);
	free(r->stix_id);
	free_kv(r->metadata, r->n_metadata);
	free_kv(r->references, r->n_references);
	for (uint32_t i = 0; i < r->n_items; i++) {
		if (r->items[i].kind == RULE_ITEM_CONTENT)
			free(r->items[i].u.content.bytes);
		else
			free(r->items[i].u.pcre.re);
	}
	free(r->items);
	free(r);
}
