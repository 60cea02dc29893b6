"""nocase: see README. UDP 10.20.0.10:5700x -> 10.20.0.20:9000, TCP 57005 -> 8000.
  57001  "aa MIXEDCASE-TOKEN bb"                 -> 102002
  57002  "aa MixedCase-Token bb"                 -> 102001, 102002
  57003  "aa mIXED-hEX bb"                       -> 102003
  57004  "aa mixedcase-tokeN bb"                 -> 102002
  57005  TCP "x STREAM-NOCASE-" | "TOKEN y"      -> 102004
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.20.0.10", "10.20.0.20"


def build(out):
    cap = Capture()
    for port, data in ((57001, b"aa MIXEDCASE-TOKEN bb"), (57002, b"aa MixedCase-Token bb"),
                       (57003, b"aa mIXED-hEX bb"), (57004, b"aa mixedcase-tokeN bb")):
        cap.udp(C, port, S, 9000, data)
    s = cap.tcp(C, 57005, S, 8000)
    s.handshake()
    s.client_send(b"x STREAM-NOCASE-TOKEN y", split=[16])
    s.close()
    cap.write(out / "input.pcap")
