"""multi-content: see README. UDP 10.24.0.10:port -> 10.24.0.20:9400.
  61001 "CHARLIE..BRAVO..ALPHA"       -> 102401    61002 "ALPHA BRAVO" (nothing)
  61003 Q"ESC;APE\\ CR LF              -> 102402    61004 Q"ESC;APE CR LF (nothing)
  61005 de ad be ef "DATA" 00          -> 102403    61006 de ad be ef "DATA" 01 (nothing)
TCP 10.24.0.10 -> 10.24.0.20:8000:
  61101 client "PART-ONE", later client "PART-TWO"                  -> 102404
  61102 client "PART-ONE", server "PART-TWO"                        (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.24.0.10", "10.24.0.20"


def build(out):
    cap = Capture()
    for port, data in ((61001, b"CHARLIE..BRAVO..ALPHA"), (61002, b"ALPHA BRAVO"),
                       (61003, b'Q"ESC;APE\\\r\n'), (61004, b'Q"ESC;APE\r\n'),
                       (61005, b"\xde\xad\xbe\xefDATA\x00"), (61006, b"\xde\xad\xbe\xefDATA\x01")):
        cap.udp(C, port, S, 9400, data)
    s = cap.tcp(C, 61101, S, 8000)
    s.handshake()
    s.client_send(b"PART-ONE ")
    s.server_send(b"ack")
    s.client_send(b"PART-TWO ")
    s.close()
    s = cap.tcp(C, 61102, S, 8000)
    s.handshake()
    s.client_send(b"PART-ONE ")
    s.server_send(b"PART-TWO ")
    s.close()
    cap.write(out / "input.pcap")
