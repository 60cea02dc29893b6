"""http-uri: see README. Client 10.11.0.10 -> server 10.11.0.20:80.
  48001  GET /scada/%61dmin.php?session=1                              -> 101101
  48002  GET /plain/path/report?x=1                                    -> 101102
  48003  GET /other, Referer http://portal.example/plain/path/report;
         the response body also holds /plain/path/report               (nothing)
  48004  GET http://proxy-target.example/abs/form/path?q=1 (proxy form) -> 101103
  48005  GET /pkt-data/test with header "X-Pkt-Marker: yes"            -> 101104
  48006  GET /pkt-data/test without that header                        (nothing)
  48007  POST /submit whose body is "path=/body/marker"                (nothing)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture, http  # noqa: E402

C, S = "10.11.0.10", "10.11.0.20"
UA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


def exchange(cap, port, req, body=b"<html>ok</html>"):
    s = cap.tcp(C, port, S, 80)
    s.handshake()
    s.client_send(req)
    s.server_send(http.response(body=body))
    s.close(by="server")


def build(out):
    cap = Capture()
    exchange(cap, 48001, http.request("GET", "/scada/%61dmin.php?session=1", host="hmi.example", ua=UA))
    exchange(cap, 48002, http.request("GET", "/plain/path/report?x=1", host="hmi.example", ua=UA))
    exchange(cap, 48003, http.request("GET", "/other", host="hmi.example", ua=UA,
                                      headers=[("Referer", "http://portal.example/plain/path/report")]),
             body=b"<a href=\"/plain/path/report\">report</a>")
    exchange(cap, 48004, http.request("GET", "http://proxy-target.example/abs/form/path?q=1",
                                      host="proxy-target.example", ua=UA))
    exchange(cap, 48005, http.request("GET", "/pkt-data/test", host="hmi.example", ua=UA,
                                      headers=[("X-Pkt-Marker", "yes")]))
    exchange(cap, 48006, http.request("GET", "/pkt-data/test", host="hmi.example", ua=UA))
    exchange(cap, 48007, http.request("POST", "/submit", host="hmi.example", ua=UA,
                                      headers=[("Content-Type", "application/x-www-form-urlencoded")],
                                      body=b"path=/body/marker"))
    cap.write(out / "input.pcap")
