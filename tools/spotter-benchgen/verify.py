#!/usr/bin/env python3
"""Checks a data set written by spotter-benchgen (meant for small ones, e.g.
--bytes 20M --flows 2000; pure Python, about 1 MB/s).

  verify.py DIR

An independent reading of what the generator wrote, from the files alone:
  * the capture: pcap of Ethernet frames (802.1Q tags), IPv4/IPv6, TCP/UDP/
    ICMP; every TCP flow opens with SYN, SYN-ACK, ACK and its data is
    contiguous in each direction (no gap, no overlap);
  * the indicators: for every content and pcre rule, its anchor (the
    alphanumeric run holding the indicator token — a digit directly followed
    by one of "ghjklmnpqrsvwxz" — or, for binary contents, the bytes
    themselves) is searched in every flow's reassembled streams and datagrams;
    every address and CIDR of the IP-only rules is checked against every
    flow's endpoints;
  * the anchors and addresses occur exactly in the flows sightings.tsv lists
    for their rules: none missing, none extra. Rules sharing an anchor (a
    domain on dns.query, tls.sni and http.host) are compared as one: the
    anchor test is necessary, not sufficient, for a match (it ignores
    buffers, offset/depth and case), so "no extra" proves that no indicator
    occurs by accident, and "none missing" that every planted one is there.
  * for every expected sighting of a payload or pcre rule, the rule matches
    its flow: contents in order with offset/depth and distance/within (read
    strictly: depth and within count from the buffer start and the previous
    match end, so either reading of the modifiers accepts the match), then
    the pcre (Python's re, which has the lookbehind and backreference
    features those rules use) — on the stream of the rule's direction, the
    UDP datagrams, or the request URIs for http.uri.
Exit status 0 when all holds, 1 otherwise.
"""
import bisect
import ipaddress
import os
import re
import struct
import sys
from collections import defaultdict

TOKEN_PAIR = re.compile(rb"[0-9][ghjklmnpqrsvwxz]")
RUN = re.compile(rb"[a-z0-9]+")


def decode_content(s):
    """Suricata content text to bytes (|hex| groups and \\ escapes)."""
    out, i, hexmode = bytearray(), 0, False
    while i < len(s):
        c = s[i]
        if c == "|":
            hexmode = not hexmode
            i += 1
        elif hexmode:
            if c == " ":
                i += 1
            else:
                out.append(int(s[i:i + 2], 16))
                i += 2
        elif c == "\\":
            out += s[i + 1].encode()
            i += 2
        else:
            out += c.encode()
            i += 1
    return bytes(out)


def anchor_of(data):
    """The alphanumeric run holding a token (7 characters or more with a
    token pair), lowercased, else None."""
    for m in RUN.finditer(data.lower()):
        if len(m.group()) >= 7 and TOKEN_PAIR.search(m.group()):
            return m.group()
    return None


def rule_spec(hdr, line):
    """What the payload matcher needs: buffer, direction, contents, pcre."""
    spec = {"proto": hdr[1], "to_client": "to_client" in line, "buffer": "payload",
            "contents": [], "pcre": None}
    for opt in line[line.index("(") + 1:].split("; "):
        key, _, val = opt.partition(":")
        key = key.strip()
        if key in ("http.uri", "http.host", "http.user_agent", "dns.query", "tls.sni"):
            spec["buffer"] = key
        elif key == "content":
            spec["contents"].append({"bytes": decode_content(val[1:-1])})
        elif key == "nocase":
            spec["contents"][-1]["nocase"] = True
        elif key in ("offset", "depth", "distance", "within"):
            spec["contents"][-1][key] = int(val)
        elif key == "pcre":
            body = val.strip('"')
            re_src, flags = body[1:body.rindex("/")], body[body.rindex("/") + 1:]
            f = 0
            for ch, bit in (("i", re.I), ("s", re.S), ("m", re.M), ("x", re.X)):
                if ch in flags:
                    f |= bit
            spec["pcre"] = re.compile(re_src.encode("latin-1"), f)
    return spec


def match_contents(buf, contents, i=0, prev_end=None):
    """True when contents[i:] match buf in order (strict modifiers, see above)."""
    if i == len(contents):
        return True
    c = contents[i]
    pat = c["bytes"].lower() if c.get("nocase") else c["bytes"]
    hay = buf.lower() if c.get("nocase") else buf
    lo = c.get("offset", 0)
    hi = c.get("depth", len(buf))
    if prev_end is not None and "distance" in c:
        lo = max(lo, prev_end + c["distance"])
    if prev_end is not None and "within" in c:
        hi = min(hi, prev_end + c["within"])
    at = hay.find(pat, lo)
    while 0 <= at and at + len(pat) <= hi:
        if match_contents(buf, contents, i + 1, at + len(pat)):
            return True
        at = hay.find(pat, at + 1)
    return False


def rule_matches(spec, flow):
    if spec["buffer"] == "http.uri":
        bufs = re.findall(rb"^[A-Z]+ (\S+) HTTP/1\.[01]\r$", bytes(flow["data"][0]), re.M)
    elif spec["proto"] == "udp":
        bufs = flow["dgrams"][0]
    else:
        bufs = [bytes(flow["data"][1 if spec["to_client"] else 0])]
    for b in bufs:
        if match_contents(b, spec["contents"]) and (
                spec["pcre"] is None or spec["pcre"].search(b)):
            return True
    return False


def load_rules(rdir):
    text_anchors, raw_anchors, nets = defaultdict(set), defaultdict(set), []
    anchor_of_sid, specs = {}, {}
    content_re = re.compile(r'content:"((?:[^"\\]|\\.)*)"')
    pcre_re = re.compile(r'pcre:"/(.*)/[a-z]*";')
    for name in sorted(os.listdir(rdir)):
        if not name.endswith(".rules"):
            continue
        for line in open(os.path.join(rdir, name)):
            if not line.startswith("alert"):
                continue
            sid = int(re.search(r"sid:(\d+);", line).group(1))
            hdr = line[:line.index("(")].split()
            contents = [decode_content(c) for c in content_re.findall(line)]
            pcres = pcre_re.findall(line)
            if not contents and not pcres:
                for a in (hdr[2], hdr[5]):
                    if a not in ("$HOME_NET", "any"):
                        nets.append((ipaddress.ip_network(a, strict=False), sid))
                        anchor_of_sid[sid] = ("net", sid)
                continue
            if name in ("payload.rules", "pcre.rules"):
                specs[sid] = rule_spec(hdr, line)
            anchors = [anchor_of(c) for c in contents]
            for p in pcres:
                anchors.append(anchor_of(re.sub(r"\\x[0-9a-fA-F]{2}", " ", p).encode()))
            got = [a for a in anchors if a]
            if got:
                a = max(got, key=len)
                text_anchors[a].add(sid)
            else:  # binary contents: the longest one
                a = max(contents, key=len)
                raw_anchors[a].add(sid)
            anchor_of_sid[sid] = ("anchor", a)
    return text_anchors, raw_anchors, nets, anchor_of_sid, specs


def read_pcap(path):
    data = open(path, "rb").read()
    magic = struct.unpack_from("<I", data)[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), "not a little-endian pcap"
    off, n = 24, 0
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack_from("<IIII", data, off)
        yield data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        n += 1


def parse(frame):
    """(proto, src, sport, dst, dport, tcp_flags, seq, payload) or None."""
    et, off = struct.unpack_from("!H", frame, 12)[0], 14
    while et == 0x8100:
        et, off = struct.unpack_from("!H", frame, off + 2)[0], off + 4
    if et == 0x0800:
        ihl = (frame[off] & 15) * 4
        tot = struct.unpack_from("!H", frame, off + 2)[0]
        proto, src, dst = frame[off + 9], frame[off + 12:off + 16], frame[off + 16:off + 20]
        l4, end = off + ihl, off + tot
    elif et == 0x86DD:
        plen = struct.unpack_from("!H", frame, off + 4)[0]
        proto, src, dst = frame[off + 6], frame[off + 8:off + 24], frame[off + 24:off + 40]
        l4, end = off + 40, off + 40 + plen
    else:
        return None
    src, dst = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if proto == 6:
        sp, dp, seq = struct.unpack_from("!HHI", frame, l4)
        return ("TCP", src, sp, dst, dp, frame[l4 + 13], seq, frame[l4 + (frame[l4 + 12] >> 4) * 4:end])
    if proto == 17:
        sp, dp = struct.unpack_from("!HH", frame, l4)
        return ("UDP", src, sp, dst, dp, 0, 0, frame[l4 + 8:end])
    return ("ICMP", src, 0, dst, 0, 0, 0, frame[l4 + 8:end])


def main():
    d = sys.argv[1]
    text_anchors, raw_anchors, nets, anchor_of_sid, specs = load_rules(os.path.join(d, "rules"))
    by_len = defaultdict(set)
    for a in text_anchors:
        by_len[len(a)].add(a)
    flows, errors = {}, []
    for frame in read_pcap(os.path.join(d, "capture.pcap")):
        p = parse(frame)
        if not p:
            continue
        proto, src, sp, dst, dp, flags, seq, payload = p
        key = (proto, src, sp, dst, dp)
        rkey = (proto, dst, dp, src, sp)
        if rkey in flows:
            f, side = flows[rkey], 1
        else:
            f = flows.setdefault(key, {"data": [bytearray(), bytearray()], "next": [None, None],
                                       "dgrams": [[], []],
                                       "syn": flags == 0x02 if proto == "TCP" else True})
            side = 0
        if proto == "TCP":
            if flags & 0x02:
                f["next"][side] = seq + 1
            elif payload:
                if f["next"][side] != seq:
                    errors.append("%s: sequence gap or overlap" % (key,))
                f["next"][side] = seq + len(payload)
        f["data"][side] += payload
        if proto != "TCP" and payload:
            f["data"][side] += b"\0"  # datagram boundary
            f["dgrams"][side].append(payload)
    bad_open = [k for k, f in flows.items() if not f["syn"]]
    if bad_open:
        errors.append("%d TCP flows do not open with a SYN" % len(bad_open))

    found = set()
    blobs, starts, keys = [], [], []
    pos = 0
    for key, f in flows.items():
        for side in (0, 1):
            s = bytes(f["data"][side])
            starts.append(pos)
            keys.append(key)
            blobs.append(s)
            pos += len(s) + 1
            for m in RUN.finditer(s.lower()):
                run = m.group()
                if len(run) < 7 or not TOKEN_PAIR.search(run):
                    continue
                for n, cands in by_len.items():
                    for i in range(0, len(run) - n + 1):
                        if run[i:i + n] in cands:
                            found.add((("anchor", run[i:i + n]), key))
        for net, sid in nets:
            if key[1] in net or key[3] in net:
                found.add((("net", sid), key))
    whole = b"\n".join(blobs)
    for raw, sids in raw_anchors.items():
        i = whole.find(raw)
        while i >= 0:
            found.add((("anchor", raw), keys[bisect.bisect_right(starts, i) - 1]))
            i = whole.find(raw, i + 1)

    expected, semantic = set(), 0
    for line in open(os.path.join(d, "sightings.tsv")):
        if line.startswith("#"):
            continue
        sid, _, proto, c, cp, s, sp, _ = line.rstrip("\n").split("\t")
        key = (proto, ipaddress.ip_address(c), int(cp), ipaddress.ip_address(s), int(sp))
        expected.add((anchor_of_sid[int(sid)], key))
        if int(sid) in specs:
            semantic += 1
            if key not in flows or not rule_matches(specs[int(sid)], flows[key]):
                errors.append("rule %s does not match its flow %s" % (sid, key))
    missing, extra = expected - found, found - expected
    for m in sorted(missing, key=str)[:20]:
        errors.append("missing: %s in %s" % m)
    for m in sorted(extra, key=str)[:20]:
        errors.append("unexpected: %s in %s" % m)
    print("verify: %d flows, %d content/pcre anchors, %d addresses; %d expected (anchor, flow) "
          "pairs, %d found, %d missing, %d unexpected; %d payload/pcre sightings matched "
          "in full" % (len(flows), len(text_anchors) + len(raw_anchors), len(nets), len(expected),
                       len(found & expected), len(missing), len(extra),
                       semantic - sum(e.startswith("rule ") for e in errors)))
    for e in errors:
        print("verify:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
