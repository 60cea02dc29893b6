"""tcp-depth: see README. Client 10.4.0.10:43001 -> 10.4.0.20:8000 sends
1 MiB + 16 KiB of filler with INSIDE-THE-DEPTH at stream offset
1 MiB - 4 KiB and BEYOND-THE-DEPTH at 1 MiB + 4 KiB, in 64 KiB writes of
1448-byte segments (each write acknowledged); then the server sends a
short reply with OTHER-DIRECTION-OK.                   -> 100401, 100403
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tools" / "craft"))
from craftlib import Capture  # noqa: E402

MIB = 1 << 20


def build(out):
    filler = (b"filler-0123456789-abcdefghijklmnopqrstuvwxyz|" * 30000)[:MIB + 16384]
    data = bytearray(filler)
    for off, pat in ((MIB - 4096, b"INSIDE-THE-DEPTH"), (MIB + 4096, b"BEYOND-THE-DEPTH")):
        data[off:off + len(pat)] = pat
    cap = Capture(step=0.00002)
    s = cap.tcp("10.4.0.10", 43001, "10.4.0.20", 8000, mss=1448)
    s.handshake()
    for i in range(0, len(data), 65536):
        s.client_send(bytes(data[i:i + 65536]))
    s.server_send(b"status OTHER-DIRECTION-OK")
    s.close()
    cap.write(out / "input.pcap")
