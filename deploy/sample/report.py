"""Prints the sightings of a sample run as a table, then a summary.

Usage: report.py CAPTURE EVE.json STATS.json [EXPECTED.tsv]
Only the standard library: `make run` needs no scapy for this.
"""

import collections
import ipaddress
import json
import struct
import sys


def packets_in(path):
    """Packets in a pcap or pcapng file (for the summary if stats lack it)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    n = 0
    if magic == 0x0A0D0D0A:
        pos, e = 0, "<"
        while pos + 12 <= len(data):
            btype = struct.unpack(e + "I", data[pos:pos + 4])[0]
            if btype == 0x0A0D0D0A:
                e = "<" if struct.unpack("<I", data[pos + 8:pos + 12])[0] == 0x1A2B3C4D else ">"
            total = struct.unpack(e + "I", data[pos + 4:pos + 8])[0]
            n += btype in (3, 6)
            pos += max(total, 12)
        return n
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack(e + "I", data[pos + 8:pos + 12])[0]
        pos += 16 + incl
        n += 1
    return n


def flatten(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flatten(v, prefix + str(k) + ".")
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield prefix[:-1], obj


def stat(stats, *suffixes):
    for key, v in stats:
        for s in suffixes:
            if key == s or key.endswith("." + s):
                return v
    return None


def endpoint(ip, port):
    if port is None:
        return ip
    return ("[%s]:%s" if ":" in ip else "%s:%s") % (ip, port)


def main(argv):
    cap, eve, stats_path = argv[1:4]
    expected = argv[4] if len(argv) > 4 else None
    alerts = []
    with open(eve) as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                if rec.get("event_type") == "alert":
                    alerts.append(rec)
    alerts.sort(key=lambda r: r.get("timestamp", ""))
    print()
    print("%-26s %-8s %-12s %-45s %s" % ("time", "sid", "tlp", "src -> dst", "msg"))
    print("-" * 140)
    for r in alerts:
        a = r.get("alert", {})
        flow = "%s -> %s" % (endpoint(r.get("src_ip"), r.get("src_port")),
                             endpoint(r.get("dest_ip"), r.get("dest_port")))
        print("%-26s %-8s %-12s %-45s %s" % (r.get("timestamp", "")[:26], a.get("signature_id"),
                                              r.get("sighting", {}).get("tlp", ""), flow,
                                              a.get("signature", "")))
    try:
        with open(stats_path) as f:
            stats = list(flatten(json.load(f)))
    except (OSError, ValueError):
        stats = []
    pkts = stat(stats, "decode.pkts", "pkts", "packets")
    flows = stat(stats, "flow.created", "flows_created", "created")
    print()
    print("summary")
    print("  packets:    %s" % (pkts if pkts is not None else "%d (in the capture)" % packets_in(cap)))
    if flows is None:
        flows = "%d with sightings" % len({r.get("flow_id") for r in alerts})
    print("  flows:      %s" % flows)
    print("  sightings:  %d" % len(alerts))
    per = collections.Counter((r["alert"]["signature_id"], r["alert"].get("signature", "")) for r in alerts)
    for (sid, msg), n in sorted(per.items()):
        print("    %3d  %-8d %s" % (n, sid, msg))
    if expected:
        def norm(ip):
            return ipaddress.ip_address(ip).compressed

        want = collections.Counter()
        with open(expected) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    sid, proto, sip, sp, dip, dp = line.rstrip("\n").split("\t")
                    want[(int(sid), proto, norm(sip), sp, norm(dip), dp)] += 1
        got = collections.Counter(
            (r["alert"]["signature_id"], r.get("proto"), norm(r["src_ip"]), str(r.get("src_port", "-")),
             norm(r["dest_ip"]), str(r.get("dest_port", "-"))) for r in alerts)
        if got == want:
            print("  as expected (deploy/sample/expected.tsv)")
        else:
            print("  NOTE: differs from deploy/sample/expected.tsv: %d missing, %d unexpected"
                  % (sum((want - got).values()), sum((got - want).values())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
