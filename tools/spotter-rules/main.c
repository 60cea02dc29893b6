/*
 * spotter-rules — checks rule files the way the sensor loads them.
 *
 *   spotter-rules check [--stats] [--json] [--set NAME=VALUE]... [--strict]
 *                       FILE|DIR...
 *
 * Loads every path with the rule library (the same parser, variables and
 * duplicate checks as the sensor), prints each error as FILE:LINE: reason on
 * standard error and a one-line summary. Exit status: 0 every rule loaded,
 * 1 some rules were rejected, 2 usage error or unreadable path (and, with
 * --strict, any rejected rule or no rule at all, as `spotter --strict-rules`
 * would refuse to start). Single-threaded; everything is freed before exit.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "ruleset.h"
#include "stats.h"
#include "vars.h"

#ifndef SPOTTER_VERSION
#define SPOTTER_VERSION "0.0.0"
#endif

#define EXIT_REJECTED 1
#define EXIT_USAGE 2

struct options {
	bool stats, json, strict;
	char **paths;
	int n_paths;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: spotter-rules check [OPTIONS] FILE|DIR...\n"
		"\n"
		"Loads Suricata-compatible rule files (a directory: every *.rules in it)\n"
		"as the spotter sensor does and reports every rule it would reject.\n"
		"\n"
		"options:\n"
		"  --stats            print how many rules use which protocol, keyword,\n"
		"                     modifier, buffer, flow option and TLP marking, and\n"
		"                     the rejections grouped by keyword\n"
		"  --json             print the statistics (and every error) as one JSON\n"
		"                     object on standard output\n"
		"  --set NAME=VALUE   set a rule variable, e.g. --set HOME_NET=[10.0.0.0/8]\n"
		"                     (repeatable; Suricata's defaults apply otherwise)\n"
		"  --strict           exit 2 when any rule is rejected or none is loaded,\n"
		"                     as spotter --strict-rules would refuse to start\n"
		"  -h, --help         this help\n"
		"  -V, --version      the version\n"
		"\n"
		"Errors go to standard error as FILE:LINE: reason. Exit status: 0 all\n"
		"rules loaded, 1 some rejected, 2 usage error or unreadable path.\n");
}

/* Parses the command line; returns -1 to exit 0 (help, version), 0 to run,
 * or EXIT_USAGE. */
static int parse_args(int argc, char **argv, struct options *o, struct vars *vars)
{
	enum { OPT_STATS = 256, OPT_JSON, OPT_SET, OPT_STRICT };
	static const struct option longopts[] = {
		{"stats", no_argument, NULL, OPT_STATS},
		{"json", no_argument, NULL, OPT_JSON},
		{"set", required_argument, NULL, OPT_SET},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char err[256];
	int c;

	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_STATS: o->stats = true; break;
		case OPT_JSON: o->json = true; break;
		case OPT_STRICT: o->strict = true; break;
		case OPT_SET:
			if (vars_set_assignment(vars, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "spotter-rules: --set %s: %s\n", optarg, err);
				return EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return -1;
		case 'V': printf("spotter-rules %s\n", SPOTTER_VERSION); return -1;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	o->paths = argv + optind;
	o->n_paths = argc - optind;
	if (o->n_paths == 0) {
		fprintf(stderr, "spotter-rules: no rule file or directory given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The compile step: turning the loaded rules into the sensor's matching
 * databases. It slots in here (rules/compile.h, not on this branch yet):
 * a rule that fails to compile is recorded with ruleset_add_error() and
 * removed with ruleset_remove(), so it counts as rejected like a parse
 * error. Returns 0 or a negative errno for a failure of the whole set.
 */
static int compile_loaded(struct ruleset *rs, struct rules_db **db)
{
	char err[512];
	int rc;

	*db = NULL;
	if (rs->n_rules == 0)
		return 0;
	rc = rules_db_compile(rs, db, NULL, err, sizeof(err));
	if (rc == -ENOENT) /* every rule was rejected: the errors say why */
		return 0;
	if (rc)
		fprintf(stderr, "spotter-rules: %s\n", err);
	return rc;
}

static void print_errors(const struct ruleset *rs)
{
	char buf[2048];

	for (uint32_t i = 0; i < rs->n_errors; i++) {
		rule_error_format(&rs->errors[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
}

static void print_summary(const struct stats *st, FILE *out)
{
	fprintf(out, "spotter-rules: %llu file%s, %llu rule%s loaded, %llu rejected (%.1f%% loaded)\n",
		(unsigned long long)st->files, st->files == 1 ? "" : "s",
		(unsigned long long)st->loaded, st->loaded == 1 ? "" : "s",
		(unsigned long long)st->rejected, stats_fraction(st));
}

static int check(const struct options *o, const struct vars *vars)
{
	struct ruleset *rs = ruleset_new();
	struct rules_db *db = NULL;
	struct stats st;
	bool unreadable = false;
	int rc;

	if (!rs) {
		fprintf(stderr, "spotter-rules: out of memory\n");
		return EXIT_USAGE;
	}
	for (int i = 0; i < o->n_paths; i++)
		if (ruleset_load_path(rs, o->paths[i], vars) < 0)
			unreadable = true;
	/* on success the compiled set owns rs; rs stays valid until db is freed */
	rc = compile_loaded(rs, &db);
	if (rc < 0)
		fprintf(stderr, "spotter-rules: compiling the rule set failed: %s\n", strerror(-rc));
	print_errors(rs);
	if (stats_collect(&st, rs) < 0) {
		fprintf(stderr, "spotter-rules: out of memory\n");
		ruleset_free(rs);
		return EXIT_USAGE;
	}
	if (o->json)
		stats_print_json(&st, rs, stdout);
	else if (o->stats)
		stats_print_text(&st, stdout);
	if (st.loaded == 0)
		fprintf(o->json ? stderr : stdout,
			"spotter-rules: no rule loaded: the sensor would refuse to start\n");
	print_summary(&st, o->json ? stderr : stdout);
	if (unreadable || rc < 0)
		rc = EXIT_USAGE;
	else if (o->strict && (st.rejected || st.loaded == 0))
		rc = EXIT_USAGE;
	else
		rc = st.rejected ? EXIT_REJECTED : 0;
	stats_fini(&st);
	if (db)
		rules_db_free(db);
	else
		ruleset_free(rs);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct vars *vars;
	int rc;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("spotter-rules %s\n", SPOTTER_VERSION);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		if (argc >= 2)
			fprintf(stderr, "spotter-rules: unknown command \"%s\"\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	vars = vars_new();
	if (!vars) {
		fprintf(stderr, "spotter-rules: out of memory\n");
		return EXIT_USAGE;
	}
	rc = parse_args(argc - 1, argv + 1, &o, vars);
	if (rc == 0)
		rc = check(&o, vars);
	else if (rc < 0)
		rc = 0;
	vars_free(vars);
	return rc;
}
