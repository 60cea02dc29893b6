"""craftlib: deterministic capture crafting for spotter's tests and sample.

    from craftlib import Capture, http, dns, tls, ics
    cap = Capture()
    s = cap.tcp("10.0.0.1", 40001, "10.0.0.2", 80)
    s.handshake()
    s.client_send(http.request("GET", "/", host="a.example"), split=[5])
    s.close()
    cap.write("out.pcap")             # or linktype="sll", "sll2", "raw"; .pcapng
"""

from . import dns, http, ics, tls  # noqa: F401
from .capture import Capture  # noqa: F401
from .tcp import CLIENT, SERVER, Session  # noqa: F401
