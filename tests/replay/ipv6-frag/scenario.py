"""ipv6-frag: see README. 2001:db8:6::1 -> 2001:db8:6::2.
  UDP 3101 -> 7000  [0,32) [32,64) [64,end), pattern across 32     -> 100601
  UDP 3102 -> 7000  same pieces, reversed                          -> 100602
  ICMPv6 echo request, pieces [0,40) [40,end), pattern across 40   -> 100603
  UDP 3104 -> 7000  first piece only                               (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402
from scapy.layers.inet6 import ICMPv6EchoRequest  # noqa: E402

A, B = "2001:db8:6::1", "2001:db8:6::2"


def payload(pattern, at, total=88):
    p = bytearray(b"." * total)
    p[at:at + len(pattern)] = pattern
    return bytes(p)


def build(out):
    cap = Capture()
    three = [(0, 32), (32, 32), (64, 32)]
    cap.fragment(cap.udp_datagram(A, 3101, B, 7000, payload(b"V6FRAG-IN-ORDER", 18)), three, ident=0x61)
    cap.fragment(cap.udp_datagram(A, 3102, B, 7000, payload(b"V6FRAG-REVERSED", 18)), three,
                 order=[2, 1, 0], ident=0x62)
    echo = cap.ip_header(A, B) / ICMPv6EchoRequest(id=0x77, seq=1, data=payload(b"V6FRAG-ICMPV6-ECHO", 24, 72))
    cap.fragment(echo, [(0, 40), (40, 40)], ident=0x63)
    cap.fragment(cap.udp_datagram(A, 3104, B, 7000, payload(b"V6FRAG-INCOMPLETE", 2)), [(0, 32)], ident=0x64)
    cap.write(out / "input.pcap")
