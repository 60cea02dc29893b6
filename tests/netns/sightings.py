#!/usr/bin/python3
"""sightings.py — the live sensor's alerts against offline replay's.

    sightings.py [--label L] OFFLINE_EVE LIVE_EVE
    sightings.py get STATS_JSON PATH        print one value of a stats file

Compares the alert records of two EVE files as multisets of (sid, proto,
src_ip, src_port, dest_ip, dest_port): times differ between a capture
file and the wire, what fired on which flow must not. Prints one line;
exits 1 with both sides' differences. PATH is slash-separated
(live/xdp/IF/xdp.drop_filtered); a list index is a number; a missing
key prints nothing and exits 1.
"""
import collections
import json
import sys


def alerts(path):
    out = collections.Counter()
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            if d.get("event_type") != "alert":
                continue
            out[(d["alert"]["signature_id"], d.get("proto"), d.get("src_ip"),
                 d.get("src_port"), d.get("dest_ip"), d.get("dest_port"))] += 1
    return out


def get(stats, path):
    v = json.load(open(stats))
    for k in path.split("/"):
        if isinstance(v, list):
            v = v[int(k)]
        elif isinstance(v, dict) and k in v:
            v = v[k]
        else:
            return 1
    print(v)
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "get":
        return get(argv[2], argv[3])
    label = ""
    if len(argv) > 2 and argv[1] == "--label":
        label, argv = argv[2] + ": ", argv[2:]
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    want, got = alerts(argv[1]), alerts(argv[2])
    if want == got:
        print("%s%d alerts, the same as offline replay" % (label, sum(got.values())))
        return 0
    print("%salerts differ from offline replay" % label)
    for k in sorted((want - got).keys(), key=str):
        print("  missing live: %s" % (k,))
    for k in sorted((got - want).keys(), key=str):
        print("  extra live:   %s" % (k,))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
