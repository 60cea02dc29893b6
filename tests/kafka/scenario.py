"""Captures for the Kafka end-to-end suite (tests/kafka/run.sh), built with
tools/craft: `craft.py build tests/kafka/scenario.py OUT`.

  spread.pcap  2,000 UDP flows evenly over 20 s of capture time (one every
               10 ms), each to one of the eight indicator addresses of
               tests/kafka/kafka.rules (198.51.100.1-8): 2,000 alerts; every
               50th flow sends three datagrams, so 40 of them also end with a
               sighting update (a repeat count) at the end of the capture
  burst.pcap   6,000 such flows 100 us apart (0.6 s): many records at once
  empty.pcap   a valid pcap with no packets

Packets are assembled by hand (IPv4 + UDP, checksums computed) rather than
with scapy: thousands of flows build in well under a second.
"""
import pathlib
import struct
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

PAYLOAD = b"spotter kafka end-to-end test datagram " + bytes(range(24))


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _addr(a):
    return bytes(int(x) for x in a.split("."))


def udp4(ipid, src, sport, dst, dport, payload):
    s, d = _addr(src), _addr(dst)
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = _csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ipid, 0, 64, 17, 0, s, d)
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return ip + udp


def flows(cap, n, gap):
    """n flows, one every `gap` seconds of capture time."""
    step = cap.step_ns / 1e9
    for i in range(n):
        src = "10.50.%d.%d" % (i // 250, i % 250 + 1)
        dst = "198.51.100.%d" % (i % 8 + 1)
        sport = 20000 + i
        repeats = 3 if i % 50 == 49 else 1
        for _ in range(repeats):
            cap.emit(udp4(cap.ip_id(src), src, sport, dst, 5353, PAYLOAD), src, dst)
        cap.wait(max(gap - repeats * step, 0))


def build(out):
    cap = Capture()
    flows(cap, 2000, 0.010)
    cap.write(out / "spread.pcap")

    cap = Capture()
    flows(cap, 6000, 0.0)
    cap.write(out / "burst.pcap")

    Capture().write(out / "empty.pcap")
