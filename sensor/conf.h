/*
 * conf.h — the sensor's configuration: every option, from the YAML file
 * given with -c and from the command line, through one setter.
 *
 * The file uses the same keys as the long options (`eve: out.json`,
 * `workers: 4`, `rules: [a.rules, dir/]`, `vars: {HOME_NET: "[10.0.0.0/8]"}`)
 * plus nested sections for tuning (`flow: {memcap: 128mb}`), which are also
 * reachable from the command line as `-o flow.memcap=128mb`. The file is
 * applied first, the command line after it, so options override the file.
 * Sizes take k/m/g suffixes (powers of 1024), durations s/m/h.
 *
 * Ownership: struct conf owns its strings; conf_fini() frees them. Used by
 * the main thread only, before any other thread starts.
 */
#ifndef SPOTTER_CONF_H
#define SPOTTER_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "detect-engine.h"
#include "worker.h"

struct conf {
	char *read;              /* -r */
	char **interfaces;       /* -i, repeatable */
	unsigned n_interfaces;
	char **rules;            /* -R, repeatable */
	unsigned n_rules;
	char **vars;             /* --set NAME=VALUE, repeatable */
	unsigned n_vars;
	char *eve;               /* -e */
	unsigned workers;        /* -w; 0 = one per CPU */
	bool strict_rules;
	char *capture;           /* --capture */
	char *kafka_brokers;
	char *kafka_topic;
	char **kafka_props;      /* kafka.<librdkafka property>=value */
	unsigned n_kafka_props;
	char *kafka_health_topic;
	uint64_t kafka_heartbeat_ns;
	uint64_t kafka_flush_timeout_ns;
	int kafka_max_tlp;       /* enum tlp */
	char *spool;
	uint64_t spool_size;
	uint64_t spool_fsync_ns;
	uint32_t spool_segment;
	double pace;             /* --pace */
	char *stats_json;
	bool preload;            /* read the capture into memory before timing */
	int log_level;           /* enum log_level */

	/* live capture */
	char *user;              /* --user: drop to this user after setup */
	char *xdp_mode;          /* xdp.mode: auto, native, generic, off */
	char **exclude_vlans;    /* xdp.exclude-vlans */
	unsigned n_exclude_vlans;
	char **exclude_nets;     /* xdp.exclude-subnets */
	unsigned n_exclude_nets;
	bool bypass;             /* xdp.bypass (default on) */
	uint32_t ring_bytes;     /* live.ring-size; 0: the mode's default */
	bool promiscuous;        /* live.promiscuous (default on) */

	char *sensor_id;
	char *org;
	struct detect_config detect;
	struct worker_config worker;
};

void conf_init(struct conf *c);
void conf_fini(struct conf *c);

/*
 * Sets one key ("workers", "flow.memcap", "vars.HOME_NET", "rules", ...)
 * from its text value; list keys append. Returns 0, or -EINVAL with a
 * message naming the key and the problem.
 */
int conf_set(struct conf *c, const char *key, const char *value, char *err, size_t errlen);

/* Applies a YAML file. Errors name the file, the line and the key. */
int conf_load_file(struct conf *c, const char *path, char *err, size_t errlen);

/* The sensor's name in sightings: sensor.id, else the host name (in buf). */
const char *conf_sensor_name(const struct conf *c, char *buf, size_t len);

/* The keys conf_set() knows, with a one-line description each (for --help). */
void conf_print_keys(FILE *out);

#endif
