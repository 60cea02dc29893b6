#!/bin/bash
# capture.sh MODE — live capture in MODE (afxdp, afpacket, pcap, auto) on
# veth pairs in two network namespaces of our own: crafted captures are
# injected from the peer with spotter-replay, and what the capture side
# delivered must be exactly what was sent (bytes, order, VLAN tags), with
# counters that agree and no kernel drop.
#
# The steps are three functions, so that the sensor can replace the dump
# driver (build/spotter -i, comparing sightings with offline replay)
# without touching the rest:
#   sensor_start IF OUT ARGS...  run "the sensor" on IF in the capture
#                                namespace, results into OUT; returns once
#                                it captures
#   sensor_wait OUT N            until it has seen N packets (bounded)
#   sensor_stop                  SIGTERM, drain, exit (bounded)
#   inject IF FILE ARGS...       send FILE from the peer end of IF's pair
#   compare FILE... OUT ARGS...  what arrived against what was sent
#
# Exit: 0 passed, 1 failed, 77 skipped (the kernel lacks a feature).
# BUILD (default build) locates the binaries; results stay under
# $BUILD/netns/MODE for inspection.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
MODE=${1:?usage: capture.sh afxdp|afpacket|pcap|auto}
PY=/usr/bin/python3
DUMP=$BUILD/tests/netns/capture_dump
REPLAY=$BUILD/spotter-replay
WORK=$BUILD/netns/$MODE
CAPS=$BUILD/netns/captures
WAIT_S=5

. tests/netns/lib.sh

for f in "$DUMP" "$REPLAY"; do
	[ -x "$f" ] || fail "$f is missing (make $f)"
done
case $MODE in
afxdp | afpacket | pcap | auto) ;;
*) fail "unknown mode $MODE" ;;
esac

# ---- the sensor ------------------------------------------------------------
SENSOR_PID=""

sensor_start() {
	local ifname=$1 out=$2 i
	shift 2
	rm -rf "$out"
	mkdir -p "$out"
	# not through in_cap: $! must be the sensor itself, not a subshell
	ip netns exec "$NS_CAP" "$DUMP" -i "$ifname" -m "$MODE" -o "$out" --max-seconds 30 "$@" \
		>"$out/log" 2>&1 &
	SENSOR_PID=$!
	for i in $(seq $((WAIT_S * 100))); do
		[ -f "$out/status" ] && return 0
		if ! kill -0 "$SENSOR_PID" 2>/dev/null; then
			wait "$SENSOR_PID"
			SENSOR_PID=""
			cat "$out/log" >&2
			return 1
		fi
		sleep 0.01
	done
	cat "$out/log" >&2
	fail "the capture did not start within ${WAIT_S}s"
}

# Packets the sensor has seen, from its status file.
sensor_seen() {
	sed -n 's/^ready packets=\([0-9]*\)$/\1/p' "$1/status" 2>/dev/null
}

sensor_wait() {
	local out=$1 want=$2 i seen
	for i in $(seq $((WAIT_S * 100))); do
		seen=$(sensor_seen "$out")
		[ "${seen:-0}" -ge "$want" ] && return 0
		sleep 0.01
	done
	echo "  (waited ${WAIT_S}s: $(sensor_seen "$out") of $want packets seen)" >&2
}

sensor_stop() {
	local rc
	[ -n "$SENSOR_PID" ] || return 1
	stop_pid "$SENSOR_PID" "$WAIT_S"
	rc=$?
	SENSOR_PID=""
	[ "$rc" = 124 ] && echo "  the capture did not stop within ${WAIT_S}s of SIGTERM" >&2
	return $rc
}

# ---- injection and comparison ----------------------------------------------
INJECTED=""	# spotter-replay's summary line

inject() {
	local ifname=$1 file=$2 line
	shift 2
	line=$(in_inj "$REPLAY" -i "$ifname" "$@" "$file") || {
		echo "  spotter-replay failed: $line" >&2
		return 1
	}
	INJECTED="$line"
}

compare() {
	$PY tests/netns/compare.py "$@"
}

# ---- the captures ----------------------------------------------------------
# The sample is committed; the others are crafted from the replay suite's
# scenarios (skipped when scapy is missing).
declare -A CAPTURE
CAPTURE[sample]=deploy/sample/utility-span.pcap
if $PY -c 'import scapy' 2>/dev/null; then
	for sc in vlan qinq ipv6 ipv4-frag; do
		mkdir -p "$CAPS/$sc"
		if [ ! -f "$CAPS/$sc/input.pcap" ] || [ -n "$(find "tests/replay/$sc" tools/craft \
			-newer "$CAPS/$sc/input.pcap" -name '*.py' | head -1)" ]; then
			$PY tools/craft/craft.py build "tests/replay/$sc/scenario.py" "$CAPS/$sc" \
				>/dev/null || fail "crafting $sc failed"
		fi
		CAPTURE[$sc]=$CAPS/$sc/input.pcap
	done
else
	echo "netns: no scapy for /usr/bin/python3: only the sample capture is injected"
fi

# ---- kernel features -------------------------------------------------------
netns_init
AUTO_MODE=afxdp
if ! $PY -c 'import socket; socket.socket(44, socket.SOCK_RAW, 0)' 2>/dev/null; then
	[ "$MODE" = afxdp ] && skip "$MODE: this kernel has no AF_XDP sockets"
	AUTO_MODE=afpacket
fi
netns_pair 0 1
netns_pair 1 2

# ---- cases -----------------------------------------------------------------
FAILED=0

# run_case NAME PAIR "SENSOR ARGS" "COMPARE ARGS" CAPTURE...
# The captures are injected one after the other; CAPTURE*N sends one N
# times over, paced at 50,000 packets/s. A case whose captures are missing
# (no scapy) is left out.
run_case() {
	local name=$1 pair=$2 sargs=$3 cargs=$4 out=$WORK/$1 spec cap n k expect
	local -a files=() injected=() iargs
	shift 4
	for spec in "$@"; do
		cap=${spec%\**}
		n=1
		[ "$spec" != "$cap" ] && n=${spec#*\*}
		[ -n "${CAPTURE[$cap]:-}" ] || return 0
		for k in $(seq "$n"); do
			files+=("${CAPTURE[$cap]}")
		done
	done
	# shellcheck disable=SC2086
	expect=$(compare "${files[@]}" --count $cargs) || fail "counting ${files[*]}"
	# shellcheck disable=SC2086
	if ! sensor_start "$(cap_if "$pair")" "$out" $sargs; then
		echo "  FAIL $MODE $name: the capture did not open" >&2
		FAILED=1
		return
	fi
	for spec in "$@"; do
		cap=${spec%\**}
		iargs=()
		[ "$spec" != "$cap" ] && iargs=(--loop "${spec#*\*}" --pps 50000)
		if ! inject "$(inj_if "$pair")" "${CAPTURE[$cap]}" "${iargs[@]}"; then
			sensor_stop
			FAILED=1
			return
		fi
		injected+=("$spec: $INJECTED")
	done
	sensor_wait "$out" "$expect"
	if ! sensor_stop; then
		echo "  FAIL $MODE $name: the capture did not stop cleanly" >&2
		cat "$out/log" >&2
		FAILED=1
		return
	fi
	printf '%s\n' "${injected[@]}" >"$out/injected"
	# shellcheck disable=SC2086
	compare "${files[@]}" "$out" --label "$MODE $name" $cargs || FAILED=1
}

echo "netns capture: $MODE (namespaces $NS_CAP, $NS_INJ)"
if [ "$MODE" != auto ]; then
	for cap in sample vlan qinq ipv6 ipv4-frag; do
		run_case "$cap" 0 "" "--order global" "$cap"
	done
	# a small ring (2 MiB: AF_XDP 512 frames, AF_PACKET 16 blocks) goes
	# round many times: frames and blocks are given back and reused
	run_case wrap 0 "--ring 2097152" "--order global" "sample*20"
fi
case $MODE in
afxdp)
	# two RX queues, one socket each: the sender's TX queue (the peer's
	# RX queue on veth) follows its flow hash, so 26 flows use both
	run_case multiqueue 1 "" "--order flow --sources 2 --nonempty" sample ipv6
	;;
afpacket)
	# fan-out over two members: every flow (both directions) on one
	run_case fanout 0 "-w 2" "--order flow --affinity --sources 2 --nonempty" sample
	# the XDP program attached: what it passes still reaches AF_PACKET
	run_case with-xdp 0 "--xdp auto" "--order global" vlan
	;;
pcap)
	run_case filter 0 "-f udp" "--order global --filter udp" sample
	run_case with-xdp 0 "--xdp auto" "--order global" sample
	;;
auto)
	run_case auto 0 "" "--order global --mode $AUTO_MODE" sample
	run_case fallback 0 "--xdp none" "--order global --mode afpacket --fallback XSKMAP" sample
	;;
esac

if [ "$FAILED" != 0 ]; then
	echo "netns capture: $MODE: FAILED (outputs in $WORK)" >&2
	exit 1
fi
echo "netns capture: $MODE: passed"
