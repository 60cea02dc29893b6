"""tcp-split: see README. Flows (client 10.1.0.10 -> server 10.1.0.20:8000):
  40001  "xx SPLIT-" | "TWO-SEGMENTS yy" from the client; the server answers
         "ok SPLIT-SE" | "RVER-SIDE ok"                  -> 100101, 100103
  40002  ISN 0xFFFFFFF8 so the stream wraps 2^32 inside the pattern;
         "more SPLI" | "T-THREE-" | "SEGMENTS end"       -> 100102
  40003  the client sends "CROSS-", the server "DIRECTIONS" (nothing)
  40004/40005 "INTERLEAVED-" in one flow, "FLOWS" in the other (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.1.0.10", "10.1.0.20"


def build(out):
    cap = Capture()
    s = cap.tcp(C, 40001, S, 8000)
    s.handshake()
    s.client_send(b"xx SPLIT-TWO-SEGMENTS yy", split=[9])
    s.server_send(b"ok SPLIT-SERVER-SIDE ok", split=[11])
    s.close()

    s = cap.tcp(C, 40002, S, 8000, isn_client=0xFFFFFFF8)
    s.handshake()
    s.client_send(b"more SPLIT-THREE-SEGMENTS end", split=[9, 17])
    s.close()

    s = cap.tcp(C, 40003, S, 8000)
    s.handshake()
    s.client_send(b"CROSS-")
    s.server_send(b"DIRECTIONS")
    s.client_send(b" and more")
    s.close()

    a = cap.tcp(C, 40004, S, 8000)
    b = cap.tcp(C, 40005, S, 8000)
    a.handshake()
    b.handshake()
    a.client_send(b"INTERLEAVED-")
    b.client_send(b"FLOWS")
    a.close()
    b.close()
    cap.write(out / "input.pcap")
