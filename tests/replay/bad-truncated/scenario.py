"""bad-truncated: see README. A UDP datagram with BEFORE-THE-CUT, a TCP flow
(no FIN) with TCP-BEFORE-CUT, then a datagram with AFTER-THE-CUT whose
record is cut 40 bytes in (inside its IP header: the pattern is not in
the file). Two files: cut inside the record data, and cut inside the
16-byte record header of that packet."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402


def build(out):
    cap = Capture()
    cap.udp("10.31.0.10", 65001, "10.31.0.20", 9999, b"x BEFORE-THE-CUT y")
    s = cap.tcp("10.31.0.10", 65002, "10.31.0.20", 8000)
    s.handshake()
    s.client_send(b"data TCP-BEFORE-CUT more")
    n = len(cap)
    cap.udp("10.31.0.10", 65003, "10.31.0.20", 9999, b"x AFTER-THE-CUT y")
    cap.write(out / "cut-in-data.pcap", cut=(n, 16 + 40))
    cap.write(out / "cut-in-header.pcap", cut=(n, 9))
