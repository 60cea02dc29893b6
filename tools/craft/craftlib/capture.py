"""Capture: an ordered list of packets with a deterministic clock.

Everything a scenario emits goes through Capture.emit(): the L3 packet (IPv4
or IPv6 bytes), who sends it, its VLAN tags. The link layer is added only
when the capture is written, so one scenario can be written as Ethernet,
Linux SLL, SLL2 or raw IP (same traffic, several link types).

Determinism: the clock starts at a fixed instant and advances by a fixed
step per packet (wait() adds pauses); IPv4 ids count up per source address
from a fixed start; TCP ISNs are fixed (see tcp.Session). Nothing random.
"""

import calendar
import os
import time as _time

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest, IPv6
from scapy.packet import Raw

from . import frag as _frag
from . import link, pcapio
from .tcp import Session

DEFAULT_START = "2026-11-22T18:50:30"


def is_v6(addr):
    return ":" in addr


def _epoch_ns(start):
    if isinstance(start, (int, float)):
        return int(start * 1_000_000_000)
    frac = 0
    if "." in start:
        start, f = start.split(".", 1)
        frac = int((f + "000000000")[:9])
    t = calendar.timegm(_time.strptime(start, "%Y-%m-%dT%H:%M:%S"))
    return t * 1_000_000_000 + frac


class Record:
    __slots__ = ("ts_ns", "l3", "src_mac", "dst_mac", "vlans", "outgoing")

    def __init__(self, ts_ns, l3, src_mac, dst_mac, vlans, outgoing):
        self.ts_ns, self.l3, self.src_mac, self.dst_mac = ts_ns, l3, src_mac, dst_mac
        self.vlans, self.outgoing = tuple(vlans), outgoing


class Capture:
    """start: "YYYY-MM-DDTHH:MM:SS[.frac]" (UTC) or epoch seconds.
    step: seconds between consecutive packets (default 100 us)."""

    def __init__(self, start=DEFAULT_START, step=0.0001):
        self.now_ns = _epoch_ns(start)
        self.step_ns = int(round(step * 1_000_000_000))
        self.records = []
        self._ipid = {}

    # ---- clock -----------------------------------------------------------
    def wait(self, seconds):
        self.now_ns += int(round(seconds * 1_000_000_000))
        return self

    def ip_id(self, src):
        n = self._ipid.get(src, 0x1000)
        self._ipid[src] = (n + 1) & 0xFFFF
        return n

    # ---- raw emission ----------------------------------------------------
    def emit(self, l3, src, dst, vlans=(), outgoing=False, src_mac=None, dst_mac=None):
        """Appends one L3 packet (bytes or a scapy packet) at the current time."""
        if not isinstance(l3, (bytes, bytearray)):
            l3 = bytes(l3)
        self.records.append(Record(self.now_ns, bytes(l3), src_mac or link.mac_of(src),
                                   dst_mac or link.mac_of(dst), vlans, outgoing))
        self.now_ns += self.step_ns
        return self

    def ip_header(self, src, dst, ttl=64, **kw):
        """A scapy IPv4 or IPv6 header for src -> dst (deterministic id)."""
        if is_v6(src):
            return IPv6(src=src, dst=dst, hlim=ttl, **kw)
        return IP(src=src, dst=dst, ttl=ttl, id=self.ip_id(src), **kw)

    # ---- flows -----------------------------------------------------------
    def tcp(self, client, cport, server, sport, **kw):
        """A TCP session (see tcp.Session); nothing is sent until asked."""
        return Session(self, client, cport, server, sport, **kw)

    def udp(self, src, sport, dst, dport, payload=b"", vlans=(), ttl=64, outgoing=False):
        pkt = self.ip_header(src, dst, ttl) / UDP(sport=sport, dport=dport) / Raw(payload)
        return self.emit(pkt, src, dst, vlans, outgoing)

    def udp_datagram(self, src, sport, dst, dport, payload, ttl=64):
        """The scapy packet of a UDP datagram, not emitted (for fragment())."""
        return self.ip_header(src, dst, ttl) / UDP(sport=sport, dport=dport) / Raw(payload)

    def icmp_echo(self, src, dst, payload=b"", ident=0x4242, seq=1, reply=False, vlans=(), ttl=64):
        """ICMP (IPv4) or ICMPv6 echo request, or reply with reply=True."""
        if is_v6(src):
            cls = ICMPv6EchoReply if reply else ICMPv6EchoRequest
            pkt = self.ip_header(src, dst, ttl) / cls(id=ident, seq=seq, data=payload)
        else:
            pkt = self.ip_header(src, dst, ttl) / ICMP(type=0 if reply else 8, id=ident, seq=seq) / Raw(payload)
        return self.emit(pkt, src, dst, vlans)

    def fragment(self, pkt, pieces, order=None, vlans=(), ident=None):
        """Emits IP fragments of scapy packet `pkt` (see frag.fragments)."""
        src, dst = pkt.src, pkt.dst
        for l3 in _frag.fragments(pkt, pieces, order=order, ident=ident):
            self.emit(l3, src, dst, vlans)
        return self

    # ---- output ----------------------------------------------------------
    def frames(self, linktype="ether"):
        return [(r.ts_ns, link.frame(linktype, r.l3, r.src_mac, r.dst_mac, r.vlans, r.outgoing))
                for r in self.records]

    def to_bytes(self, linktype="ether", fmt="pcap", nanos=False, big_endian=False, cut=None):
        recs = self.frames(linktype)
        lt = link.LINKTYPES[linktype]
        if fmt == "pcap":
            return pcapio.pcap_bytes(recs, lt, nanos=nanos, big_endian=big_endian, cut=cut)
        if fmt == "pcapng":
            return pcapio.pcapng_bytes(recs, lt, nanos=nanos, big_endian=big_endian, cut=cut)
        raise ValueError("unknown format %r" % fmt)

    def write(self, path, linktype="ether", fmt=None, nanos=False, big_endian=False, cut=None):
        """Writes the capture. fmt defaults from the extension (.pcapng or pcap).
        cut=(index, keep) cuts the file inside record `index` (0-based) after
        `keep` bytes of it (record header included)."""
        path = os.fspath(path)
        if fmt is None:
            fmt = "pcapng" if path.endswith(".pcapng") else "pcap"
        data = self.to_bytes(linktype, fmt, nanos, big_endian, cut)
        d = os.path.dirname(path)
        if d:
            os.makedirs(d, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def __len__(self):
        return len(self.records)
