"""http-nonstd-port: see README. Client 10.18.0.10 -> server 10.18.0.20.
  55001 -> 8081   GET /nonstd/probe with header X-Probe-Marker: 7   -> 101801, 101803
  55002 -> 31337  GET / Host: odd-port.example                      -> 101802
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture, http  # noqa: E402

C, S = "10.18.0.10", "10.18.0.20"


def build(out):
    cap = Capture()
    for cport, sport, req in (
            (55001, 8081, http.request("GET", "/nonstd/probe", host="10.18.0.20:8081", ua="probe/1.0",
                                       headers=[("X-Probe-Marker", "7")])),
            (55002, 31337, http.request("GET", "/", host="odd-port.example", ua="probe/1.0"))):
        s = cap.tcp(C, cport, S, sport)
        s.handshake()
        s.client_send(req)
        s.server_send(http.response(body=b"fine"))
        s.close()
    cap.write(out / "input.pcap")
