"""linktypes: see README. One scenario, written nine ways."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402


def build(out):
    cap = Capture()
    s = cap.tcp("10.10.0.10", 47001, "10.10.0.20", 8000)
    s.handshake()
    s.client_send(b"tcp LINKTYPE-TCP-PATTERN end", split=[12])
    s.server_send(b"ok")
    s.close()
    cap.udp("10.10.0.10", 47002, "10.10.0.20", 9999, b"udp LINKTYPE-UDP-PATTERN")
    cap.icmp_echo("10.10.0.10", "10.10.0.20", b"icmp LINKTYPE-ICMP-PATTERN", ident=7, seq=1)
    cap.udp("2001:db8:10::10", 47003, "2001:db8:10::20", 9999, b"v6 LINKTYPE-V6-PATTERN")
    cap.write(out / "ether.pcap")
    cap.write(out / "ether-be.pcap", big_endian=True)
    cap.write(out / "ether-ns.pcap", nanos=True)
    cap.write(out / "ether.pcapng")
    cap.write(out / "ether-be-ns.pcapng", big_endian=True, nanos=True)
    cap.write(out / "sll.pcap", linktype="sll")
    cap.write(out / "sll2.pcap", linktype="sll2")
    cap.write(out / "raw.pcap", linktype="raw")
    cap.write(out / "sll2.pcapng", linktype="sll2")
