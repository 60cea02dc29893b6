/*
 * rule.h — one parsed rule of the Suricata-compatible rule language.
 *
 * This is the parser's output and the compiler's input: a faithful,
 * validated representation of what the rule says, with variables already
 * resolved. It knows nothing about packets, flows or Hyperscan.
 *
 * Ownership: a struct rule owns every string and array it points to;
 * rule_free() releases all of it. Rules are built by one thread and are
 * read-only afterwards.
 */
#ifndef SPOTTER_RULE_H
#define SPOTTER_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buffer.h"

enum rule_proto {
	RULE_PROTO_IP = 0, /* any IP protocol */
	RULE_PROTO_TCP,
	RULE_PROTO_UDP,
	RULE_PROTO_ICMP,   /* ICMP and ICMPv6 */
	RULE_PROTO_DNS,    /* application protocols: detected by content */
	RULE_PROTO_HTTP,
	RULE_PROTO_TLS,
	RULE_PROTO_MAX
};

enum rule_dir {
	RULE_DIR_TO = 0, /* -> */
	RULE_DIR_BOTH,   /* <> */
};

/* flow: keyword bits */
enum rule_flow {
	RULE_FLOW_TO_SERVER   = 1 << 0, /* also from_client */
	RULE_FLOW_TO_CLIENT   = 1 << 1, /* also from_server */
	RULE_FLOW_ESTABLISHED = 1 << 2,
	RULE_FLOW_STATELESS   = 1 << 3,
};

/* Traffic Light Protocol marking (metadata: tlp <value>). */
enum tlp {
	TLP_NONE = 0, /* not marked: the operator's default applies */
	TLP_CLEAR,    /* also "white" */
	TLP_GREEN,
	TLP_AMBER,
	TLP_AMBER_STRICT,
	TLP_RED,
};

const char *tlp_name(enum tlp t); /* "clear", "green", "amber", "amber+strict", "red" */

/* Parses a TLP name (case-insensitive; "white" is "clear"). Returns 0 or -EINVAL. */
int tlp_parse(const char *s, enum tlp *out);

/* "ip", "tcp", "udp", "icmp", "dns", "http", "tls". */
const char *rule_proto_name(enum rule_proto p);

struct rule_content {
	uint8_t *bytes; /* decoded (|hex| and escapes resolved), not NUL-terminated */
	uint32_t len;
	bool nocase;
	bool negated;   /* content:!"..." */
	bool fast_pattern;
	/* Each modifier is present only if its has_ flag is set, with
	 * Suricata's meaning:
	 * - offset/depth are absolute (not relative to another match): the
	 *   match starts at or after byte `offset` of the buffer, and depth
	 *   counts from offset, so the match lies entirely within bytes
	 *   [offset, offset + depth) (without offset: [0, depth)).
	 *   depth >= len always holds.
	 * - distance/within are relative to the end of the previous content
	 *   match in the same buffer: the match starts at least `distance`
	 *   bytes after it (distance may be negative) and ends at most
	 *   `distance + within` bytes after it (distance 0 when absent).
	 *   within >= len always holds.
	 * - A content never has both an absolute and a relative modifier.
	 * - A content has a relative modifier only when an earlier content of
	 *   the same buffer exists and the item just before it in that buffer
	 *   is a content (not a pcre): the parser rewrites distance/within on
	 *   the first content of a buffer into offset/depth (relative to the
	 *   buffer start), and rejects distance/within after a pcre. */
	bool has_offset, has_depth, has_distance, has_within;
	uint32_t offset, depth;
	int32_t distance;
	uint32_t within;
};

enum rule_pcre_flag {
	RULE_PCRE_CASELESS  = 1 << 0, /* i */
	RULE_PCRE_DOTALL    = 1 << 1, /* s */
	RULE_PCRE_MULTILINE = 1 << 2, /* m */
	RULE_PCRE_EXTENDED  = 1 << 3, /* x */
};

struct rule_pcre {
	char *re;        /* the expression between the first and the last slash,
			  * NUL-terminated, as written (escapes such as \; \" \/
			  * are left to the regex engine, which reads them as the
			  * literal character); it compiles with PCRE2 */
	uint32_t flags;  /* enum rule_pcre_flag */
	bool negated;    /* pcre:!"/.../" */
};

enum rule_item_kind {
	RULE_ITEM_CONTENT,
	RULE_ITEM_PCRE,
};

/* One payload-matching option, in rule order, with the buffer it applies to. */
struct rule_item {
	enum rule_item_kind kind;
	enum buffer buffer; /* BUFFER_PAYLOAD unless a sticky buffer, a legacy
			     * modifier (http_uri, ...) or pcre's U flag says */
	union {
		struct rule_content content;
		struct rule_pcre pcre;
	} u;
};

struct rule_kv {
	char *key;
	char *value;
};

struct rule {
	/* where it came from, for FILE:LINE messages */
	char *file;
	uint32_t line;
	char *text;            /* the rule as written (continuations joined,
				* surrounding white space removed) */

	enum rule_proto proto;
	struct addr_set src, dst;
	struct port_set sport, dport;
	enum rule_dir dir;

	uint32_t gid;          /* default 1 */
	uint32_t sid;          /* required, > 0 */
	uint32_t rev;          /* default 0 */
	char *msg;             /* required */
	char *classtype;       /* NULL if none */
	uint32_t priority;     /* 0 if none given; see rule_severity() */
	uint32_t flow;         /* enum rule_flow bits */

	enum tlp tlp;
	char *stix_id;         /* metadata stix_id <id>, NULL if none */

	/* every metadata "key value" entry, in order (entries without a value
	 * are ignored, as Suricata does) */
	struct rule_kv *metadata;
	uint32_t n_metadata;
	struct rule_kv *references; /* reference:type,value as key,value */
	uint32_t n_references;

	struct rule_item *items;    /* content and pcre, in rule order */
	uint32_t n_items;
};

void rule_free(struct rule *r);

#define RULE_PRIORITY_DEFAULT 3 /* Suricata's, when neither priority nor classtype says */

/* The priority EVE reports as "severity": priority if given, else the
 * classtype's, else RULE_PRIORITY_DEFAULT. */
uint32_t rule_severity(const struct rule *r);

/* True when the rule has no content or pcre: it matches on the header alone. */
static inline bool rule_is_ip_only(const struct rule *r)
{
	return r->n_items == 0;
}

#endif
