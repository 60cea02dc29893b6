"""offset-depth: see README. UDP 10.21.0.10:port -> 10.21.0.20:9100; the
payload is `s` filler bytes, the pattern, then filler. Window of 102101
is [4, 14): OFFDEP (6 bytes) may start at 4..8.
  58004 s=4 -> 102101    58008 s=8 -> 102101    58003 s=3, 58009 s=9 (nothing)
  58100 s=0 DEPTHONLY -> 102102                 58101 s=1 (nothing)
  58205 s=5 OFFONLY -> 102103   58230 s=30 -> 102103   58204 s=4 (nothing)
TCP 10.21.0.10 -> 10.21.0.20:8000:
  58301  "STREAMSTART..." at stream offset 0                  -> 102104
  58302  "hello " then a segment starting "STREAMSTART" (stream offset 6) (nothing)
  58303  "0123456789" then "SECOND-SEGMENT" (stream offset 10)  -> 102105
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.21.0.10", "10.21.0.20"


def at(s, pat):
    return b"x" * s + pat + b"y" * 16


def build(out):
    cap = Capture()
    for port, s in ((58004, 4), (58008, 8), (58003, 3), (58009, 9)):
        cap.udp(C, port, S, 9100, at(s, b"OFFDEP"))
    for port, s in ((58100, 0), (58101, 1)):
        cap.udp(C, port, S, 9100, at(s, b"DEPTHONLY"))
    for port, s in ((58205, 5), (58230, 30), (58204, 4)):
        cap.udp(C, port, S, 9100, at(s, b"OFFONLY"))
    s = cap.tcp(C, 58301, S, 8000)
    s.handshake()
    s.client_send(b"STREAMSTART and more")
    s.close()
    s = cap.tcp(C, 58302, S, 8000)
    s.handshake()
    s.client_send(b"hello ")
    s.client_send(b"STREAMSTART and more")
    s.close()
    s = cap.tcp(C, 58303, S, 8000)
    s.handshake()
    s.client_send(b"0123456789")
    s.client_send(b"SECOND-SEGMENT tail")
    s.close()
    cap.write(out / "input.pcap")
