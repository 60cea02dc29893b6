/*
 * vars.c — rule variables: Suricata's defaults, --set assignments and the
 * loop-safe resolution of $NAME references (see vars.h).
 *
 * A struct vars is a small array of name/value strings (a rule set uses a
 * few dozen variables; a linear search is faster than hashing them). It is
 * built by one thread and read-only afterwards. vars_free() frees the names,
 * the values and the array.
 */
#include "vars.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct var {
	char *name;
	char *value;
};

struct vars {
	struct var *v;
	size_t n, cap;
};

/* Suricata's suricata.yaml defaults (vars.address-groups, vars.port-groups). */
static const struct {
	const char *name, *value;
} var_defaults[] = {
	{"HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"},
	{"EXTERNAL_NET", "!$HOME_NET"},
	{"HTTP_SERVERS", "$HOME_NET"},
	{"SMTP_SERVERS", "$HOME_NET"},
	{"SQL_SERVERS", "$HOME_NET"},
	{"DNS_SERVERS", "$HOME_NET"},
	{"TELNET_SERVERS", "$HOME_NET"},
	{"AIM_SERVERS", "$EXTERNAL_NET"},
	{"DC_SERVERS", "$HOME_NET"},
	{"DNP3_SERVER", "$HOME_NET"},
	{"DNP3_CLIENT", "$HOME_NET"},
	{"MODBUS_CLIENT", "$HOME_NET"},
	{"MODBUS_SERVER", "$HOME_NET"},
	{"ENIP_CLIENT", "$HOME_NET"},
	{"ENIP_SERVER", "$HOME_NET"},
	{"HTTP_PORTS", "80"},
	{"SHELLCODE_PORTS", "!80"},
	{"ORACLE_PORTS", "1521"},
	{"SSH_PORTS", "22"},
	{"DNP3_PORTS", "20000"},
	{"MODBUS_PORTS", "502"},
	{"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"},
	{"FTP_PORTS", "21"},
	{"GENEVE_PORTS", "6081"},
	{"VXLAN_PORTS", "4789"},
	{"TEREDO_PORTS", "3544"},
};

static bool is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static struct var *find(const struct vars *v, const char *name, size_t len)
{
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->v[i].name) == len && memcmp(v->v[i].name, name, len) == 0)
			return &v->v[i];
	return NULL;
}

/* Stores without checking the value (the defaults are known to be good). */
static int store(struct vars *v, const char *name, const char *value)
{
	struct var *e = find(v, name, strlen(name));
	char *val = strdup(value);

	if (!val)
		return -ENOMEM;
	if (e) {
		free(e->value);
		e->value = val;
		return 0;
	}
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 32;
		struct var *nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv) {
			free(val);
			return -ENOMEM;
		}
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n].name = strdup(name);
	if (!v->v[v->n].name) {
		free(val);
		return -ENOMEM;
	}
	v->v[v->n].value = val;
	v->n++;
	return 0;
}

struct vars *vars_new(void)
{
	struct vars *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < sizeof(var_defaults) / sizeof(var_defaults[0]); i++) {
		if (store(v, var_defaults[i].name, var_defaults[i].value) < 0) {
			vars_free(v);
			return NULL;
		}
	}
	return v;
}

void vars_free(struct vars *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].name);
		free(v->v[i].value);
	}
	free(v->v);
	free(v);
}

/* True when value mentions $name as a whole variable name. */
static bool refers_to(const char *value, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = strchr(value, '$'); p; p = strchr(p + 1, '$'))
		if (strncmp(p + 1, name, len) == 0 && !is_name_char(p[1 + len]))
			return true;
	return false;
}

static int check_value(const char *name, const char *value, char *err, size_t errlen)
{
	int depth = 0;
	bool blank = true;

	for (const char *p = value; *p; p++) {
		char c = *p;

		if (c == '[') {
			depth++;
		} else if (c == ']') {
			if (--depth < 0)
				break;
		} else if (!is_name_char(c) && !strchr(".:/,!$- \t", c)) {
			snprintf(err, errlen, "variable \"$%s\": invalid character '%c' in \"%s\"",
				 name, c, value);
			return -EINVAL;
		}
		if (c != ' ' && c != '\t')
			blank = false;
	}
	if (blank) {
		snprintf(err, errlen, "variable \"$%s\": empty value", name);
		return -EINVAL;
	}
	if (depth != 0) {
		snprintf(err, errlen, "variable \"$%s\": unbalanced brackets in \"%s\"", name,
			 value);
		return -EINVAL;
	}
	if (refers_to(value, name)) {
		snprintf(err, errlen, "variable \"$%s\" refers to itself", name);
		return -EINVAL;
	}
	return 0;
}

int vars_set(struct vars *v, const char *name, const char *value, char *err,
	     size_t errlen)
{
	int rc;

	if (!*name) {
		snprintf(err, errlen, "variable name is empty");
		return -EINVAL;
	}
	for (const char *p = name; *p; p++) {
		if (!is_name_char(*p)) {
			snprintf(err, errlen, "invalid variable name \"%s\"", name);
			return -EINVAL;
		}
	}
	rc = check_value(name, value, err, errlen);
	if (rc < 0)
		return rc;
	rc = store(v, name, value);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

int vars_set_assignment(struct vars *v, const char *assignment, char *err,
			size_t errlen)
{
	static const char *const prefixes[] = {"vars.address-groups.", "vars.port-groups."};
	const char *eq = strchr(assignment, '=');
	const char *name = assignment;
	char buf[256];
	size_t len;

	if (!eq) {
		snprintf(err, errlen, "expected NAME=VALUE, got \"%s\"", assignment);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);

		if ((size_t)(eq - name) > pl && strncmp(name, prefixes[i], pl) == 0)
			name += pl;
	}
	if (*name == '$')
		name++;
	len = (size_t)(eq - name);
	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "variable name too long");
		return -EINVAL;
	}
	memcpy(buf, name, len);
	buf[len] = '\0';
	return vars_set(v, buf, eq + 1, err, errlen);
}

const char *vars_get(const struct vars *v, const char *name)
{
	const struct var *e = v ? find(v, name, strlen(name)) : NULL;

	return e ? e->value : NULL;
}

size_t vars_count(const struct vars *v)
{
	return v ? v->n : 0;
}

const char *vars_name(const struct vars *v, size_t i)
{
	return v && i < v->n ? v->v[i].name : NULL;
}

int vars_chain_push(struct vars_chain *c, const struct vars *v, const char *name,
		    size_t len, const char **value, char *err, size_t errlen)
{
	const struct var *e = v ? find(v, name, len) : NULL;
	int used;

	if (!e) {
		snprintf(err, errlen, "unknown variable \"$%.*s\"", (int)len, name);
		return -EINVAL;
	}
	for (unsigned i = 0; i < c->n; i++) {
		if (c->names[i] != e->name)
			continue;
		if (i == 0 && c->n == 1) {
			snprintf(err, errlen, "variable \"$%s\" refers to itself", e->name);
			return -EINVAL;
		}
		used = snprintf(err, errlen, "variable loop:");
		for (unsigned j = i; j < c->n && used >= 0 && (size_t)used < errlen; j++)
			used += snprintf(err + used, errlen - (size_t)used, " $%s ->",
					 c->names[j]);
		if (used >= 0 && (size_t)used < errlen)
			snprintf(err + used, errlen - (size_t)used, " $%s", e->name);
		return -EINVAL;
	}
	if (c->n == VARS_DEPTH_MAX) {
		snprintf(err, errlen, "variables nested deeper than %d at \"$%s\"",
			 VARS_DEPTH_MAX, e->name);
		return -EINVAL;
	}
	c->names[c->n++] = e->name;
	*value = e->value;
	return 0;
}

void vars_chain_pop(struct vars_chain *c)
{
	if (c->n > 0)
		c->n--;
}
