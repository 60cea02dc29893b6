"""ipv6: see README.
  TCP 2001:db8:9:1::10:46001 -> 2001:db8:9:1::20:8080, pattern over 2 segments,
      also IPV6-CIDR-RULE                                         -> 100901, 100903
  TCP 2001:db8:9:2::10:46002 -> 2001:db8:9:1::20:8080 with IPV6-CIDR-RULE
      (source outside 2001:db8:9:1::/64)                          (nothing)
  UDP 2001:db8:9:1::10:46003 -> 2001:db8:9:1::20:9999             -> 100902
  UDP 46004 -> 9999 behind a Destination Options header           -> 100904
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402
from scapy.layers.inet import UDP  # noqa: E402
from scapy.layers.inet6 import IPv6ExtHdrDestOpt  # noqa: E402
from scapy.packet import Raw  # noqa: E402

A, B, X = "2001:db8:9:1::10", "2001:db8:9:1::20", "2001:db8:9:2::10"


def build(out):
    cap = Capture()
    s = cap.tcp(A, 46001, B, 8080)
    s.handshake()
    s.client_send(b"v6 IPV6-TCP-PATTERN and IPV6-CIDR-RULE", split=[10])
    s.server_send(b"ok")
    s.close()
    s = cap.tcp(X, 46002, B, 8080)
    s.handshake()
    s.client_send(b"outside IPV6-CIDR-RULE")
    s.close()
    cap.udp(A, 46003, B, 9999, b"v6 udp IPV6-UDP-PATTERN")
    pkt = cap.ip_header(A, B) / IPv6ExtHdrDestOpt() / UDP(sport=46004, dport=9999) / Raw(b"IPV6-EXTHDR-PATTERN")
    cap.emit(pkt, A, B)
    cap.write(out / "input.pcap")
