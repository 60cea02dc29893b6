"""bad-read-and-interface: a placeholder capture (the command reads another, missing one)."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402


def build(out):
    cap = Capture()
    cap.udp("10.31.0.10", 1, "10.31.0.20", 2, b"unused")
    cap.write(out / "placeholder.pcap")
