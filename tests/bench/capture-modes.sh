#!/bin/bash
# capture-modes.sh OUT.json — the live-capture family of make bench (root).
#
#   xdp_program   the XDP program's cost per packet on one core, by path
#                 (BPF_PROG_TEST_RUN, repeat 1e6), as packets/s per core
#   prefilter     on a veth pair in namespaces of our own: spotter
#                 (afpacket) with rules that want TCP 80 and UDP 53; 64-byte
#                 segments to port 9999 are dropped in XDP, to port 80 passed
#                 to user space: packets/s through each path, and the CPU
#                 time the receiving side spent per packet
#   modes         the benchmark capture (the same packets and rules as the
#                 offline figures) injected at full speed into spotter in
#                 each mode: packets and Gbit/s inspected, kernel drops,
#                 XDP filtered, alerts (against offline replay's)
#
# The injector (spotter-replay, one AF_PACKET socket) shares the machine's
# cores with the receiving side, and on veth the receive path runs in the
# injector's softirq, so the veth figures are bounded by one injecting
# core; the per-core program cost is the figure a NIC would see.
# Writes OUT.json (one object); prints a line per measurement. Skips (exit
# 0, "skipped" in the JSON) without root, veth or the benchmark data.
set -u
cd "$(dirname "$0")/../.." || exit 1
OUTJSON=${1:?usage: capture-modes.sh OUT.json}
BUILD=${BUILD:-build}
PY=/usr/bin/python3
SPOTTER=$BUILD/spotter
REPLAY=$BUILD/spotter-replay
DATA=$BUILD/bench/data
W=$BUILD/bench/capture-modes
LOOPS=${BENCH_XDP_LOOPS:-400}

skip_all() {
	echo "bench: capture modes skipped: $*"
	printf '{"skipped": "%s"}\n' "$*" >"$OUTJSON"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root"
# lib.sh's skip/fail exit; here a skip must still write the JSON
. tests/netns/lib.sh
skip() { skip_all "$*"; }
rm -rf "$W"
mkdir -p "$W"
$PY tools/craft/craft.py build tests/bench/xdp/scenario.py "$W/caps" >/dev/null ||
	skip_all "cannot craft the traffic (python3-scapy)"
netns_init
netns_pair 0 1
IF=$(cap_if 0)

# ---- the program alone -----------------------------------------------------------
"$BUILD/tests/xdp/test_xdp_prog" --bench >"$W/prog.txt" 2>&1 ||
	echo "bench: test_xdp_prog --bench failed (see $W/prog.txt)"

# ---- spotter runs ----------------------------------------------------------------
SPID=""
start() { # start NAME ARGS...: spotter on IF until stopped
	local name=$1 i
	shift
	ip netns exec "$NS_CAP" "$SPOTTER" -i "$IF" -e "$W/$name.eve.json" \
		--stats-json "$W/$name.stats.json" -v "$@" >"$W/$name.log" 2>&1 &
	SPID=$!
	for i in $(seq 3000); do
		grep -q "running with" "$W/$name.log" 2>/dev/null && return 0
		kill -0 "$SPID" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}
stop() {
	kill -TERM "$SPID" 2>/dev/null
	wait "$SPID"
	SPID=""
}
# cpu_softirq: the softirq jiffies of every CPU (the veth receive path)
softirq() { awk '/^cpu / {print $8}' /proc/stat; }

# inject NAME FILE ARGS...: injector summary into NAME.inject
inject() {
	local name=$1 file=$2
	shift 2
	in_inj "$REPLAY" -i "$(inj_if 0)" "$@" "$file" >"$W/$name.inject" 2>&1
}

echo "bench: XDP pre-filter on veth ($LOOPS x 1,024 packets per path)"
for path in filtered wanted; do
	if start "prefilter-$path" --capture afpacket -R tests/netns/live/rules \
		--set HOME_NET=10.50.0.0/16 -w 1; then
		s0=$(softirq)
		t0=$(date +%s%N)
		inject "prefilter-$path" "$W/caps/$path.pcap" --loop "$LOOPS"
		t1=$(date +%s%N)
		s1=$(softirq)
		sleep 0.3
		stop
		echo "$((s1 - s0)) $(getconf CLK_TCK) $((t1 - t0))" >"$W/prefilter-$path.cpu"
	else
		echo "bench: spotter did not start (see $W/prefilter-$path.log)"
		[ -n "$SPID" ] && stop
	fi
done

CAP=$DATA/capture.pcap
modes="afxdp afpacket afpacket-w2 pcap"
[ -f "$CAP" ] || modes=""
for m in $modes; do
	mode=${m%-w2}
	workers=1
	[ "$m" != "$mode" ] && workers=2
	echo "bench: capture to sightings, $m (the benchmark capture at full speed)"
	if start "mode-$m" --capture "$mode" -R "$DATA/rules" -w "$workers"; then
		inject "mode-$m" "$CAP"
		sleep 1
		stop
	else
		echo "bench: spotter did not start in $m (see $W/mode-$m.log)"
		[ -n "$SPID" ] && stop
	fi
done

# ---- the figures -------------------------------------------------------------------
$PY - "$W" "$IF" "$OUTJSON" "$modes" <<'PYEOF'
import json, os, re, sys
w, ifname, out, modes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()

def load(p):
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None

def injected(name):
    try:
        line = open(os.path.join(w, name + ".inject")).read().split("\n")[0]
    except OSError:
        return {}
    return {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", line)}

res = {"basis": "veth pair in network namespaces; spotter-replay injects from one AF_PACKET "
                "socket; on veth the receive path (XDP, AF_PACKET or AF_XDP) runs in the "
                "injector's softirq on the same core, so veth rates are bounded by one "
                "injecting core. xdp_program is the program alone (BPF_PROG_TEST_RUN)."}

prog = {}
section = None
try:
    for line in open(os.path.join(w, "prog.txt")):
        if line.startswith("no operator"):
            section = "no_excludes"
        elif line.startswith("with excluded"):
            section = "with_excludes"
        m = re.match(r"\s+(.+?)\s+(\d+) ns/packet", line)
        if m and section:
            ns = int(m.group(2))
            prog.setdefault(section, {})[m.group(1)] = {
                "ns_per_packet": ns, "packets_per_second_per_core": round(1e9 / ns) if ns else None}
except OSError:
    pass
res["xdp_program"] = prog

pf = {}
for path in ("filtered", "wanted"):
    st = load(os.path.join(w, "prefilter-%s.stats.json" % path))
    inj = injected("prefilter-" + path)
    if not st or not inj:
        pf[path] = None
        continue
    x = st["live"]["xdp"].get(ifname, {})
    try:
        soft, hz, ns = [int(v) for v in open(os.path.join(w, "prefilter-%s.cpu" % path)).read().split()]
    except (OSError, ValueError):
        soft, hz, ns = 0, 100, 0
    secs = inj.get("seconds") or 0
    pf[path] = {
        "sent": int(inj.get("packets", 0)),
        "seconds": secs,
        "packets_per_second": round(inj["packets"] / secs) if secs else None,
        "xdp_dropped": x.get("xdp.drop_filtered"),
        "xdp_passed": x.get("xdp.pass_wanted"),
        "inspected": st["capture"]["packets"],
        "kernel_drops": st["live"]["kernel_drops"],
        "softirq_cpu_seconds": soft / hz,
        "softirq_ns_per_packet": round(soft / hz * 1e9 / inj["packets"]) if inj.get("packets") else None,
    }
res["prefilter"] = pf

md = {}
for m in modes:
    st = load(os.path.join(w, "mode-%s.stats.json" % m))
    inj = injected("mode-" + m)
    if not st or not inj:
        md[m] = None
        continue
    secs = inj.get("seconds") or 0
    live = st["live"]
    x = live["xdp"].get(ifname, {})
    md[m] = {
        "mode": live["mode"],
        "workers": st["workers"],
        "sent": int(inj.get("packets", 0)),
        "sent_gbps": round(inj.get("mbps", 0) / 1000, 3),
        "seconds": secs,
        "inspected": st["capture"]["packets"],
        "inspected_per_second": round(st["capture"]["packets"] / secs) if secs else None,
        "inspected_gbps": round(st["capture"]["bytes"] * 8 / secs / 1e9, 3) if secs else None,
        "xdp_filtered": x.get("xdp.drop_filtered"),
        "kernel_drops": live["kernel_drops"],
        "alerts": st["detect"]["alerts"],
        "workers_cpu_seconds": [round(c / 1e9, 3) for c in st.get("workers_cpu_ns", [])],
    }
res["modes"] = md
json.dump(res, open(out, "w"), indent=1)

for path, v in pf.items():
    if v:
        print("  pre-filter %-8s %9s packets/s on veth, %s ns softirq CPU per packet; %s dropped in "
              "XDP, %s inspected" % (path, "{:,}".format(v["packets_per_second"] or 0),
                                    v["softirq_ns_per_packet"], v["xdp_dropped"], v["inspected"]))
for name, v in (prog.get("no_excludes") or {}).items():
    print("  XDP program %-26s %4d ns/packet = %s packets/s per core" % (
        name, v["ns_per_packet"], "{:,}".format(v["packets_per_second_per_core"] or 0)))
for m, v in md.items():
    if v:
        print("  %-12s sent %s packets (%.2f Gbit/s); inspected %s/s (%.2f Gbit/s), %s filtered "
              "in XDP, %s kernel drops, %s alerts" % (
                  m, "{:,}".format(v["sent"]), v["sent_gbps"],
                  "{:,}".format(v["inspected_per_second"] or 0), v["inspected_gbps"] or 0,
                  v["xdp_filtered"], v["kernel_drops"], v["alerts"]))
PYEOF
