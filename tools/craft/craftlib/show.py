"""Human-readable listing of a capture (what tshark -r would show, roughly),
and a first-wins reassembly of each TCP direction, for checking crafted
captures and deriving expectations from third-party ones."""

import datetime

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment
from scapy.layers.l2 import CookedLinux, CookedLinuxV2, Dot1AD, Dot1Q, Ether

from . import pcapio


def _ts(ns):
    dt = datetime.datetime.fromtimestamp(ns // 1_000_000_000, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%06d" % ((ns // 1000) % 1_000_000)


def decode(linktype, frame):
    """Returns (vlans, l3 scapy packet or None)."""
    vlans = []
    if linktype == 1:
        p = Ether(frame)
        q = p.payload
        while isinstance(q, (Dot1Q, Dot1AD)):
            vlans.append(q.vlan)
            q = q.payload
    elif linktype == 113:
        q = CookedLinux(frame).payload
    elif linktype == 276:
        q = CookedLinuxV2(frame).payload
    elif linktype in (101, 228, 229):
        q = IP(frame) if frame and frame[0] >> 4 == 4 else IPv6(frame)
    else:
        return vlans, None
    if isinstance(q, (IP, IPv6)):
        return vlans, q
    return vlans, None


def describe(l3):
    if l3 is None:
        return "non-IP", b""
    src, dst = l3.src, l3.dst
    info = ""
    if isinstance(l3, IP):
        if l3.flags.MF or l3.frag:
            return ("IPv4 %s > %s frag id=%d off=%d len=%d%s" % (
                src, dst, l3.id, l3.frag * 8, len(bytes(l3.payload)), " MF" if l3.flags.MF else ""),
                b"")
    fh = l3.getlayer(IPv6ExtHdrFragment)
    if fh is not None:
        return ("IPv6 %s > %s frag id=%#x off=%d len=%d%s" % (
            src, dst, fh.id, fh.offset * 8, len(bytes(fh.payload)), " M" if fh.m else ""), b"")
    t = l3.getlayer(TCP)
    if t is not None:
        data = bytes(t.payload)
        return ("TCP %s:%d > %s:%d %s seq=%d ack=%d len=%d" % (
            src, t.sport, dst, t.dport, t.sprintf("%flags%"), t.seq, t.ack, len(data))), data
    u = l3.getlayer(UDP)
    if u is not None:
        data = bytes(u.payload)
        return "UDP %s:%d > %s:%d len=%d" % (src, u.sport, dst, u.dport, len(data)), data
    i = l3.getlayer(ICMP)
    if i is not None:
        data = bytes(i.payload)
        return "ICMP %s > %s type=%d code=%d len=%d" % (src, dst, i.type, i.code, len(data)), data
    if isinstance(l3, IPv6) and l3.nh == 58 or l3.haslayer("ICMPv6EchoRequest") or l3.haslayer("ICMPv6EchoReply"):
        pl = bytes(l3.payload)
        return "ICMPv6 %s > %s type=%d len=%d" % (src, dst, pl[0] if pl else -1, len(pl) - 8), pl[8:]
    return "IP %s > %s proto=%s" % (src, dst, getattr(l3, "proto", getattr(l3, "nh", "?"))), b""


def show(path, out, payload_bytes=64, streams=False):
    fmt, recs, note = pcapio.read_capture(path)
    lts = sorted({r[1] for r in recs})
    out.write("%s: %s, link type(s) %s, %d packets%s\n" % (
        path, fmt, ",".join(map(str, lts)), len(recs), "" if note is None else " (" + note + ")"))
    flows = {}
    for n, (ts, lt, frame) in enumerate(recs, 1):
        vlans, l3 = decode(lt, frame)
        desc, data = describe(l3)
        v = " vlan=%s" % ",".join(map(str, vlans)) if vlans else ""
        out.write("%4d %s%s %s\n" % (n, _ts(ts), v, desc))
        if data and payload_bytes:
            out.write("       %r\n" % data[:payload_bytes])
        if streams and l3 is not None and l3.getlayer(TCP) is not None:
            t = l3.getlayer(TCP)
            key = (tuple(vlans), l3.src, t.sport, l3.dst, t.dport)
            d = flows.setdefault(key, {"isn": None, "segs": []})
            if t.flags.S:
                d["isn"] = t.seq
            elif bytes(t.payload):
                d["segs"].append((t.seq, bytes(t.payload)))
    if streams:
        for key, d in flows.items():
            if not d["segs"]:
                continue
            base = d["isn"] + 1 if d["isn"] is not None else min(s for s, _ in d["segs"])
            buf = {}
            for seq, data in d["segs"]:
                off = (seq - base) & 0xFFFFFFFF
                for i, b in enumerate(data):
                    buf.setdefault(off + i, b)
            end = max(buf) + 1
            stream = bytes(buf.get(i, 0) for i in range(end))
            holes = end - len(buf)
            out.write("stream %s %s:%d > %s:%d: %d bytes%s\n" % (
                key[0] or "", key[1], key[2], key[3], key[4], end,
                " (%d bytes missing)" % holes if holes else ""))
            out.write("   %r\n" % stream[:4096])
