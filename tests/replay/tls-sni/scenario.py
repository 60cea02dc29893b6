"""tls-sni: see README. Client 10.17.0.10 -> server 10.17.0.20:443.
  54001  ClientHello (SNI c2.grid-update.example) in one segment   -> 101701
  54002  the same hello over three segments, cut inside the name    -> 101701
  54003  SNI benign.example, the indicator in a private-use extension (nothing)
  54004  SNI benign.example; the server sends a Certificate-type
         handshake message holding the indicator                   (nothing)
  54005  SNI mixed.case.example                                    (nothing)
  54006  SNI Mixed.Case.Example                                    -> 101702
  54007  SNI record-frag.example, hello split into 60-byte records -> 101703
  54008  SNI port-8443.example to port 8443                        -> 101704
"""
import pathlib
import struct
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture, tls  # noqa: E402

C, S = "10.17.0.10", "10.17.0.20"
IOC = "c2.grid-update.example"


def session(cap, port, hello, split=None, server=None, sport=443):
    s = cap.tcp(C, port, S, sport)
    s.handshake()
    s.client_send(hello, split=split)
    s.server_send(server if server is not None else tls.server_hello())
    s.close()


def build(out):
    cap = Capture()
    hello = tls.client_hello(IOC, seed=b"54001")
    session(cap, 54001, hello)
    at = hello.index(IOC.encode())
    session(cap, 54002, tls.client_hello(IOC, seed=b"54002"), split=[60, at + 5])
    session(cap, 54003, tls.client_hello("benign.example", seed=b"54003", extra=[(0xFF37, IOC.encode())]))
    body = struct.pack(">I", len(IOC) + 3)[1:] + struct.pack(">I", len(IOC))[1:] + IOC.encode()
    cert = b"\x0b" + struct.pack(">I", len(body))[1:] + body
    session(cap, 54004, tls.client_hello("benign.example", seed=b"54004"),
            server=tls.records(22, cert, 0x0303))
    session(cap, 54005, tls.client_hello("mixed.case.example", seed=b"54005"))
    session(cap, 54006, tls.client_hello("Mixed.Case.Example", seed=b"54006"))
    session(cap, 54007, tls.client_hello("record-frag.example", seed=b"54007", max_fragment=60))
    session(cap, 54008, tls.client_hello("port-8443.example", seed=b"54008"), sport=8443)
    cap.write(out / "input.pcap")
