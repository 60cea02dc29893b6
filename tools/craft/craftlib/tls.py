"""TLS handshake messages with the real byte layout (RFC 8446 / 5246).

client_hello() builds a TLS 1.3-style ClientHello (legacy version 0x0303,
32-byte random, 32-byte session id, cipher suites, null compression, and
extensions: server_name, supported_groups, ec_point_formats,
signature_algorithms, ALPN, supported_versions, psk_key_exchange_modes,
key_share with an X25519 share) wrapped in handshake record(s). All the
"random" fields are fixed bytes derived from `seed`, so output is stable.
"""

import hashlib
import struct

CIPHERS = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8]


def _fixed(seed, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s/%d" % (seed, i)).digest()
        i += 1
    return out[:n]


def _u8v(b):
    return struct.pack(">B", len(b)) + b


def _u16v(b):
    return struct.pack(">H", len(b)) + b


def ext(etype, body):
    return struct.pack(">H", etype) + _u16v(body)


def sni_ext(host):
    h = host.encode() if isinstance(host, str) else host
    return ext(0, _u16v(b"\x00" + _u16v(h)))


def records(content_type, payload, version=0x0301, max_fragment=None):
    """Splits payload into TLS records of at most max_fragment bytes."""
    n = max_fragment or 16384
    out = b""
    for i in range(0, len(payload), n):
        chunk = payload[i:i + n]
        out += struct.pack(">BHH", content_type, version, len(chunk)) + chunk
    return out


def client_hello_msg(sni=None, seed=b"client", alpn=(b"h2", b"http/1.1"), extra=()):
    """The ClientHello handshake message (type 1) without record framing.
    extra: (type, body) extensions appended after the standard ones."""
    exts = b""
    if sni is not None:
        exts += sni_ext(sni)
    exts += ext(10, _u16v(struct.pack(">HHH", 0x001D, 0x0017, 0x0018)))  # supported_groups
    exts += ext(11, _u8v(b"\x00"))                                        # ec_point_formats
    exts += ext(13, _u16v(struct.pack(">HHHHHH", 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501)))
    if alpn:
        exts += ext(16, _u16v(b"".join(_u8v(p) for p in alpn)))
    exts += ext(43, _u8v(struct.pack(">HH", 0x0304, 0x0303)))            # supported_versions
    exts += ext(45, _u8v(b"\x01"))                                        # psk_key_exchange_modes
    exts += ext(51, _u16v(struct.pack(">HH", 0x001D, 32) + _fixed(seed + b"ks", 32)))
    for t, body in extra:
        exts += ext(t, body)
    body = (struct.pack(">H", 0x0303) + _fixed(seed + b"rnd", 32) + _u8v(_fixed(seed + b"sid", 32))
            + _u16v(b"".join(struct.pack(">H", c) for c in CIPHERS)) + _u8v(b"\x00") + _u16v(exts))
    return b"\x01" + struct.pack(">I", len(body))[1:] + body


def client_hello(sni=None, seed=b"client", alpn=(b"h2", b"http/1.1"), extra=(), max_fragment=None):
    """A ClientHello in handshake record(s); max_fragment splits it over
    several records (record-layer fragmentation)."""
    return records(22, client_hello_msg(sni, seed, alpn, extra), 0x0301, max_fragment)


def server_hello(seed=b"server", cipher=0x1301):
    exts = ext(43, struct.pack(">H", 0x0304))
    exts += ext(51, struct.pack(">HH", 0x001D, 32) + _fixed(seed + b"ks", 32))
    body = (struct.pack(">H", 0x0303) + _fixed(seed + b"rnd", 32) + _u8v(_fixed(b"client" + b"sid", 32))
            + struct.pack(">HB", cipher, 0) + _u16v(exts))
    msg = b"\x02" + struct.pack(">I", len(body))[1:] + body
    # ServerHello, then ChangeCipherSpec and an opaque encrypted record
    return (records(22, msg, 0x0303) + records(20, b"\x01", 0x0303)
            + records(23, _fixed(seed + b"enc", 480), 0x0303))


def app_data(n, seed=b"app"):
    return records(23, _fixed(seed, n), 0x0303)
