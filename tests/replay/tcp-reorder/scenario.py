"""tcp-reorder: see README. Client 10.2.0.10 -> server 10.2.0.20:8000.
  41001  "aa REORDE" | "RED-PATT" | "ERN-OK bb" sent 2,0,1         -> 100201
  41002  four segments sent 3,2,1,0; the server's reply in two
         segments sent 1,0                                          -> 100202, 100204
  41003  "xx ABCDEF-" | "yyyyyy" | "GHIJKL zz" sent 0,2,1: the arrival
         order reads ABCDEF-GHIJKL, the stream does not             (nothing)
  41004  "lead SPANS-THE" at 0, 5 bytes never sent, "-HOLE tail
         AFTER-THE-HOLE end" at 19, then FIN: at flow end the held
         data is inspected after the gap                            -> 100205
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.2.0.10", "10.2.0.20"


def build(out):
    cap = Capture()
    s = cap.tcp(C, 41001, S, 8000)
    s.handshake()
    s.client_send(b"aa REORDERED-PATTERN-OK bb", split=[9, 17], order=[2, 0, 1])
    s.close()

    s = cap.tcp(C, 41002, S, 8000)
    s.handshake()
    s.client_send(b"go REVERSED-ORDER-FOUR now", split=[6, 12, 19], order=[3, 2, 1, 0])
    s.server_send(b"srv OUT-OF-ORDER-REPLY done", split=[12], order=[1, 0])
    s.close()

    s = cap.tcp(C, 41003, S, 8000)
    s.handshake()
    s.client_send(b"xx ABCDEF-yyyyyyGHIJKL zz", split=[10, 16], order=[0, 2, 1])
    s.close()

    s = cap.tcp(C, 41004, S, 8000)
    s.handshake()
    first = b"lead SPANS-THE"            # offsets 0..13
    hole = b"12345"                      # offsets 14..18, never sent
    rest = b"-HOLE tail AFTER-THE-HOLE end"
    s.segment("client", 0, first)
    s.ack("server")
    s.segment("client", len(first) + len(hole), rest)
    s.stream[0][len(first):len(first) + len(hole)] = hole  # bookkeeping only
    s.fin_from("client")
    s.ack("server")
    cap.write(out / "input.pcap")
