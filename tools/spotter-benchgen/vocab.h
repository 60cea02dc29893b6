/*
 * vocab.h — benign-looking names and text: words, domains, URIs,
 * User-Agents, and the HTML, JSON and script text pools HTTP bodies are cut
 * from.
 *
 * Everything here is built from an English word list, decimal numbers and
 * lowercase hex, and never puts a digit directly before one of the letters
 * g..z (except 'T' in ISO timestamps, which indicator tokens avoid). The
 * indicator tokens (indicators.c) always contain such a pair, so benign
 * traffic can never contain an indicator by accident. Stateless; the caller
 * owns every buffer.
 */
#ifndef BENCHGEN_VOCAB_H
#define BENCHGEN_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

const char *vocab_word(struct rng *r);

/* A benign host name such as "static.greenriver.com". */
void vocab_domain(struct rng *r, char *out, size_t len);

/* A benign request target such as "/api/v2/orders/48213?page=3". */
void vocab_uri(struct rng *r, char *out, size_t len);

const char *vocab_user_agent(struct rng *r);

/* Text pools; fill buf[0..len) completely. */
void vocab_fill_html(struct rng *r, uint8_t *buf, size_t len);
void vocab_fill_json(struct rng *r, uint8_t *buf, size_t len);
void vocab_fill_script(struct rng *r, uint8_t *buf, size_t len);

#endif
