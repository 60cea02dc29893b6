"""tcp-retransmit: see README. Client 10.3.0.10 -> server 10.3.0.20:8000.
  42001  one segment with RETRANSMITTED-ONCE, resent whole twice and in
         part once                                                  -> 100301
  42002  [0,20) then [10,35) of "0123456789abcde OVERLAP-SAME-DATA zz":
         the pattern spans both, the overlap carries the same bytes  -> 100302
  42003  "data EVIL-XXXXXXX end" delivered, then bytes 10..16 sent
         again as "PAYLOAD": first wins                             -> 100304 only
  42004  bytes 9.. "-FIRST-XXXX tail" arrive first (held behind a hole),
         then a different copy "-FIRST-WINS tail", then bytes 0..8
         "aaaa HELD" fill the hole: the held copy wins               -> 100306 only
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.3.0.10", "10.3.0.20"


def build(out):
    cap = Capture()
    s = cap.tcp(C, 42001, S, 8000)
    s.handshake()
    s.client_send(b"hdr RETRANSMITTED-ONCE tail", ack=False)
    s.retransmit("client", 0)
    s.retransmit("client", 0)
    s.retransmit("client", 4, 10)
    s.ack("server")
    s.close()

    s = cap.tcp(C, 42002, S, 8000)
    s.handshake()
    d = b"0123456789abcde OVERLAP-SAME-DATA zz"
    s.segment("client", 0, d[:20])
    s.overlap("client", 10, d[10:])
    s.ack("server")
    s.close()

    s = cap.tcp(C, 42003, S, 8000)
    s.handshake()
    s.client_send(b"data EVIL-XXXXXXX end")
    s.overlap("client", 10, b"PAYLOAD")
    s.ack("server")
    s.close()

    s = cap.tcp(C, 42004, S, 8000)
    s.handshake()
    s.segment("client", 9, b"-FIRST-XXXX tail")
    s.overlap("client", 9, b"-FIRST-WINS tail")
    s.segment("client", 0, b"aaaa HELD")
    s.ack("server")
    s.close()
    cap.write(out / "input.pcap")
