"""ports: see README. UDP 10.27.0.10 -> 10.27.0.20, one datagram per line;
the source port is 40000 + i unless given.
  PORT-RANGE to 1023 (nothing), 1024 and 2048 -> 102701, 2049 (nothing)
  PORT-NEG to 5005, 6000 (nothing), 6001 and 4999 -> 102702
  PORT-LIST to 7000 and 7101 -> 102703, 7001 and 7102 (nothing)
  PORT-OPEN-HIGH to 59999 (nothing), 60000 and 65535 -> 102704
  PORT-OPEN-LOW to 100 -> 102705, 101 (nothing)
  PORT-SRC from 3001 -> 102706, from 3002 (nothing), both to 9999
  PORT-VAR to 8801 -> 102707, 8802 (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

FLOWS = [  # (sport or None, dport, pattern)
    (None, 1023, b"PORT-RANGE"), (None, 1024, b"PORT-RANGE"), (None, 2048, b"PORT-RANGE"), (None, 2049, b"PORT-RANGE"),
    (None, 5005, b"PORT-NEG"), (None, 6000, b"PORT-NEG"), (None, 6001, b"PORT-NEG"), (None, 4999, b"PORT-NEG"),
    (None, 7000, b"PORT-LIST"), (None, 7101, b"PORT-LIST"), (None, 7001, b"PORT-LIST"), (None, 7102, b"PORT-LIST"),
    (None, 59999, b"PORT-OPEN-HIGH"), (None, 60000, b"PORT-OPEN-HIGH"), (None, 65535, b"PORT-OPEN-HIGH"),
    (None, 100, b"PORT-OPEN-LOW"), (None, 101, b"PORT-OPEN-LOW"),
    (3001, 9999, b"PORT-SRC"), (3002, 9999, b"PORT-SRC"),
    (None, 8801, b"PORT-VAR"), (None, 8802, b"PORT-VAR"),
]


def build(out):
    cap = Capture()
    for i, (sport, dport, pat) in enumerate(FLOWS):
        cap.udp("10.27.0.10", sport or 40000 + i, "10.27.0.20", dport, b"probe " + pat)
    cap.write(out / "input.pcap")
