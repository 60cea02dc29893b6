/*
 * output-seq.c — persistent sequence numbers (see output-seq.h).
 */
#include "output-seq.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct output_seq {
	uint64_t next;     /* the next number to hand out */
	uint64_t limit;    /* numbers below this are covered by the file */
	char path[4096];
	char tmp[4112];
};

/* Writes value to the file atomically. */
static int store(struct output_seq *s, uint64_t value)
{
	char buf[32];
	int fd, n, rc = 0;

	n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", value);
	fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	if (close(fd) != 0 && !rc)
		rc = -errno;
	if (!rc && rename(s->tmp, s->path) != 0)
		rc = -errno;
	return rc;
}

static int load(struct output_seq *s, char *err, size_t errlen)
{
	char buf[64] = "";
	FILE *f = fopen(s->path, "r");
	char *end;
	unsigned long long v;

	if (!f) {
		if (errno == ENOENT) {
			s->next = 1;
			return 0;
		}
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
		return -errno;
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v == 0) {
		snprintf(err, errlen, "%s: not a sequence number (\"%.20s\")", s->path, buf);
		return -EINVAL;
	}
	s->next = v;
	return 0;
}

int output_seq_open(const char *dir, struct output_seq **out, char *err, size_t errlen)
{
	struct output_seq *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	snprintf(s->path, sizeof(s->path), "%s/sequence", dir);
	snprintf(s->tmp, sizeof(s->tmp), "%s.tmp", s->path);
	rc = load(s, err, errlen);
	if (!rc) {
		/* reserve the first block before handing anything out */
		s->limit = s->next + OUTPUT_SEQ_BLOCK;
		rc = store(s, s->limit);
		if (rc)
			snprintf(err, errlen, "%s: %s", s->path, strerror(-rc));
	}
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int output_seq_next(struct output_seq *s, uint64_t *seq)
{
	if (s->next >= s->limit) {
		int rc = store(s, s->limit + OUTPUT_SEQ_BLOCK);

		if (rc)
			return rc;
		s->limit += OUTPUT_SEQ_BLOCK;
	}
	*seq = s->next++;
	return 0;
}

uint64_t output_seq_last(const struct output_seq *s)
{
	return s->next - 1;
}

int output_seq_close(struct output_seq *s)
{
	int rc;

	if (!s)
		return 0;
	rc = store(s, s->next);
	free(s);
	return rc;
}
