"""dns-query-tcp: see README. Client 10.16.0.10 -> resolver 10.16.0.53:53/tcp.
  53001  query tcp-lookup.example; response: CNAME tcp-answer.example + A
                                                                -> 101601
  53002  query split-length.example: length prefix, then message -> 101603
  53003  pipelined-first.example and pipelined-second.example in one
         segment, answered in one segment                       -> 101604
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture, dns  # noqa: E402

C, R = "10.16.0.10", "10.16.0.53"


def build(out):
    cap = Capture()
    s = cap.tcp(C, 53001, R, 53)
    s.handshake()
    s.client_send(dns.tcp(dns.query("tcp-lookup.example", txid=1)))
    s.server_send(dns.tcp(dns.response("tcp-lookup.example", "A", 1,
                                       [("CNAME", "tcp-answer.example"), ("tcp-answer.example", "A", "192.0.2.7")])))
    s.close()

    s = cap.tcp(C, 53002, R, 53)
    s.handshake()
    s.client_send(dns.tcp(dns.query("split-length.example", txid=2)), split=[2])
    s.server_send(dns.tcp(dns.response("split-length.example", "A", 2, [("A", "192.0.2.8")])))
    s.close()

    s = cap.tcp(C, 53003, R, 53)
    s.handshake()
    s.client_send(dns.tcp(dns.query("pipelined-first.example", txid=3))
                  + dns.tcp(dns.query("pipelined-second.example", txid=4)))
    s.server_send(dns.tcp(dns.response("pipelined-first.example", "A", 3, [("A", "192.0.2.9")]))
                  + dns.tcp(dns.response("pipelined-second.example", "A", 4, [("A", "192.0.2.10")])))
    s.close()
    cap.write(out / "input.pcap")
