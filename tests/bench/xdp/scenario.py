"""Traffic for the capture-mode benchmark's pre-filter rates (with the
rules of tests/netns/live/rules, which want TCP port 80 and UDP port 53):

filtered.pcap  1,024 TCP segments (60-byte frames), 64 flows from
               10.60.0.0/24 to 10.61.0.0/24 port 9999: every one dropped
               by the pre-filter
wanted.pcap    the same to port 80: every one passed to user space (no
               payload, no alert)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402


def segments(dport):
    cap = Capture(step=0.000001)
    sessions = [cap.tcp("10.60.0.%d" % (1 + i % 250), 20000 + i, "10.61.0.%d" % (1 + i % 7), dport)
                for i in range(64)]
    for k in range(16):
        for s in sessions:
            s.ack("client") if k else s.syn()
    return cap


def build(out):
    segments(9999).write(out / "filtered.pcap")
    segments(80).write(out / "wanted.pcap")
