#!/bin/bash
# sensor.sh MODE — build/spotter -i in MODE (afxdp, afpacket, pcap, auto)
# on veth pairs in two network namespaces of our own, captures injected
# from the peer with spotter-replay. Every case asserts exact results:
#
#   replay      the sample and the crafted vlan, qinq, ipv6, ipv4-frag and
#               ipv6-frag captures (two workers where the mode fans out): the alerts (sid and flow) are those `spotter -r`
#               gives on the same file; every packet the pre-filter passed
#               was inspected; no kernel drop
#   prefilter   (XDP modes) ports no rule wants are dropped in XDP, by
#               counter, packet for packet; what rules want passes; address
#               indicators pass and their per-indicator hit counters count
#               exactly their packets; (pcap) the classic BPF filter passes
#               exactly the wanted and indicator packets
#   bypass      (afxdp, afpacket) a flow past stream depth in both
#               directions is handed to XDP: its later packets stop there
#               (counted), user space never sees them, its alert stands
#   reload      (afpacket) SIGHUP under steady traffic: a rule added by the
#               reload fires on a flow after it and not on the same traffic
#               before it (XDP dropped that port then); every packet sent is
#               accounted for (inspected or filtered), none dropped
#   user        (afpacket) --user nobody: the process keeps only CAP_BPF,
#               still captures, and a reload (new XDP maps) still works
#   kill        (afpacket) after SIGKILL, nothing is left on the interface
#
# SIGTERM must end the sensor with status 0 within 5 s in every case, with
# everything inspected written. Exit: 0 passed, 1 failed, 77 skipped (the
# kernel lacks a feature). Outputs stay under $BUILD/netns/sensor-MODE.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
MODE=${1:?usage: sensor.sh afxdp|afpacket|pcap|auto}
PY=/usr/bin/python3
SPOTTER=$BUILD/spotter
REPLAY=$BUILD/spotter-replay
WORK=$BUILD/netns/sensor-$MODE
CAPS=$BUILD/netns/captures
LIVE=tests/netns/live
WAIT_S=5

. tests/netns/lib.sh

for f in "$SPOTTER" "$REPLAY"; do
	[ -x "$f" ] || fail "$f is missing (make)"
done
case $MODE in
afxdp | afpacket | pcap | auto) ;;
*) fail "unknown mode $MODE" ;;
esac
$PY -c 'import scapy' 2>/dev/null || skip "no scapy for $PY: the crafted captures cannot be built"

FAILED=0
bad() {
	echo "  FAIL $MODE $CASE: $*" >&2
	FAILED=1
}
good() {
	echo "  ok $MODE $CASE: $*"
}

# ---- the sensor --------------------------------------------------------------
SPID=""
OUT=""

# spotter_start IF ARGS...: the sensor on IF in the capture namespace,
# results under $OUT; returns once it captures.
spotter_start() {
	local ifname=$1 i
	shift
	rm -rf "$OUT"
	mkdir -p "$OUT"
	chmod 777 "$OUT"
	# not through in_cap: $! must be the sensor itself
	ip netns exec "$NS_CAP" "$SPOTTER" -i "$ifname" --capture "$MODE" -e "$OUT/eve.json" \
		--stats-json "$OUT/stats.json" -v "$@" >"$OUT/log" 2>&1 &
	SPID=$!
	for i in $(seq $((WAIT_S * 100))); do
		grep -q "running with" "$OUT/log" 2>/dev/null && return 0
		if ! kill -0 "$SPID" 2>/dev/null; then
			wait "$SPID"
			SPID=""
			cat "$OUT/log" >&2
			return 1
		fi
		sleep 0.01
	done
	cat "$OUT/log" >&2
	fail "the sensor did not start within ${WAIT_S}s"
}

# Packets the sensor has inspected so far (SIGUSR1 prints the summary).
spotter_seen() {
	local before after i
	before=$(grep -c "^capture: live" "$OUT/log")
	kill -USR1 "$SPID" 2>/dev/null || return 1
	for i in $(seq 100); do
		after=$(grep -c "^capture: live" "$OUT/log")
		[ "$after" -gt "$before" ] && break
		sleep 0.01
	done
	grep "^capture: live" "$OUT/log" | tail -n 1 | sed -n 's/.*: \([0-9]*\) packets,.*/\1/p'
}

# spotter_wait N: until the sensor has inspected N packets (bounded).
spotter_wait() {
	local want=$1 seen="" i
	for i in $(seq $((WAIT_S * 10))); do
		seen=$(spotter_seen)
		[ "${seen:-0}" -ge "$want" ] && return 0
		sleep 0.1
	done
	echo "  (waited ${WAIT_S}s: ${seen:-?} of $want packets inspected)" >&2
	return 1
}

# SIGTERM: the sensor must exit 0 within WAIT_S seconds.
spotter_stop() {
	local rc
	[ -n "$SPID" ] || return 1
	stop_pid "$SPID" "$WAIT_S"
	rc=$?
	SPID=""
	if [ "$rc" = 124 ]; then
		bad "the sensor did not stop within ${WAIT_S}s of SIGTERM"
	elif [ "$rc" != 0 ]; then
		bad "the sensor exited with $rc"
		tail -n 20 "$OUT/log" >&2
	fi
	return "$rc"
}

# After SIGHUP: until the log says generation N is in use.
wait_reload() {
	wait_grep "$OUT/log" "rules reloaded: generation $1" "$WAIT_S" ||
		bad "no reload to generation $1 within ${WAIT_S}s"
}

stat() {
	$PY tests/netns/sightings.py get "$OUT/stats.json" "$1"
}

# expect_stat PATH VALUE
expect_stat() {
	local v
	v=$(stat "$1")
	if [ "$v" = "$2" ]; then
		good "$1 = $v"
	else
		bad "$1 is ${v:-missing}, expected $2"
	fi
}

# ---- injection ----------------------------------------------------------------
SENT=0

# inject FILE [REPLAY ARGS...]: sends FILE from the injector end; SENT is
# the number of packets it sent.
inject() {
	local file=$1 line
	shift
	line=$(in_inj "$REPLAY" -i "$(inj_if 0)" "$@" "$file") || {
		bad "spotter-replay failed: $line"
		return 1
	}
	SENT=$(echo "$line" | sed -n 's/^packets=\([0-9]*\) .*/\1/p')
}

# offline OUT_EVE ARGS... FILE...: `spotter -r` over each file in turn.
offline() {
	local eve=$1 f
	shift
	local -a args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	: >"$eve"
	for f in "$@"; do
		"$SPOTTER" -r "$f" -e - -q "${args[@]}" >>"$eve" || bad "offline replay of $f failed"
	done
}

same_alerts() {
	$PY tests/netns/sightings.py --label "$MODE $CASE" "$OUT/offline.json" "$OUT/eve.json" ||
		FAILED=1
}

# ---- captures ------------------------------------------------------------------
craft() {
	local src=$1 dir=$2
	mkdir -p "$dir"
	if [ ! -f "$dir/.built" ] || [ -n "$(find "$(dirname "$src")" tools/craft -newer "$dir/.built" \
		-name '*.py' | head -1)" ]; then
		$PY tools/craft/craft.py build "$src" "$dir" >/dev/null || fail "crafting $src failed"
		touch "$dir/.built"
	fi
}
for sc in vlan qinq ipv6 ipv4-frag ipv6-frag; do
	craft "tests/replay/$sc/scenario.py" "$CAPS/$sc"
done
craft "$LIVE/scenario.py" "$CAPS/live"
L=$CAPS/live

# The rule arguments of a replay case: its rules and its args file (@FILE
# words read FILE).
case_args() {
	local c=tests/replay/$1 w
	echo "-R $c/rules"
	[ -f "$c/args" ] || return 0
	for w in $(grep -v '^#' "$c/args"); do
		case $w in
		@*) grep -v '^#' "${w#@}" ;;
		--strict-rules) ;;
		*) echo "$w" ;;
		esac
	done
}

# ---- kernel features -----------------------------------------------------------
netns_init
if ! $PY -c 'import socket; socket.socket(44, socket.SOCK_RAW, 0)' 2>/dev/null; then
	[ "$MODE" = afxdp ] && skip "$MODE: this kernel has no AF_XDP sockets"
fi
netns_pair 0 1
IF=$(cap_if 0)
XDP=yes
[ "$MODE" = pcap ] && XDP=no
LARGS=(-R "$LIVE/rules" --set HOME_NET=10.50.0.0/16)

echo "netns sensor: $MODE (namespaces $NS_CAP, $NS_INJ)"

# ---- replay: the same alerts as offline ----------------------------------------------
for c in sample vlan qinq ipv6 ipv4-frag ipv6-frag; do
	CASE=replay-$c
	OUT=$WORK/$CASE
	if [ "$c" = sample ]; then
		file=deploy/sample/utility-span.pcap
	else
		file=$CAPS/$c/input.pcap
	fi
	# shellcheck disable=SC2046
	set -- $(case_args "$c")
	spotter_start "$IF" -w 2 "$@" || { bad "the sensor did not start"; continue; }
	inject "$file" || { spotter_stop; continue; }
	# what XDP passed (the rest it filtered) must all be inspected
	sleep 0.2
	spotter_wait 1 >/dev/null
	spotter_stop || continue
	offline "$OUT/offline.json" "$@" -- "$file"
	same_alerts
	expect_stat live/kernel_drops 0
	inspected=$(stat capture/packets)
	if [ "$XDP" = yes ]; then
		filtered=$(stat "live/xdp/$IF/xdp.drop_filtered")
		[ $((inspected + filtered)) = "$SENT" ] ||
			bad "inspected $inspected + filtered $filtered != sent $SENT"
	else
		[ "$inspected" -le "$SENT" ] || bad "inspected $inspected > sent $SENT"
	fi
done

# ---- the pre-filter: ports, protocols, indicators ------------------------------------
CASE=prefilter
OUT=$WORK/$CASE
if spotter_start "$IF" "${LARGS[@]}"; then
	inject "$L/wanted.pcap"
	wanted=$SENT
	inject "$L/unwanted.pcap"
	unwanted=$SENT
	inject "$L/indicator.pcap"
	indicator=$SENT
	spotter_wait $((wanted + indicator))
	spotter_stop
	offline "$OUT/offline.json" "${LARGS[@]}" -- "$L/wanted.pcap" "$L/unwanted.pcap" \
		"$L/indicator.pcap"
	same_alerts
	expect_stat capture/packets $((wanted + indicator))
	expect_stat live/kernel_drops 0
	if [ "$XDP" = yes ]; then
		X="live/xdp/$IF"
		expect_stat "$X/xdp.drop_filtered" "$unwanted"
		expect_stat "$X/xdp.pass_wanted" "$wanted"
		expect_stat "$X/xdp.pass_indicator" "$indicator"
		# hit counters by indicator: 2 ICMP for 1003, the whole TCP session for 1004
		hits=$($PY - "$OUT/stats.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%d:%d" % (h["sid"], h["packets"])
               for h in sorted(d["live"]["indicator_hits"], key=lambda h: h["sid"])))
PYEOF
)
		want_hits="1003:2 1004:$((indicator - 2))"
		[ "$hits" = "$want_hits" ] && good "indicator hits $hits" ||
			bad "indicator hits \"$hits\", expected \"$want_hits\""
	fi
else
	bad "the sensor did not start"
fi

# ---- bypass after stream depth ------------------------------------------------------
if [ "$MODE" = afxdp ] || [ "$MODE" = afpacket ]; then
	CASE=bypass
	OUT=$WORK/$CASE
	if spotter_start "$IF" "${LARGS[@]}" -o stream.depth=2k; then
		inject "$L/bypass1.pcap"
		first=$SENT
		spotter_wait "$first"
		sleep 0.2 # the bypass entry is in the map once the worker saw depth
		inject "$L/bypass2.pcap"
		second=$SENT
		sleep 0.3
		spotter_stop
		offline "$OUT/offline.json" "${LARGS[@]}" -o stream.depth=2k -- "$L/bypass1.pcap" \
			"$L/bypass2.pcap"
		same_alerts
		expect_stat worker/flows_bypassed 1
		expect_stat "live/xdp/$IF/xdp.drop_bypass" "$second"
		expect_stat capture/packets "$first"
	else
		bad "the sensor did not start"
	fi
fi

# ---- reload under traffic ------------------------------------------------------------
if [ "$MODE" = afpacket ]; then
	CASE=reload
	OUT=$WORK/$CASE
	rules=$WORK/reload.rules
	cp "$LIVE/rules" "$rules"
	if spotter_start "$IF" -R "$rules" --set HOME_NET=10.50.0.0/16; then
		# steady DNS queries (wanted: port 53) throughout, 2,000 packets/s
		in_inj "$REPLAY" -i "$(inj_if 0)" --loop 10 --pps 2000 -q "$L/background.pcap" &
		bg=$!
		inject "$L/before.pcap"
		before=$SENT
		sleep 0.1
		cp "$LIVE/rules-reload" "$rules"
		kill -HUP "$SPID"
		wait_reload 2
		inject "$L/after.pcap"
		after=$SENT
		wait "$bg"
		background=1000
		spotter_wait $((background + after))
		spotter_stop
		# offline: before.pcap under the old rules, after.pcap under the new
		offline "$OUT/offline.json" -R "$LIVE/rules" --set HOME_NET=10.50.0.0/16 -- \
			"$L/before.pcap"
		offline "$OUT/offline-after.json" -R "$LIVE/rules-reload" --set HOME_NET=10.50.0.0/16 \
			-- "$L/after.pcap"
		cat "$OUT/offline-after.json" >>"$OUT/offline.json"
		same_alerts
		expect_stat live/reloads 1
		expect_stat live/generation 2
		expect_stat live/kernel_drops 0
		X="live/xdp/$IF"
		total=$(stat "$X/xdp.packets")
		filtered=$(stat "$X/xdp.drop_filtered")
		inspected=$(stat capture/packets)
		[ "$total" = $((background + before + after)) ] ||
			bad "XDP saw $total packets, $((background + before + after)) were sent"
		# nothing lost to the reload: each packet inspected or filtered
		if [ $((inspected + filtered)) = "$total" ] && [ "$filtered" = "$before" ]; then
			good "$inspected inspected + $filtered filtered (the port before the reload) = $total sent"
		else
			bad "inspected $inspected + filtered $filtered != sent $total (before: $before)"
		fi
	else
		bad "the sensor did not start"
	fi
fi

# ---- dropping privileges -------------------------------------------------------------
if [ "$MODE" = afpacket ] && id nobody >/dev/null 2>&1; then
	CASE=user
	OUT=$WORK/$CASE
	rules=$WORK/user.rules
	cp "$LIVE/rules" "$rules"
	chmod 644 "$rules"
	if spotter_start "$IF" -R "$rules" --set HOME_NET=10.50.0.0/16 --user nobody; then
		status=/proc/$SPID/status
		uid=$(awk '/^Uid:/ {print $2}' "$status")
		capeff=$(awk '/^CapEff:/ {print $2}' "$status")
		[ "$uid" = "$(id -u nobody)" ] && good "runs as nobody" || bad "uid is $uid"
		# CAP_BPF is bit 39
		[ "$capeff" = 0000008000000000 ] && good "CapEff $capeff (CAP_BPF only)" ||
			bad "CapEff is $capeff, expected 0000008000000000"
		cp "$LIVE/rules-reload" "$rules"
		kill -HUP "$SPID"
		wait_reload 2
		inject "$L/after.pcap"
		spotter_wait "$SENT"
		spotter_stop
		offline "$OUT/offline.json" -R "$LIVE/rules-reload" --set HOME_NET=10.50.0.0/16 -- \
			"$L/after.pcap"
		same_alerts
		expect_stat live/reloads 1
	else
		bad "the sensor did not start"
	fi
fi

# ---- nothing left behind after SIGKILL ----------------------------------------------
if [ "$MODE" = afpacket ]; then
	CASE=kill
	OUT=$WORK/$CASE
	if spotter_start "$IF" "${LARGS[@]}"; then
		in_cap ip link show dev "$IF" | grep -q " xdp" || bad "no XDP program while running"
		kill -KILL "$SPID"
		wait "$SPID" 2>/dev/null
		SPID=""
		sleep 0.1
		if in_cap ip link show dev "$IF" | grep -q "xdp"; then
			bad "an XDP program is still attached after SIGKILL"
		else
			good "nothing attached after SIGKILL"
		fi
	else
		bad "the sensor did not start"
	fi
fi

if [ "$FAILED" != 0 ]; then
	echo "netns sensor: $MODE: FAILED (outputs in $WORK)" >&2
	exit 1
fi
echo "netns sensor: $MODE: passed"
