"""direction: see README. Client 10.25.0.10 -> server 10.25.0.20.
  62001 -> 8000  client "DIR-PING DIR-CLIENT-ONLY", server "DIR-PING DIR-FROM-SERVER"
                                               -> 102501 (client), 102502, 102504 (server)
  62002 -> 8000  client "DIR-ARROW"             -> 102507 (client)
  62003 -> 8000  handshake, client "DIR-EST"    -> 102509
  62004 -> 8000  SYN, then data "DIR-EST" and FIN from the client; the server
                 never answers                  (nothing)
  62005 -> 8000  no SYN: client data "DIR-MIDSTREAM", server data, ACKs
                                               -> 102510 (client)
  UDP 62006 -> 9500  one datagram "DIR-UDP-EST", no reply     (nothing)
  UDP 62007 -> 9500  "DIR-UDP-EST" and the same bytes in the reply
                                               -> 102511 (the reply: server -> client)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

C, S = "10.25.0.10", "10.25.0.20"


def build(out):
    cap = Capture()
    s = cap.tcp(C, 62001, S, 8000)
    s.handshake()
    s.client_send(b"DIR-PING DIR-CLIENT-ONLY")
    s.server_send(b"DIR-PING DIR-FROM-SERVER")
    s.close()

    s = cap.tcp(C, 62002, S, 8000)
    s.handshake()
    s.client_send(b"DIR-ARROW")
    s.server_send(b"ok")
    s.close()

    s = cap.tcp(C, 62003, S, 8000)
    s.handshake()
    s.client_send(b"DIR-EST")
    s.close()

    s = cap.tcp(C, 62004, S, 8000)
    s.syn()
    s.client_send(b"DIR-EST", ack=False)
    s.fin_from("client")

    s = cap.tcp(C, 62005, S, 8000)
    s.client_send(b"DIR-MIDSTREAM")
    s.server_send(b"reply")
    s.close()

    cap.udp(C, 62006, S, 9500, b"DIR-UDP-EST")
    cap.udp(C, 62007, S, 9500, b"DIR-UDP-EST")
    cap.udp(S, 9500, C, 62007, b"DIR-UDP-EST")
    cap.write(out / "input.pcap")
