"""icmp: see README.
  ICMP echo 10.29.0.1 -> 10.29.0.2 "ICMP-ECHO-PATTERN"              -> 102901
  ICMPv6 echo 2001:db8:29::1 -> 2001:db8:29::2 "ICMP-ECHO-PATTERN"   -> 102901
  UDP 10.29.0.1:5000 -> 10.29.0.2:6000 "UDP-PAYLOAD-PATTERN"        -> 102902
  ICMP echo 10.29.0.1 -> 10.29.0.3 "UDP-PAYLOAD-PATTERN"            (nothing)
  UDP 10.29.0.1:5001 -> 10.29.0.3:6000 "ICMP-ECHO-PATTERN"           (nothing)
  ICMP echoes 10.29.0.4 -> 10.29.0.5 "ICMP-SPLIT-" then "PAT"        (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402


def build(out):
    cap = Capture()
    cap.icmp_echo("10.29.0.1", "10.29.0.2", b"abc ICMP-ECHO-PATTERN xyz", ident=0x11, seq=1)
    cap.icmp_echo("2001:db8:29::1", "2001:db8:29::2", b"abc ICMP-ECHO-PATTERN xyz", ident=0x12, seq=1)
    cap.udp("10.29.0.1", 5000, "10.29.0.2", 6000, b"abc UDP-PAYLOAD-PATTERN xyz")
    cap.icmp_echo("10.29.0.1", "10.29.0.3", b"abc UDP-PAYLOAD-PATTERN xyz", ident=0x13, seq=1)
    cap.udp("10.29.0.1", 5001, "10.29.0.3", 6000, b"abc ICMP-ECHO-PATTERN xyz")
    cap.icmp_echo("10.29.0.4", "10.29.0.5", b"ICMP-SPLIT-", ident=0x14, seq=1)
    cap.icmp_echo("10.29.0.4", "10.29.0.5", b"PAT", ident=0x14, seq=2)
    cap.write(out / "input.pcap")
