"""The live sensor's netns cases (tests/netns/sensor.sh), with rules in
tests/netns/live/rules (HOME_NET 10.50.0.0/16) and rules-reload.

wanted.pcap     what some rule wants by protocol and port
  W1  TCP 10.50.0.10:40001 -> 10.50.1.1:80, GET with the beacon URI   -> 1001
  W2  UDP 10.50.0.10:40002 -> 10.50.1.53:53, query voltsnake.example  -> 1002
  W3  TCP 10.50.0.10:40003 -> 10.50.1.1:80, nothing suspicious        (nothing)
unwanted.pcap   ports no rule wants: the pre-filter drops every packet
  U1  TCP 10.50.0.12:40010 -> 10.50.1.1:8080 carrying the beacon URI  (nothing)
  U2  UDP 10.50.0.12:40011 -> 10.50.1.9:9999                          (nothing)
indicator.pcap  address indicators (header-only rules, any ports)
  I1  ICMP echo 10.50.0.11 -> 203.0.113.45 and the reply (2 packets)  -> 1003
  I2  TCP 10.50.0.11:40020 -> 198.51.100.130:4444, handshake, one
      exchange, close (in the /27 of 1004)                            -> 1004
bypass1.pcap, bypass2.pcap  one session past stream depth (run with
  stream.depth 2k): B1 TCP 10.50.0.20:40030 -> 10.50.1.1:80, the beacon
  URI, 4 KiB each way (bypass1, -> 1001); then ten more segments each
  way and the close (bypass2), which XDP drops once the flow is bypassed.
before.pcap, after.pcap  a reload (SIGHUP) between them adds sid 2001
  (content "beta-implant" to port 8080):
  R1  TCP 10.50.0.30:40040 -> 10.50.1.1:8080 "beta-implant" (before)  (nothing)
  R2  TCP 10.50.0.30:40041 -> 10.50.1.1:8080 "beta-implant" (after)   -> 2001
background.pcap  steady traffic during the reload: UDP 10.50.0.40 ->
  10.50.1.53:53, 100 queries for benign names                         (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture, dns, http  # noqa: E402

BEACON = "/gridlurker/beacon.php?id=7"


def session(cap, c, cp, s, sp, request, response=b"HTTP/1.1 200 OK\r\n\r\n"):
    t = cap.tcp(c, cp, s, sp)
    t.handshake()
    t.client_send(request)
    t.server_send(response)
    t.close()


def get(uri):
    return http.request("GET", uri, host="scada-hmi.example", ua="curl/8.5")


def build(out):
    cap = Capture()
    session(cap, "10.50.0.10", 40001, "10.50.1.1", 80, get(BEACON))
    cap.udp("10.50.0.10", 40002, "10.50.1.53", 53, dns.query("voltsnake.example", txid=7))
    session(cap, "10.50.0.10", 40003, "10.50.1.1", 80, get("/index.html"))
    cap.write(out / "wanted.pcap")

    cap = Capture()
    session(cap, "10.50.0.12", 40010, "10.50.1.1", 8080, get(BEACON))
    cap.udp("10.50.0.12", 40011, "10.50.1.9", 9999, b"nobody wants this")
    cap.write(out / "unwanted.pcap")

    cap = Capture()
    cap.icmp_echo("10.50.0.11", "203.0.113.45", b"ping", ident=3, seq=1)
    cap.icmp_echo("203.0.113.45", "10.50.0.11", b"ping", ident=3, seq=1, reply=True)
    session(cap, "10.50.0.11", 40020, "198.51.100.130", 4444, b"hello", b"world")
    cap.write(out / "indicator.pcap")

    cap = Capture()
    t = cap.tcp("10.50.0.20", 40030, "10.50.1.1", 80)
    t.handshake()
    t.client_send(get(BEACON) + b"x" * 4096, split=[1024, 2048, 3072])
    t.server_send(b"HTTP/1.1 200 OK\r\n\r\n" + b"y" * 4096, split=[1024, 2048, 3072])
    cap.write(out / "bypass1.pcap")
    first = len(cap)
    for i in range(10):
        t.client_send(b"more client bytes %d " % i)
        t.server_send(b"more server bytes %d " % i)
    t.close()
    cap.records = cap.records[first:]
    cap.write(out / "bypass2.pcap")

    cap = Capture()
    session(cap, "10.50.0.30", 40040, "10.50.1.1", 8080, b"beta-implant hello")
    cap.write(out / "before.pcap")
    cap = Capture()
    session(cap, "10.50.0.30", 40041, "10.50.1.1", 8080, b"beta-implant hello")
    cap.write(out / "after.pcap")

    cap = Capture()
    for i in range(100):
        cap.udp("10.50.0.40", 41000 + i, "10.50.1.53", 53,
                dns.query("host%d.plant.example" % i, txid=i))
    cap.write(out / "background.pcap")
