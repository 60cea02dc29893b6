"""vlan: see README. 10.7.0.10 -> 10.7.0.20.
  TCP 44001 -> 80 in VLAN 10 (PCP 5) with VLAN-TAGGED-PATTERN            -> 100701
  the same 5-tuple and bytes in VLAN 20: another flow                     -> 100701
  TCP 44002 -> 80: handshake and "SPLIT-ACROSS-" in VLAN 30, the rest of
  the stream ("VLANS tail") continued in VLAN 31                          (nothing)
  UDP 44003 -> 9999 in VLAN 10                                           -> 100703
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.7.0.10", "10.7.0.20"


def build(out):
    cap = Capture()
    for tags in ([(0x8100, 10, 5)], [20]):
        s = cap.tcp(C, 44001, S, 80, vlans=tags)
        s.handshake()
        s.client_send(b"hello VLAN-TAGGED-PATTERN bye", split=[12])
        s.server_send(b"ok")
        s.close()
    s = cap.tcp(C, 44002, S, 80, vlans=[30])
    s.handshake()
    s.client_send(b"SPLIT-ACROSS-")
    s.vlans = [(31,), (31,)]
    s.client_send(b"VLANS tail")
    s.close()
    cap.udp(C, 44003, S, 9999, b"udp VLAN-UDP-PATTERN", vlans=[10])
    cap.write(out / "input.pcap")
