"""Link-layer framing: one L3 packet (IPv4 or IPv6 bytes) into a frame of a
given pcap link type. Built with struct, not scapy, so every byte is known.

Link types: "ether" (1), "sll" (113, Linux cooked v1), "sll2" (276, Linux
cooked v2), "raw" (101, raw IPv4/IPv6). VLAN tags exist only on Ethernet:
`vlans` is a list of VLAN ids (802.1Q, TPID 0x8100) or (tpid, vid[, pcp])
tuples, outermost first — e.g. [(0x88A8, 100), 10] is QinQ (802.1ad).
"""

import struct
import zlib

LINKTYPES = {"ether": 1, "raw": 101, "sll": 113, "sll2": 276}

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
TPID_8021Q = 0x8100
TPID_8021AD = 0x88A8

# Linux packet types (sll_pkttype)
PACKET_HOST = 0
PACKET_OUTGOING = 4


def mac_of(ip):
    """A deterministic, locally administered unicast MAC for an address."""
    h = zlib.crc32(ip.encode())
    return bytes([0x02, 0x00]) + struct.pack(">I", h)


def mac_str(mac):
    return ":".join("%02x" % b for b in mac)


def _ethertype(l3):
    v = l3[0] >> 4
    if v == 4:
        return ETH_IPV4
    if v == 6:
        return ETH_IPV6
    raise ValueError("not an IP packet")


def _tags(vlans):
    out = b""
    for v in vlans:
        if isinstance(v, int):
            tpid, vid, pcp = TPID_8021Q, v, 0
        elif len(v) == 2:
            (tpid, vid), pcp = v, 0
        else:
            tpid, vid, pcp = v
        out += struct.pack(">HH", tpid, (pcp << 13) | (vid & 0x0FFF))
    return out


def frame(linktype, l3, src_mac, dst_mac, vlans=(), outgoing=False):
    """Wraps l3 (bytes) for linktype (a name from LINKTYPES)."""
    et = _ethertype(l3)
    if vlans and linktype != "ether":
        raise ValueError("VLAN tags are only framed on Ethernet")
    if linktype == "ether":
        return dst_mac + src_mac + _tags(vlans) + struct.pack(">H", et) + l3
    pkttype = PACKET_OUTGOING if outgoing else PACKET_HOST
    if linktype == "sll":
        return struct.pack(">HHH", pkttype, 1, 6) + src_mac + b"\0\0" + struct.pack(">H", et) + l3
    if linktype == "sll2":
        return (struct.pack(">HHIHBB", et, 0, 1, 1, pkttype, 6) + src_mac + b"\0\0" + l3)
    if linktype == "raw":
        return l3
    raise ValueError("unknown link type %r" % linktype)
