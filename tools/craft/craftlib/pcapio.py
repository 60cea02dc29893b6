"""pcap / pcapng writing and reading, without scapy.

Writers take a list of (ts_ns, frame_bytes) records and produce byte-exact,
deterministic files: classic pcap in either byte order with micro- or
nanosecond timestamps, or pcapng (one section, one interface, EPBs).
A file can be cut inside a record to test readers against truncation.

read_capture() is the inverse, used by `craft.py show` and by tests to check
what was written (and to look into third-party captures).
"""

import struct

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_IDB = 0x00000001
PCAPNG_EPB = 0x00000006
PCAPNG_SPB = 0x00000003
PCAPNG_BOM = 0x1A2B3C4D

SNAPLEN = 262144


def pcap_bytes(records, linktype, nanos=False, big_endian=False, cut=None):
    """Classic pcap. cut=(index, keep): records before `index` are whole,
    record `index` keeps only its first `keep` bytes (16-byte header
    included), nothing after it."""
    e = ">" if big_endian else "<"
    out = bytearray(struct.pack(e + "IHHiIII", PCAP_MAGIC_NS if nanos else PCAP_MAGIC_US,
                                2, 4, 0, 0, SNAPLEN, linktype))
    for i, (ts_ns, frame) in enumerate(records):
        sec, frac = divmod(ts_ns, 1_000_000_000)
        if not nanos:
            frac //= 1000
        rec = struct.pack(e + "IIII", sec, frac, len(frame), len(frame)) + frame
        if cut is not None and i == cut[0]:
            out += rec[:cut[1]]
            break
        out += rec
    return bytes(out)


def _pad4(b):
    return b + b"\0" * (-len(b) % 4)


def _block(btype, body, e):
    body = _pad4(body)
    total = len(body) + 12
    return struct.pack(e + "II", btype, total) + body + struct.pack(e + "I", total)


def pcapng_bytes(records, linktype, nanos=False, big_endian=False, cut=None):
    """pcapng: SHB, one IDB (if_tsresol 6 or 9), one EPB per record.
    cut=(index, keep) cuts EPB number `index` after `keep` bytes."""
    e = ">" if big_endian else "<"
    shb = struct.pack(e + "IHHq", PCAPNG_BOM, 1, 0, -1)
    out = bytearray(_block(PCAPNG_SHB, shb, e))
    # if_tsresol option (code 9, length 1) then opt_endofopt
    opts = struct.pack(e + "HH", 9, 1) + bytes([9 if nanos else 6]) + b"\0\0\0"
    opts += struct.pack(e + "HH", 0, 0)
    out += _block(PCAPNG_IDB, struct.pack(e + "HHI", linktype, 0, SNAPLEN) + opts, e)
    for i, (ts_ns, frame) in enumerate(records):
        ts = ts_ns if nanos else ts_ns // 1000
        body = struct.pack(e + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + frame
        blk = _block(PCAPNG_EPB, body, e)
        if cut is not None and i == cut[0]:
            out += blk[:cut[1]]
            break
        out += blk
    return bytes(out)


class CaptureFormatError(Exception):
    pass


def read_capture(path):
    """Returns (format, [(ts_ns, linktype, frame_bytes)], trailing_note).
    trailing_note is None for a clean end, else a description of the cut."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        raise CaptureFormatError("%s: too short to be a capture" % path)
    magic_le = struct.unpack("<I", data[:4])[0]
    magic_be = struct.unpack(">I", data[:4])[0]
    if magic_le in (PCAP_MAGIC_US, PCAP_MAGIC_NS) or magic_be in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        return _read_pcap(data)
    if magic_le == PCAPNG_SHB:
        return _read_pcapng(data)
    raise CaptureFormatError("%s: not a pcap or pcapng file" % path)


def _read_pcap(data):
    e = "<" if struct.unpack("<I", data[:4])[0] in (PCAP_MAGIC_US, PCAP_MAGIC_NS) else ">"
    magic, _, _, _, _, _, linktype = struct.unpack(e + "IHHiIII", data[:24])
    mult = 1 if magic == PCAP_MAGIC_NS else 1000
    pos, recs = 24, []
    while pos < len(data):
        if pos + 16 > len(data):
            return "pcap", recs, "cut inside the header of record %d" % (len(recs) + 1)
        sec, frac, incl, _orig = struct.unpack(e + "IIII", data[pos:pos + 16])
        if pos + 16 + incl > len(data):
            return "pcap", recs, "cut inside the data of record %d" % (len(recs) + 1)
        recs.append((sec * 1_000_000_000 + frac * mult, linktype, data[pos + 16:pos + 16 + incl]))
        pos += 16 + incl
    return "pcap", recs, None


def _read_pcapng(data):
    pos, recs, ifaces, e = 0, [], [], "<"
    while pos < len(data):
        if pos + 12 > len(data):
            return "pcapng", recs, "cut inside a block header"
        btype = struct.unpack(e + "I", data[pos:pos + 4])[0]
        if btype == PCAPNG_SHB:
            bom = data[pos + 8:pos + 12]
            e = "<" if struct.unpack("<I", bom)[0] == PCAPNG_BOM else ">"
            ifaces = []
        total = struct.unpack(e + "I", data[pos + 4:pos + 8])[0]
        if total < 12 or pos + total > len(data):
            return "pcapng", recs, "cut inside block %d" % (len(recs) + 1)
        body = data[pos + 8:pos + total - 4]
        if btype == PCAPNG_IDB:
            linktype = struct.unpack(e + "H", body[:2])[0]
            res = 6
            o = 8
            while o + 4 <= len(body):
                code, olen = struct.unpack(e + "HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 9 and olen >= 1:
                    res = body[o + 4]
                o += 4 + olen + (-olen % 4)
            ifaces.append((linktype, res))
        elif btype == PCAPNG_EPB:
            ifid, hi, lo, cap, _orig = struct.unpack(e + "IIIII", body[:20])
            linktype, res = ifaces[ifid]
            ts = (hi << 32) | lo
            if res & 0x80:
                ts_ns = ts * 1_000_000_000 // (2 ** (res & 0x7F))
            else:
                ts_ns = ts * 10 ** 9 // 10 ** res
            recs.append((ts_ns, linktype, body[20:20 + cap]))
        elif btype == PCAPNG_SPB:
            linktype, _ = ifaces[0]
            orig = struct.unpack(e + "I", body[:4])[0]
            recs.append((0, linktype, body[4:4 + orig]))
        pos += total
    return "pcapng", recs, None
