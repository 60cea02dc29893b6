/*
 * conf.c — configuration keys, their parsers, and the YAML file reader (see
 * conf.h). The YAML is read with libyaml's event parser: mappings become
 * dotted key paths, sequences append to list keys, scalars go through
 * conf_set() like command-line values.
 */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "log.h"
#include "output-kafka.h"

enum key_kind {
	K_STR,      /* char * */
	K_LIST,     /* char ** + unsigned count (the count follows at list_count) */
	K_BOOL,
	K_U32,
	K_SIZE32,   /* uint32_t bytes */
	K_SIZE64,   /* uint64_t bytes */
	K_NS,       /* uint64_t nanoseconds from a duration */
	K_TLP,
	K_LOGLEVEL,
	K_DOUBLE,   /* a non-negative number */
};

struct key {
	const char *name;
	enum key_kind kind;
	size_t off;
	size_t count_off; /* K_LIST */
	const char *help;
};

#define F(field) offsetof(struct conf, field)

static const struct key keys[] = {
	{"read", K_STR, F(read), 0, "capture file to read"},
	{"interface", K_LIST, F(interfaces), F(n_interfaces), "interface for live capture"},
	{"rules", K_LIST, F(rules), F(n_rules), "rule file or directory"},
	{"set", K_LIST, F(vars), F(n_vars), "rule variable NAME=VALUE"},
	{"eve", K_STR, F(eve), 0, "EVE JSON output file, - for stdout"},
	{"workers", K_U32, F(workers), 0, "worker threads (0: one per CPU)"},
	{"strict-rules", K_BOOL, F(strict_rules), 0, "any rule error is fatal"},
	{"capture", K_STR, F(capture), 0, "capture mode: auto, afxdp, afpacket, pcap"},
	{"kafka.brokers", K_STR, F(kafka_brokers), 0, "Kafka bootstrap servers"},
	{"kafka.topic", K_STR, F(kafka_topic), 0, "Kafka topic for sightings"},
	{"kafka.health-topic", K_STR, F(kafka_health_topic), 0, "Kafka topic for heartbeats"},
	{"kafka.heartbeat", K_NS, F(kafka_heartbeat_ns), 0, "heartbeat interval (default 5s)"},
	{"kafka.flush-timeout", K_NS, F(kafka_flush_timeout_ns), 0,
	 "at exit, wait this long for delivery (default 5s)"},
	{"kafka.max-tlp", K_TLP, F(kafka_max_tlp), 0,
	 "highest TLP sent to Kafka (default amber+strict; higher stays in the EVE file)"},
	{"spool", K_STR, F(spool), 0, "directory for undelivered sightings"},
	{"spool-size", K_SIZE64, F(spool_size), 0, "spool cap on disk (default 1g)"},
	{"spool-fsync", K_NS, F(spool_fsync_ns), 0, "sync the spool this often; 0: every record"},
	{"spool-segment", K_SIZE32, F(spool_segment), 0, "spool segment file size (default 16m)"},
	{"pace", K_DOUBLE, F(pace), 0, "read a capture at this multiple of its speed (0: at once)"},
	{"stats-json", K_STR, F(stats_json), 0, "write counters as JSON here at exit"},
	{"preload", K_BOOL, F(preload), 0, "read the capture into memory first"},
	{"log-level", K_LOGLEVEL, F(log_level), 0, "error, warning, notice, info, debug"},
	{"sensor.id", K_STR, F(sensor_id), 0, "sensor name in sightings"},
	{"sensor.org", K_STR, F(org), 0, "organisation in sightings"},
	{"sensor.default-tlp", K_TLP, F(detect.default_tlp), 0,
	 "TLP of rules without a marking (default amber)"},
	{"detect.sighting-pool", K_U32, F(detect.sighting_pool), 0,
	 "sighting nodes per worker"},
	{"flow.memcap", K_SIZE64, F(worker.flow.memcap), 0, "flow table memory per worker"},
	{"flow.hash-size", K_U32, F(worker.flow.hash_size), 0, "flow hash buckets per worker"},
	{"flow.evict-min-idle", K_NS, F(worker.flow.evict_min_idle_ns), 0,
	 "at the cap, evict only flows idle this long"},
	{"flow.timeout.new", K_NS, F(worker.flow.timeout_new_ns), 0, "TCP, not established"},
	{"flow.timeout.established", K_NS, F(worker.flow.timeout_est_ns), 0, "TCP, established"},
	{"flow.timeout.closed", K_NS, F(worker.flow.timeout_closed_ns), 0, "TCP, closed"},
	{"flow.timeout.udp-new", K_NS, F(worker.flow.timeout_udp_new_ns), 0,
	 "UDP and others, one direction"},
	{"flow.timeout.udp-established", K_NS, F(worker.flow.timeout_udp_est_ns), 0,
	 "UDP and others, both directions"},
	{"stream.depth", K_SIZE64, F(worker.stream.depth), 0,
	 "bytes inspected per TCP direction (0: all)"},
	{"stream.max-held-segments", K_U32, F(worker.stream.max_held_segments), 0,
	 "out-of-order segments held per direction"},
	{"stream.max-held-bytes", K_SIZE32, F(worker.stream.max_held_bytes), 0,
	 "out-of-order bytes held per direction"},
	{"stream.memcap", K_SIZE64, F(worker.stream.memcap), 0,
	 "held segment memory per worker"},
	{"defrag.max-trackers", K_U32, F(worker.decode.defrag_max_trackers), 0,
	 "datagrams in reassembly per worker"},
	{"defrag.memcap", K_SIZE64, F(worker.decode.defrag_memcap), 0,
	 "fragment memory per worker"},
	{"defrag.timeout", K_NS, F(worker.decode.defrag_timeout_ns), 0,
	 "lifetime of an incomplete datagram"},
	{"app.http-max-header", K_SIZE32, F(worker.app.http_max_header), 0,
	 "HTTP request line and headers"},
	{"app.tls-max-hello", K_SIZE32, F(worker.app.tls_max_hello), 0, "TLS ClientHello"},
	{"app.dns-tcp-max", K_SIZE32, F(worker.app.dns_tcp_max), 0, "DNS message over TCP"},
	{"app.memcap", K_SIZE64, F(worker.app.memcap), 0, "parser buffer memory per worker"},
	{"output.queue-size", K_SIZE64, F(worker.output_bytes), 0,
	 "sighting queue per worker (full: drop and count)"},
	{"input.ring-slots", K_U32, F(worker.ring_slots), 0, "packet descriptors per worker"},
	{"user", K_STR, F(user), 0, "after setup, run as this user with only CAP_BPF"},
	{"live.ring-size", K_SIZE32, F(ring_bytes), 0,
	 "kernel ring per capture source (0: the mode's default)"},
	{"live.promiscuous", K_BOOL, F(promiscuous), 0, "promiscuous mode (default on)"},
	{"xdp.mode", K_STR, F(xdp_mode), 0, "XDP pre-filter: auto, native, generic, off"},
	{"xdp.exclude-vlans", K_LIST, F(exclude_vlans), F(n_exclude_vlans),
	 "VLAN ids dropped before inspection"},
	{"xdp.exclude-subnets", K_LIST, F(exclude_nets), F(n_exclude_nets),
	 "subnets (source or destination) dropped before inspection"},
	{"xdp.bypass", K_BOOL, F(bypass), 0,
	 "drop flows in XDP once past inspection (default on)"},
};

#undef F

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	detect_config_defaults(&c->detect);
	worker_config_defaults(&c->worker);
	c->log_level = LOG_NOTICE;
	c->bypass = true;
	c->promiscuous = true;
	{
		struct output_kafka_config k;

		output_kafka_config_defaults(&k);
		c->kafka_heartbeat_ns = k.heartbeat_ns;
		c->kafka_flush_timeout_ns = k.flush_timeout_ns;
		c->kafka_max_tlp = (int)k.max_tlp;
		c->spool_size = k.spool.max_bytes;
		c->spool_fsync_ns = k.spool.fsync_ns;
		c->spool_segment = k.spool.segment_bytes;
	}
}

static void free_list(char **l, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void conf_fini(struct conf *c)
{
	free(c->read);
	free_list(c->interfaces, c->n_interfaces);
	free_list(c->rules, c->n_rules);
	free_list(c->vars, c->n_vars);
	free_list(c->kafka_props, c->n_kafka_props);
	free(c->eve);
	free(c->capture);
	free(c->kafka_brokers);
	free(c->kafka_topic);
	free(c->kafka_health_topic);
	free(c->spool);
	free(c->stats_json);
	free(c->sensor_id);
	free(c->org);
	free(c->user);
	free(c->xdp_mode);
	free_list(c->exclude_vlans, c->n_exclude_vlans);
	free_list(c->exclude_nets, c->n_exclude_nets);
	memset(c, 0, sizeof(*c));
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "64", "64k", "1.5m", "2g", "16kb", "16kib" (powers of 1024). */
static int parse_size(const char *v, uint64_t *out)
{
	char *end;
	double d;
	uint64_t mul = 1;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || d < 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		mul = 1ull << 10;
		end++;
		break;
	case 'm':
		mul = 1ull << 20;
		end++;
		break;
	case 'g':
		mul = 1ull << 30;
		end++;
		break;
	default:
		return -1;
	}
	if (mul > 1 && tolower((unsigned char)*end) == 'i')
		end++;
	if (*end && tolower((unsigned char)*end) == 'b')
		end++;
	if (*end || d * (double)mul > 1.8e19)
		return -1;
	*out = (uint64_t)(d * (double)mul);
	return 0;
}

/* "30", "30s", "500ms", "5m", "1h" → ns. */
static int parse_duration(const char *v, uint64_t *out)
{
	char *end;
	double d;
	double mul = 1e9;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || d < 0)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mul = 1e9;
	else if (strcmp(end, "ms") == 0)
		mul = 1e6;
	else if (strcmp(end, "m") == 0)
		mul = 60e9;
	else if (strcmp(end, "h") == 0)
		mul = 3600e9;
	else
		return -1;
	if (d * mul > 1.8e19)
		return -1;
	*out = (uint64_t)(d * mul);
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int parse_tlp(const char *v, enum tlp *out)
{
	for (int t = TLP_CLEAR; t <= TLP_RED; t++)
		if (strcasecmp(v, tlp_name((enum tlp)t)) == 0) {
			*out = (enum tlp)t;
			return 0;
		}
	if (strcasecmp(v, "white") == 0) {
		*out = TLP_CLEAR;
		return 0;
	}
	return -1;
}

static int parse_level(const char *v, int *out)
{
	static const char *const names[] = {"error", "warning", "notice", "info", "debug"};

	for (int i = 0; i < 5; i++)
		if (strcasecmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

static int list_append(char ***list, unsigned *n, const char *v)
{
	char **l = realloc(*list, (*n + 1) * sizeof(*l));
	char *s = strdup(v);

	if (!l || !s) {
		free(s);
		if (l)
			*list = l;
		return -ENOMEM;
	}
	*list = l;
	l[(*n)++] = s;
	return 0;
}

static int set_str(char **field, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

static int set_key(struct conf *c, const struct key *k, const char *v, char *err, size_t errlen)
{
	char *base = (char *)c;
	uint64_t u;
	char *end;

	switch (k->kind) {
	case K_STR:
		return set_str((char **)(base + k->off), v);
	case K_LIST:
		return list_append((char ***)(base + k->off), (unsigned *)(base + k->count_off), v);
	case K_BOOL:
		if (parse_bool(v, (bool *)(base + k->off)))
			return fail(err, errlen, "%s: \"%s\" is not a boolean", k->name, v);
		return 0;
	case K_U32:
		errno = 0;
		u = strtoull(v, &end, 10);
		if (errno || end == v || *end || u > UINT32_MAX || *v == '-')
			return fail(err, errlen, "%s: \"%s\" is not a number", k->name, v);
		*(uint32_t *)(base + k->off) = (uint32_t)u;
		return 0;
	case K_SIZE32:
	case K_SIZE64:
		if (parse_size(v, &u) || (k->kind == K_SIZE32 && u > UINT32_MAX))
			return fail(err, errlen, "%s: \"%s\" is not a size (e.g. 64k, 16m, 1g)",
				    k->name, v);
		if (k->kind == K_SIZE32)
			*(uint32_t *)(base + k->off) = (uint32_t)u;
		else
			*(uint64_t *)(base + k->off) = u;
		return 0;
	case K_NS:
		if (parse_duration(v, &u))
			return fail(err, errlen, "%s: \"%s\" is not a duration (e.g. 30s, 5m)",
				    k->name, v);
		*(uint64_t *)(base + k->off) = u;
		return 0;
	case K_TLP:
		if (parse_tlp(v, (enum tlp *)(base + k->off)))
			return fail(err, errlen,
				    "%s: \"%s\" is not a TLP (clear, green, amber, amber+strict, "
				    "red)",
				    k->name, v);
		return 0;
	case K_LOGLEVEL:
		if (parse_level(v, (int *)(base + k->off)))
			return fail(err, errlen, "%s: \"%s\" is not a log level", k->name, v);
		return 0;
	case K_DOUBLE: {
		double d;

		errno = 0;
		d = strtod(v, &end);
		if (errno || end == v || *end || d < 0 || d > 1e6)
			return fail(err, errlen, "%s: \"%s\" is not a number from 0 to 1000000",
				    k->name, v);
		memcpy(base + k->off, &d, sizeof(d));
		return 0;
	}
	}
	return -EINVAL;
}

int conf_set(struct conf *c, const char *key, const char *value, char *err, size_t errlen)
{
	if (strncmp(key, "vars.", 5) == 0 && key[5]) {
		char buf[1024];

		if ((size_t)snprintf(buf, sizeof(buf), "%s=%s", key + 5, value) >= sizeof(buf))
			return fail(err, errlen, "%s: value too long", key);
		return list_append(&c->vars, &c->n_vars, buf);
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, key) == 0)
			return set_key(c, &keys[i], value, err, errlen);
	if (strncmp(key, "kafka.", 6) == 0 && key[6]) {
		char buf[1024];

		/* any other kafka.<property> passes through to librdkafka */
		if ((size_t)snprintf(buf, sizeof(buf), "%s=%s", key + 6, value) >= sizeof(buf))
			return fail(err, errlen, "%s: value too long", key);
		return list_append(&c->kafka_props, &c->n_kafka_props, buf);
	}
	return fail(err, errlen, "unknown configuration key \"%s\"", key);
}

void conf_print_keys(FILE *out)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		fprintf(out, "  %-30s %s\n", keys[i].name, keys[i].help);
	fprintf(out, "  %-30s %s\n", "vars.NAME", "a rule variable (as --set NAME=VALUE)");
	fprintf(out, "  %-30s %s\n", "kafka.PROPERTY", "any librdkafka property");
}

/* ---- YAML --------------------------------------------------------------- */

#define MAX_DEPTH 8

struct yaml_state {
	char path[MAX_DEPTH][128];  /* key at each mapping level */
	bool in_map[MAX_DEPTH + 1]; /* level is a mapping (else a sequence) */
	bool want_key[MAX_DEPTH + 1];
	int depth;                  /* current container level, 0 = none */
};

static void key_path(const struct yaml_state *y, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 1; i <= y->depth; i++) {
		if (!y->in_map[i])
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "." : "", y->path[i - 1]);
		if (n >= len)
			break;
	}
}

static int on_scalar(struct conf *c, struct yaml_state *y, const char *v, size_t line, char *err,
		     size_t errlen, const char *file)
{
	char key[512];
	int rc;

	if (y->depth == 0)
		return fail(err, errlen, "%s:%zu: expected a mapping of keys", file, line);
	if (y->in_map[y->depth] && y->want_key[y->depth]) {
		snprintf(y->path[y->depth - 1], sizeof(y->path[0]), "%s", v);
		y->want_key[y->depth] = false;
		return 0;
	}
	key_path(y, key, sizeof(key));
	rc = conf_set(c, key, v, err, errlen);
	if (rc) {
		char inner[512];

		snprintf(inner, sizeof(inner), "%s", err);
		return fail(err, errlen, "%s:%zu: %s", file, line, inner);
	}
	if (y->in_map[y->depth])
		y->want_key[y->depth] = true;
	return 0;
}

static int on_start(struct yaml_state *y, bool map, size_t line, char *err, size_t errlen,
		    const char *file)
{
	if (y->depth >= MAX_DEPTH)
		return fail(err, errlen, "%s:%zu: nested too deeply", file, line);
	if (y->depth > 0 && y->in_map[y->depth] && y->want_key[y->depth])
		return fail(err, errlen, "%s:%zu: a key must be a plain value", file, line);
	y->depth++;
	y->in_map[y->depth] = map;
	y->want_key[y->depth] = map;
	return 0;
}

static void on_end(struct yaml_state *y)
{
	if (y->depth == 0) /* libyaml never ends more than it started */
		return;
	y->depth--;
	if (y->depth > 0 && y->in_map[y->depth])
		y->want_key[y->depth] = true;
}

int conf_load_file(struct conf *c, const char *path, char *err, size_t errlen)
{
	struct yaml_state y = {0};
	yaml_parser_t parser;
	FILE *f = fopen(path, "r");
	int rc = 0;
	bool done = false;

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	while (!done && !rc) {
		yaml_event_t ev;
		size_t line;

		if (!yaml_parser_parse(&parser, &ev)) {
			rc = fail(err, errlen, "%s:%zu: %s", path, parser.problem_mark.line + 1,
				  parser.problem ? parser.problem : "invalid YAML");
			break;
		}
		line = ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			rc = on_scalar(c, &y, (const char *)ev.data.scalar.value, line, err, errlen,
				       path);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(&y, true, line, err, errlen, path);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(&y, false, line, err, errlen, path);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			on_end(&y);
			break;
		case YAML_ALIAS_EVENT:
			rc = fail(err, errlen, "%s:%zu: aliases are not supported", path, line);
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

/* The sensor's name in sightings: --sensor-id, else the host name. */
const char *conf_sensor_name(const struct conf *c, char *buf, size_t len)
{
	if (c->sensor_id)
		return c->sensor_id;
	if (gethostname(buf, len) != 0 || !buf[0])
		snprintf(buf, len, "spotter");
	buf[len - 1] = '\0';
	return buf;
}
