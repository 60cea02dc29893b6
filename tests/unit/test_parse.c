/*
 * test_parse.c — rule_parse(): the header, every keyword, every modifier
 * combination rule, the rewriting of relative modifiers, buffers, and every
 * error message the parser can produce (with the keyword it names).
 */
#include "unit.h"

#include "content.h"
#include "parse.h"
#include "rule.h"
#include "vars.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vars *V;

static int setup(void)
{
	V = vars_new();
	return V ? 0 : 1;
}

static int teardown(void)
{
	vars_free(V);
	return 0;
}

#define OPTS(o) "alert tcp any any -> any any (msg:\"m\"; sid:1; " o ")"

static struct rule *ok(const char *text)
{
	struct rule *r = NULL;
	char err[512], kw[64];
	int rc = rule_parse_kw(text, V, &r, err, sizeof(err), kw, sizeof(kw));

	if (rc != 0)
		fprintf(stderr, "\n  unexpected error: %s\n  in: %s\n", err, text);
	CU_ASSERT_EQUAL(rc, 0);
	return r;
}

static void bad(const char *text, const char *reason, const char *kw)
{
	struct rule *r = (struct rule *)&r; /* not NULL: must be reset */
	char err[512], k[64];
	int rc = rule_parse_kw(text, V, &r, err, sizeof(err), k, sizeof(k));

	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NULL(r);
	if (rc == 0) {
		fprintf(stderr, "\n  expected error: %s\n  in: %s\n", reason, text);
		rule_free(r);
		return;
	}
	if (strcmp(err, reason) != 0 || strcmp(k, kw) != 0)
		fprintf(stderr, "\n  expected: [%s] %s\n  got:      [%s] %s\n", kw, reason, k, err);
	CU_ASSERT_STRING_EQUAL(err, reason);
	CU_ASSERT_STRING_EQUAL(k, kw);
}

#define BAD(o, reason, kw) bad(OPTS(o), reason, kw)

static const struct rule_content *content(const struct rule *r, uint32_t i)
{
	CU_ASSERT_FATAL(i < r->n_items);
	CU_ASSERT_FATAL(r->items[i].kind == RULE_ITEM_CONTENT);
	return &r->items[i].u.content;
}

static const struct rule_pcre *pcre_item(const struct rule *r, uint32_t i)
{
	CU_ASSERT_FATAL(i < r->n_items);
	CU_ASSERT_FATAL(r->items[i].kind == RULE_ITEM_PCRE);
	return &r->items[i].u.pcre;
}

static bool bytes_eq(const struct rule_content *c, const char *s, size_t n)
{
	return c->len == n && memcmp(c->bytes, s, n) == 0;
}

/* ---- header ------------------------------------------------------------------ */

static void test_minimal(void)
{
	struct rule *r = ok("  alert tcp any any -> any any (msg:\"hello\"; sid:7;)  \n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->text, "alert tcp any any -> any any (msg:\"hello\"; sid:7;)");
	CU_ASSERT_PTR_NULL(r->file);
	CU_ASSERT_EQUAL(r->line, 0);
	CU_ASSERT_EQUAL(r->proto, RULE_PROTO_TCP);
	CU_ASSERT_EQUAL(r->dir, RULE_DIR_TO);
	CU_ASSERT(r->src.any && r->dst.any && r->sport.any && r->dport.any);
	CU_ASSERT_STRING_EQUAL(r->msg, "hello");
	CU_ASSERT_EQUAL(r->sid, 7);
	CU_ASSERT_EQUAL(r->gid, 1);
	CU_ASSERT_EQUAL(r->rev, 0);
	CU_ASSERT_EQUAL(r->priority, 0);
	CU_ASSERT_EQUAL(rule_severity(r), RULE_PRIORITY_DEFAULT);
	CU_ASSERT_PTR_NULL(r->classtype);
	CU_ASSERT_EQUAL(r->flow, 0);
	CU_ASSERT_EQUAL(r->tlp, TLP_NONE);
	CU_ASSERT_PTR_NULL(r->stix_id);
	CU_ASSERT_EQUAL(r->n_metadata, 0);
	CU_ASSERT_EQUAL(r->n_references, 0);
	CU_ASSERT_EQUAL(r->n_items, 0);
	CU_ASSERT(rule_is_ip_only(r));
	rule_free(r);
	rule_free(NULL);
}

static void test_protocols(void)
{
	static const struct {
		const char *name;
		enum rule_proto proto;
	} cases[] = {
		{"ip", RULE_PROTO_IP},	   {"tcp", RULE_PROTO_TCP},   {"udp", RULE_PROTO_UDP},
		{"icmp", RULE_PROTO_ICMP}, {"dns", RULE_PROTO_DNS},   {"http", RULE_PROTO_HTTP},
		{"tls", RULE_PROTO_TLS},   {"TCP", RULE_PROTO_TCP},
	};
	char text[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rule *r;

		snprintf(text, sizeof(text), "alert %s any any -> any any (msg:\"m\"; sid:1;)",
			 cases[i].name);
		r = ok(text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->proto, cases[i].proto);
		rule_free(r);
	}
	CU_ASSERT_STRING_EQUAL(rule_proto_name(RULE_PROTO_ICMP), "icmp");
	CU_ASSERT_STRING_EQUAL(rule_proto_name(RULE_PROTO_TLS), "tls");
	CU_ASSERT_STRING_EQUAL(rule_proto_name(RULE_PROTO_MAX), "?");
}

static void test_addresses(void)
{
	struct rule *r = ok("alert udp $HOME_NET 1024: <> [1.2.3.4, 5.6.7.8] !53 "
			    "(msg:\"m\"; sid:1;)");
	char buf[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->dir, RULE_DIR_BOTH);
	addr_set_format(&r->src, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16]");
	port_set_format(&r->sport, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1024:65535");
	addr_set_format(&r->dst, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "[1.2.3.4,5.6.7.8]");
	port_set_format(&r->dport, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "[0:52,54:65535]");
	rule_free(r);

	/* '(' right after the destination port */
	r = ok("alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS(msg:\"m\"; sid:1;)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	port_set_format(&r->dport, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "80");
	rule_free(r);

	/* icmp with any ports */
	r = ok("alert icmp any any -> 2001:db8::/32 any (msg:\"m\"; sid:1;)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	addr_set_format(&r->dst, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8::/32");
	rule_free(r);
}

static void test_header_errors(void)
{
	bad("", "empty rule", "header");
	bad("   ", "empty rule", "header");
	bad("alert", "incomplete header: missing protocol (expected ACTION PROTO SRC SPORT DIR "
		     "DST DPORT (OPTIONS))", "header");
	bad("alert tcp any any -> any (msg:\"m\"; sid:1;)",
	    "incomplete header: missing destination port (expected ACTION PROTO SRC SPORT DIR "
	    "DST DPORT (OPTIONS))", "header");
	bad("drop tcp any any -> any any (msg:\"m\"; sid:1;)",
	    "action \"drop\" is not supported: spotter is a passive sensor", "action");
	bad("reject tcp any any -> any any (msg:\"m\"; sid:1;)",
	    "action \"reject\" is not supported: spotter is a passive sensor", "action");
	bad("pass tcp any any -> any any (msg:\"m\"; sid:1;)",
	    "action \"pass\" is not supported: spotter only alerts", "action");
	bad("log tcp any any -> any any (msg:\"m\"; sid:1;)", "unknown action \"log\"", "action");
	bad("Alert tcp any any -> any any (msg:\"m\"; sid:1;)", "unknown action \"Alert\"",
	    "action");
	bad("alert http2 any any -> any any (msg:\"m\"; sid:1;)",
	    "protocol \"http2\" is not supported", "protocol");
	bad("alert smb any any -> any any (msg:\"m\"; sid:1;)", "protocol \"smb\" is not supported",
	    "protocol");
	bad("alert modbus any any -> any any (msg:\"m\"; sid:1;)",
	    "protocol \"modbus\" is not supported", "protocol");
	bad("alert dnp3 any any -> any any (msg:\"m\"; sid:1;)",
	    "protocol \"dnp3\" is not supported", "protocol");
	bad("alert tcp-pkt any any -> any any (msg:\"m\"; sid:1;)",
	    "protocol \"tcp-pkt\" is not supported", "protocol");
	bad("alert tcp any any <- any any (msg:\"m\"; sid:1;)",
	    "direction \"<-\" is not supported (use -> or <>)", "direction");
	bad("alert tcp any any => any any (msg:\"m\"; sid:1;)",
	    "invalid direction \"=>\" (expected -> or <>)", "direction");
	bad("alert tcp 1.2.3 any -> any any (msg:\"m\"; sid:1;)",
	    "source address: invalid address \"1.2.3\"", "source address");
	bad("alert tcp $FOO any -> any any (msg:\"m\"; sid:1;)",
	    "source address: unknown variable \"$FOO\"", "source address");
	bad("alert tcp any 99999 -> any any (msg:\"m\"; sid:1;)",
	    "source port: invalid port \"99999\"", "source port");
	bad("alert tcp any any -> !any any (msg:\"m\"; sid:1;)",
	    "destination address: \"!any\" matches no address", "destination address");
	bad("alert tcp any any -> any [80,!80] (msg:\"m\"; sid:1;)",
	    "destination port: \"[80,!80]\" matches no port", "destination port");
	bad("alert tcp any any -> any $BAR (msg:\"m\"; sid:1;)",
	    "destination port: unknown variable \"$BAR\"", "destination port");
	bad("alert icmp any any -> any 80 (msg:\"m\"; sid:1;)", "icmp rules cannot have ports",
	    "header");
	bad("alert tcp any any -> any any msg:\"m\"; sid:1;)",
	    "missing \"(\" before the rule options", "options");
	bad("alert tcp any any -> any any (msg:\"m\"; sid:1;",
	    "missing \")\" at the end of the rule", "options");
	bad("alert tcp any any -> any any (", "missing \")\" at the end of the rule", "options");
	bad("alert tcp any any -> any any (msg:\"m\"; sid:1;) x",
	    "missing \")\" at the end of the rule", "options");
}

/* ---- meta keywords -------------------------------------------------------------- */

static void test_meta(void)
{
	struct rule *r = ok("alert tcp any any -> any any (msg: \"a\\;b\\\"c\\\\d;e\\:f\"; "
			    "sid: 2000001 ; rev:12; gid:3; priority:4; classtype:Trojan-Activity; "
			    "reference:url,example.com/x; reference: cve , 2024-1234 ;)");

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->msg, "a;b\"c\\d;e:f");
	CU_ASSERT_EQUAL(r->sid, 2000001);
	CU_ASSERT_EQUAL(r->rev, 12);
	CU_ASSERT_EQUAL(r->gid, 3);
	CU_ASSERT_EQUAL(r->priority, 4);
	CU_ASSERT_EQUAL(rule_severity(r), 4);
	CU_ASSERT_STRING_EQUAL(r->classtype, "trojan-activity");
	CU_ASSERT_EQUAL_FATAL(r->n_references, 2);
	CU_ASSERT_STRING_EQUAL(r->references[0].key, "url");
	CU_ASSERT_STRING_EQUAL(r->references[0].value, "example.com/x");
	CU_ASSERT_STRING_EQUAL(r->references[1].key, "cve");
	CU_ASSERT_STRING_EQUAL(r->references[1].value, "2024-1234");
	rule_free(r);

	/* severity from the classtype */
	r = ok(OPTS("classtype:attempted-dos;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->priority, 0);
	CU_ASSERT_EQUAL(rule_severity(r), 2);
	rule_free(r);

	/* maximum values, empty msg */
	r = ok("alert tcp any any -> any any (msg:\"\"; sid:4294967295; rev:4294967295; "
	       "priority:255; gid:0;)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->msg, "");
	CU_ASSERT_EQUAL(r->sid, 4294967295u);
	CU_ASSERT_EQUAL(r->rev, 4294967295u);
	CU_ASSERT_EQUAL(r->gid, 0);
	CU_ASSERT_EQUAL(r->priority, 255);
	rule_free(r);

	/* keyword names are case-insensitive; ";;" is tolerated */
	r = ok("alert tcp any any -> any any (MSG:\"m\";; SID:5;;)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->sid, 5);
	rule_free(r);
}

static void test_metadata(void)
{
	struct rule *r = ok(OPTS("metadata: former_category MALWARE, tlp Amber, "
				 "created_at 2024_01_01; metadata:stix_id indicator--1234,"
				 "flag_without_value, , tlp amber;"));

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->tlp, TLP_AMBER);
	CU_ASSERT_STRING_EQUAL(r->stix_id, "indicator--1234");
	CU_ASSERT_EQUAL_FATAL(r->n_metadata, 5);
	CU_ASSERT_STRING_EQUAL(r->metadata[0].key, "former_category");
	CU_ASSERT_STRING_EQUAL(r->metadata[0].value, "MALWARE");
	CU_ASSERT_STRING_EQUAL(r->metadata[1].key, "tlp");
	CU_ASSERT_STRING_EQUAL(r->metadata[1].value, "Amber");
	CU_ASSERT_STRING_EQUAL(r->metadata[2].key, "created_at");
	CU_ASSERT_STRING_EQUAL(r->metadata[3].key, "stix_id");
	CU_ASSERT_STRING_EQUAL(r->metadata[3].value, "indicator--1234");
	CU_ASSERT_STRING_EQUAL(r->metadata[4].key, "tlp");
	rule_free(r);

	/* a value with spaces */
	r = ok(OPTS("metadata:mitre_technique_name Exploit Public-Facing Application;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->n_metadata, 1);
	CU_ASSERT_STRING_EQUAL(r->metadata[0].value, "Exploit Public-Facing Application");
	rule_free(r);

	static const struct {
		const char *value;
		enum tlp tlp;
	} tlps[] = {
		{"clear", TLP_CLEAR}, {"WHITE", TLP_CLEAR}, {"green", TLP_GREEN},
		{"amber", TLP_AMBER}, {"amber+strict", TLP_AMBER_STRICT}, {"RED", TLP_RED},
	};
	for (size_t i = 0; i < sizeof(tlps) / sizeof(tlps[0]); i++) {
		char text[160];

		snprintf(text, sizeof(text), OPTS("metadata:TLP %s;"), tlps[i].value);
		r = ok(text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->tlp, tlps[i].tlp);
		rule_free(r);
	}
	CU_ASSERT_STRING_EQUAL(tlp_name(TLP_CLEAR), "clear");
	CU_ASSERT_STRING_EQUAL(tlp_name(TLP_GREEN), "green");
	CU_ASSERT_STRING_EQUAL(tlp_name(TLP_AMBER), "amber");
	CU_ASSERT_STRING_EQUAL(tlp_name(TLP_AMBER_STRICT), "amber+strict");
	CU_ASSERT_STRING_EQUAL(tlp_name(TLP_RED), "red");
	CU_ASSERT_STRING_EQUAL(tlp_name((enum tlp)99), "?");
}

static void test_meta_errors(void)
{
	BAD("msg:\"again\";", "duplicate \"msg\"", "msg");
	BAD("sid:2;", "duplicate \"sid\"", "sid");
	bad(OPTS("rev:1; rev:2;"), "duplicate \"rev\"", "rev");
	BAD("gid:1; gid:1;", "duplicate \"gid\"", "gid");
	BAD("priority:1; priority:1;", "duplicate \"priority\"", "priority");
	BAD("classtype:misc-attack; classtype:misc-attack;", "duplicate \"classtype\"",
	    "classtype");
	bad("alert tcp any any -> any any (msg:\"m\";)", "missing \"sid\"", "sid");
	bad("alert tcp any any -> any any ()", "missing \"sid\"", "sid");
	bad("alert tcp any any -> any any (msg:m; sid:1;)",
	    "msg: the value must be in double quotes", "msg");
	bad("alert tcp any any -> any any (msg:!\"m\"; sid:1;)", "msg: negation is not supported",
	    "msg");
	bad("alert tcp any any -> any any (msg:\"m\" x; sid:1;)",
	    "msg: unexpected text after the closing quote: x", "msg");
	bad("alert tcp any any -> any any (msg:\"m; sid:1;)", "msg: missing closing quote", "msg");
	bad("alert tcp any any -> any any (msg; sid:1;)", "\"msg\" needs a value", "msg");
	bad("alert tcp any any -> any any (msg:\"m\"; sid:0;)", "sid: must be greater than 0",
	    "sid");
	bad("alert tcp any any -> any any (msg:\"m\"; sid:;)", "\"sid\" needs a value", "sid");
	bad("alert tcp any any -> any any (msg:\"m\"; sid:abc;)", "sid: \"abc\" is not a number",
	    "sid");
	bad("alert tcp any any -> any any (msg:\"m\"; sid:-1;)", "sid: \"-1\" is not a number",
	    "sid");
	bad("alert tcp any any -> any any (msg:\"m\"; sid:4294967296;)",
	    "sid: 4294967296 is out of range (1..4294967295)", "sid");
	bad("alert tcp any any -> any any (msg:\"m\"; sid:99999999999999999999999;)",
	    "sid: 99999999999999999999999 is out of range (1..4294967295)", "sid");
	bad("alert tcp any any -> any any (msg:\"m\"; sid:1 2;)", "sid: \"1 2\" is not a number",
	    "sid");
	BAD("rev:x;", "rev: \"x\" is not a number", "rev");
	BAD("gid:;", "\"gid\" needs a value", "gid");
	BAD("priority:0;", "priority: 0 is out of range (1..255)", "priority");
	BAD("priority:256;", "priority: 256 is out of range (1..255)", "priority");
	BAD("classtype:no-such-class;", "unknown classtype \"no-such-class\"", "classtype");
	BAD("classtype;", "\"classtype\" needs a value", "classtype");
	BAD("reference:nocomma;", "reference: expected \"type,value\", got \"nocomma\"",
	    "reference");
	BAD("reference: ,x;", "reference: expected \"type,value\"", "reference");
	BAD("reference:url, ;", "reference: expected \"type,value\"", "reference");
	BAD("reference:u r l,x;", "reference: invalid type \"u r l\"", "reference");
	BAD("reference;", "\"reference\" needs a value", "reference");
	BAD("metadata;", "\"metadata\" needs a value", "metadata");
	BAD("metadata:tlp purple;",
	    "metadata: unknown tlp \"purple\" (expected clear, white, green, amber, amber+strict "
	    "or red)",
	    "metadata");
	BAD("metadata:tlp amber, tlp red;", "metadata: tlp \"red\" conflicts with \"amber\"",
	    "metadata");
	BAD("metadata:tlp;", "metadata: \"tlp\" needs a value", "metadata");
	BAD("metadata:stix_id;", "metadata: \"stix_id\" needs a value", "metadata");
	BAD("metadata:stix_id a; metadata:stix_id b;",
	    "metadata: stix_id \"b\" conflicts with \"a\"", "metadata");
}

/* ---- options syntax -------------------------------------------------------------- */

static void test_option_syntax(void)
{
	struct rule *r;

	/* ';' inside quotes does not end an option; escaped quote neither */
	r = ok(OPTS("content:\"a;b\\\";c\";"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(bytes_eq(content(r, 0), "a;b\";c", 6));
	rule_free(r);

	bad("alert tcp any any -> any any (msg:\"m\"; sid:1)", "\"sid\" is not terminated by \";\"",
	    "sid");
	bad("alert tcp any any -> any any (msg:\"m\"; sid:1; nocase)",
	    "\"nocase\" is not terminated by \";\"", "nocase");
	BAD(":x;", "missing keyword before \":x\"", "options");
	BAD("foo bar;", "invalid keyword \"foo bar\"", "options");
	BAD("content:\"abc;", "content: missing closing quote", "content");
	BAD("foo;", "unknown keyword \"foo\"", "foo");
	BAD("foo:bar;", "unknown keyword \"foo\"", "foo");
	BAD("contents:\"x\";", "unknown keyword \"contents\"", "contents");
}

static void test_unsupported(void)
{
	static const char *const names[] = {
		"byte_test", "byte_jump", "byte_extract", "isdataat", "dsize",
		"detection_filter", "app-layer-event", "dataset", "http.header",
		"file_data", "file.data", "http_raw_uri", "http.uri.raw", "http.request_body",
		"endswith", "startswith", "bsize", "target", "tcp.flags", "stream-event",
		"uricontent", "urilen", "dotprefix", "http.stat_code", "tls.cert_subject",
		"modbus", "dnp3_data", "enip_command", "ja3.hash", "lua", "tag", "noalert",
	};
	char text[256], reason[96];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), OPTS("content:\"x\"; %s:1;"), names[i]);
		snprintf(reason, sizeof(reason), "unsupported keyword \"%s\"", names[i]);
		bad(text, reason, names[i]);
	}
	/* as written, even in another case */
	BAD("Byte_Test:1;", "unsupported keyword \"Byte_Test\"", "Byte_Test");
}

/* flowbits that only set state and threshold type limit are accepted as no-ops */
static void test_noop_keywords(void)
{
	struct rule *r = ok(OPTS("flowbits:set,ET.Evil; flowbits:unset,a; flowbits:toggle,b; "
				 "threshold: type limit, track by_src, seconds 3600, count 1;"));

	CU_ASSERT_EQUAL(r->n_items, 0);
	rule_free(r);
	BAD("flowbits:isset,ET.Evil;",
	    "flowbits:isset is not supported (only set, unset and toggle, which do not change "
	    "matching)",
	    "flowbits");
	BAD("flowbits:noalert;",
	    "flowbits:noalert is not supported (only set, unset and toggle, which do not change "
	    "matching)",
	    "flowbits");
	BAD("threshold: type threshold, track by_src, count 5, seconds 60;",
	    "threshold: only \"type limit\" is supported (it does not change matching)",
	    "threshold");
	BAD("threshold: type limitless, track by_src;",
	    "threshold: only \"type limit\" is supported (it does not change matching)",
	    "threshold");
	BAD("threshold;", "\"threshold\" needs a value", "threshold");
}

/* ---- content and modifiers --------------------------------------------------------- */

static void test_content(void)
{
	struct rule *r = ok(OPTS("content:\"GET |20 2f|x\\\\y\\:z\"; content:!\"|00|\"; "
				 "content: \"|4142|\"; content:\"a\"; nocase; rawbytes; "
				 "Content:\"b\";"));
	const struct rule_content *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->n_items, 5);
	CU_ASSERT(!rule_is_ip_only(r));
	c = content(r, 0);
	CU_ASSERT(bytes_eq(c, "GET  /x\\y:z", 11));
	CU_ASSERT(!c->negated && !c->nocase && !c->fast_pattern);
	CU_ASSERT(!c->has_offset && !c->has_depth && !c->has_distance && !c->has_within);
	CU_ASSERT_EQUAL(r->items[0].buffer, BUFFER_PAYLOAD);
	c = content(r, 1);
	CU_ASSERT(bytes_eq(c, "\0", 1));
	CU_ASSERT(c->negated);
	CU_ASSERT(bytes_eq(content(r, 2), "AB", 2));
	CU_ASSERT(content(r, 3)->nocase);
	CU_ASSERT(!content(r, 4)->nocase);
	rule_free(r);
}

static void test_content_errors(void)
{
	BAD("content:\"\";", "content: empty pattern", "content");
	BAD("content:\"||\";", "content: empty pattern", "content");
	BAD("content:\"|4|\";", "content: odd number of hex digits in \"|4|\"", "content");
	BAD("content:\"|41 4 2|\";", "content: odd number of hex digits in \"|41 4 2|\"",
	    "content");
	BAD("content:\"|4g|\";", "content: invalid hex character 'g' in \"|4g|\"", "content");
	BAD("content:\"a|41\";", "content: unterminated hex block (missing \"|\")", "content");
	BAD("content:\"a\\x41\";",
	    "content: invalid escape \"\\x\" (only \\\" \\; \\\\ \\: are escapes; write other "
	    "bytes as |hex|)",
	    "content");
	BAD("content:abc;", "content: the value must be in double quotes", "content");
	BAD("content;", "\"content\" needs a value", "content");
	BAD("content:\"a\"b;", "content: unexpected text after the closing quote: b", "content");
	BAD("content:\"a\\\\\\\";", "content: missing closing quote", "content");
}

/* content_decode() directly: what rule_parse() cannot reach. */
static void test_content_decode(void)
{
	uint8_t *b = NULL;
	uint32_t n = 0;
	char err[128];

	CU_ASSERT_EQUAL(content_decode("a\\", 2, &b, &n, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "pattern ends with a lone \"\\\"");
	CU_ASSERT_EQUAL(content_decode("", 0, &b, &n, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "empty pattern");
	CU_ASSERT_PTR_NULL(b);
	/* length-bounded input (not NUL-terminated), hex with a tab, both cases */
	CU_ASSERT_EQUAL(content_decode("x|0A\t0b|yz", 4, &b, &n, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "unterminated hex block (missing \"|\")");
	CU_ASSERT_EQUAL(content_decode("x|0A\t0b|yz", 8, &b, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT(memcmp(b, "x\n\v", 3) == 0);
	free(b);
	CU_ASSERT_EQUAL(content_decode("x|0A\t0b|yz", 10, &b, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT(memcmp(b, "x\n\vyz", 5) == 0);
	free(b);
}

static void test_modifiers(void)
{
	struct rule *r = ok(OPTS("content:\"abc\"; offset:3; depth:10; nocase; fast_pattern; "
				 "content:\"de\"; distance:-2; within:5; "
				 "content:\"f\"; distance:0; "
				 "content:\"g\"; within:1; "
				 "content:\"h\"; offset:0; "
				 "content:\"i\"; depth:1;"));
	const struct rule_content *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->n_items, 6);
	c = content(r, 0);
	CU_ASSERT(c->has_offset && c->offset == 3);
	CU_ASSERT(c->has_depth && c->depth == 10);
	CU_ASSERT(c->nocase && c->fast_pattern);
	CU_ASSERT(!c->has_distance && !c->has_within);
	c = content(r, 1);
	CU_ASSERT(c->has_distance && c->distance == -2);
	CU_ASSERT(c->has_within && c->within == 5);
	CU_ASSERT(!c->has_offset && !c->has_depth);
	c = content(r, 2);
	CU_ASSERT(c->has_distance && c->distance == 0 && !c->has_within);
	c = content(r, 3);
	CU_ASSERT(!c->has_distance && c->has_within && c->within == 1);
	c = content(r, 4);
	CU_ASSERT(c->has_offset && c->offset == 0 && !c->has_depth);
	c = content(r, 5);
	CU_ASSERT(!c->has_offset && c->has_depth && c->depth == 1);
	rule_free(r);

	/* fast_pattern forms */
	r = ok(OPTS("content:\"abcdef\"; fast_pattern:only;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(content(r, 0)->fast_pattern);
	rule_free(r);
	r = ok(OPTS("content:\"abcdef\"; fast_pattern:2,4;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(content(r, 0)->fast_pattern);
	rule_free(r);
	r = ok(OPTS("content:\"abcdef\"; fast_pattern: 0 , 6;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	rule_free(r);

	/* largest values; depth and within equal to the length */
	r = ok(OPTS("content:\"ab\"; offset:65535; depth:2; content:\"cd\"; distance:65535; "
		    "within:65535; content:\"ef\"; distance:-65535; within:2;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(content(r, 0)->offset, 65535);
	CU_ASSERT_EQUAL(content(r, 1)->distance, 65535);
	CU_ASSERT_EQUAL(content(r, 2)->distance, -65535);
	rule_free(r);
}

static void test_modifier_errors(void)
{
	/* no preceding content */
	BAD("nocase;", "\"nocase\" needs a preceding content", "nocase");
	BAD("offset:1;", "\"offset\" needs a preceding content", "offset");
	BAD("depth:1;", "\"depth\" needs a preceding content", "depth");
	BAD("distance:1;", "\"distance\" needs a preceding content", "distance");
	BAD("within:1;", "\"within\" needs a preceding content", "within");
	BAD("fast_pattern;", "\"fast_pattern\" needs a preceding content", "fast_pattern");
	BAD("rawbytes;", "\"rawbytes\" needs a preceding content", "rawbytes");
	/* after a pcre */
	BAD("content:\"a\"; pcre:\"/x/\"; nocase;", "\"nocase\" needs a preceding content, not a pcre",
	    "nocase");
	BAD("pcre:\"/x/\"; depth:3;", "\"depth\" needs a preceding content, not a pcre", "depth");
	BAD("content:\"a\"; pcre:\"/x/\"; fast_pattern;",
	    "\"fast_pattern\" needs a preceding content, not a pcre", "fast_pattern");
	/* after a sticky buffer switch with no content in it yet */
	BAD("content:\"a\"; http.uri; nocase; content:\"b\";",
	    "\"nocase\" needs a preceding content", "nocase");
	BAD("content:\"a\"; pkt_data; depth:4;", "\"depth\" needs a preceding content", "depth");
	/* repeated on one content */
	BAD("content:\"a\"; nocase; nocase;", "duplicate \"nocase\" on one content", "nocase");
	BAD("content:\"a\"; offset:1; offset:2;", "duplicate \"offset\" on one content", "offset");
	BAD("content:\"a\"; depth:1; depth:2;", "duplicate \"depth\" on one content", "depth");
	BAD("content:\"a\"; content:\"b\"; distance:1; distance:2;",
	    "duplicate \"distance\" on one content", "distance");
	BAD("content:\"a\"; content:\"b\"; within:1; within:2;",
	    "duplicate \"within\" on one content", "within");
	BAD("content:\"a\"; fast_pattern; fast_pattern;",
	    "duplicate \"fast_pattern\" on one content", "fast_pattern");
	BAD("content:\"a\"; rawbytes; rawbytes;", "duplicate \"rawbytes\" on one content",
	    "rawbytes");
	/* absolute with relative */
	BAD("content:\"a\"; content:\"b\"; offset:1; distance:1;",
	    "\"distance\" cannot be combined with \"offset\" on the same content", "distance");
	BAD("content:\"a\"; content:\"b\"; depth:1; within:1;",
	    "\"within\" cannot be combined with \"depth\" on the same content", "within");
	BAD("content:\"a\"; content:\"b\"; distance:1; offset:1;",
	    "\"offset\" cannot be combined with \"distance\" on the same content", "offset");
	BAD("content:\"a\"; content:\"b\"; within:1; depth:1;",
	    "\"depth\" cannot be combined with \"within\" on the same content", "depth");
	BAD("content:\"a\"; content:\"b\"; distance:0; within:4; depth:4;",
	    "\"depth\" cannot be combined with \"distance\" on the same content", "depth");
	/* lengths */
	BAD("content:\"abcd\"; depth:3;", "depth: 3 is shorter than the content (4 bytes)",
	    "depth");
	BAD("content:\"|00 01 02|\"; depth:0;", "depth: 0 is shorter than the content (3 bytes)",
	    "depth");
	BAD("content:\"a\"; content:\"abcd\"; within:3;",
	    "within: 3 is shorter than the content (4 bytes)", "within");
	/* values */
	BAD("content:\"a\"; nocase:1;", "\"nocase\" takes no value", "nocase");
	BAD("content:\"a\"; rawbytes:x;", "\"rawbytes\" takes no value", "rawbytes");
	BAD("content:\"a\"; offset:-1;", "offset: \"-1\" is not a number", "offset");
	BAD("content:\"a\"; offset:65536;", "offset: 65536 is out of range (0..65535)", "offset");
	BAD("content:\"a\"; offset;", "\"offset\" needs a value", "offset");
	BAD("content:\"a\"; depth:x;", "depth: \"x\" is not a number", "depth");
	BAD("content:\"a\"; depth:65536;", "depth: 65536 is out of range (0..65535)", "depth");
	BAD("content:\"a\"; content:\"b\"; distance:-65536;",
	    "distance: -65536 is out of range (-65535..65535)", "distance");
	BAD("content:\"a\"; content:\"b\"; distance:-;", "distance: \"-\" is not a number",
	    "distance");
	BAD("content:\"a\"; content:\"b\"; distance:1x;", "distance: \"1x\" is not a number",
	    "distance");
	BAD("content:\"a\"; content:\"b\"; within:-1;", "within: \"-1\" is not a number", "within");
	BAD("content:\"a\"; content:\"b\"; within:65536;",
	    "within: 65536 is out of range (0..65535)", "within");
	BAD("content:\"a\"; offset:byte_var;", "offset: \"byte_var\" is not a number", "offset");
	/* fast_pattern */
	BAD("content:\"a\"; fast_pattern; content:\"b\"; fast_pattern;",
	    "\"fast_pattern\" can be used on only one content", "fast_pattern");
	BAD("content:\"abc\"; fast_pattern:2,2;",
	    "fast_pattern: 2,2 goes past the end of the content (3 bytes)", "fast_pattern");
	BAD("content:\"abc\"; fast_pattern:4294967296,1;",
	    "fast_pattern: 4294967296,1 goes past the end of the content (3 bytes)", "fast_pattern");
	BAD("content:\"abc\"; fast_pattern:x;",
	    "fast_pattern: invalid value \"x\" (expected only or OFFSET,LENGTH)", "fast_pattern");
	BAD("content:\"abc\"; fast_pattern:1;",
	    "fast_pattern: invalid value \"1\" (expected only or OFFSET,LENGTH)", "fast_pattern");
	BAD("content:\"abc\"; fast_pattern:1,x;",
	    "fast_pattern: invalid value \"1,x\" (expected only or OFFSET,LENGTH)", "fast_pattern");
	BAD("content:\"abc\"; fast_pattern:1,1x;",
	    "fast_pattern: invalid value \"1,1x\" (expected only or OFFSET,LENGTH)",
	    "fast_pattern");
}

/* distance/within on the first content of a buffer become offset/depth. */
static void test_relative_rewrite(void)
{
	struct rule *r = ok(OPTS("content:\"ab\"; distance:3; within:4; content:\"cd\"; distance:1; "
				 "within:2;"));
	const struct rule_content *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	c = content(r, 0);
	CU_ASSERT(c->has_offset && c->offset == 3);
	CU_ASSERT(c->has_depth && c->depth == 4);
	CU_ASSERT(!c->has_distance && !c->has_within);
	CU_ASSERT_EQUAL(c->distance, 0);
	CU_ASSERT_EQUAL(c->within, 0);
	c = content(r, 1);
	CU_ASSERT(c->has_distance && c->distance == 1 && c->has_within && c->within == 2);
	CU_ASSERT(!c->has_offset && !c->has_depth);
	rule_free(r);

	/* only distance / only within */
	r = ok(OPTS("content:\"ab\"; distance:0;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	c = content(r, 0);
	CU_ASSERT(c->has_offset && c->offset == 0 && !c->has_depth && !c->has_distance);
	rule_free(r);
	r = ok(OPTS("content:\"ab\"; within:5;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	c = content(r, 0);
	CU_ASSERT(!c->has_offset && c->has_depth && c->depth == 5 && !c->has_within);
	rule_free(r);

	/* negative distance at the start is clamped: end = -2 + 6 = 4 */
	r = ok(OPTS("content:\"ab\"; distance:-2; within:6;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	c = content(r, 0);
	CU_ASSERT(c->has_offset && c->offset == 0 && c->has_depth && c->depth == 4);
	rule_free(r);
	BAD("content:\"abcd\"; distance:-2; within:5;",
	    "within: distance -2 + within 5 leaves no room for the content (4 bytes) at the start "
	    "of the buffer",
	    "within");

	/* per buffer: the first http.uri content is rewritten, the payload one
	 * relative to the payload content stays relative (suricata-verify
	 * detect-uricontent-03, rule 2) */
	r = ok(OPTS("content:\"one\"; http_uri; offset:1; depth:10; content:\"one\"; offset:1; "
		    "depth:10; content:\"two\"; http_uri; distance:3; within: 4; content:\"two\"; "
		    "distance:1; within: 4; content:\"three\"; http_uri; distance:1; within: 6; "
		    "content:\"/three\"; distance:0; within: 7;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->n_items, 6);
	CU_ASSERT_EQUAL(r->items[0].buffer, BUFFER_HTTP_URI);
	CU_ASSERT_EQUAL(r->items[1].buffer, BUFFER_PAYLOAD);
	CU_ASSERT_EQUAL(r->items[2].buffer, BUFFER_HTTP_URI);
	CU_ASSERT_EQUAL(r->items[3].buffer, BUFFER_PAYLOAD);
	CU_ASSERT_EQUAL(r->items[4].buffer, BUFFER_HTTP_URI);
	CU_ASSERT_EQUAL(r->items[5].buffer, BUFFER_PAYLOAD);
	CU_ASSERT(content(r, 2)->has_distance && content(r, 2)->distance == 3);
	CU_ASSERT(content(r, 3)->has_distance && content(r, 3)->distance == 1);
	CU_ASSERT(content(r, 5)->has_within && content(r, 5)->within == 7);
	rule_free(r);

	/* the first content of a sticky buffer after payload contents */
	r = ok("alert http any any -> any any (msg:\"m\"; sid:1; content:\"x\"; http.host; "
	       "content:\"y\"; distance:2; pkt_data; content:\"z\"; distance:0;)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	c = content(r, 1);
	CU_ASSERT(c->has_offset && c->offset == 2 && !c->has_distance);
	c = content(r, 2);
	CU_ASSERT(c->has_distance && c->distance == 0 && !c->has_offset);
	rule_free(r);

	/* relative to a pcre in the same buffer */
	BAD("pcre:\"/x/\"; content:\"a\"; distance:0;",
	    "\"distance\" relative to a pcre is not supported", "distance");
	BAD("content:\"b\"; pcre:\"/x/\"; content:\"a\"; within:4;",
	    "\"within\" relative to a pcre is not supported", "within");
	/* a pcre in another buffer does not count */
	r = ok(OPTS("content:\"b\"; pcre:\"/x/U\"; content:\"a\"; distance:1;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(content(r, 2)->has_distance);
	rule_free(r);
}

/* ---- buffers ------------------------------------------------------------------------ */

static void test_sticky(void)
{
	struct rule *r = ok("alert http any any -> any any (msg:\"m\"; sid:1; content:\"p\"; "
			    "http.uri; content:\"u1\"; content:\"u2\"; pcre:\"/u3/\"; http.host; "
			    "content:\"h\"; http.method; content:\"GET\"; http.user_agent; "
			    "content:\"ua\"; pkt_data; content:\"p2\";)");

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->n_items, 8);
	CU_ASSERT_EQUAL(r->items[0].buffer, BUFFER_PAYLOAD);
	CU_ASSERT_EQUAL(r->items[1].buffer, BUFFER_HTTP_URI);
	CU_ASSERT_EQUAL(r->items[2].buffer, BUFFER_HTTP_URI);
	CU_ASSERT_EQUAL(r->items[3].buffer, BUFFER_HTTP_URI);
	CU_ASSERT_EQUAL(r->items[3].kind, RULE_ITEM_PCRE);
	CU_ASSERT_EQUAL(r->items[4].buffer, BUFFER_HTTP_HOST);
	CU_ASSERT_EQUAL(r->items[5].buffer, BUFFER_HTTP_METHOD);
	CU_ASSERT_EQUAL(r->items[6].buffer, BUFFER_HTTP_USER_AGENT);
	CU_ASSERT_EQUAL(r->items[7].buffer, BUFFER_PAYLOAD);
	rule_free(r);

	r = ok("alert dns any any -> any any (msg:\"m\"; sid:1; dns_query; content:\"a\"; "
	       "dns.query; content:\"b\"; nocase;)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->items[0].buffer, BUFFER_DNS_QUERY);
	CU_ASSERT_EQUAL(r->items[1].buffer, BUFFER_DNS_QUERY);
	CU_ASSERT(content(r, 1)->nocase);
	rule_free(r);

	r = ok("alert tls any any -> any any (msg:\"m\"; sid:1; tls_sni; content:\"a\"; tls.sni; "
	       "content:\"b\";)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->items[0].buffer, BUFFER_TLS_SNI);
	CU_ASSERT_EQUAL(r->items[1].buffer, BUFFER_TLS_SNI);
	rule_free(r);

	/* buffers on the transport and ip protocols */
	r = ok("alert tcp any any -> any any (msg:\"m\"; sid:1; http.uri; content:\"a\"; tls.sni; "
	       "content:\"b\"; dns.query; content:\"c\";)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	rule_free(r);
	r = ok("alert ip any any -> any any (msg:\"m\"; sid:1; http.host; content:\"a\";)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	rule_free(r);
	r = ok("alert udp any any -> any 53 (msg:\"m\"; sid:1; dns.query; content:\"a\";)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	rule_free(r);
	/* pkt_data on its own is harmless */
	r = ok(OPTS("pkt_data; content:\"a\"; pkt_data;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	rule_free(r);
}

static void test_legacy_modifiers(void)
{
	struct rule *r = ok("alert http any any -> any any (msg:\"m\"; sid:1; content:\"/a\"; "
			    "http_uri; content:\"h\"; nocase; http_host; content:\"POST\"; "
			    "http_method; content:\"curl\"; http_user_agent; content:\"p\";)");

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->n_items, 5);
	CU_ASSERT_EQUAL(r->items[0].buffer, BUFFER_HTTP_URI);
	CU_ASSERT_EQUAL(r->items[1].buffer, BUFFER_HTTP_HOST);
	CU_ASSERT(content(r, 1)->nocase);
	CU_ASSERT_EQUAL(r->items[2].buffer, BUFFER_HTTP_METHOD);
	CU_ASSERT_EQUAL(r->items[3].buffer, BUFFER_HTTP_USER_AGENT);
	CU_ASSERT_EQUAL(r->items[4].buffer, BUFFER_PAYLOAD);
	rule_free(r);

	/* a modifier after the legacy one still applies to the content */
	r = ok(OPTS("content:\"abc\"; http_uri; depth:3; nocase;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(content(r, 0)->nocase && content(r, 0)->has_depth);
	CU_ASSERT_EQUAL(r->items[0].buffer, BUFFER_HTTP_URI);
	rule_free(r);

	/* after pkt_data resets the sticky buffer */
	r = ok(OPTS("http.uri; content:\"a\"; pkt_data; content:\"b\"; http_host;"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->items[1].buffer, BUFFER_HTTP_HOST);
	rule_free(r);
}

static void test_buffer_errors(void)
{
	BAD("http.uri; content:\"a\"; http_host;",
	    "\"http_host\" cannot follow the sticky buffer \"http.uri\" (reset it with pkt_data "
	    "first)",
	    "http_host");
	BAD("http_uri;", "\"http_uri\" needs a preceding content", "http_uri");
	BAD("pcre:\"/a/\"; http_uri;", "\"http_uri\" needs a preceding content", "http_uri");
	BAD("content:\"a\"; http_uri; http_host;",
	    "\"http_host\" conflicts with \"http_uri\" on the same content", "http_host");
	BAD("content:\"a\"; http_uri:x;", "\"http_uri\" takes no value", "http_uri");
	BAD("http.uri:x; content:\"a\";", "\"http.uri\" takes no value", "http.uri");
	BAD("pkt_data:1;", "\"pkt_data\" takes no value", "pkt_data");
	BAD("http.uri; http.host; content:\"a\";",
	    "sticky buffer \"http.uri\" has no content or pcre", "http.uri");
	BAD("content:\"a\"; tls.sni;", "sticky buffer \"tls.sni\" has no content or pcre",
	    "tls.sni");
	BAD("dns_query; pkt_data; content:\"a\";",
	    "sticky buffer \"dns_query\" has no content or pcre", "dns_query");
	bad("alert dns any any -> any any (msg:\"m\"; sid:1; http.uri; content:\"a\";)",
	    "\"http.uri\" cannot be used in a dns rule", "http.uri");
	bad("alert udp any any -> any any (msg:\"m\"; sid:1; content:\"a\"; http_uri;)",
	    "\"http_uri\" cannot be used in a udp rule", "http_uri");
	bad("alert http any any -> any any (msg:\"m\"; sid:1; tls.sni; content:\"a\";)",
	    "\"tls.sni\" cannot be used in a http rule", "tls.sni");
	bad("alert tls any any -> any any (msg:\"m\"; sid:1; dns.query; content:\"a\";)",
	    "\"dns.query\" cannot be used in a tls rule", "dns.query");
	bad("alert icmp any any -> any any (msg:\"m\"; sid:1; http.host; content:\"a\";)",
	    "\"http.host\" cannot be used in an icmp rule", "http.host");
	bad("alert udp any any -> any any (msg:\"m\"; sid:1; pcre:\"/a/U\";)",
	    "\"pcre\" cannot be used in a udp rule", "pcre");
}

/* ---- pcre ----------------------------------------------------------------------------- */

static void test_pcre(void)
{
	struct rule *r = ok(OPTS("pcre:\"/^gEt/i\"; pcre:\"/\\/two\\//U\"; pcre:!\"/a;b\\\"c/smx\"; "
				 "pcre: \"/x/\";"));
	const struct rule_pcre *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->n_items, 4);
	p = pcre_item(r, 0);
	CU_ASSERT_STRING_EQUAL(p->re, "^gEt");
	CU_ASSERT_EQUAL(p->flags, RULE_PCRE_CASELESS);
	CU_ASSERT(!p->negated);
	CU_ASSERT_EQUAL(r->items[0].buffer, BUFFER_PAYLOAD);
	p = pcre_item(r, 1);
	CU_ASSERT_STRING_EQUAL(p->re, "\\/two\\/");
	CU_ASSERT_EQUAL(p->flags, 0);
	CU_ASSERT_EQUAL(r->items[1].buffer, BUFFER_HTTP_URI);
	p = pcre_item(r, 2);
	CU_ASSERT_STRING_EQUAL(p->re, "a;b\\\"c");
	CU_ASSERT_EQUAL(p->flags, RULE_PCRE_DOTALL | RULE_PCRE_MULTILINE | RULE_PCRE_EXTENDED);
	CU_ASSERT(p->negated);
	CU_ASSERT_STRING_EQUAL(pcre_item(r, 3)->re, "x");
	rule_free(r);

	/* U inside http.uri is fine; pcre follows the sticky buffer */
	r = ok(OPTS("http.uri; pcre:\"/a/Ui\"; http.host; pcre:\"/b/\";"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->items[0].buffer, BUFFER_HTTP_URI);
	CU_ASSERT_EQUAL(r->items[1].buffer, BUFFER_HTTP_HOST);
	rule_free(r);
}

static void test_pcre_errors(void)
{
	static const char flags[] = "AEGRIHDMCSYBOPQVWZT";
	char text[160], reason[96];

	for (const char *f = flags; *f; f++) {
		snprintf(text, sizeof(text), OPTS("pcre:\"/a/%c\";"), *f);
		snprintf(reason, sizeof(reason), "pcre: flag \"%c\" is not supported", *f);
		bad(text, reason, "pcre");
	}
	BAD("pcre:\"/a/iR\";", "pcre: flag \"R\" is not supported", "pcre");
	BAD("pcre:\"/a/q\";", "pcre: unknown flag \"q\"", "pcre");
	BAD("pcre:\"/a/ \";", "pcre: unknown flag \" \"", "pcre");
	BAD("pcre:\"a\";", "pcre: expected \"/regex/flags\", got \"a\"", "pcre");
	BAD("pcre:\"/a\";", "pcre: expected \"/regex/flags\", got \"/a\"", "pcre");
	BAD("pcre:\"\";", "pcre: expected \"/regex/flags\", got \"\"", "pcre");
	BAD("pcre:\"//i\";", "pcre: empty regular expression", "pcre");
	BAD("pcre:/a/;", "pcre: the value must be in double quotes", "pcre");
	BAD("pcre;", "\"pcre\" needs a value", "pcre");
	BAD("pcre:\"/(a/\";", "pcre: missing closing parenthesis at offset 2 of \"(a\"", "pcre");
	BAD("pcre:\"/a{2,1}/\";",
	    "pcre: numbers out of order in {} quantifier at offset 5 of \"a{2,1}\"", "pcre");
	BAD("http.host; pcre:\"/a/U\";",
	    "pcre: flag \"U\" cannot be used in the sticky buffer \"http.host\"", "pcre");
}

/* ---- flow ------------------------------------------------------------------------------ */

static void test_flow(void)
{
	static const struct {
		const char *value;
		uint32_t flow;
	} cases[] = {
		{"to_server", RULE_FLOW_TO_SERVER},
		{"from_client", RULE_FLOW_TO_SERVER},
		{"to_client", RULE_FLOW_TO_CLIENT},
		{"from_server", RULE_FLOW_TO_CLIENT},
		{"established", RULE_FLOW_ESTABLISHED},
		{"stateless", RULE_FLOW_STATELESS},
		{"established,to_server", RULE_FLOW_ESTABLISHED | RULE_FLOW_TO_SERVER},
		{" to_client , established ", RULE_FLOW_ESTABLISHED | RULE_FLOW_TO_CLIENT},
		{"from_client,stateless", RULE_FLOW_TO_SERVER | RULE_FLOW_STATELESS},
		{"Established,To_Server", RULE_FLOW_ESTABLISHED | RULE_FLOW_TO_SERVER},
	};
	char text[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rule *r;

		snprintf(text, sizeof(text), OPTS("flow:%s;"), cases[i].value);
		r = ok(text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->flow, cases[i].flow);
		rule_free(r);
	}
	BAD("flow:not_established;", "flow: \"not_established\" is not supported", "flow");
	BAD("flow:only_stream;", "flow: \"only_stream\" is not supported", "flow");
	BAD("flow:no_stream;", "flow: \"no_stream\" is not supported", "flow");
	BAD("flow:only_frag;", "flow: \"only_frag\" is not supported", "flow");
	BAD("flow:no_frag;", "flow: \"no_frag\" is not supported", "flow");
	BAD("flow:sideways;", "flow: unknown option \"sideways\"", "flow");
	BAD("flow:to_server,to_client;", "flow: \"to_client\" conflicts with \"to_server\"", "flow");
	BAD("flow:from_server,from_client;", "flow: \"from_client\" conflicts with \"from_server\"",
	    "flow");
	BAD("flow:established,stateless;", "flow: \"stateless\" conflicts with \"established\"",
	    "flow");
	BAD("flow:stateless,established;", "flow: \"established\" conflicts with \"stateless\"",
	    "flow");
	BAD("flow:to_server,from_client;", "flow: \"from_client\" repeats \"to_server\"", "flow");
	BAD("flow:established,established;", "flow: \"established\" repeats \"established\"",
	    "flow");
	BAD("flow:to_server,;", "flow: empty option", "flow");
	BAD("flow:;", "\"flow\" needs a value", "flow");
	BAD("flow:to_server; flow:established;", "duplicate \"flow\"", "flow");
}

/* ---- real-world shapes ----------------------------------------------------------------- */

static void test_corpus_shapes(void)
{
	struct rule *r;

	/* Quickdraw: spaces after ':', ";;", priority, modifiers before msg */
	r = ok("alert udp any 47808 -> any any (content: \"|00 30|\"; offset: 4; depth: 2; "
	       "msg: \"BACnet Register-Foreign-Device NAK\";sid:1111703;;priority:3;rev:1;)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(bytes_eq(content(r, 0), "\x00\x30", 2));
	CU_ASSERT_EQUAL(content(r, 0)->offset, 4);
	CU_ASSERT_EQUAL(content(r, 0)->depth, 2);
	CU_ASSERT_EQUAL(r->priority, 3);
	port_set_contains(&r->sport, 47808);
	CU_ASSERT(port_set_contains(&r->sport, 47808) && !port_set_contains(&r->sport, 47809));
	rule_free(r);

	/* ET style */
	r = ok("alert dns $HOME_NET any -> any any (msg:\"ET DNS Query to a *.pw domain - Likely "
	       "Hostile\"; dns.query; content:\".pw\"; nocase; fast_pattern; "
	       "reference:url,www.example.com; classtype:bad-unknown; sid:2016778; rev:5; "
	       "metadata:affected_product Any, attack_target Client_Endpoint, created_at "
	       "2013_04_19, deployment Perimeter, signature_severity Major, updated_at 2020_09_15;)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->items[0].buffer, BUFFER_DNS_QUERY);
	CU_ASSERT_EQUAL(r->n_metadata, 6);
	CU_ASSERT_EQUAL(rule_severity(r), 2);
	rule_free(r);

	/* suricata-verify bug-5197 rule 1 */
	r = ok("alert dns any any -> $HOME_NET any (msg:\"m\"; content:\"|00 01 00 01 00 00 00 00|\"; "
	       "offset:4; depth:8; content:\"1\"; distance:1; within:1; content:\"|00 00 10 00 01|\"; "
	       "distance:0; content:\"|00 10 00 01 00 00 00 01|\"; distance:2; within:8; "
	       "content:\"1\"; distance:3; within:1; content:\"456789\"; distance:2; within:6; "
	       "sid:1;)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->n_items, 6);
	CU_ASSERT(content(r, 0)->has_offset && content(r, 0)->has_depth);
	for (uint32_t i = 1; i < 6; i++)
		CU_ASSERT(content(r, i)->has_distance);
	rule_free(r);
}

static void test_no_kw_buffer(void)
{
	struct rule *r = NULL;
	char err[64];

	/* rule_parse without keyword; a short error buffer truncates safely */
	CU_ASSERT_EQUAL(rule_parse(OPTS("byte_test:1;"), V, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "unsupported keyword \"byte_test\"");
	CU_ASSERT_EQUAL(rule_parse(OPTS("byte_test:1;"), V, &r, err, 8), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "unsuppo");
	CU_ASSERT_PTR_NULL(r);
	/* without variables every $VAR is unknown */
	CU_ASSERT_EQUAL(rule_parse("alert tcp $HOME_NET any -> any any (msg:\"m\"; sid:1;)", NULL,
				   &r, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "source address: unknown variable \"$HOME_NET\"");
	CU_ASSERT_EQUAL(rule_parse(OPTS(""), NULL, &r, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(r);
	rule_free(r);
}

/*
 * Property check: for thousands of generated option sequences, every rule
 * that parses satisfies the invariants rule.h promises the compiler.
 */
static uint32_t lcg(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

static void check_invariants(const struct rule *r)
{
	int last[BUFFER_MAX];

	for (int b = 0; b < BUFFER_MAX; b++)
		last[b] = -1;
	for (uint32_t i = 0; i < r->n_items; i++) {
		const struct rule_item *it = &r->items[i];
		const struct rule_content *c = &it->u.content;
		int prev = last[it->buffer];

		CU_ASSERT(it->buffer < BUFFER_MAX);
		last[it->buffer] = (int)i;
		if (it->kind != RULE_ITEM_CONTENT)
			continue;
		CU_ASSERT(c->len >= 1);
		CU_ASSERT(!((c->has_offset || c->has_depth) && (c->has_distance || c->has_within)));
		if (c->has_depth)
			CU_ASSERT(c->depth >= c->len);
		if (c->has_within)
			CU_ASSERT(c->within >= c->len);
		if (c->has_distance || c->has_within)
			CU_ASSERT(prev >= 0 && r->items[prev].kind == RULE_ITEM_CONTENT);
	}
}

static void test_invariants(void)
{
	static const char *const opts[] = {
		"content:\"abc\"", "content:!\"|00 01|\"", "content:\"x\"", "nocase",
		"offset:2", "depth:3", "depth:8", "distance:0", "distance:-3", "distance:4",
		"within:3", "within:9", "fast_pattern", "rawbytes", "pcre:\"/a+/i\"",
		"pcre:\"/b/U\"", "http.uri", "http.host", "dns.query", "tls.sni", "pkt_data",
		"http_uri", "http_method",
	};
	static const char *const protos[] = {"tcp", "ip", "http", "dns", "tls", "udp"};
	uint32_t state = 42, loaded = 0;

	for (int n = 0; n < 5000; n++) {
		char text[1024];
		int len = snprintf(text, sizeof(text), "alert %s any any -> any any (msg:\"m\"; sid:1;",
				   protos[lcg(&state) % 6]);
		unsigned k = lcg(&state) % 9;
		struct rule *r = NULL;
		char err[256];

		for (unsigned j = 0; j < k; j++)
			len += snprintf(text + len, sizeof(text) - (size_t)len, " %s;",
					opts[lcg(&state) % (sizeof(opts) / sizeof(opts[0]))]);
		snprintf(text + len, sizeof(text) - (size_t)len, ")");
		if (rule_parse(text, V, &r, err, sizeof(err)) == 0) {
			loaded++;
			check_invariants(r);
			rule_free(r);
		} else {
			CU_ASSERT_PTR_NULL(r);
			CU_ASSERT(err[0] != '\0');
		}
	}
	/* the generator must reach both outcomes to mean anything */
	CU_ASSERT(loaded > 500 && loaded < 4500);
}

static CU_TestInfo tests[] = {
	{"minimal", test_minimal},
	{"protocols", test_protocols},
	{"addresses", test_addresses},
	{"header errors", test_header_errors},
	{"meta", test_meta},
	{"metadata", test_metadata},
	{"meta errors", test_meta_errors},
	{"option syntax", test_option_syntax},
	{"unsupported", test_unsupported},
	{"no-op keywords", test_noop_keywords},
	{"content", test_content},
	{"content errors", test_content_errors},
	{"content decode", test_content_decode},
	{"modifiers", test_modifiers},
	{"modifier errors", test_modifier_errors},
	{"relative rewrite", test_relative_rewrite},
	{"sticky", test_sticky},
	{"legacy modifiers", test_legacy_modifiers},
	{"buffer errors", test_buffer_errors},
	{"pcre", test_pcre},
	{"pcre errors", test_pcre_errors},
	{"flow", test_flow},
	{"corpus shapes", test_corpus_shapes},
	{"rule_parse", test_no_kw_buffer},
	{"invariants", test_invariants},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"parse", setup, teardown, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
