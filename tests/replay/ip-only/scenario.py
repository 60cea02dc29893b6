"""ip-only: see README. HOME_NET = 10.28.0.0/16, 2001:db8:28::/48.
  F1  TCP 192.0.2.66:51000 -> 10.28.0.10:443, handshake and ten data
      segments each way                              -> 102801 (on the SYN)
  F2  TCP 10.28.0.11:52000 -> 192.0.2.66:8443        -> 102801 (on the SYN-ACK:
                                                        192.0.2.66:8443 -> 10.28.0.11:52000)
  F3  TCP 10.28.0.12:53000 -> 198.51.100.77:443      -> 102802
  F4  UDP 10.28.0.13:123 -> 198.51.100.200:123 and back -> 102802
  F5  TCP 10.28.0.12:53001 -> 198.51.101.1:443       (nothing: outside the /24)
  F6  UDP 2001:db8:28::5:45353 -> 2001:db8:bad::5:9999 -> 102803
  F7  UDP 2001:db8:28::5:45354 -> 2001:db8:bae::1:9999 (nothing)
  F8  ICMPv6 echo 2001:db8:28::6 -> 2001:db8:bad::9  -> 102803
  F9  ICMP echo 10.28.0.14 -> 203.0.113.9 and reply  -> 102804
  F10 TCP 10.28.0.15:54000 -> 192.0.2.80:80           (nothing: port)
  F11 TCP 10.28.0.15:54001 -> 192.0.2.80:443          -> 102805
  F12 UDP 10.28.0.16:40000 -> 10.28.0.17:9999 carrying "203.0.113.77" (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402


def tcp(cap, c, cp, s, sp, rounds=1):
    t = cap.tcp(c, cp, s, sp)
    t.handshake()
    for i in range(rounds):
        t.client_send(b"request %d" % i)
        t.server_send(b"response %d" % i)
    t.close()


def build(out):
    cap = Capture()
    tcp(cap, "192.0.2.66", 51000, "10.28.0.10", 443, rounds=10)
    tcp(cap, "10.28.0.11", 52000, "192.0.2.66", 8443)
    tcp(cap, "10.28.0.12", 53000, "198.51.100.77", 443)
    cap.udp("10.28.0.13", 123, "198.51.100.200", 123, b"\x23" + b"\x00" * 47)
    cap.udp("198.51.100.200", 123, "10.28.0.13", 123, b"\x24" + b"\x00" * 47)
    tcp(cap, "10.28.0.12", 53001, "198.51.101.1", 443)
    cap.udp("2001:db8:28::5", 45353, "2001:db8:bad::5", 9999, b"hello")
    cap.udp("2001:db8:28::5", 45354, "2001:db8:bae::1", 9999, b"hello")
    cap.icmp_echo("2001:db8:28::6", "2001:db8:bad::9", b"ping6", ident=1, seq=1)
    cap.icmp_echo("10.28.0.14", "203.0.113.9", b"ping", ident=2, seq=1)
    cap.icmp_echo("203.0.113.9", "10.28.0.14", b"ping", ident=2, seq=1, reply=True)
    tcp(cap, "10.28.0.15", 54000, "192.0.2.80", 80)
    tcp(cap, "10.28.0.15", 54001, "192.0.2.80", 443)
    cap.udp("10.28.0.16", 40000, "10.28.0.17", 9999, b"contact 203.0.113.77 now")
    cap.write(out / "input.pcap")
