"""dedup: see README. 10.30.0.10 -> 10.30.0.20.
  TCP 64001 -> 8000  DEDUP-PATTERN in five separate client writes  -> 103001, 103003
  TCP 64002 -> 8000  once                                          -> 103001, 103003
  TCP 64003 -> 8000  once                                          -> 103001, 103003
  TCP 64004 -> 8000  client first, then the server, twice each     -> 103001, 103003 (client)
  UDP 64101 -> 9999  five datagrams, and a reply carrying it       -> 103002 (client)
  UDP 64102, 64103 -> 9999 once each                               -> 103002 each
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.30.0.10", "10.30.0.20"


def build(out):
    cap = Capture()
    s = cap.tcp(C, 64001, S, 8000)
    s.handshake()
    for i in range(5):
        s.client_send(b"msg %d DEDUP-PATTERN\n" % i)
    s.close()
    for port in (64002, 64003):
        s = cap.tcp(C, port, S, 8000)
        s.handshake()
        s.client_send(b"one DEDUP-PATTERN")
        s.close()
    s = cap.tcp(C, 64004, S, 8000)
    s.handshake()
    for _ in range(2):
        s.client_send(b"c DEDUP-PATTERN")
        s.server_send(b"s DEDUP-PATTERN")
    s.close()
    for i in range(5):
        cap.udp(C, 64101, S, 9999, b"u%d DEDUP-UDP" % i)
    cap.udp(S, 9999, C, 64101, b"reply DEDUP-UDP")
    cap.udp(C, 64102, S, 9999, b"DEDUP-UDP")
    cap.udp(C, 64103, S, 9999, b"DEDUP-UDP")
    cap.write(out / "input.pcap")
