"""http-method: see README. Client 10.13.0.10 -> server 10.13.0.20:80.
  50001  PUT /upload/file.bin                                        -> 101301
  50002  GET /PUT/thing                                              (nothing)
  50003  POST /cgi-bin/setpoint                                      -> 101302
  50004  GET /cgi-bin/setpoint                                       (nothing)
  50005  keep-alive: POST /other, then GET /cgi-bin/setpoint         (nothing)
  50006  DELETE /api/item/7                                          -> 101303
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture, http  # noqa: E402

C, S = "10.13.0.10", "10.13.0.20"
UA = "curl/8.5.0"


def build(out):
    cap = Capture()
    reqs = {
        50001: [http.request("PUT", "/upload/file.bin", host="files.example", ua=UA, body=b"\x00" * 32)],
        50002: [http.request("GET", "/PUT/thing", host="files.example", ua=UA)],
        50003: [http.request("POST", "/cgi-bin/setpoint", host="plc-web.example", ua=UA, body=b"sp=42")],
        50004: [http.request("GET", "/cgi-bin/setpoint", host="plc-web.example", ua=UA)],
        50005: [http.request("POST", "/other", host="plc-web.example", ua=UA, body=b"a=1"),
                http.request("GET", "/cgi-bin/setpoint", host="plc-web.example", ua=UA)],
        50006: [http.request("DELETE", "/api/item/7", host="api.example", ua=UA)],
    }
    for port, rs in reqs.items():
        s = cap.tcp(C, port, S, 80)
        s.handshake()
        for r in rs:
            s.client_send(r)
            s.server_send(http.response(body=b"done"))
        s.close()
    cap.write(out / "input.pcap")
