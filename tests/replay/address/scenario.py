"""address: see README. One UDP datagram per line, to port 5000; the
destination is 10.26.100.1 unless given.
  src 10.26.1.255 ADDR-CIDR -> 102601; 10.26.2.0, 10.26.0.255 (nothing)
  src 10.26.3.5, 10.26.4.15 ADDR-LIST -> 102602; 10.26.4.16, 10.26.3.6 (nothing)
  src 192.0.2.9 ADDR-NEG -> 102603; 10.26.9.9 (nothing)
  10.26.5.1 -> 198.51.100.9 ADDR-HOME -> 102604; 10.26.5.1 -> 10.26.6.6,
  198.51.100.9 -> 10.26.5.1 (nothing); 2001:db8:26::1 -> 2001:db8:99::1 -> 102604
  src 10.26.8.1 ADDR-MIXED -> 102605; 10.26.7.1 (nothing)
  2001:db8:26:1::1 -> 2001:db8:26::1 ADDR-V6-LIST -> 102606; -> 2001:db8:26::dead (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

D = "10.26.100.1"
FLOWS = [
    ("10.26.1.255", D, b"ADDR-CIDR"), ("10.26.2.0", D, b"ADDR-CIDR"), ("10.26.0.255", D, b"ADDR-CIDR"),
    ("10.26.3.5", D, b"ADDR-LIST"), ("10.26.4.15", D, b"ADDR-LIST"), ("10.26.4.16", D, b"ADDR-LIST"),
    ("10.26.3.6", D, b"ADDR-LIST"),
    ("192.0.2.9", D, b"ADDR-NEG"), ("10.26.9.9", D, b"ADDR-NEG"),
    ("10.26.5.1", "198.51.100.9", b"ADDR-HOME"), ("10.26.5.1", "10.26.6.6", b"ADDR-HOME"),
    ("198.51.100.9", "10.26.5.1", b"ADDR-HOME"), ("2001:db8:26::1", "2001:db8:99::1", b"ADDR-HOME"),
    ("10.26.8.1", D, b"ADDR-MIXED"), ("10.26.7.1", D, b"ADDR-MIXED"),
    ("2001:db8:26:1::1", "2001:db8:26::1", b"ADDR-V6-LIST"), ("2001:db8:26:1::1", "2001:db8:26::dead", b"ADDR-V6-LIST"),
]


def build(out):
    cap = Capture()
    for i, (src, dst, pat) in enumerate(FLOWS):
        cap.udp(src, 63000 + i, dst, 5000, b"probe " + pat)
    cap.write(out / "input.pcap")
