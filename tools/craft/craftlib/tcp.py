"""TCP sessions with exact control over segmentation and ordering.

    s = cap.tcp("10.0.0.1", 40001, "10.0.0.2", 80)
    s.handshake()
    s.client_send(b"GET / HTTP/1.1\\r\\n\\r\\n", split=[3, 7])   # three segments
    s.server_send(b"HTTP/1.1 200 OK\\r\\n\\r\\n")
    s.close()

Offsets are stream offsets: 0 is the first data byte after the SYN of that
side. Each side records the bytes it sent first at each offset; retransmit()
resends those, overlap() sends arbitrary (possibly different) bytes at an
offset without changing the record (the first copy is the one a first-wins
reassembler keeps). Sequence numbers wrap modulo 2^32 (give an isn near
2^32 to test wrap-around).
"""

import zlib

from scapy.layers.inet import TCP
from scapy.packet import Raw

CLIENT, SERVER = 0, 1
_NAMES = {"client": CLIENT, "server": SERVER, CLIENT: CLIENT, SERVER: SERVER}


def _side(s):
    return _NAMES[s]


class Session:
    def __init__(self, cap, client, cport, server, sport, isn_client=None, isn_server=None,
                 vlans=(), window=64240, mss=1460, ttl=64, server_vlans=None):
        self.cap = cap
        self.addr = [(client, cport), (server, sport)]
        key = ("%s|%d|%s|%d" % (client, cport, server, sport)).encode()
        if isn_client is None:
            isn_client = zlib.crc32(key + b"c")
        if isn_server is None:
            isn_server = zlib.crc32(key + b"s")
        self.isn = [isn_client & 0xFFFFFFFF, isn_server & 0xFFFFFFFF]
        self.stream = [bytearray(), bytearray()]   # first-sent bytes per side
        self.fin = [False, False]
        self.vlans = [tuple(vlans), tuple(server_vlans if server_vlans is not None else vlans)]
        self.window, self.mss, self.ttl = window, mss, ttl

    # ---- sequence arithmetic ---------------------------------------------
    def seq(self, side, offset):
        return (self.isn[side] + 1 + offset) & 0xFFFFFFFF

    def next_ack(self, side):
        """What `side` acknowledges: everything the other side sent."""
        o = 1 - side
        return (self.isn[o] + 1 + len(self.stream[o]) + (1 if self.fin[o] else 0)) & 0xFFFFFFFF

    # ---- packet emission -------------------------------------------------
    def packet(self, side, flags, seq, ack=None, data=b"", options=None):
        """Emits one segment from `side` with explicit fields."""
        (src, sp), (dst, dp) = self.addr[side], self.addr[1 - side]
        tcp = TCP(sport=sp, dport=dp, seq=seq, ack=ack if ack is not None else 0,
                  flags=flags, window=self.window, options=options or [])
        pkt = self.cap.ip_header(src, dst, self.ttl) / tcp
        if data:
            pkt = pkt / Raw(bytes(data))
        self.cap.emit(pkt, src, dst, self.vlans[side], outgoing=(side == CLIENT))
        return self

    def syn(self, data=b""):
        return self.packet(CLIENT, "S", self.isn[CLIENT], data=data,
                           options=[("MSS", self.mss), ("SAckOK", b""), ("WScale", 7)])

    def syn_ack(self):
        return self.packet(SERVER, "SA", self.isn[SERVER], (self.isn[CLIENT] + 1) & 0xFFFFFFFF,
                           options=[("MSS", self.mss), ("SAckOK", b""), ("WScale", 7)])

    def handshake(self):
        self.syn()
        self.syn_ack()
        return self.ack(CLIENT)

    def ack(self, side):
        side = _side(side)
        off = len(self.stream[side]) + (1 if self.fin[side] else 0)
        return self.packet(side, "A", self.seq(side, off), self.next_ack(side))

    # ---- data ------------------------------------------------------------
    def segment(self, side, offset, data, flags="PA", record=True):
        """Sends `data` at stream offset `offset` of `side`. Bytes beyond what
        the side has recorded extend the record (holes are zero-filled in the
        record only); bytes already recorded are left as first sent."""
        side = _side(side)
        st = self.stream[side]
        if record:
            end = offset + len(data)
            if end > len(st):
                if offset > len(st):
                    st.extend(b"\0" * (offset - len(st)))
                start = len(st)
                st.extend(data[start - offset:])
        return self.packet(side, flags, self.seq(side, offset), self.next_ack(side), data)

    def send(self, side, data, split=None, order=None, ack=True, flags="PA"):
        """Appends `data` to the side's stream. split: offsets into data where
        segments end (default: every `mss` bytes). order: the emission order
        of the segments by index (default in order). ack: the peer then
        acknowledges everything with a pure ACK."""
        side = _side(side)
        base = len(self.stream[side])
        data = bytes(data)
        if split is None:
            split = list(range(self.mss, len(data), self.mss))
        cuts = [0] + sorted(split) + [len(data)]
        segs = [(cuts[i], data[cuts[i]:cuts[i + 1]]) for i in range(len(cuts) - 1)]
        # record all of it first: a reordered send still has one stream content
        self.stream[side].extend(data)
        for i in (order if order is not None else range(len(segs))):
            off, chunk = segs[i]
            self.packet(side, flags, self.seq(side, base + off), self.next_ack(side), chunk)
        if ack:
            self.ack(1 - side)
        return self

    def client_send(self, data, **kw):
        return self.send(CLIENT, data, **kw)

    def server_send(self, data, **kw):
        return self.send(SERVER, data, **kw)

    def retransmit(self, side, offset, length=None, flags="PA"):
        """Resends recorded bytes [offset, offset+length) of `side`."""
        side = _side(side)
        st = self.stream[side]
        end = len(st) if length is None else offset + length
        return self.segment(side, offset, bytes(st[offset:end]), flags, record=False)

    def overlap(self, side, offset, data, flags="PA"):
        """Sends `data` at `offset` regardless of what was sent there first
        (the record keeps the first copy; new bytes past its end extend it)."""
        return self.segment(side, offset, data, flags, record=True)

    # ---- teardown --------------------------------------------------------
    def fin_from(self, side):
        side = _side(side)
        off = len(self.stream[side])
        self.packet(side, "FA", self.seq(side, off), self.next_ack(side))
        self.fin[side] = True
        return self

    def close(self, by="client"):
        """FIN from `by`, FIN-ACK from the peer, final ACK."""
        side = _side(by)
        self.fin_from(side)
        self.fin_from(1 - side)
        return self.ack(side)

    def reset(self, by="client"):
        side = _side(by)
        off = len(self.stream[side])
        return self.packet(side, "RA", self.seq(side, off), self.next_ack(side))
