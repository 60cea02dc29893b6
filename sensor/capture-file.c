/*
 * capture-file.c — pcap and pcapng capture files, mapped and walked in place.
 *
 * Owns the mapping of one capture file and the state needed to walk it: the
 * byte order, the pcap timestamp unit, and for pcapng the interfaces of the
 * current section. capture_file_next() reads one record header, checks it
 * against the bytes that remain and hands out a pointer into the mapping: no
 * copy, no allocation, no system call per packet. The only allocations are
 * the struct at open and the interface table, grown when an Interface
 * Description Block arrives.
 *
 * Every length read from the file is checked against the bytes left before
 * anything behind it is touched, so no input makes us read outside the
 * mapping. Record data are not aligned (a pcap record starts wherever the
 * previous one ended); consumers must not assume alignment.
 *
 * Threading: one thread calls capture_file_next(); the packets it returns
 * point into read-only memory that any thread may read until
 * capture_file_close(), which the opener calls and which unmaps everything.
 * A file that shrinks while mapped raises SIGBUS: captures being written
 * by another process should be read once they are complete.
 */
#include "capture-file.h"

#include <byteswap.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS_PER_SEC 1000000000ull
#define IFACES_MAX 4096u		/* interfaces per pcapng section */

#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_LINKTYPE(x) ((x) & 0xffffu) /* upper bits: FCS length, reserved */

#define NG_BOM 0x1a2b3c4du
#define NG_SHB 0x0a0d0d0au		/* a palindrome: the same in both byte orders */
#define NG_IDB 1u
#define NG_PB 2u			/* obsolete Packet Block */
#define NG_SPB 3u
#define NG_EPB 6u
#define NG_BLOCK_MIN 12u		/* type, length, trailing length */
#define NG_OPT_END 0
#define NG_OPT_TSRESOL 9
#define NG_OPT_TSOFFSET 14

/* Internal to the pcapng walk: a block was consumed and was not a packet. */
#define NG_SKIPPED 2

/* One pcapng interface: its link type and how its timestamps convert to ns. */
struct capture_iface {
	uint32_t linktype;
	uint32_t snaplen;	/* 0: no limit */
	uint64_t ns_per_unit;	/* when a unit is a whole number of ns, else 0 */
	uint64_t units;		/* units per second: 10^n, or 2^n when pow2 */
	uint8_t exp;		/* n */
	bool pow2;
	uint64_t offset_ns;	/* if_tsoffset in ns (two's complement) */
};

struct capture_file {
	const uint8_t *map;
	uint64_t size;
	uint64_t off;		/* start of the next record */
	uint64_t prefetched;	/* bytes from the start already prefetched */
	uint64_t pcap_cnt;	/* packets returned so far */
	bool ng;
	bool swap;		/* the file's byte order is not ours */
	/* pcap */
	uint32_t linktype, snaplen;
	uint32_t frac_ns;	/* ns per unit of the timestamp fraction: 1000 or 1 */
	/* pcapng: the current section */
	struct capture_iface *ifaces;
	uint32_t n_ifaces, cap_ifaces;
	uint64_t last_ts_ns;	/* for Simple Packet Blocks, which carry no time */
	char err[512];
	char path[];
};

static uint16_t rd16(const struct capture_file *cf, const uint8_t *b)
{
	uint16_t v;

	memcpy(&v, b, sizeof v);
	return cf->swap ? bswap_16(v) : v;
}

static uint32_t rd32(const struct capture_file *cf, const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, sizeof v);
	return cf->swap ? bswap_32(v) : v;
}

static uint64_t rd64(const struct capture_file *cf, const uint8_t *b)
{
	uint64_t v;

	memcpy(&v, b, sizeof v);
	return cf->swap ? bswap_64(v) : v;
}

static uint32_t pad4(uint32_t n)
{
	return (n + 3) & ~3u;
}

/* A malformed record: the message names the file, the offset of the record
 * and the number the next packet would have had. */
__attribute__((format(printf, 2, 3))) static enum capture_status bad(struct capture_file *cf,
								  const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(cf->err, sizeof cf->err, "%s: at byte %" PRIu64 " (packet %" PRIu64 "): ",
		     cf->path, cf->off, cf->pcap_cnt + 1);
	if (n < 0 || (size_t)n >= sizeof cf->err)
		return CAPTURE_BAD;
	va_start(ap, fmt);
	vsnprintf(cf->err + n, sizeof cf->err - (size_t)n, fmt, ap);
	va_end(ap);
	return CAPTURE_BAD;
}

/* The file ends inside the record at cf->off, which needs `need` bytes
 * (`atleast`: only its header was partly there, so more may be needed). */
static enum capture_status truncated(struct capture_file *cf, bool packet, bool atleast,
				     uint64_t need)
{
	snprintf(cf->err, sizeof cf->err,
		 "%s: capture cut off at byte %" PRIu64 ": %s %" PRIu64 " needs %s%" PRIu64
		 " bytes, only %" PRIu64 " remain",
		 cf->path, cf->size, packet ? "packet" : "the block before packet",
		 cf->pcap_cnt + 1, atleast ? "at least " : "", need, cf->size - cf->off);
	return CAPTURE_TRUNCATED;
}

/* Limits every record obeys, whatever the format. */
static enum capture_status check_lengths(struct capture_file *cf, uint32_t caplen,
					 uint32_t wirelen)
{
	if (caplen > CAPTURE_CAPLEN_MAX)
		return bad(cf, "captured length %" PRIu32 " is larger than the maximum %u",
			   caplen, CAPTURE_CAPLEN_MAX);
	if (caplen > wirelen)
		return bad(cf, "captured length %" PRIu32 " is larger than the wire length %" PRIu32,
			   caplen, wirelen);
	return CAPTURE_PACKET;
}

static enum capture_status emit(struct capture_file *cf, struct packet *p, const uint8_t *data,
				uint32_t caplen, uint32_t wirelen, uint64_t ts_ns,
				uint32_t linktype)
{
	p->data = data;
	p->caplen = caplen;
	p->wirelen = wirelen;
	p->ts_ns = ts_ns;
	p->linktype = linktype;
	p->pcap_cnt = ++cf->pcap_cnt;
	return CAPTURE_PACKET;
}

/* ---- pcap ---------------------------------------------------------------- */

static enum capture_status pcap_next(struct capture_file *cf, struct packet *p)
{
	const uint8_t *h = cf->map + cf->off;
	uint64_t left = cf->size - cf->off;
	uint32_t caplen, wirelen;
	uint64_t ts;

	if (left == 0)
		return CAPTURE_EOF;
	if (left < PCAP_REC_HDR)
		return truncated(cf, true, true, PCAP_REC_HDR);
	caplen = rd32(cf, h + 8);
	wirelen = rd32(cf, h + 12);
	if (check_lengths(cf, caplen, wirelen) != CAPTURE_PACKET)
		return CAPTURE_BAD;
	if (left - PCAP_REC_HDR < caplen)
		return truncated(cf, true, false, PCAP_REC_HDR + caplen);
	ts = rd32(cf, h) * NS_PER_SEC + (uint64_t)rd32(cf, h + 4) * cf->frac_ns;
	cf->off += PCAP_REC_HDR + caplen;
	return emit(cf, p, h + PCAP_REC_HDR, caplen, wirelen, ts, cf->linktype);
}

/* Reads the file header; 0 or -EINVAL with the reason in cf->err. */
static int pcap_open(struct capture_file *cf, uint32_t magic)
{
	const uint8_t *h = cf->map;

	cf->swap = magic == bswap_32(PCAP_MAGIC_US) || magic == bswap_32(PCAP_MAGIC_NS);
	cf->frac_ns = (magic == PCAP_MAGIC_US || magic == bswap_32(PCAP_MAGIC_US)) ? 1000 : 1;
	if (cf->size < PCAP_FILE_HDR) {
		snprintf(cf->err, sizeof cf->err, "%s: not a pcap or pcapng file", cf->path);
		return -EINVAL;
	}
	if (rd16(cf, h + 4) != 2) {
		snprintf(cf->err, sizeof cf->err, "%s: unsupported pcap version %u.%u", cf->path,
			 rd16(cf, h + 4), rd16(cf, h + 6));
		return -EINVAL;
	}
	cf->snaplen = rd32(cf, h + 16);
	cf->linktype = PCAP_LINKTYPE(rd32(cf, h + 20));
	cf->off = PCAP_FILE_HDR;
	return 0;
}

/* ---- pcapng -------------------------------------------------------------- */

static uint64_t iface_ts_ns(const struct capture_iface *ifc, uint64_t ts)
{
	uint64_t sec, frac;
	unsigned shift;

	if (ifc->ns_per_unit) /* 10^-n or 2^-n with n <= 9: the common case */
		return ts * ifc->ns_per_unit + ifc->offset_ns;
	if (ifc->pow2) {
		shift = ifc->exp;
		sec = ts >> shift;
		frac = ts & ((1ull << shift) - 1);
		if (shift > 34) { /* keep frac * 10^9 within 64 bits; the bits dropped are < 1 ns */
			frac >>= shift - 34;
			shift = 34;
		}
		frac = (frac * NS_PER_SEC) >> shift;
	} else {
		sec = ts / ifc->units;
		frac = ts % ifc->units / (ifc->units / NS_PER_SEC);
	}
	return sec * NS_PER_SEC + frac + ifc->offset_ns;
}

/* if_tsresol: bit 7 clear, units of 10^-n s; set, units of 2^-(n & 0x7f) s. */
static enum capture_status iface_set_tsresol(struct capture_file *cf, struct capture_iface *ifc,
					     uint8_t resol)
{
	ifc->pow2 = resol & 0x80;
	ifc->exp = resol & 0x7f;
	if (ifc->exp > (ifc->pow2 ? 63 : 19)) /* units per second must fit 64 bits */
		return bad(cf, "interface timestamp resolution %s^-%u is too fine",
			   ifc->pow2 ? "2" : "10", ifc->exp);
	ifc->units = 1;
	for (unsigned i = 0; i < ifc->exp; i++)
		ifc->units *= ifc->pow2 ? 2 : 10;
	ifc->ns_per_unit = NS_PER_SEC % ifc->units == 0 ? NS_PER_SEC / ifc->units : 0;
	return CAPTURE_PACKET;
}

/* Interface Description Block: link type, snaplen, then options. */
static enum capture_status ng_idb(struct capture_file *cf, const uint8_t *b, uint32_t len)
{
	struct capture_iface *ifc;
	uint32_t i, end = len - 4;

	if (cf->n_ifaces == cf->cap_ifaces) {
		uint32_t cap = cf->cap_ifaces ? cf->cap_ifaces * 2 : 4;
		void *t;

		if (cf->n_ifaces == IFACES_MAX)
			return bad(cf, "more than %u interfaces in one section", IFACES_MAX);
		t = realloc(cf->ifaces, cap * sizeof *cf->ifaces);
		if (!t)
			return bad(cf, "out of memory for interface %" PRIu32, cf->n_ifaces);
		cf->ifaces = t;
		cf->cap_ifaces = cap;
	}
	ifc = &cf->ifaces[cf->n_ifaces];
	*ifc = (struct capture_iface){.linktype = rd16(cf, b + 8), .snaplen = rd32(cf, b + 12)};
	iface_set_tsresol(cf, ifc, 6); /* default: microseconds */

	for (i = 16; i + 4 <= end;) {
		uint16_t code = rd16(cf, b + i), olen = rd16(cf, b + i + 2);
		const uint8_t *v = b + i + 4;

		if (code == NG_OPT_END)
			break;
		if (olen > end - i - 4)
			return bad(cf, "interface option %u runs past the end of its block", code);
		if ((code == NG_OPT_TSRESOL && olen != 1) || (code == NG_OPT_TSOFFSET && olen != 8))
			return bad(cf, "interface option %u has length %u", code, olen);
		if (code == NG_OPT_TSRESOL && iface_set_tsresol(cf, ifc, v[0]) != CAPTURE_PACKET)
			return CAPTURE_BAD;
		if (code == NG_OPT_TSOFFSET) /* signed seconds; wraps as two's complement */
			ifc->offset_ns = rd64(cf, v) * NS_PER_SEC;
		i += 4 + pad4(olen);
	}
	cf->n_ifaces++;
	return NG_SKIPPED;
}

/* EPB, PB or SPB: fills p from a block already known to fit in the file. */
static enum capture_status ng_packet(struct capture_file *cf, struct packet *p, uint32_t type,
				     const uint8_t *b, uint32_t len)
{
	const struct capture_iface *ifc;
	const uint8_t *data;
	uint32_t ifid, caplen, wirelen, room;
	uint64_t ts_ns;

	if (type == NG_SPB) { /* the first interface, its snaplen, no timestamp */
		if (cf->n_ifaces == 0)
			return bad(cf, "simple packet block in a section without interfaces");
		ifc = &cf->ifaces[0];
		wirelen = rd32(cf, b + 8);
		caplen = ifc->snaplen && ifc->snaplen < wirelen ? ifc->snaplen : wirelen;
		data = b + 12;
		ts_ns = cf->last_ts_ns;
	} else {
		ifid = type == NG_EPB ? rd32(cf, b + 8) : rd16(cf, b + 8);
		if (ifid >= cf->n_ifaces)
			return bad(cf, "packet block refers to interface %" PRIu32
				       ", but the section defines %" PRIu32,
				   ifid, cf->n_ifaces);
		ifc = &cf->ifaces[ifid];
		caplen = rd32(cf, b + 20);
		wirelen = rd32(cf, b + 24);
		data = b + 28;
		ts_ns = iface_ts_ns(ifc, (uint64_t)rd32(cf, b + 12) << 32 | rd32(cf, b + 16));
	}
	room = len - 4 - (uint32_t)(data - b); /* up to the trailing length */
	if (check_lengths(cf, caplen, wirelen) != CAPTURE_PACKET)
		return CAPTURE_BAD;
	if (caplen > room)
		return bad(cf, "packet of %" PRIu32 " bytes in a block with room for %" PRIu32,
			   caplen, room);
	cf->last_ts_ns = ts_ns;
	return emit(cf, p, data, caplen, wirelen, ts_ns, ifc->linktype);
}

/* The byte order of the section whose header is at b (12 bytes readable):
 * 0 ours, 1 swapped, -1 no valid byte-order magic. */
static int ng_byte_order(const uint8_t *b)
{
	uint32_t bom;

	memcpy(&bom, b + 8, sizeof bom);
	return bom == NG_BOM ? 0 : bom == bswap_32(NG_BOM) ? 1 : -1;
}

static uint32_t ng_min_len(uint32_t type)
{
	switch (type) {
	case NG_SHB:
		return 28;
	case NG_IDB:
		return 20;
	case NG_SPB:
		return 16;
	case NG_EPB:
	case NG_PB:
		return 32;
	default:
		return NG_BLOCK_MIN;
	}
}

/* One block: a packet, NG_SKIPPED, or the end of the walk. */
static enum capture_status ng_block(struct capture_file *cf, struct packet *p)
{
	const uint8_t *b = cf->map + cf->off;
	uint64_t left = cf->size - cf->off;
	enum capture_status st = NG_SKIPPED;
	uint32_t type, len;
	bool packet;

	if (left == 0)
		return CAPTURE_EOF;
	type = left >= 4 ? rd32(cf, b) : 0;
	packet = type == NG_EPB || type == NG_SPB || type == NG_PB;
	if (left < NG_BLOCK_MIN)
		return truncated(cf, packet, true, NG_BLOCK_MIN);
	if (type == NG_SHB) { /* a new section: its byte order, no interfaces yet */
		if (ng_byte_order(b) < 0)
			return bad(cf, "section header block without a valid byte-order magic");
		cf->swap = ng_byte_order(b);
		cf->n_ifaces = 0;
	}
	len = rd32(cf, b + 4);
	if (len % 4 || len < ng_min_len(type))
		return bad(cf, "block of type 0x%08" PRIx32 " has invalid total length %" PRIu32,
			   type, len);
	if (len > left)
		return truncated(cf, packet, false, len);
	if (rd32(cf, b + len - 4) != len)
		return bad(cf, "block total length %" PRIu32 " differs from the trailing %" PRIu32,
			   len, rd32(cf, b + len - 4));

	if (type == NG_SHB && rd16(cf, b + 12) != 1)
		st = bad(cf, "unsupported pcapng version %u.%u", rd16(cf, b + 12),
			 rd16(cf, b + 14));
	else if (type == NG_IDB)
		st = ng_idb(cf, b, len);
	else if (packet)
		st = ng_packet(cf, p, type, b, len);
	if (st == NG_SKIPPED || st == CAPTURE_PACKET)
		cf->off += len;
	return st;
}

/* The first block is the section header (the magic said so); it must be
 * whole and valid for the file to count as pcapng. */
static int ng_open(struct capture_file *cf)
{
	if (cf->size < NG_BLOCK_MIN || ng_byte_order(cf->map) < 0) {
		snprintf(cf->err, sizeof cf->err, "%s: not a pcap or pcapng file", cf->path);
		return -EINVAL;
	}
	cf->ng = true;
	return ng_block(cf, NULL) == NG_SKIPPED ? 0 : -EINVAL;
}

/* ---- the interface -------------------------------------------------------- */

/*
 * Records are found by following lengths, one dependent load after
 * another, which hardware prefetchers do not run ahead of: without help,
 * each record costs a full memory round trip (about 100 ns here). Streaming
 * software prefetches a few KiB ahead of the current record turns the walk
 * into a sequential read (about 18 ns per record), and leaves the packets
 * in cache for the workers that read them next.
 */
#define PREFETCH_AHEAD 8192

static void prefetch_ahead(struct capture_file *cf)
{
	uint64_t end = cf->off + PREFETCH_AHEAD;

	if (end > cf->size)
		end = cf->size;
	while (cf->prefetched < end) {
		__builtin_prefetch(cf->map + cf->prefetched);
		cf->prefetched += 64;
	}
}

enum capture_status capture_file_next(struct capture_file *cf, struct packet *p)
{
	enum capture_status st;

	prefetch_ahead(cf);
	/* At the end, nothing moves: calling again gives the same status. */
	if (!cf->ng)
		return pcap_next(cf, p);
	while ((st = ng_block(cf, p)) == NG_SKIPPED)
		;
	return st;
}

static int open_error(char *err, size_t errlen, const char *path, int e, const char *why)
{
	snprintf(err, errlen, "%s: %s", path, why ? why : strerror(e));
	return -e;
}

int capture_file_open(const char *path, bool preload, struct capture_file **out, char *err,
		      size_t errlen)
{
	struct capture_file *cf;
	struct stat st;
	uint32_t magic = 0;
	void *map;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return open_error(err, errlen, path, errno, NULL);
	if (fstat(fd, &st) < 0)
		ret = open_error(err, errlen, path, errno, NULL);
	else if (S_ISDIR(st.st_mode))
		ret = open_error(err, errlen, path, EISDIR, NULL);
	else if (!S_ISREG(st.st_mode))
		ret = open_error(err, errlen, path, EINVAL, "not a regular file");
	else if (st.st_size == 0)
		ret = open_error(err, errlen, path, EINVAL, "empty file");
	else
		ret = 0;
	if (ret)
		goto out_close;

	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | (preload ? MAP_POPULATE : 0),
		   fd, 0);
	if (map == MAP_FAILED) {
		ret = open_error(err, errlen, path, errno, NULL);
		goto out_close;
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL); /* advice only: failure is harmless */

	cf = calloc(1, sizeof *cf + strlen(path) + 1);
	if (!cf) {
		ret = open_error(err, errlen, path, ENOMEM, NULL);
		goto out_unmap;
	}
	cf->map = map;
	cf->size = (uint64_t)st.st_size;
	strcpy(cf->path, path);

	if (cf->size >= 4)
		memcpy(&magic, map, sizeof magic);
	if (magic == NG_SHB)
		ret = ng_open(cf);
	else if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
		 magic == bswap_32(PCAP_MAGIC_US) || magic == bswap_32(PCAP_MAGIC_NS))
		ret = pcap_open(cf, magic);
	else
		ret = open_error(cf->err, sizeof cf->err, path, EINVAL,
				 "not a pcap or pcapng file");
	if (ret) {
		snprintf(err, errlen, "%s", cf->err);
		goto out_free; /* only a section header was read: no interfaces yet */
	}
	cf->err[0] = '\0';
	*out = cf;
	close(fd); /* the mapping keeps the file */
	return 0;

out_free:
	free(cf);
out_unmap:
	munmap(map, (size_t)st.st_size);
out_close:
	close(fd);
	return ret;
}

const char *capture_file_error(const struct capture_file *cf)
{
	return cf->err;
}

uint64_t capture_file_size(const struct capture_file *cf)
{
	return cf->size;
}

const char *capture_file_format(const struct capture_file *cf)
{
	return cf->ng ? "pcapng" : "pcap";
}

uint32_t capture_file_snaplen(const struct capture_file *cf)
{
	if (cf->ng)
		return cf->n_ifaces ? cf->ifaces[0].snaplen : 0;
	return cf->snaplen;
}

void capture_file_close(struct capture_file *cf)
{
	if (!cf)
		return;
	munmap((void *)cf->map, (size_t)cf->size);
	free(cf->ifaces);
	free(cf);
}
