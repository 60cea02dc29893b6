"""qinq: see README. 10.8.0.10 -> 10.8.0.20.
  TCP 45001 -> 80, S-tag 0x88a8/100, C-tag 0x8100/10                    -> 100801
  TCP 45002 -> 80, tags 0x8100/200, 0x8100/20                            -> 100802
  TCP 45003 -> 80, 0x88a8/100 + 0x8100/11: handshake and "QINQ-SPLIT-";
  the stream continues ("INNER tail") under 0x88a8/100 + 0x8100/12       (nothing)
  UDP 45004 -> 9999, 0x88a8/100 + 0x8100/10                             -> 100804
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.8.0.10", "10.8.0.20"
AD, Q = 0x88A8, 0x8100


def build(out):
    cap = Capture()
    s = cap.tcp(C, 45001, S, 80, vlans=[(AD, 100), (Q, 10)])
    s.handshake()
    s.client_send(b"get QINQ-8021AD-PATTERN now", split=[9])
    s.close()
    s = cap.tcp(C, 45002, S, 80, vlans=[(Q, 200), (Q, 20)])
    s.handshake()
    s.client_send(b"get QINQ-DOUBLE-8100 now")
    s.close()
    s = cap.tcp(C, 45003, S, 80, vlans=[(AD, 100), (Q, 11)])
    s.handshake()
    s.client_send(b"QINQ-SPLIT-")
    s.vlans = [((AD, 100), (Q, 12))] * 2
    s.client_send(b"INNER tail")
    s.close()
    cap.udp(C, 45004, S, 9999, b"udp QINQ-UDP-PATTERN", vlans=[(AD, 100), (Q, 10)])
    cap.write(out / "input.pcap")
