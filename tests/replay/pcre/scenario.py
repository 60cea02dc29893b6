"""pcre: see README. UDP 10.23.0.10:port -> 10.23.0.20:9300, one datagram each.
  60001 "id GRID-TOKEN-42"        -> 102301
  60002 "id GRID-CASE-7"          (nothing)     60003 "id grid-case-7"   -> 102302
  60004 "BEGIN\\nEND"              -> 102303
  60005 "START\\nSTOP"             (nothing)     60006 "START-STOP"       -> 102304
  60007 "first\\nLINE-HEAD x"      -> 102305
  60008 "first\\nLINE-TOP x"       (nothing)     60009 "LINE-TOP first"   -> 102306
  60010 "EXT-PAT7"                -> 102307
  60011 "user=admin&x=1"          -> 102308     60012 "user=AdministratorXYZ&" (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.23.0.10", "10.23.0.20"
DATA = {
    60001: b"id GRID-TOKEN-42", 60002: b"id GRID-CASE-7", 60003: b"id grid-case-7",
    60004: b"BEGIN\nEND", 60005: b"START\nSTOP", 60006: b"START-STOP",
    60007: b"first\nLINE-HEAD x", 60008: b"first\nLINE-TOP x", 60009: b"LINE-TOP first",
    60010: b"EXT-PAT7", 60011: b"user=admin&x=1", 60012: b"user=AdministratorXYZ&",
}


def build(out):
    cap = Capture()
    for port, data in DATA.items():
        cap.udp(C, port, S, 9300, data)
    cap.write(out / "input.pcap")
