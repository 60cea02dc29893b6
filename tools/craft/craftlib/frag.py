"""IPv4 and IPv6 fragmentation with explicit pieces.

fragments(pkt, pieces) cuts the fragmentable part of a scapy IPv4 or IPv6
packet (everything after the IP header: transport header and payload) into
`pieces`, a list of (offset, length) or (offset, length, data) in bytes.
Offsets of all but the final piece must be multiples of 8. A piece with
`data` carries those bytes instead of the packet's own (an overlap with
different content). The More-Fragments flag is set on every piece that does
not reach the end of the datagram. `order` gives the emission order.
"""

from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment
from scapy.packet import Raw


def fragments(pkt, pieces, order=None, ident=None):
    raw = bytes(pkt)  # checksums and lengths computed on the whole datagram
    if raw[0] >> 4 == 4:
        hl = (raw[0] & 0x0F) * 4
        hdr = IP(raw[:hl])
        body = raw[hl:]
        proto = hdr.proto
        ident = hdr.id if ident is None else ident
    else:
        hdr = IPv6(raw[:40])
        body = raw[40:]
        proto = hdr.nh
        ident = 0x5A5A0001 if ident is None else ident
    out = []
    for p in pieces:
        off, length = p[0], p[1]
        data = p[2] if len(p) > 2 else body[off:off + length]
        if len(data) != length:
            raise ValueError("piece (%d, %d) has %d bytes" % (off, length, len(data)))
        more = off + length < len(body)
        if more and off % 8:
            raise ValueError("fragment offset %d is not a multiple of 8" % off)
        if off % 8:
            raise ValueError("fragment offset %d is not a multiple of 8" % off)
        if raw[0] >> 4 == 4:
            f = IP(src=hdr.src, dst=hdr.dst, ttl=hdr.ttl, id=ident, proto=proto,
                   flags="MF" if more else 0, frag=off // 8) / Raw(data)
        else:
            f = (IPv6(src=hdr.src, dst=hdr.dst, hlim=hdr.hlim, nh=44)
                 / IPv6ExtHdrFragment(nh=proto, offset=off // 8, m=1 if more else 0, id=ident)
                 / Raw(data))
        out.append(bytes(f))
    if order is not None:
        out = [out[i] for i in order]
    return out
