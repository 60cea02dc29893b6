"""bad-rule-line: one datagram per rule, BROKEN included (its rule is skipped)."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402


def build(out):
    cap = Capture()
    for i, pat in enumerate((b"GOOD-BEFORE", b"BROKEN", b"GOOD-AFTER")):
        cap.udp("10.33.0.10", 40000 + i, "10.33.0.20", 9999, b"x " + pat + b" y")
    cap.write(out / "input.pcap")
