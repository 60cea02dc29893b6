"""dns-query-udp: see README. Client 10.15.0.10 -> resolver 10.15.0.53:53,
one client port per query, each answered.
  52001  bad-domain.test                                       -> 101501
  52002  WWW.Bad-Domain.Test                                   -> 101501
  52003  notbad-domain.test                                    (nothing)
  52004  bad-domain.test.example.com                           (nothing)
  52005  alias.example, answered CNAME cname-target.invalid    (nothing)
  52006  two questions: first-question.example, second-question.example
                                                               -> 101504
  52007  a response for unsolicited-response.example, no query (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture, dns  # noqa: E402

C, R = "10.15.0.10", "10.15.0.53"


def lookup(cap, port, name, answers, more=()):
    txid = port & 0xFFFF
    cap.udp(C, port, R, 53, dns.query(name, txid=txid, more=more))
    cap.udp(R, 53, C, port, dns.response(name, "A", txid, answers))


def build(out):
    cap = Capture()
    lookup(cap, 52001, "bad-domain.test", [("A", "192.0.2.1")])
    lookup(cap, 52002, "WWW.Bad-Domain.Test", [("A", "192.0.2.1")])
    lookup(cap, 52003, "notbad-domain.test", [("A", "192.0.2.2")])
    lookup(cap, 52004, "bad-domain.test.example.com", [("A", "192.0.2.3")])
    lookup(cap, 52005, "alias.example", [("CNAME", "cname-target.invalid"),
                                         ("cname-target.invalid", "A", "192.0.2.4")])
    lookup(cap, 52006, "first-question.example", [("A", "192.0.2.5")],
           more=[("second-question.example", "A")])
    cap.udp(R, 53, C, 52007, dns.response("unsolicited-response.example", "A", 0x4444, [("A", "192.0.2.6")]))
    cap.write(out / "input.pcap")
