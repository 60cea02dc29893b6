#!/bin/sh
# attach.sh — the XDP pre-filter on a real interface: a veth pair between
# two network namespaces this script creates (10.x addresses only inside
# them, traffic only between the two ends) and always removes.
#
# Proves: the program attaches by link in native mode on veth (and in
# generic mode when asked), sees the peer's traffic (counters on exit),
# and leaves nothing behind — no link, no program on the interface — when
# the holder exits on SIGTERM and when it is killed with SIGKILL; the
# namespaces are gone afterwards.
#
# Needs root, ip(8), bpftool, python3 and the helper $BUILD/tests/xdp/xdp_attach.
# Exit 0 pass, 1 fail, 77 skipped (not root, no netns/veth/XDP support).
set -u

BUILD=${BUILD:-build}
HELPER=$BUILD/tests/xdp/xdp_attach
TAG="spx-$$-"
NSA="${TAG}a"
NSB="${TAG}b"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/${TAG}XXXXXX")
HOLDER=""
FAILS=0

skip() {
	echo "attach.sh: SKIP: $*"
	exit 77
}

fail() {
	echo "attach.sh: FAIL: $*"
	FAILS=$((FAILS + 1))
}

ok() {
	echo "attach.sh: ok: $*"
}

teardown() {
	if [ -n "$HOLDER" ]; then
		kill -KILL "$HOLDER" 2>/dev/null
		wait "$HOLDER" 2>/dev/null
	fi
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	rm -rf "$WORK"
}
trap teardown EXIT
trap 'exit 1' INT TERM HUP

[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v ip >/dev/null || skip "ip(8) not installed"
command -v bpftool >/dev/null || skip "bpftool not installed"
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || skip "$PYTHON not installed"
[ -x "$HELPER" ] || { echo "attach.sh: $HELPER missing (make xdp-test builds it)"; exit 1; }

ip netns add "$NSA" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "$NSB" || exit 1
ip -n "$NSA" link add va type veth peer name vb netns "$NSB" 2>/dev/null ||
	skip "no veth support"
ip -n "$NSA" addr add 10.201.0.1/24 dev va
ip -n "$NSB" addr add 10.201.0.2/24 dev vb
ip -n "$NSA" link set va up
ip -n "$NSB" link set vb up
ip -n "$NSA" link set lo up
ip -n "$NSB" link set lo up

# The program's id on va ("" when none), from ip's detail output.
prog_on_va() {
	ip -n "$NSA" -d link show dev va | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -n 1
}

# "native", "generic" or "" as ip(8) shows the attachment on va.
mode_on_va() {
	line=$(ip -n "$NSA" link show dev va | head -n 1)
	case "$line" in
	*" xdpgeneric"*) echo generic ;;
	*" xdp "*) echo native ;;
	*) echo "" ;;
	esac
}

# Whether a BPF link of type xdp holds program $1.
xdp_link_for() {
	bpftool -j link show | tr '{' '\n' | grep '"type":"xdp"' | grep -q "\"prog_id\":$1[,}]"
}

# Starts the holder in $NSA with mode $1; waits for "attached".
start_holder() {
	: >"$WORK/out"
	ip netns exec "$NSA" "$HELPER" va "$1" >"$WORK/out" 2>"$WORK/err" &
	HOLDER=$!
	i=0
	while ! grep -q '^attached' "$WORK/out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 50 ] || ! kill -0 "$HOLDER" 2>/dev/null; then
			cat "$WORK/err"
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# Waits up to 5 s for the holder to end; its exit status in $RC.
wait_holder() {
	i=0
	while kill -0 "$HOLDER" 2>/dev/null && [ $i -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	wait "$HOLDER" 2>/dev/null
	RC=$?
	HOLDER=""
}

# Asserts nothing is left: no program on va, no XDP link for program $1
# (waiting up to 2 s: the kernel may release a link after the exit).
assert_gone() {
	i=0
	while [ $i -lt 20 ]; do
		if [ -z "$(prog_on_va)" ] && [ -z "$(mode_on_va)" ] && ! xdp_link_for "$1"; then
			ok "$2: detached, no link left"
			return
		fi
		i=$((i + 1))
		sleep 0.1
	done
	if [ -n "$(prog_on_va)" ] || [ -n "$(mode_on_va)" ]; then
		fail "$2: a program is still on va"
	else
		fail "$2: the XDP link of program $1 still exists"
	fi
}

# ---- native (auto prefers it) on veth; traffic; SIGTERM --------------------
if ! start_holder auto; then
	fail "attaching in auto mode"
else
	mode=$(sed -n 's/^attached //p' "$WORK/out")
	id=$(prog_on_va)
	[ "$mode" = native ] && ok "auto mode chose native on veth" ||
		fail "auto mode chose '$mode' on veth, expected native"
	[ "$(mode_on_va)" = native ] && ok "ip link shows native XDP on va" ||
		fail "ip link shows '$(mode_on_va)' on va"
	if [ -n "$id" ] && xdp_link_for "$id"; then
		ok "bpftool link shows the XDP link of program $id"
	else
		fail "no XDP link for program '$id' in bpftool link"
	fi
	# No rules installed yet: everything passes. The peer sends three UDP
	# datagrams (after ARP); the program counts what it saw.
	ip netns exec "$NSB" $PYTHON -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b"spotter", ("10.201.0.1", 9))
' || fail "sending from the peer"
	sleep 0.2
	kill -TERM "$HOLDER"
	wait_holder
	[ "$RC" -eq 0 ] && ok "holder exited 0 on SIGTERM" || fail "holder exited $RC on SIGTERM"
	pkts=$(sed -n 's/^xdp.packets //p' "$WORK/out")
	wanted=$(sed -n 's/^xdp.pass_wanted //p' "$WORK/out")
	nonip=$(sed -n 's/^xdp.pass_non_ip //p' "$WORK/out")
	# the 3 datagrams at least, plus ARP; the sums must agree
	if [ "${wanted:-0}" -ge 3 ] && [ "${pkts:-0}" -eq $((wanted + nonip)) ]; then
		ok "program saw the peer's traffic: $pkts packets, $wanted IP, $nonip non-IP"
	else
		fail "counters: packets=${pkts:-?} pass_wanted=${wanted:-?} pass_non_ip=${nonip:-?}"
	fi
	assert_gone "$id" "after SIGTERM"
fi

# ---- native forced; SIGKILL: the kernel drops the link ---------------------
if ! start_holder native; then
	fail "attaching in native mode"
else
	id=$(prog_on_va)
	[ "$(mode_on_va)" = native ] && ok "native mode attached" ||
		fail "native mode shows '$(mode_on_va)'"
	kill -KILL "$HOLDER"
	wait_holder
	assert_gone "$id" "after SIGKILL"
fi

# ---- generic on request ----------------------------------------------------
if ! start_holder generic; then
	fail "attaching in generic mode"
else
	id=$(prog_on_va)
	[ "$(mode_on_va)" = generic ] && ok "generic mode attached (xdpgeneric)" ||
		fail "generic mode shows '$(mode_on_va)'"
	kill -TERM "$HOLDER"
	wait_holder
	assert_gone "$id" "generic, after SIGTERM"
fi

# ---- a missing interface is named in the error ------------------------------
if ip netns exec "$NSA" "$HELPER" spx-none0 >/dev/null 2>"$WORK/err"; then
	fail "attaching to a missing interface succeeded"
elif grep -q 'spx-none0: no such interface' "$WORK/err"; then
	ok "missing interface: $(cat "$WORK/err")"
else
	fail "missing interface: $(cat "$WORK/err")"
fi

# ---- the namespaces go -----------------------------------------------------
ip netns del "$NSA"
ip netns del "$NSB"
if ip netns list | grep -q "^$TAG"; then
	fail "namespaces left behind: $(ip netns list | grep "^$TAG" | tr '\n' ' ')"
else
	ok "namespaces removed"
fi

if [ $FAILS -ne 0 ]; then
	echo "attach.sh: $FAILS failed"
	exit 1
fi
echo "attach.sh: passed"
