/*
 * test_conf.c — configuration keys and the YAML file: every value kind,
 * every error message, lists, variables, nested sections, overrides.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir(), name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_values(void)
{
	struct conf c;
	char err[256];

	conf_init(&c);
	CU_ASSERT_EQUAL(conf_set(&c, "workers", "4", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.workers, 4);
	CU_ASSERT_EQUAL(conf_set(&c, "flow.memcap", "1.5m", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.worker.flow.memcap, 1572864);
	CU_ASSERT_EQUAL(conf_set(&c, "stream.depth", "64KiB", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.worker.stream.depth, 65536);
	CU_ASSERT_EQUAL(conf_set(&c, "stream.max-held-bytes", "2g", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.worker.stream.max_held_bytes, 2147483648u);
	CU_ASSERT_EQUAL(conf_set(&c, "flow.timeout.new", "500ms", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.worker.flow.timeout_new_ns, 500000000ull);
	CU_ASSERT_EQUAL(conf_set(&c, "flow.timeout.established", "5m", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.worker.flow.timeout_est_ns, 300000000000ull);
	CU_ASSERT_EQUAL(conf_set(&c, "strict-rules", "yes", err, sizeof(err)), 0);
	CU_ASSERT(c.strict_rules);
	CU_ASSERT_EQUAL(conf_set(&c, "sensor.default-tlp", "AMBER+STRICT", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.detect.default_tlp, TLP_AMBER_STRICT);
	CU_ASSERT_EQUAL(conf_set(&c, "sensor.default-tlp", "white", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.detect.default_tlp, TLP_CLEAR);
	CU_ASSERT_EQUAL(conf_set(&c, "log-level", "debug", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.log_level, LOG_DEBUG);
	CU_ASSERT_EQUAL(conf_set(&c, "eve", "a.json", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(conf_set(&c, "eve", "b.json", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.eve, "b.json");
	conf_fini(&c);
}

static void test_errors(void)
{
	struct conf c;
	char err[256];

	conf_init(&c);
	CU_ASSERT_EQUAL(conf_set(&c, "workers", "four", err, sizeof(err)), -22);
	CU_ASSERT_STRING_EQUAL(err, "workers: \"four\" is not a number");
	CU_ASSERT_EQUAL(conf_set(&c, "workers", "-1", err, sizeof(err)), -22);
	CU_ASSERT_EQUAL(conf_set(&c, "flow.memcap", "12q", err, sizeof(err)), -22);
	CU_ASSERT_STRING_EQUAL(err, "flow.memcap: \"12q\" is not a size (e.g. 64k, 16m, 1g)");
	CU_ASSERT_EQUAL(conf_set(&c, "stream.max-held-bytes", "5g", err, sizeof(err)), -22);
	CU_ASSERT_EQUAL(conf_set(&c, "flow.timeout.new", "3d", err, sizeof(err)), -22);
	CU_ASSERT_STRING_EQUAL(err, "flow.timeout.new: \"3d\" is not a duration (e.g. 30s, 5m)");
	CU_ASSERT_EQUAL(conf_set(&c, "preload", "maybe", err, sizeof(err)), -22);
	CU_ASSERT_STRING_EQUAL(err, "preload: \"maybe\" is not a boolean");
	CU_ASSERT_EQUAL(conf_set(&c, "sensor.default-tlp", "purple", err, sizeof(err)), -22);
	CU_ASSERT_STRING_EQUAL(err, "sensor.default-tlp: \"purple\" is not a TLP (clear, green, "
				    "amber, amber+strict, red)");
	CU_ASSERT_EQUAL(conf_set(&c, "log-level", "loud", err, sizeof(err)), -22);
	CU_ASSERT_EQUAL(conf_set(&c, "flow.mem", "1", err, sizeof(err)), -22);
	CU_ASSERT_STRING_EQUAL(err, "unknown configuration key \"flow.mem\"");
	conf_fini(&c);
}

static void test_lists(void)
{
	struct conf c;
	char err[256];

	conf_init(&c);
	CU_ASSERT_EQUAL(conf_set(&c, "rules", "a.rules", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(conf_set(&c, "rules", "dir/", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.n_rules, 2);
	CU_ASSERT_STRING_EQUAL(c.rules[1], "dir/");
	CU_ASSERT_EQUAL(conf_set(&c, "vars.HOME_NET", "[10.0.0.0/8]", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(conf_set(&c, "set", "HTTP_PORTS=8080", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.n_vars, 2);
	CU_ASSERT_STRING_EQUAL(c.vars[0], "HOME_NET=[10.0.0.0/8]");
	CU_ASSERT_STRING_EQUAL(c.vars[1], "HTTP_PORTS=8080");
	CU_ASSERT_EQUAL(conf_set(&c, "kafka.compression.codec", "zstd", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(conf_set(&c, "kafka.brokers", "127.0.0.1:9092", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.n_kafka_props, 1);
	CU_ASSERT_STRING_EQUAL(c.kafka_props[0], "compression.codec=zstd");
	CU_ASSERT_STRING_EQUAL(c.kafka_brokers, "127.0.0.1:9092");
	conf_fini(&c);
}

static void test_yaml(void)
{
	struct conf c;
	char err[256];
	const char *path = write_file("ok.yaml", "# a sensor on a span port\n"
						 "eve: /var/log/spotter/eve.json\n"
						 "workers: 2\n"
						 "rules:\n"
						 "  - rules/sets\n"
						 "  - extra.rules\n"
						 "vars:\n"
						 "  HOME_NET: \"[10.20.0.0/16]\"\n"
						 "sensor:\n"
						 "  id: substation-7\n"
						 "  org: water-utility\n"
						 "flow:\n"
						 "  memcap: 32m\n"
						 "  timeout:\n"
						 "    udp-new: 10s\n"
						 "kafka:\n"
						 "  brokers: k1:9092,k2:9092\n"
						 "  security.protocol: ssl\n");

	conf_init(&c);
	CU_ASSERT_EQUAL_FATAL(conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.eve, "/var/log/spotter/eve.json");
	CU_ASSERT_EQUAL(c.workers, 2);
	CU_ASSERT_EQUAL(c.n_rules, 2);
	CU_ASSERT_STRING_EQUAL(c.rules[0], "rules/sets");
	CU_ASSERT_EQUAL(c.n_vars, 1);
	CU_ASSERT_STRING_EQUAL(c.vars[0], "HOME_NET=[10.20.0.0/16]");
	CU_ASSERT_STRING_EQUAL(c.sensor_id, "substation-7");
	CU_ASSERT_STRING_EQUAL(c.org, "water-utility");
	CU_ASSERT_EQUAL(c.worker.flow.memcap, 32u << 20);
	CU_ASSERT_EQUAL(c.worker.flow.timeout_udp_new_ns, 10000000000ull);
	CU_ASSERT_STRING_EQUAL(c.kafka_brokers, "k1:9092,k2:9092");
	CU_ASSERT_EQUAL(c.n_kafka_props, 1);
	CU_ASSERT_STRING_EQUAL(c.kafka_props[0], "security.protocol=ssl");
	/* the command line comes after the file and wins */
	CU_ASSERT_EQUAL(conf_set(&c, "workers", "1", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.workers, 1);
	conf_fini(&c);
}

static void test_yaml_errors(void)
{
	struct conf c;
	char err[512], want[512];
	const char *path;

	conf_init(&c);
	path = write_file("bad-key.yaml", "eve: x.json\nflow:\n  memcap: lots\n");
	CU_ASSERT_EQUAL(conf_load_file(&c, path, err, sizeof(err)), -22);
	snprintf(want, sizeof(want), "%s:3: flow.memcap: \"lots\" is not a size (e.g. 64k, 16m, 1g)",
		 path);
	CU_ASSERT_STRING_EQUAL(err, want);
	path = write_file("syntax.yaml", "eve: [unclosed\n");
	CU_ASSERT_EQUAL(conf_load_file(&c, path, err, sizeof(err)), -22);
	CU_ASSERT(strstr(err, "syntax.yaml:2: ") != NULL);
	path = write_file("scalar.yaml", "just text\n");
	CU_ASSERT_EQUAL(conf_load_file(&c, path, err, sizeof(err)), -22);
	snprintf(want, sizeof(want), "%s:1: expected a mapping of keys", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	path = write_file("unknown.yaml", "colour: blue\n");
	CU_ASSERT_EQUAL(conf_load_file(&c, path, err, sizeof(err)), -22);
	snprintf(want, sizeof(want), "%s:1: unknown configuration key \"colour\"", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(conf_load_file(&c, "/nonexistent/spotter.yaml", err, sizeof(err)), -2);
	CU_ASSERT_STRING_EQUAL(err, "/nonexistent/spotter.yaml: No such file or directory");
	path = write_file("empty.yaml", "");
	CU_ASSERT_EQUAL(conf_load_file(&c, path, err, sizeof(err)), 0);
	conf_fini(&c);
}

/* The template shipped in deploy/ loads (unit tests run from the repository). */
static void test_template(void)
{
	struct conf c;
	char err[512];

	conf_init(&c);
	CU_ASSERT_EQUAL_FATAL(conf_load_file(&c, "deploy/spotter.yaml", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.n_rules, 2);
	CU_ASSERT_STRING_EQUAL(c.eve, "/var/log/spotter/eve.json");
	CU_ASSERT_EQUAL(c.n_vars, 5);
	CU_ASSERT_STRING_EQUAL(c.sensor_id, "plant-3-span");
	CU_ASSERT_EQUAL(c.detect.default_tlp, TLP_AMBER);
	CU_ASSERT_EQUAL(c.worker.flow.timeout_est_ns, 600000000000ull);
	CU_ASSERT_EQUAL(c.worker.stream.depth, 1u << 20);
	CU_ASSERT_EQUAL(c.worker.output_bytes, 4u << 20);
	CU_ASSERT_EQUAL_FATAL(c.n_interfaces, 1);
	CU_ASSERT_STRING_EQUAL(c.interfaces[0], "enp3s0f1");
	CU_ASSERT_STRING_EQUAL(c.capture, "auto");
	CU_ASSERT_STRING_EQUAL(c.user, "spotter");
	CU_ASSERT_STRING_EQUAL(c.xdp_mode, "auto");
	CU_ASSERT_TRUE(c.bypass);
	CU_ASSERT_TRUE(c.promiscuous);
	CU_ASSERT_EQUAL(c.n_exclude_vlans, 0);
	conf_fini(&c);
}

static void test_live_keys(void)
{
	struct conf c;
	char err[256];
	const char *path = write_file("live.yaml", "interface: [span0, span1]\n"
						   "capture: afpacket\n"
						   "live: {ring-size: 8m, promiscuous: no}\n"
						   "xdp:\n"
						   "  mode: generic\n"
						   "  bypass: false\n"
						   "  exclude-vlans: [100, 200]\n"
						   "  exclude-subnets: [\"10.99.0.0/16\"]\n");

	conf_init(&c);
	CU_ASSERT_TRUE(c.bypass);
	CU_ASSERT_TRUE(c.promiscuous);
	CU_ASSERT_EQUAL_FATAL(conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_interfaces, 2);
	CU_ASSERT_STRING_EQUAL(c.interfaces[1], "span1");
	CU_ASSERT_STRING_EQUAL(c.capture, "afpacket");
	CU_ASSERT_EQUAL(c.ring_bytes, 8u << 20);
	CU_ASSERT_FALSE(c.promiscuous);
	CU_ASSERT_STRING_EQUAL(c.xdp_mode, "generic");
	CU_ASSERT_FALSE(c.bypass);
	CU_ASSERT_EQUAL_FATAL(c.n_exclude_vlans, 2);
	CU_ASSERT_STRING_EQUAL(c.exclude_vlans[1], "200");
	CU_ASSERT_EQUAL_FATAL(c.n_exclude_nets, 1);
	CU_ASSERT_STRING_EQUAL(c.exclude_nets[0], "10.99.0.0/16");
	CU_ASSERT_EQUAL(conf_set(&c, "user", "nobody", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.user, "nobody");
	conf_fini(&c);
}

static CU_TestInfo tests[] = {
	{"live capture keys", test_live_keys},
	{"template in deploy/", test_template},
	{"values", test_values},
	{"errors", test_errors},
	{"lists, vars, kafka properties", test_lists},
	{"yaml", test_yaml},
	{"yaml errors", test_yaml_errors},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"conf", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
