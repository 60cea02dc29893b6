/*
 * seqcheck.c — per-sensor sequence ranges (see seqcheck.h).
 *
 * Sensors are found through an open-addressing hash table (FNV-1a, linear
 * probing, power-of-two capacity up to twice SEQCHECK_MAX_SENSORS). Each
 * sensor's ranges are a sorted vector; an insert is a binary search plus,
 * for an out-of-order number, one memmove within the vector.
 */
#include "seqcheck.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct range {
	uint64_t lo, hi; /* inclusive */
};

struct sensor {
	char name[SEQCHECK_MAX_NAME];
	uint64_t records;
	struct range *r;
	size_t n, cap;
	uint64_t dups;
	uint64_t dup_seq[SEQCHECK_MAX_DUPS]; /* the first duplicates, in arrival order */
};

struct seqcheck {
	struct sensor **slot; /* hash table of sensors */
	size_t nslot, nsensors;
	uint64_t unnumbered; /* records without seq or sensor */
	uint64_t untracked;  /* records past a cap or out of memory */
};

struct seqcheck *seqcheck_new(void)
{
	struct seqcheck *sc = calloc(1, sizeof(*sc));

	if (!sc)
		return NULL;
	sc->nslot = 64;
	sc->slot = calloc(sc->nslot, sizeof(*sc->slot));
	if (!sc->slot) {
		free(sc);
		return NULL;
	}
	return sc;
}

void seqcheck_free(struct seqcheck *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->nslot; i++) {
		if (sc->slot[i]) {
			free(sc->slot[i]->r);
			free(sc->slot[i]);
		}
	}
	free(sc->slot);
	free(sc);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static int grow_table(struct seqcheck *sc)
{
	size_t n = sc->nslot * 2;
	struct sensor **t = calloc(n, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < sc->nslot; i++) {
		struct sensor *s = sc->slot[i];
		size_t j;

		if (!s)
			continue;
		for (j = fnv1a(s->name) & (n - 1); t[j]; j = (j + 1) & (n - 1))
			;
		t[j] = s;
	}
	free(sc->slot);
	sc->slot = t;
	sc->nslot = n;
	return 0;
}

/* the sensor named `name`, created when new; NULL past the cap or on ENOMEM */
static struct sensor *find(struct seqcheck *sc, const char *name)
{
	char key[SEQCHECK_MAX_NAME];
	size_t i;

	snprintf(key, sizeof(key), "%s", name);
	for (i = fnv1a(key) & (sc->nslot - 1); sc->slot[i]; i = (i + 1) & (sc->nslot - 1))
		if (strcmp(sc->slot[i]->name, key) == 0)
			return sc->slot[i];
	if (sc->nsensors >= SEQCHECK_MAX_SENSORS)
		return NULL;
	if ((sc->nsensors + 1) * 2 > sc->nslot) {
		if (grow_table(sc) < 0)
			return NULL;
		return find(sc, name);
	}
	struct sensor *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	memcpy(s->name, key, sizeof(key));
	sc->slot[i] = s;
	sc->nsensors++;
	return s;
}

/* index of the first range with hi >= seq (n when none) */
static size_t lower(const struct sensor *s, uint64_t seq)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->r[mid].hi < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int insert_range(struct sensor *s, size_t at, uint64_t seq)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct range *r;

		if (s->n >= SEQCHECK_MAX_RANGES)
			return -ENOSPC;
		r = realloc(s->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		s->r = r;
		s->cap = cap;
	}
	memmove(&s->r[at + 1], &s->r[at], (s->n - at) * sizeof(*s->r));
	s->r[at].lo = s->r[at].hi = seq;
	s->n++;
	return 0;
}

/* Adds seq to s's ranges: 1 when it was already there, 0 added, <0 error. */
static int add_seq(struct sensor *s, uint64_t seq)
{
	size_t i;

	/* the common case: the next number after the last range */
	if (s->n && s->r[s->n - 1].hi + 1 == seq) {
		s->r[s->n - 1].hi = seq;
		return 0;
	}
	i = lower(s, seq);
	if (i < s->n && s->r[i].lo <= seq)
		return 1;
	bool joins_prev = i > 0 && s->r[i - 1].hi + 1 == seq;
	bool joins_next = i < s->n && seq + 1 == s->r[i].lo;

	if (joins_prev && joins_next) {
		s->r[i - 1].hi = s->r[i].hi;
		memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof(*s->r));
		s->n--;
	} else if (joins_prev) {
		s->r[i - 1].hi = seq;
	} else if (joins_next) {
		s->r[i].lo = seq;
	} else {
		return insert_range(s, i, seq);
	}
	return 0;
}

int seqcheck_add(struct seqcheck *sc, const char *sensor, uint64_t seq)
{
	struct sensor *s = find(sc, sensor);
	int rc;

	if (!s) {
		sc->untracked++;
		return sc->nsensors >= SEQCHECK_MAX_SENSORS ? 0 : -ENOMEM;
	}
	rc = add_seq(s, seq);
	if (rc < 0) {
		sc->untracked++;
		return rc == -ENOSPC ? 0 : rc;
	}
	s->records++;
	if (rc == 1) {
		if (s->dups < SEQCHECK_MAX_DUPS)
			s->dup_seq[s->dups] = seq;
		s->dups++;
	}
	return 0;
}

void seqcheck_add_unnumbered(struct seqcheck *sc)
{
	sc->unnumbered++;
}

bool seqcheck_failed(const struct seqcheck *sc)
{
	if (sc->unnumbered || sc->untracked)
		return true;
	for (size_t i = 0; i < sc->nslot; i++) {
		const struct sensor *s = sc->slot[i];

		if (s && (s->n > 1 || s->dups))
			return true;
	}
	return false;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct sensor *const *)a)->name,
		      (*(const struct sensor *const *)b)->name);
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

#define REPORT_RANGES 20 /* gaps listed per sensor; the rest are counted */

/* name as a JSON string body: quote, backslash and control bytes escaped */
static void put_name(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void report_sensor(const struct sensor *s, FILE *out, const char *prefix)
{
	uint64_t missing = 0;

	fprintf(out, "%ssensor ", prefix);
	put_name(out, s->name);
	fprintf(out, ": %" PRIu64 " record%s, seq %" PRIu64 "..%" PRIu64, s->records,
		s->records == 1 ? "" : "s", s->r[0].lo, s->r[s->n - 1].hi);
	for (size_t i = 1; i < s->n; i++)
		missing += s->r[i].lo - s->r[i - 1].hi - 1;
	if (s->n == 1) {
		fprintf(out, ", none missing");
	} else {
		fprintf(out, ", %" PRIu64 " missing: ", missing);
		for (size_t i = 1; i < s->n && i <= REPORT_RANGES; i++) {
			uint64_t lo = s->r[i - 1].hi + 1, hi = s->r[i].lo - 1;

			fprintf(out, i > 1 ? "," : "");
			if (lo == hi)
				fprintf(out, "%" PRIu64, lo);
			else
				fprintf(out, "%" PRIu64 "-%" PRIu64, lo, hi);
		}
		if (s->n - 1 > REPORT_RANGES)
			fprintf(out, ",... (%zu gaps)", s->n - 1);
	}
	if (!s->dups) {
		fprintf(out, ", no duplicates\n");
		return;
	}
	uint64_t d[SEQCHECK_MAX_DUPS];
	size_t nd = s->dups < SEQCHECK_MAX_DUPS ? (size_t)s->dups : SEQCHECK_MAX_DUPS;

	memcpy(d, s->dup_seq, nd * sizeof(*d));
	qsort(d, nd, sizeof(*d), by_u64);
	fprintf(out, ", %" PRIu64 " duplicate%s: ", s->dups, s->dups == 1 ? "" : "s");
	for (size_t i = 0; i < nd; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", d[i]);
	fprintf(out, "%s\n", s->dups > nd ? ",..." : "");
}

void seqcheck_report(const struct seqcheck *sc, FILE *out, const char *prefix)
{
	struct sensor **v = NULL;
	size_t n = 0;

	if (sc->nsensors && !(v = malloc(sc->nsensors * sizeof(*v)))) {
		fprintf(out, "%sout of memory for the summary\n", prefix);
		return;
	}
	for (size_t i = 0; i < sc->nslot; i++)
		if (sc->slot[i])
			v[n++] = sc->slot[i];
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	for (size_t i = 0; i < n; i++)
		report_sensor(v[i], out, prefix);
	if (!n)
		fprintf(out, "%sno numbered records\n", prefix);
	if (sc->unnumbered)
		fprintf(out,
			"%s%" PRIu64 " record%s without \"seq\" and \"sighting\":{\"sensor\"}\n",
			prefix, sc->unnumbered, sc->unnumbered == 1 ? "" : "s");
	if (sc->untracked)
		fprintf(out,
			"%s%" PRIu64
			" record%s not tracked (more than %u sensors or %u gap ranges)\n",
			prefix, sc->untracked, sc->untracked == 1 ? "" : "s", SEQCHECK_MAX_SENSORS,
			SEQCHECK_MAX_RANGES);
	free(v);
}
