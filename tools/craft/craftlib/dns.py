"""DNS messages (RFC 1035 wire format) as bytes.

query() builds a standard query; response() answers it, repeating the
question and pointing answer owner names at it (compression pointer 0xC00C),
as resolvers do. tcp() adds the 2-byte length prefix of DNS over TCP.
"""

import ipaddress
import struct

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}


def name(n):
    """Encodes a dotted name (trailing dot optional) as labels."""
    out = b""
    for label in n.rstrip(".").split("."):
        lb = label.encode()
        if not 0 < len(lb) < 64:
            raise ValueError("bad label in %r" % n)
        out += bytes([len(lb)]) + lb
    return out + b"\0"


def _q(n, qtype):
    return name(n) + struct.pack(">HH", TYPES[qtype], 1)


def query(qname, qtype="A", txid=0x1234, rd=True, more=()):
    """A query for qname; `more` adds further (name, type) questions."""
    qs = [(qname, qtype)] + list(more)
    flags = 0x0100 if rd else 0
    return struct.pack(">HHHHHH", txid, flags, len(qs), 0, 0, 0) + b"".join(_q(n, t) for n, t in qs)


def _rdata(rtype, value):
    if rtype == "A":
        return ipaddress.IPv4Address(value).packed
    if rtype == "AAAA":
        return ipaddress.IPv6Address(value).packed
    if rtype in ("CNAME", "NS", "PTR"):
        return name(value)
    if rtype == "TXT":
        v = value.encode()
        return bytes([len(v)]) + v
    raise ValueError(rtype)


def response(qname, qtype="A", txid=0x1234, answers=(), ttl=300, rcode=0):
    """answers: list of (type, value) or (owner, type, value). An owner equal
    to qname (or omitted) is written as a pointer to the question."""
    rrs = b""
    for a in answers:
        owner, rtype, value = (qname,) + tuple(a) if len(a) == 2 else a
        own = b"\xc0\x0c" if owner == qname else name(owner)
        rd = _rdata(rtype, value)
        rrs += own + struct.pack(">HHIH", TYPES[rtype], 1, ttl, len(rd)) + rd
    flags = 0x8180 | rcode
    return struct.pack(">HHHHHH", txid, flags, 1, len(answers), 0, 0) + _q(qname, qtype) + rrs


def tcp(msg):
    return struct.pack(">H", len(msg)) + msg
