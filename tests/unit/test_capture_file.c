/*
 * test_capture_file.c — the pcap / pcapng reader on crafted files.
 *
 * Files are built byte by byte in either byte order, written into a
 * temporary directory and read back: every field of every record, the
 * pcapng section / interface rules, truncation at every byte offset, each
 * error message, and random input (which must end the walk without reading
 * outside the file). With CORPUS set, a table of third-party captures must
 * read to the end with the packet counts measured by capinfos.
 */
#include "unit.h"

#include "capture-file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS 1000000000ull
#define MAX_MARKS 64

static char tmpdir[256], path[300], dirpath[300];

/* ---- building files -------------------------------------------------------- */

/* The file under construction, its byte order, and where records end. */
static struct {
	uint8_t b[600 * 1024];
	size_t n;
	bool be;
	size_t bounds[MAX_MARKS]; /* offsets where a record (or the file header) ends */
	bool end_packet[MAX_MARKS]; /* pcapng: the block ending at bounds[i] is a packet */
	size_t n_bounds;
	size_t pkt_ends[MAX_MARKS];
	size_t n_pkts;
} w;

/* What a packet must read back as. */
struct want {
	size_t off; /* of its data in the file */
	uint32_t caplen, wirelen, linktype;
	uint64_t ts_ns;
};

static struct want wants[MAX_MARKS];
static size_t n_wants;

static void reset(bool be)
{
	w.n = w.n_bounds = w.n_pkts = n_wants = 0;
	w.be = be;
}

static void put(uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		int shift = w.be ? 8 * (bytes - 1 - i) : 8 * i;

		w.b[w.n++] = (uint8_t)(v >> shift);
	}
}

static void put_bytes(const void *p, size_t len)
{
	memcpy(w.b + w.n, p, len);
	w.n += len;
}

static void pad4(void)
{
	while (w.n % 4)
		w.b[w.n++] = 0;
}

static void patch32(size_t at, uint32_t v)
{
	size_t n = w.n;

	w.n = at;
	put(v, 4);
	w.n = n;
}

static void mark(bool packet)
{
	w.bounds[w.n_bounds++] = w.n;
	if (packet)
		w.pkt_ends[w.n_pkts++] = w.n;
}

/* Fills len data bytes with a pattern unique to the offset. */
static size_t put_data(uint32_t len)
{
	size_t at = w.n;

	for (uint32_t i = 0; i < len; i++)
		w.b[w.n++] = (uint8_t)(at * 7 + i);
	return at;
}

static void want(size_t off, uint32_t caplen, uint32_t wirelen, uint64_t ts_ns, uint32_t lt)
{
	wants[n_wants++] = (struct want){off, caplen, wirelen, lt, ts_ns};
}

static void pcap_header(uint32_t magic, uint32_t snaplen, uint32_t network)
{
	put(magic, 4);
	put(2, 2);
	put(4, 2);
	put(0, 4);
	put(0, 4);
	put(snaplen, 4);
	put(network, 4);
	mark(false);
}

/* A pcap record; frac is micro- or nanoseconds as the header says. */
static size_t pcap_record(uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wirelen)
{
	size_t off;

	put(sec, 4);
	put(frac, 4);
	put(caplen, 4);
	put(wirelen, 4);
	off = put_data(caplen);
	mark(true);
	return off;
}

static size_t blk_begin(uint32_t type)
{
	size_t at = w.n;

	w.end_packet[w.n_bounds] = type == 2 || type == 3 || type == 6;
	put(type, 4);
	put(0, 4);
	return at;
}

static void blk_end(size_t at)
{
	uint32_t len;

	pad4();
	len = (uint32_t)(w.n - at + 4);
	put(len, 4);
	patch32(at + 4, len);
	mark(w.end_packet[w.n_bounds]);
}

static void opt(uint16_t code, const void *val, uint16_t len)
{
	put(code, 2);
	put(len, 2);
	put_bytes(val, len);
	pad4();
}

static void opt_u8(uint16_t code, uint8_t v)
{
	opt(code, &v, 1);
}

static void opt_end(void)
{
	put(0, 4);
}

static void shb(bool be)
{
	size_t at;

	w.be = be;
	at = blk_begin(0x0a0d0d0a);
	put(0x1a2b3c4d, 4);
	put(1, 2);
	put(0, 2);
	put(UINT64_MAX, 8); /* section length unknown */
	opt(4, "spotter-test", 12); /* shb_userappl */
	opt_end();
	blk_end(at);
}

/* An IDB; tsresol < 0 leaves the default, tsoffset 0 leaves it out. */
static void idb(uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
	size_t at = blk_begin(1);
	uint8_t off[8];

	put(linktype, 2);
	put(0, 2);
	put(snaplen, 4);
	opt(2, "eth0", 4); /* if_name */
	if (tsresol >= 0)
		opt_u8(9, (uint8_t)tsresol);
	if (tsoffset) {
		size_t n = w.n;

		put((uint64_t)tsoffset, 8);
		memcpy(off, w.b + n, 8);
		w.n = n;
		opt(14, off, 8);
	}
	opt(2988, "\0\0\x7f\xffxyz", 7); /* custom option: PEN + data */
	opt_end();
	blk_end(at);
}

/* An EPB (type 6) or obsolete PB (type 2) with caplen data bytes. */
static size_t pkt_block(uint32_t type, uint32_t ifid, uint64_t ts, uint32_t caplen,
			uint32_t wirelen)
{
	size_t at = blk_begin(type), off;

	if (type == 6) {
		put(ifid, 4);
	} else {
		put(ifid, 2);
		put(0, 2); /* drops */
	}
	put(ts >> 32, 4);
	put(ts & 0xffffffffu, 4);
	put(caplen, 4);
	put(wirelen, 4);
	off = put_data(caplen);
	pad4();
	opt(1, "hi", 2);			/* opt_comment */
	opt(2989, "\0\0\x7f\xff\x01\x02\x03\x04\x05", 9); /* custom, not copyable */
	opt_end();
	blk_end(at);
	return off;
}

static size_t spb(uint32_t wirelen, uint32_t datalen)
{
	size_t at = blk_begin(3), off;

	put(wirelen, 4);
	off = put_data(datalen);
	blk_end(at);
	return off;
}

static void other_block(uint32_t type, uint32_t body)
{
	size_t at = blk_begin(type);

	put_data(body);
	blk_end(at);
}

static void write_len(size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, w.b, len) == (ssize_t)len);
	close(fd);
}

static void write_file(void)
{
	write_len(w.n);
}

/* ---- reading them back ----------------------------------------------------- */

static struct capture_file *open_ok(bool preload)
{
	struct capture_file *cf = NULL;
	char err[512] = "";

	CU_ASSERT_EQUAL_FATAL(capture_file_open(path, preload, &cf, err, sizeof err), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cf);
	CU_ASSERT_STRING_EQUAL(err, "");
	return cf;
}

/* Opening fails with ret and exactly the message fmt (a format taking the path). */
static void open_fails(const char *p, int ret, const char *msg)
{
	struct capture_file *cf = (struct capture_file *)1;
	char err[512] = "", expect[1024];

	CU_ASSERT_EQUAL(capture_file_open(p, false, &cf, err, sizeof err), ret);
	CU_ASSERT_PTR_NULL(cf);
	snprintf(expect, sizeof expect, "%s: %s", p, msg);
	CU_ASSERT_STRING_EQUAL(err, expect);
}

/* Reads every wanted packet, checking each field and that data points into
 * the file at the right offset (zero copy), then expects status `end`. */
static void read_all(bool preload, enum capture_status end)
{
	struct capture_file *cf = open_ok(preload);
	const uint8_t *base = NULL;
	struct packet p;

	CU_ASSERT_EQUAL(capture_file_size(cf), w.n);
	for (size_t i = 0; i < n_wants; i++) {
		const struct want *x = &wants[i];

		memset(&p, 0, sizeof p);
		CU_ASSERT_EQUAL_FATAL(capture_file_next(cf, &p), CAPTURE_PACKET);
		if (!base)
			base = p.data - x->off;
		CU_ASSERT_PTR_EQUAL(p.data, base + x->off);
		CU_ASSERT_EQUAL(memcmp(p.data, w.b + x->off, x->caplen), 0);
		CU_ASSERT_EQUAL(p.caplen, x->caplen);
		CU_ASSERT_EQUAL(p.wirelen, x->wirelen);
		CU_ASSERT_EQUAL(p.ts_ns, x->ts_ns);
		CU_ASSERT_EQUAL(p.linktype, x->linktype);
		CU_ASSERT_EQUAL(p.pcap_cnt, i + 1);
	}
	CU_ASSERT_EQUAL(capture_file_next(cf, &p), end);
	CU_ASSERT_EQUAL(capture_file_next(cf, &p), end); /* and again */
	if (end == CAPTURE_EOF)
		CU_ASSERT_STRING_EQUAL(capture_file_error(cf), "");
	capture_file_close(cf);
}

/* Reads up to the end; returns the status, the count in *n, the message in msg. */
static enum capture_status walk(struct capture_file *cf, uint64_t *n, char *msg, size_t len)
{
	enum capture_status st;
	struct packet p;

	*n = 0;
	while ((st = capture_file_next(cf, &p)) == CAPTURE_PACKET) {
		(*n)++;
		CU_ASSERT_EQUAL(p.pcap_cnt, *n);
	}
	snprintf(msg, len, "%s", capture_file_error(cf));
	return st;
}

/* Opens the file and expects status `st` with message `msg` (after path + ": ")
 * once `pkts` packets have been read. */
static void expect_end(uint64_t pkts, enum capture_status st, const char *msg)
{
	struct capture_file *cf = open_ok(false);
	char got[512], expect[1024];
	uint64_t n;

	CU_ASSERT_EQUAL(walk(cf, &n, got, sizeof got), st);
	CU_ASSERT_EQUAL(n, pkts);
	snprintf(expect, sizeof expect, "%s: %s", path, msg);
	CU_ASSERT_STRING_EQUAL(got, expect);
	capture_file_close(cf);
}

/* ---- pcap -------------------------------------------------------------------- */

static void build_pcap(bool be, bool nano, uint32_t network)
{
	uint32_t mul = nano ? 1 : 1000, frac = nano ? 123456789 : 123456;
	size_t off;

	reset(be);
	pcap_header(nano ? 0xa1b23c4d : 0xa1b2c3d4, 65535, network);
	off = pcap_record(1700000000, frac, 4, 60);
	want(off, 4, 60, 1700000000 * NS + (uint64_t)frac * mul, network & 0xffff);
	off = pcap_record(1700000001, 0, 0, 0); /* an empty record */
	want(off, 0, 0, 1700000001 * NS, network & 0xffff);
	off = pcap_record(UINT32_MAX, nano ? 999999999 : 999999, 7, 7);
	want(off, 7, 7, UINT32_MAX * NS + (nano ? 999999999 : 999999000), network & 0xffff);
}

static void test_pcap_formats(void)
{
	/* little/big endian x micro/nano; FCS bits above the link type masked */
	static const struct {
		bool be, nano;
		uint32_t network;
	} v[] = {
		{false, false, 1}, {false, true, 101}, {true, false, 0x14000001}, {true, true, 228},
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct capture_file *cf;

		build_pcap(v[i].be, v[i].nano, v[i].network);
		write_file();
		read_all(i % 2, CAPTURE_EOF); /* with and without preload */
		cf = open_ok(false);
		CU_ASSERT_STRING_EQUAL(capture_file_format(cf), "pcap");
		CU_ASSERT_EQUAL(capture_file_snaplen(cf), 65535);
		capture_file_close(cf);
	}
}

static void test_pcap_caplen_limits(void)
{
	size_t off;

	/* 256 KiB is allowed, one byte more is not; packets before are returned */
	reset(false);
	pcap_header(0xa1b2c3d4, 262144, 1);
	off = pcap_record(10, 20, 262144, 300000);
	want(off, 262144, 300000, 10 * NS + 20000, 1);
	pcap_record(11, 0, 262145, 262145);
	write_file();
	read_all(false, CAPTURE_BAD);
	expect_end(1, CAPTURE_BAD,
		   "at byte 262184 (packet 2): captured length 262145 is larger than the "
		   "maximum 262144");

	/* caplen larger than the wire length */
	reset(true);
	pcap_header(0xa1b2c3d4, 65535, 1);
	pcap_record(1, 0, 10, 9);
	write_file();
	expect_end(0, CAPTURE_BAD,
		   "at byte 24 (packet 1): captured length 10 is larger than the wire length 9");
}

static void test_pcap_version(void)
{
	reset(false);
	pcap_header(0xa1b2c3d4, 65535, 1);
	w.b[4] = 1; /* version 1.4 */
	write_file();
	open_fails(path, -EINVAL, "unsupported pcap version 1.4");
}

/* ---- pcapng ------------------------------------------------------------------ */

static const uint64_t T_US = 1700000000123456ull;	     /* microseconds */
static const uint64_t T_NS = 1700000000123456789ull; /* nanoseconds */

/* Two sections of different byte order, interfaces with different link
 * types and resolutions, every packet block kind, skipped blocks. */
static void build_pcapng(bool be1)
{
	size_t off;

	reset(be1);
	shb(be1);
	idb(1, 6, 6, 0);	  /* if 0: Ethernet, µs (explicit), snaplen 6 */
	idb(101, 0, 9, 100); /* if 1: raw IP, ns, 100 s offset */
	off = pkt_block(6, 1, T_NS, 5, 5);
	want(off, 5, 5, T_NS + 100 * NS, 101);
	off = pkt_block(6, 0, T_US, 6, 1514);
	want(off, 6, 1514, T_US * 1000, 1);
	other_block(0x00000bad, 8); /* unknown type */
	other_block(5, 12);	    /* Interface Statistics Block */
	off = spb(10, 6);	    /* snaplen 6 of interface 0; time of the last packet */
	want(off, 6, 10, T_US * 1000, 1);
	off = pkt_block(2, 1, T_NS + 1, 3, 3); /* obsolete Packet Block */
	want(off, 3, 3, T_NS + 1 + 100 * NS, 101);

	shb(!be1);
	idb(228, 65535, 0x8a, 0);	   /* if 0: 2^-10 s */
	idb(229, 0, 12, 0);		   /* if 1: ps */
	idb(1, 0, 0x94, -1);		   /* if 2: 2^-20 s, -1 s offset */
	idb(1, 0, 0xa8, 0);		   /* if 3: 2^-40 s */
	idb(1, 0, -1, 0);		   /* if 4: default µs */
	off = pkt_block(6, 0, 5 * 1024 + 512, 2, 2);
	want(off, 2, 2, 5500000000ull, 228);
	off = pkt_block(6, 1, 1234567890123456789ull, 1, 1);
	want(off, 1, 1, 1234567890123456ull, 229);
	off = pkt_block(6, 2, 3ull << 20 | 1u << 19, 1, 1);
	want(off, 1, 1, 2500000000ull, 1);
	off = pkt_block(6, 3, 7ull << 40 | 1ull << 39 | 1, 1, 1);
	want(off, 1, 1, 7500000000ull, 1);
	off = pkt_block(6, 4, 42, 1, 1);
	want(off, 1, 1, 42000, 1);
}

static void test_pcapng_sections(void)
{
	struct capture_file *cf;
	struct packet p;

	for (int be = 0; be < 2; be++) {
		build_pcapng(be);
		write_file();
		read_all(be, CAPTURE_EOF);
		/* snaplen: of the first interface of the section being read */
		cf = open_ok(false);
		CU_ASSERT_STRING_EQUAL(capture_file_format(cf), "pcapng");
		CU_ASSERT_EQUAL(capture_file_snaplen(cf), 0);
		CU_ASSERT_EQUAL(capture_file_next(cf, &p), CAPTURE_PACKET);
		CU_ASSERT_EQUAL(capture_file_snaplen(cf), 6);
		for (int i = 0; i < 4; i++)
			CU_ASSERT_EQUAL(capture_file_next(cf, &p), CAPTURE_PACKET);
		CU_ASSERT_EQUAL(p.linktype, 228);
		CU_ASSERT_EQUAL(capture_file_snaplen(cf), 65535);
		capture_file_close(cf);
	}
}

/* Two sections, the first with one interface, for the error cases. */
static void build_pcapng_small(void)
{
	reset(false);
	shb(false);
	idb(1, 0, -1, 0);
	pkt_block(6, 0, 1, 4, 4);
}

/* Expects the walk to stop with CAPTURE_BAD at the block starting at `at`,
 * after `pkts` packets. */
static void expect_bad(size_t at, uint64_t pkts, const char *reason)
{
	char msg[512];

	snprintf(msg, sizeof msg, "at byte %zu (packet %" PRIu64 "): %s", at, pkts + 1, reason);
	expect_end(pkts, CAPTURE_BAD, msg);
}

static void test_pcapng_interfaces(void)
{
	size_t at;

	/* EPB naming an interface that was never defined */
	build_pcapng_small();
	at = w.n;
	pkt_block(6, 1, 1, 4, 4);
	write_file();
	expect_bad(at, 1, "packet block refers to interface 1, but the section defines 1");

	/* a new section forgets the interfaces of the previous one */
	build_pcapng_small();
	shb(true);
	at = w.n;
	pkt_block(2, 0, 1, 4, 4);
	write_file();
	expect_bad(at, 1, "packet block refers to interface 0, but the section defines 0");

	build_pcapng_small();
	shb(true);
	at = w.n;
	spb(4, 4);
	write_file();
	expect_bad(at, 1, "simple packet block in a section without interfaces");
}

static void test_pcapng_bad_blocks(void)
{
	size_t at;

	/* total length not a multiple of 4 */
	build_pcapng_small();
	at = w.n;
	other_block(0xbad, 4);
	patch32(at + 4, 21);
	write_file();
	expect_bad(at, 1, "block of type 0x00000bad has invalid total length 21");

	/* an EPB shorter than its fixed fields */
	build_pcapng_small();
	at = blk_begin(6);
	put_data(16);
	blk_end(at);
	write_file();
	expect_bad(at, 1, "block of type 0x00000006 has invalid total length 28");

	/* a length below any block's (8 would otherwise loop forever) */
	build_pcapng_small();
	at = w.n;
	put(0xbad, 4);
	put(8, 4);
	put(8, 4);
	write_file();
	expect_bad(at, 1, "block of type 0x00000bad has invalid total length 8");

	/* leading and trailing lengths differ */
	build_pcapng_small();
	at = w.n;
	other_block(0xbad, 8);
	patch32(w.n - 4, 24);
	write_file();
	expect_bad(at, 1, "block total length 20 differs from the trailing 24");

	/* EPB whose caplen does not fit its block (4 data + 28 option bytes) */
	build_pcapng_small();
	at = w.n;
	pkt_block(6, 0, 1, 4, 100);
	patch32(at + 20, 33);
	write_file();
	expect_bad(at, 1, "packet of 33 bytes in a block with room for 32");

	/* SPB whose computed length (no snaplen: the wire length) does not fit */
	build_pcapng_small();
	at = w.n;
	spb(9, 8);
	write_file();
	expect_bad(at, 1, "packet of 9 bytes in a block with room for 8");

	/* SPB with a wire length above the maximum and no snaplen */
	build_pcapng_small();
	at = w.n;
	spb(300000, 8);
	write_file();
	expect_bad(at, 1, "captured length 300000 is larger than the maximum 262144");

	/* EPB caplen above the maximum, and above the wire length */
	build_pcapng_small();
	at = w.n;
	pkt_block(6, 0, 1, 4, 4);
	patch32(at + 20, 262145);
	write_file();
	expect_bad(at, 1, "captured length 262145 is larger than the maximum 262144");
	build_pcapng_small();
	at = w.n;
	pkt_block(6, 0, 1, 4, 3);
	write_file();
	expect_bad(at, 1, "captured length 4 is larger than the wire length 3");

	/* a later section header with an unknown byte-order magic */
	build_pcapng_small();
	at = w.n;
	shb(false);
	patch32(at + 8, 0x11223344);
	write_file();
	expect_bad(at, 1, "section header block without a valid byte-order magic");

	/* a later section of an unknown major version */
	build_pcapng_small();
	at = w.n;
	shb(false);
	w.b[at + 12] = 2;
	write_file();
	expect_bad(at, 1, "unsupported pcapng version 2.0");
}

static void test_pcapng_too_many_interfaces(void)
{
	size_t at;

	reset(true);
	shb(true);
	for (int i = 0; i < 4096; i++) { /* minimal IDBs */
		put(1, 4);
		put(20, 4);
		put(1, 2);
		put(0, 2);
		put(0, 4);
		put(20, 4);
	}
	at = w.n;
	idb(1, 0, -1, 0);
	write_file();
	expect_bad(at, 0, "more than 4096 interfaces in one section");
}

static void test_pcapng_bad_options(void)
{
	static const struct {
		uint16_t code, len;
		uint8_t val;
		const char *msg;
	} v[] = {
		{9, 1, 20, "interface timestamp resolution 10^-20 is too fine"},
		{9, 1, 0x80 | 64, "interface timestamp resolution 2^-64 is too fine"},
		{9, 2, 6, "interface option 9 has length 2"},
		{14, 4, 0, "interface option 14 has length 4"},
		{2, 200, 0, "interface option 2 runs past the end of its block"},
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t val[8] = {v[i].val};
		size_t at;

		build_pcapng_small();
		at = blk_begin(1);
		put(1, 2);
		put(0, 2);
		put(0, 4);
		if (v[i].len <= 8) {
			opt(v[i].code, val, v[i].len);
		} else { /* the header only: its value would run past the block */
			put(v[i].code, 2);
			put(v[i].len, 2);
		}
		opt_end();
		blk_end(at);
		write_file();
		expect_bad(at, 1, v[i].msg);
	}
}

/* ---- open errors ---------------------------------------------------------- */

static void test_open_errors(void)
{
	char missing[400];

	reset(false);
	put_bytes("GIF89a", 6);
	put_data(26);
	write_file();
	open_fails(path, -EINVAL, "not a pcap or pcapng file");

	write_len(3); /* shorter than any magic */
	open_fails(path, -EINVAL, "not a pcap or pcapng file");

	write_len(0);
	open_fails(path, -EINVAL, "empty file");

	/* pcapng magic without its byte-order magic */
	build_pcapng_small();
	patch32(8, 0x12345678);
	write_file();
	open_fails(path, -EINVAL, "not a pcap or pcapng file");

	/* the first section of an unknown major version */
	build_pcapng_small();
	w.b[12] = 2;
	write_file();
	open_fails(path, -EINVAL, "at byte 0 (packet 1): unsupported pcapng version 2.0");

	open_fails(dirpath, -EISDIR, "Is a directory");
	open_fails("/dev/null", -EINVAL, "not a regular file");
	snprintf(missing, sizeof missing, "%s/missing.pcap", tmpdir);
	open_fails(missing, -ENOENT, "No such file or directory");

	capture_file_close(NULL);
}

/* ---- truncation at every byte ------------------------------------------------- */

/* Cuts the file built in w at every length and checks what a reader gets:
 * every complete packet, then EOF exactly at record boundaries and
 * TRUNCATED with a message naming the cut, the packet and the bytes
 * missing otherwise. Lengths shorter than the file header fail to open. */
static void cut_everywhere(bool ng)
{
	size_t full = w.n, hdr = w.bounds[0], min = ng ? 12 : 16;

	for (size_t len = 0; len <= full; len++) {
		char got[512], expect[1024], msg[256];
		size_t prev = 0, next = 0, pkts = 0, left, i;
		struct capture_file *cf;
		enum capture_status st;
		bool packet;
		uint64_t n;

		write_len(len);
		for (i = 0; i < w.n_pkts; i++)
			pkts += w.pkt_ends[i] <= len;
		for (i = 0; i < w.n_bounds && w.bounds[i] <= len; i++)
			prev = w.bounds[i];
		next = i < w.n_bounds ? w.bounds[i] : 0;

		if (len < hdr) {
			if (len == 0)
				snprintf(msg, sizeof msg, "empty file");
			else if (!ng || len < 12)
				snprintf(msg, sizeof msg, "not a pcap or pcapng file");
			else
				snprintf(msg, sizeof msg,
					 "capture cut off at byte %zu: the block before packet 1 "
					 "needs %zu bytes, only %zu remain",
					 len, hdr, len);
			open_fails(path, -EINVAL, msg);
			continue;
		}
		cf = open_ok(false);
		st = walk(cf, &n, got, sizeof got);
		capture_file_close(cf);
		CU_ASSERT_EQUAL(n, pkts);
		if (len == prev) {
			CU_ASSERT_EQUAL(st, CAPTURE_EOF);
			CU_ASSERT_STRING_EQUAL(got, "");
			continue;
		}
		CU_ASSERT_EQUAL(st, CAPTURE_TRUNCATED);
		/* cut inside the record ending at bounds[i]; a pcapng block is known
		 * to be a packet once its type is there */
		left = len - prev;
		packet = !ng || (left >= 4 && w.end_packet[i]);

		snprintf(expect, sizeof expect,
			 "%s: capture cut off at byte %zu: %s %zu needs %s%zu bytes, only %zu remain",
			 path, len, packet ? "packet" : "the block before packet", pkts + 1,
			 left < min ? "at least " : "", left < min ? min : next - prev, left);
		CU_ASSERT_STRING_EQUAL(got, expect);
	}
}

static void test_truncation_pcap(void)
{
	build_pcap(false, false, 1);
	cut_everywhere(false);
	build_pcap(true, true, 1);
	cut_everywhere(false);
}

static void test_truncation_pcapng(void)
{
	build_pcapng(false);
	cut_everywhere(true);
	build_pcapng(true);
	cut_everywhere(true);
}

/* ---- random input ---------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Reads the file in w; the first packet's data is at first_off. Every
 * packet must lie inside the file, and the walk must end. */
static void walk_random(size_t first_off)
{
	struct capture_file *cf = open_ok(false);
	const uint8_t *base = NULL;
	enum capture_status st;
	struct packet p;
	uint64_t n = 0;

	while ((st = capture_file_next(cf, &p)) == CAPTURE_PACKET) {
		if (!base)
			base = p.data - first_off;
		CU_ASSERT_FATAL(p.data >= base && p.data + p.caplen <= base + w.n);
		CU_ASSERT_FATAL(++n <= w.n / 12);
	}
	CU_ASSERT(st == CAPTURE_EOF || st == CAPTURE_TRUNCATED || st == CAPTURE_BAD);
	CU_ASSERT_EQUAL(capture_file_error(cf)[0] != '\0', st != CAPTURE_EOF);
	capture_file_close(cf);
}

static void test_random_tail(void)
{
	for (int iter = 0; iter < 1500; iter++) {
		bool ng = iter % 2;
		size_t first, tail = rnd() % 400;

		reset(rnd() & 1);
		if (ng) {
			shb(w.be);
			idb(1, rnd() % 3 ? 0 : 64, -1, 0);
			first = pkt_block(6, 0, 1, 4, 4);
		} else {
			pcap_header(0xa1b2c3d4, 65535, 1);
			first = pcap_record(1, 1, 4, 4);
		}
		/* random words, with plausible small lengths and types now and then */
		for (size_t i = 0; i < tail / 4; i++) {
			uint32_t r = rnd();

			if (r % 4 == 0)
				put(r >> 8 & 0xfc, 4);
			else if (r % 4 == 1)
				put((uint32_t[]){1, 2, 3, 6, 0x0a0d0d0a, 0x1a2b3c4d}[(r >> 8) % 6], 4);
			else
				put(rnd(), 4);
		}
		put(rnd(), tail % 4);
		write_file();
		walk_random(first);
	}
}

static void test_random_mutation(void)
{
	size_t first;

	for (int iter = 0; iter < 1500; iter++) {
		build_pcapng(iter % 2);
		first = wants[0].off;
		/* keep the first packet (and what precedes it) intact */
		for (int k = 0, muts = 1 + rnd() % 4; k < muts; k++) {
			size_t at = first + wants[0].caplen + rnd() % (w.n - first - wants[0].caplen);

			w.b[at] = rnd() % 3 ? (uint8_t)rnd() : (uint8_t)(w.b[at] ^ 0x80);
		}
		if (rnd() % 4 == 0)
			w.n -= rnd() % (w.n - first - wants[0].caplen);
		write_file();
		walk_random(first);
	}
}

/* ---- third-party captures (only with CORPUS set) ------------------------- */

static void test_corpus(void)
{
	/* Packet counts and link types as capinfos reports them (MANIFEST.md). */
	static const struct {
		const char *file, *format;
		uint64_t packets;
		uint32_t linktype;
	} v[] = {
		{"ics/iti/hart/hart_ip.pcap", "pcapng", 116, 1},
		{"ics/opcua/open62541_client-server-getEndpoints.pcap", "pcapng", 22, 0},
		{"ics/opcua/open62541_client-server_encrypted.pcap", "pcapng", 56, 0},
		{"ics/iti/s7/wincc_s400_production.pcapng", "pcap", 1658, 1},
		{"ics/iti/modbus/ModbusTCP.pcap", "pcap", 15387, 1},
		{"ics/iti/enip/EthernetIP-CIP.pcap", "pcap", 10880, 1},
		{"ics/opcua/open62541_read_service_test_data.pcap", "pcap", 385, 0},
		{"protocols/tcpdump/ppp_ip_udp_dns.pcap", "pcap", 1, 50},
		{"suricata-verify/bug-5758/input.pcap", "pcap", 41, 101},
		{"suricata-verify/bug-6887-defrag-ipv6-tcp/frag-ip-tcp.pcap", "pcap", 3, 229},
		{"protocols/zeek/http-methods.pcap", "pcap", 655, 1},
	};
	const char *corpus = getenv("CORPUS");

	if (!corpus || !*corpus) {
		fprintf(stderr, "(CORPUS not set: corpus captures skipped) ");
		return;
	}
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct capture_file *cf = NULL;
		char file[1024], err[512];
		enum capture_status st;
		struct packet p;
		uint64_t n = 0;

		snprintf(file, sizeof file, "%s/%s", corpus, v[i].file);
		if (access(file, R_OK) != 0) {
			fprintf(stderr, "(%s absent: skipped) ", v[i].file);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(capture_file_open(file, false, &cf, err, sizeof err), 0);
		CU_ASSERT_STRING_EQUAL(capture_file_format(cf), v[i].format);
		while ((st = capture_file_next(cf, &p)) == CAPTURE_PACKET) {
			n++;
			CU_ASSERT_EQUAL(p.linktype, v[i].linktype);
		}
		CU_ASSERT_EQUAL(st, CAPTURE_EOF);
		CU_ASSERT_EQUAL(n, v[i].packets);
		capture_file_close(cf);
	}
}

/* ---- runner ---------------------------------------------------------------- */

static int suite_init(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof tmpdir, "%s/spotter-capture-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof path, "%s/cap", tmpdir);
	snprintf(dirpath, sizeof dirpath, "%s/dir", tmpdir);
	return mkdir(dirpath, 0700);
}

static int suite_clean(void)
{
	unlink(path);
	rmdir(dirpath);
	return rmdir(tmpdir);
}

static CU_TestInfo tests[] = {
	{"pcap byte orders and resolutions", test_pcap_formats},
	{"pcap caplen limits", test_pcap_caplen_limits},
	{"pcap version", test_pcap_version},
	{"pcapng sections and interfaces", test_pcapng_sections},
	{"pcapng undefined interfaces", test_pcapng_interfaces},
	{"pcapng malformed blocks", test_pcapng_bad_blocks},
	{"pcapng malformed options", test_pcapng_bad_options},
	{"pcapng interface limit", test_pcapng_too_many_interfaces},
	{"open errors", test_open_errors},
	{"pcap cut at every byte", test_truncation_pcap},
	{"pcapng cut at every byte", test_truncation_pcapng},
	{"random tail", test_random_tail},
	{"random mutation", test_random_mutation},
	{"corpus captures", test_corpus},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"capture_file", suite_init, suite_clean, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
