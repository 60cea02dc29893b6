/*
 * engine-load.c — rule files to a detection engine (see engine-load.h).
 */
#include "engine-load.h"

#include <errno.h>
#include <stdio.h>

#include "compile.h"
#include "exit-status.h"
#include "log.h"
#include "ruleset.h"
#include "vars.h"

static void print_rule_errors(const struct ruleset *rs, uint32_t from)
{
	char buf[1024];

	for (uint32_t i = from; i < rs->n_errors; i++) {
		rule_error_format(&rs->errors[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
}

static uint32_t rule_errors(const struct ruleset *rs)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < rs->n_errors; i++)
		n += rs->errors[i].line > 0;
	return n;
}

/* Loads, reports and compiles the rules. Returns -1 to continue, or an exit status. */
int engine_load(const struct conf *c, struct detect_engine **engine, uint32_t *rejected)
{
	char err[512];
	struct vars *vars = vars_new();
	struct ruleset *rs = ruleset_new();
	struct rules_db *db = NULL;
	struct rules_compile_stats st;
	int status = -1, rc;

	if (!vars || !rs) {
		log_error("out of memory");
		status = EXIT_RUNTIME;
		goto out;
	}
	for (unsigned i = 0; i < c->n_vars; i++) {
		if (vars_set_assignment(vars, c->vars[i], err, sizeof(err))) {
			log_error("--set %s: %s", c->vars[i], err);
			status = EXIT_USAGE;
			goto out;
		}
	}
	for (unsigned i = 0; i < c->n_rules; i++) {
		if (ruleset_load_path(rs, c->rules[i], vars) < 0) {
			print_rule_errors(rs, 0);
			log_error("cannot read rules from %s", c->rules[i]);
			status = EXIT_USAGE;
			goto out;
		}
	}
	rc = rules_db_compile(rs, &db, &st, err, sizeof(err));
	print_rule_errors(rs, 0);
	*rejected = rule_errors(rs);
	if (rc == -ENOENT || (rc == 0 && db->n_rules == 0)) {
		log_error("no rule could be loaded from %s%s", c->rules[0],
			  c->n_rules > 1 ? " and the other rule paths" : "");
		status = EXIT_USAGE;
		goto out;
	}
	if (rc) {
		log_error("compiling rules: %s", err);
		status = EXIT_USAGE;
		goto out;
	}
	rs = NULL; /* owned by db now */
	if (c->strict_rules && *rejected) {
		log_error("%u rule(s) could not be loaded and --strict-rules is set", *rejected);
		status = EXIT_USAGE;
		goto out;
	}
	log_info("rules: %u loaded (%u Hyperscan patterns, %u prefiltered, %u pcre verifiers in "
		 "Hyperscan, %u in PCRE2, %u header-only), %u rejected, compiled in %.3f s",
		 db->n_rules, st.hs_patterns, st.prefilter_patterns, st.verifiers,
		 st.pcre2_verifiers, st.ip_only, *rejected, (double)db->compile_ns / 1e9);
	{
		struct detect_config dc = c->detect;
		char host[256];

		dc.sensor_id = conf_sensor_name(c, host, sizeof(host));
		if (c->org)
			dc.org = c->org;
		if (detect_engine_new(db, &dc, engine, err, sizeof(err))) {
			log_error("%s", err);
			status = EXIT_RUNTIME;
			goto out;
		}
		db = NULL;
		(*engine)->generation = 1;
	}
out:
	rules_db_free(db);
	ruleset_free(rs);
	vars_free(vars);
	return status;
}
