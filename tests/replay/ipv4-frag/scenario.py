"""ipv4-frag: see README. UDP 10.5.0.1:300x -> 10.5.0.2:7000; offsets are
in the fragmentable part (8-byte UDP header + payload).
  3001  pieces [0,32) [32,64) [64,end) in order, pattern across 32  -> 100501
  3002  same pieces sent last first                                -> 100502
  3003  [0,40) [32,72) [64,end): overlaps carry the same bytes      -> 100503
  3004  "FRAG-OVERLAP-KEPT" at body offset 27..43; [0,48) first,
        then [40,64) whose bytes 40..43 read "EVIL" instead of
        "KEPT", then [64,end): the first copy wins                 -> 100505 only
  3005  first fragment only ("FRAG-NEVER-COMPLETED" inside)        (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

A, B = "10.5.0.1", "10.5.0.2"


def payload(pattern, at, total=88):
    """total bytes of filler with pattern at payload offset `at`."""
    p = bytearray(b"." * total)
    p[at:at + len(pattern)] = pattern
    return bytes(p)


def build(out):
    cap = Capture()
    three = [(0, 32), (32, 32), (64, 32)]          # body = 8 + 88 = 96 bytes
    cap.fragment(cap.udp_datagram(A, 3001, B, 7000, payload(b"FRAG-IN-ORDER-PATTERN", 14)), three)
    cap.fragment(cap.udp_datagram(A, 3002, B, 7000, payload(b"FRAG-REVERSED-PATTERN", 14)), three,
                 order=[2, 1, 0])
    cap.fragment(cap.udp_datagram(A, 3003, B, 7000, payload(b"FRAG-OVERLAP-SAME", 50)),
                 [(0, 40), (32, 40), (64, 32)])
    d = cap.udp_datagram(A, 3004, B, 7000, payload(b"FRAG-OVERLAP-KEPT", 19))
    body = bytes(d)[20:]
    assert body[40:44] == b"KEPT"
    evil = b"EVIL" + body[44:64]
    cap.fragment(d, [(0, 48), (40, 24, evil), (64, 32)])
    d = cap.udp_datagram(A, 3005, B, 7000, payload(b"FRAG-NEVER-COMPLETED", 4))
    cap.fragment(d, [(0, 32)])
    cap.write(out / "input.pcap")
