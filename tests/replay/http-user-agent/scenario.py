"""http-user-agent: see README. Client 10.14.0.10 -> server 10.14.0.20:80.
  51001  User-Agent: Mozilla/5.0 GridLurker/2.1                      -> 101401
  51002  normal User-Agent, "X-Agent: GridLurker/2.1"                (nothing)
  51003  "user-agent: GridLurker/3.0" (lower-case header name)        -> 101401
  51004  User-Agent: Python-Requests/2.31.0                          -> 101402
  51005  User-Agent: my python-requests/2.0 wrapper (not anchored)   (nothing)
  51006  User-Agent: CURL/7.88.1                                     -> 101403
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture, http  # noqa: E402

C, S = "10.14.0.10", "10.14.0.20"


def build(out):
    cap = Capture()
    reqs = {
        51001: http.request("GET", "/a", host="x.example", ua="Mozilla/5.0 GridLurker/2.1"),
        51002: http.request("GET", "/b", host="x.example", ua="Mozilla/5.0 Firefox/128.0",
                            headers=[("X-Agent", "GridLurker/2.1")]),
        51003: http.request("GET", "/c", host="x.example", ua="GridLurker/3.0", ua_header="user-agent"),
        51004: http.request("GET", "/d", host="x.example", ua="Python-Requests/2.31.0"),
        51005: http.request("GET", "/e", host="x.example", ua="my python-requests/2.0 wrapper"),
        51006: http.request("GET", "/f", host="x.example", ua="CURL/7.88.1"),
    }
    for port, r in reqs.items():
        s = cap.tcp(C, port, S, 80)
        s.handshake()
        s.client_send(r)
        s.server_send(http.response(body=b"ok"))
        s.close()
    cap.write(out / "input.pcap")
