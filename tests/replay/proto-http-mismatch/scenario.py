"""proto-http-mismatch: see README. Client 10.19.0.10 -> server 10.19.0.20.
  56001 -> 80    binary protocol: a length-prefixed frame that holds
                 "X-Probe-Marker: 7" and "GET /not/http HTTP/1.1" mid-stream  -> 101902
  56002 -> 9999  the same bytes                                              -> 101902
  56003 -> 443   plain text "HELLO TLS-LOOKALIKE"                            -> 101906
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.19.0.10", "10.19.0.20"
FRAME = (b"\x00\x00\x00\x4c\xb7\x01\x02\x03BINPROTO\x00\x01 X-Probe-Marker: 7\r\n"
         b"GET /not/http HTTP/1.1\r\nHost: x\r\n\r\n\x00\x00")


def build(out):
    cap = Capture()
    for cport, sport, data in ((56001, 80, FRAME), (56002, 9999, FRAME),
                               (56003, 443, b"HELLO TLS-LOOKALIKE\r\n")):
        s = cap.tcp(C, cport, S, sport)
        s.handshake()
        s.client_send(data)
        s.server_send(b"\x00\x00\x00\x02\xb7\x00")
        s.close()
    cap.write(out / "input.pcap")
