#!/usr/bin/python3
"""compare.py — did the capture receive exactly what was sent?

    compare.py [--order global|flow] [--affinity] [--filter udp] [--sources N]
               [--nonempty] [--mode M] [--fallback TEXT] [--label L]
               SENT_CAPTURE... OUT_DIR
    compare.py --count [--filter udp] SENT_CAPTURE...

SENT_CAPTURE is the pcap/pcapng file that was injected (several: injected
one after the other); OUT_DIR holds what the capture driver wrote:
source-K.pcap per source and stats.json. Checks:

  - the frames received, over all sources, are the frames sent (byte for
    byte, VLAN tags included), as a multiset: nothing lost, nothing extra;
  - order: `global` (one source) — the same sequence; `flow` — within each
    source, the frames of every flow keep the order they were sent in;
  - --affinity: every flow (both directions) was delivered by one source;
  - stats.json: total and per-source packets and bytes equal what the
    files hold, and no kernel drop;
  - --sources N: the capture had N sources; --nonempty: each delivered
    something; --mode/--fallback: the mode used, and text in the reason
    auto gave for moving on.

--count prints how many frames are expected and exits.

--filter udp expects only the untagged IPv4/IPv6 UDP frames (what the
classic BPF filter "udp" passes). Prints one line with the figures; exits
1 with the first difference found.
"""
import argparse
import collections
import json
import pathlib
import struct
import sys

VLAN_TPIDS = (0x8100, 0x88A8, 0x9100)


def read_capture(path):
    """Frames (bytes) of a pcap or pcapng file, in order."""
    data = pathlib.Path(path).read_bytes()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(data)
    for endian in ("<", ">"):
        m = struct.unpack(endian + "I", magic)[0]
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise SystemExit(f"compare: {path}: not a pcap or pcapng file")
    out, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from(endian + "I", data, off + 8)[0]
        out.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return out


def read_pcapng(data):
    out, off, endian = [], 0, "<"
    while off + 12 <= len(data):
        btype = struct.unpack_from(endian + "I", data, off)[0]
        if btype == 0x0A0D0D0A:
            endian = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack_from(endian + "I", data, off + 4)[0]
        if btype == 6:  # EPB
            caplen = struct.unpack_from(endian + "I", data, off + 20)[0]
            out.append(data[off + 28:off + 28 + caplen])
        elif btype == 3:  # SPB
            wirelen = struct.unpack_from(endian + "I", data, off + 8)[0]
            out.append(data[off + 12:off + 12 + min(wirelen, blen - 16)])
        off += blen
    return out


def l3(frame):
    """(ethertype, offset of the L3 header, VLAN tag count)."""
    off, tags = 12, 0
    while off + 2 <= len(frame):
        et = struct.unpack_from("!H", frame, off)[0]
        if et in VLAN_TPIDS:
            off += 4
            tags += 1
            continue
        return et, off + 2, tags
    return None, len(frame), tags


def flow_key(frame):
    """Symmetric key (protocol and sorted endpoints), VLAN ignored: the
    kernel's symmetric flow hash ignores it too. Non-IP: the EtherType."""
    et, off, _ = l3(frame)
    proto, a, b, ports = None, None, None, (0, 0)
    if et == 0x0800 and off + 20 <= len(frame):
        ihl = (frame[off] & 15) * 4
        proto = frame[off + 9]
        a, b = frame[off + 12:off + 16], frame[off + 16:off + 20]
        frag = struct.unpack_from("!H", frame, off + 6)[0] & 0x3FFF
        l4 = off + ihl
        if not frag and proto in (6, 17) and l4 + 4 <= len(frame):
            ports = struct.unpack_from("!HH", frame, l4)
    elif et == 0x86DD and off + 40 <= len(frame):
        proto = frame[off + 6]
        a, b = frame[off + 8:off + 24], frame[off + 24:off + 40]
        l4 = off + 40
        if proto in (6, 17) and l4 + 4 <= len(frame):
            ports = struct.unpack_from("!HH", frame, l4)
    else:
        return ("l2", et)
    ends = sorted([(a, ports[0]), (b, ports[1])])
    return (proto, tuple(ends))


def is_untagged_udp(frame):
    et, off, tags = l3(frame)
    if tags:
        return False
    if et == 0x0800 and off + 20 <= len(frame):
        return frame[off + 9] == 17
    if et == 0x86DD and off + 40 <= len(frame):
        return frame[off + 6] == 17
    return False


def is_subsequence(sub, seq):
    it = iter(seq)
    return all(any(x == y for y in it) for x in sub)


def by_flow(frames):
    flows = collections.OrderedDict()
    for f in frames:
        flows.setdefault(flow_key(f), []).append(f)
    return flows


def expected(args, paths):
    sent = [f for p in paths for f in read_capture(p)]
    if args.filter == "udp":
        sent = [f for f in sent if is_untagged_udp(f)]
    elif args.filter:
        raise SystemExit(f"compare: unknown --filter {args.filter}")
    return sent


def check_run(args, stats, files):
    """The mode, fallback reason and sources; None when as expected."""
    if args.mode and stats["mode"] != args.mode:
        return f"mode {stats['mode']}, expected {args.mode} ({stats['fallback']})"
    if args.fallback is not None and args.fallback not in stats["fallback"]:
        return f"fallback reason {stats['fallback']!r} lacks {args.fallback!r}"
    if args.sources and len(files) != args.sources:
        return f"{len(files)} sources, expected {args.sources}"
    if args.nonempty and any(not fr for fr in files):
        return "a source delivered nothing: " + "/".join(str(len(fr)) for fr in files)
    return None


def check(args):
    sent = expected(args, args.files[:-1])
    out = pathlib.Path(args.files[-1])
    stats = json.loads((out / "stats.json").read_text())
    files = [read_capture(out / s["file"]) for s in stats["sources"]]
    got = [f for fr in files for f in fr]
    err = check_run(args, stats, files)
    if err:
        return err

    want_set, got_set = collections.Counter(sent), collections.Counter(got)
    if want_set != got_set:
        missing = sum((want_set - got_set).values())
        extra = sum((got_set - want_set).values())
        first = next(iter(want_set - got_set or got_set - want_set))
        return (f"{len(got)} frames received, {len(sent)} sent: {missing} missing, "
                f"{extra} unexpected (first: {first[:40].hex()}...)")
    if args.order == "global":
        if len(files) != 1:
            return f"global order needs one source, got {len(files)}"
        if files[0] != sent:
            i = next(k for k, (x, y) in enumerate(zip(files[0], sent)) if x != y)
            return f"frame {i + 1} out of order"
    want_flows = by_flow(sent)
    for k, fr in enumerate(files):
        for key, frames in by_flow(fr).items():
            if not is_subsequence(frames, want_flows[key]):
                return f"source {k}: flow {key} out of order"
    if args.affinity:
        owner = {}
        for k, fr in enumerate(files):
            for key in by_flow(fr):
                if owner.setdefault(key, k) != k:
                    return f"flow {key} delivered by sources {owner[key]} and {k}"

    total = stats["total"]
    if total["packets"] != len(got) or total["bytes"] != sum(map(len, got)):
        return (f"stats say {total['packets']} packets, {total['bytes']} bytes; "
                f"the files hold {len(got)}, {sum(map(len, got))}")
    for k, (s, fr) in enumerate(zip(stats["sources"], files)):
        if s["stats"]["packets"] != len(fr):
            return f"source {k}: stats say {s['stats']['packets']} packets, file holds {len(fr)}"
    if total["kernel_drops"] != 0:
        return f"{total['kernel_drops']} kernel drops"

    dist = "/".join(str(len(fr)) for fr in files)
    print(f"  ok  {args.label}: {len(got)} frames, {len(want_flows)} flows, "
          f"sources {dist} ({stats['mode']}"
          f"{', ' + stats['sources'][0]['name'] if stats['sources'] else ''})")
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--order", choices=("global", "flow"), default="global")
    ap.add_argument("--affinity", action="store_true")
    ap.add_argument("--filter")
    ap.add_argument("--label", default="")
    ap.add_argument("--sources", type=int)
    ap.add_argument("--nonempty", action="store_true")
    ap.add_argument("--mode")
    ap.add_argument("--fallback")
    ap.add_argument("--count", action="store_true")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    if args.count:
        print(len(expected(args, args.files)))
        return
    if len(args.files) < 2:
        ap.error("SENT_CAPTURE... OUT_DIR")
    err = check(args)
    if err:
        print(f"  FAIL {args.label}: {err}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
