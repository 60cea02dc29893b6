/*
 * eve-json.h — a small JSON writer for EVE records.
 *
 * Hand-written rather than a JSON library: a sighting is rendered on the
 * worker that found it, into its output ring, and a library's DOM would
 * allocate per record. The static part of every alert (signature, category,
 * metadata, sighting labels) is rendered once per rule at load time with
 * this writer; per alert only the packet's fields are written. Output is
 * compact JSON, strings escaped per RFC 8259 (control characters as \u00XX,
 * bytes >= 0x80 passed through when they form valid UTF-8, else escaped as
 * \u00XX so the record always parses).
 *
 * A struct jbuf writes into caller-owned memory and never overflows it: past
 * the end it only sets `overflow`. Single-threaded per buffer.
 */
#ifndef SPOTTER_EVE_JSON_H
#define SPOTTER_EVE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct jbuf {
	char *p;
	char *end;
	bool overflow;
};

static inline void jb_init(struct jbuf *jb, char *buf, size_t len)
{
	jb->p = buf;
	jb->end = buf + len;
	jb->overflow = false;
}

void jb_raw(struct jbuf *jb, const char *s, size_t n);
void jb_lit(struct jbuf *jb, const char *s);           /* raw, NUL-terminated */
void jb_str(struct jbuf *jb, const char *s, size_t n); /* quoted and escaped */
void jb_u64(struct jbuf *jb, uint64_t v);
/* "2026-11-22T18:50:30.123456+0000" (UTC), quoted */
void jb_time(struct jbuf *jb, uint64_t ts_ns);
/* dotted IPv4 for mapped addresses, else IPv6 in full (as Suricata), quoted */
void jb_addr(struct jbuf *jb, const struct addr128 *a);

#endif
