"""distance-within: see README. UDP 10.22.0.10:port -> 10.22.0.20:9200.
With g = bytes between the end of ANCHOR and the start of TAIL, 102201
needs 2 <= g <= 4 (TAIL must end within 2 + 6 bytes of ANCHOR's end).
  59002 g=2 -> 102201   59004 g=4 -> 102201   59001 g=1, 59005 g=5 (nothing)
  59100 "FIRSTNEXT" -> 102202            59101 "NEXT FIRST" (nothing)
  59200 "HEAD1234BODY" -> 102203         59201 "HEAD12345BODY" (nothing)
  59300 "KEY=xxxx KEY=VAL" -> 102204     59301 "KEY=xxxVAL" (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.22.0.10", "10.22.0.20"


def build(out):
    cap = Capture()
    for port, g in ((59002, 2), (59004, 4), (59001, 1), (59005, 5)):
        cap.udp(C, port, S, 9200, b"pre ANCHOR" + b"-" * g + b"TAIL post")
    for port, data in ((59100, b"FIRSTNEXT"), (59101, b"NEXT FIRST"),
                       (59200, b"HEAD1234BODY"), (59201, b"HEAD12345BODY"),
                       (59300, b"KEY=xxxx KEY=VAL"), (59301, b"KEY=xxxVAL")):
        cap.udp(C, port, S, 9200, data)
    cap.write(out / "input.pcap")
