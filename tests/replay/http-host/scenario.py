"""http-host: see README. Client 10.12.0.10 -> server 10.12.0.20.
  49001 -> 8080  Host: OPS.Grid-Control.Example:8080             -> 101201, 101202, 101204
  49002 -> 80    Host: portal.example, URI /redirect?to=ops.grid-control.example  (nothing)
  49003 -> 80    "host: ops.grid-control.example" (lower-case header name)
                                                                -> 101201, 101202, 101204
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture, http  # noqa: E402

C, S = "10.12.0.10", "10.12.0.20"
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0"


def exchange(cap, port, sport, req):
    s = cap.tcp(C, port, S, sport)
    s.handshake()
    s.client_send(req)
    s.server_send(http.response(body=b"ok"))
    s.close(by="server")


def build(out):
    cap = Capture()
    exchange(cap, 49001, 8080, http.request("GET", "/status", host="OPS.Grid-Control.Example:8080", ua=UA))
    exchange(cap, 49002, 80, http.request("GET", "/redirect?to=ops.grid-control.example",
                                          host="portal.example", ua=UA))
    exchange(cap, 49003, 80, http.request("GET", "/", host="ops.grid-control.example", ua=UA,
                                          host_header="host"))
    cap.write(out / "input.pcap")
