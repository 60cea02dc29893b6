#!/usr/bin/env python3
"""Turns the benchmark's raw outputs into a table on stdout and results.json.

  report.py BENCH_DIR

Reads, in BENCH_DIR: runs.tsv (name, exit status, wall seconds, output file
of each run, written by run.sh), the sensor's stats-w<N>.json, rawscan.json,
machine.json, data/expected.json, data/capture.json, data/rules.json, and
every extra/<family>.json (later benchmark families: Kafka, capture modes).
Missing files and fields become null; nothing here asserts anything.
"""
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def get(obj, dotted):
    """obj["a"]["b"] for "a.b"; None when any step is missing."""
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def div(a, b):
    return a / b if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else None


def mul(a, k):
    return a * k if isinstance(a, (int, float)) else None


def sensor_figures(stats, run, expected):
    ns = get(stats, "elapsed_ns")
    packets = get(stats, "capture.packets")
    wire = get(stats, "capture.bytes")
    return {
        "exit_status": run.get("status"),
        "wall_seconds": run.get("wall"),
        "seconds": mul(ns, 1e-9),
        "packets": packets,
        "wire_bytes": wire,
        "packets_per_second": div(packets, mul(ns, 1e-9)),
        "gbps_wire": div(mul(wire, 8), ns),
        "ns_per_packet": div(ns, packets),
        "peak_rss_bytes": get(stats, "memory.peak_rss_bytes"),
        "rule_compile_seconds": mul(get(stats, "rules.compile_ns"), 1e-9),
        "rules_loaded": get(stats, "rules.loaded"),
        "rules_rejected": get(stats, "rules.rejected"),
        "memory_per_flow_bytes": get(stats, "memory.flow_bytes"),
        "flows_created": get(stats, "flow.created"),
        "flows_peak": get(stats, "flow.peak"),
        "alerts": get(stats, "detect.alerts"),
        "sightings_found": get(stats, "detect.sightings"),
        "sightings_expected": expected,
        "output_dropped": get(stats, "output.dropped"),
        "repeats_seconds": get(stats, "bench_repeats_seconds"),
    }


def fmt(v, spec="{:,.0f}"):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return spec.format(v)


def main():
    bdir = sys.argv[1]
    data = os.path.join(bdir, "data")
    runs = {}
    try:
        for line in open(os.path.join(bdir, "runs.tsv")):
            name, status, wall, out = line.rstrip("\n").split("\t")
            runs[name] = {"status": int(status),
                          "wall": float(wall) if wall != "-" else None, "file": out}
    except OSError:
        pass
    expected_doc = load(os.path.join(data, "expected.json")) or {}
    expected = expected_doc.get("expected_sightings")
    capture = load(os.path.join(data, "capture.json")) or {}
    rules = load(os.path.join(data, "rules.json")) or {}
    raw = load(os.path.join(bdir, "rawscan.json")) or {}

    res = {
        "schema": "spotter-bench/1",
        "machine": load(os.path.join(bdir, "machine.json")),
        "data": {"capture": capture, "rules": rules, "expected": expected_doc},
        "sensor": {},
        "raw_scan": dict(raw, exit_status=get(runs, "rawscan.status"),
                         wall_seconds=get(runs, "rawscan.wall")) if "rawscan" in runs else None,
    }
    for name in sorted(runs):
        if name.startswith("spotter-w") and "-r" not in name:
            n = int(name[len("spotter-w"):])
            stats = load(runs[name]["file"])
            res["sensor"]["workers_%d" % n] = sensor_figures(stats, runs[name], expected)

    w1 = res["sensor"].get("workers_1", {})
    w2 = res["sensor"].get("workers_2", {})
    res["comparisons"] = {
        "ratio_to_raw_scan": div(raw.get("seconds"), w1.get("seconds")),
        "ratio_to_raw_scan_basis": "raw_scan_seconds / spotter_seconds over the same capture: "
                                   "one hs_scan pass over every TCP/UDP payload vs. the "
                                   "sensor's 1-worker packet processing time (elapsed_ns)",
        "speedup_2_over_1": div(w1.get("seconds"), w2.get("seconds")),
    }
    # Later benchmark families (Kafka throughput/latency, XDP and capture
    # modes) drop extra/<family>.json; each lands under "families".
    res["families"] = {"kafka": None, "capture_modes": None}
    edir = os.path.join(bdir, "extra")
    if os.path.isdir(edir):
        for f in sorted(os.listdir(edir)):
            if f.endswith(".json"):
                res["families"][f[:-5]] = load(os.path.join(edir, f))

    with open(os.path.join(bdir, "results.json"), "w") as f:
        json.dump(res, f, indent=2, sort_keys=False)
        f.write("\n")

    m = res["machine"] or {}
    print("spotter benchmark (figures only, nothing asserted)")
    print("  machine: %s, %s cores, Linux %s, Hyperscan %s; spotter %s" % (
        m.get("cpu"), m.get("cores"), m.get("kernel"), m.get("hyperscan"), m.get("git_revision")))
    print("  capture: %s packets, %s MB of frames, %s flows; rules: %s (%s content options)" % (
        fmt(capture.get("packets")), fmt(div(capture.get("wire_bytes"), 1e6), "{:,.1f}"),
        fmt(capture.get("flows")), fmt(rules.get("rules")), fmt(rules.get("content_options"))))
    cols = [("1 worker", w1), ("2 workers", w2)]
    rows = [
        ("packets/s", "packets_per_second", "{:,.0f}"),
        ("Gbit/s (wire bytes)", "gbps_wire", "{:.3f}"),
        ("ns per packet", "ns_per_packet", "{:,.1f}"),
        ("processing seconds", "seconds", "{:.3f}"),
        ("wall seconds (incl. load)", "wall_seconds", "{:.2f}"),
        ("peak RSS (MB)", None, None),
        ("rule compile (s)", "rule_compile_seconds", "{:.3f}"),
        ("memory per flow (bytes)", "memory_per_flow_bytes", "{:,.0f}"),
        ("rules loaded / rejected", None, None),
        ("sightings found / expected", None, None),
        ("output dropped", "output_dropped", "{:,.0f}"),
    ]
    print()
    print("  %-28s %16s %16s" % ("", cols[0][0], cols[1][0]))
    for label, key, spec in rows:
        vals = []
        for _, c in cols:
            if label.startswith("peak RSS"):
                vals.append(fmt(div(c.get("peak_rss_bytes"), 1 << 20), "{:,.1f}"))
            elif label.startswith("rules loaded"):
                vals.append("%s / %s" % (fmt(c.get("rules_loaded")), fmt(c.get("rules_rejected"))))
            elif label.startswith("sightings"):
                vals.append("%s / %s" % (fmt(c.get("sightings_found")), fmt(c.get("sightings_expected"))))
            else:
                vals.append(fmt(c.get(key), spec))
        print("  %-28s %16s %16s" % (label, vals[0], vals[1]))
    print()
    print("  raw Hyperscan scan: %s Gbit/s of payload, %s Gbit/s of wire bytes, %s s per pass "
          "(%s literals, compiled in %s s)" % (
              fmt(raw.get("gbps_payload"), "{:.2f}"), fmt(raw.get("gbps_wire"), "{:.2f}"),
              fmt(raw.get("seconds"), "{:.3f}"), fmt(raw.get("literals")),
              fmt(raw.get("compile_seconds"), "{:.3f}")))
    c = res["comparisons"]
    print("  spotter 1 worker vs. raw-scan ceiling: %s (raw_scan_seconds / spotter_seconds over "
          "the same capture)" % fmt(c["ratio_to_raw_scan"], "{:.3f}"))
    print("  speed-up of 2 workers over 1: %s" % fmt(c["speedup_2_over_1"], "{:.2f}x"))
    for name, r in sorted(runs.items()):
        if r["status"] != 0:
            print("  note: %s exited with status %d" % (name, r["status"]))
    k = res["families"].get("kafka")
    if k:
        print()
        print("  Kafka, sightings to a local broker (acks=all):")
        for rate in ("500000", "250000"):
            r = k.get("target_%s_per_s" % rate) or {}
            print("    offered %s/s for %s s: %s delivered/s, latency p50 %s ms, p99 %s ms; "
                  "%s dropped at a full ring, %s spooled" % (
                      fmt(int(rate)), fmt(r.get("seconds"), "{:.0f}"),
                      fmt(r.get("delivered_per_second")),
                      fmt(div(r.get("latency_p50_us"), 1000), "{:.1f}"),
                      fmt(div(r.get("latency_p99_us"), 1000), "{:.1f}"),
                      fmt(r.get("ring_dropped")), fmt(r.get("spooled"))))
    cm = res["families"].get("capture_modes")
    if cm and not cm.get("skipped"):
        print()
        print("  Live capture on veth (one injecting core; see families.capture_modes.basis):")
        for path, v in (cm.get("prefilter") or {}).items():
            if v:
                print("    pre-filter, %-8s %s packets/s, %s ns of softirq CPU per packet "
                      "(%s dropped in XDP, %s inspected)" % (
                          path, fmt(v.get("packets_per_second")), fmt(v.get("softirq_ns_per_packet")),
                          fmt(v.get("xdp_dropped")), fmt(v.get("inspected"))))
        prog = (cm.get("xdp_program") or {}).get("no_excludes") or {}
        for name in ("IPv4 TCP drop (filtered)", "IPv4 TCP pass (wanted)", "IPv4 indicator pass"):
            v = prog.get(name)
            if v:
                print("    XDP program alone, %-25s %s packets/s per core (%s ns)" % (
                    name, fmt(v.get("packets_per_second_per_core")), fmt(v.get("ns_per_packet"))))
        for m, v in (cm.get("modes") or {}).items():
            if v:
                print("    %-12s %s packets/s inspected (%s Gbit/s), %s kernel drops, %s alerts" % (
                    m, fmt(v.get("inspected_per_second")), fmt(v.get("inspected_gbps"), "{:.2f}"),
                    fmt(v.get("kernel_drops")), fmt(v.get("alerts"))))
    elif cm:
        print("  capture modes: skipped (%s)" % cm.get("skipped"))
    for fam, v in res["families"].items():
        if v is not None and fam not in ("kafka", "capture_modes"):
            print("  %s: see results.json families.%s" % (fam, fam))
    print("  results: %s" % os.path.join(bdir, "results.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
