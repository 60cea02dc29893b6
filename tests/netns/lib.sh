# lib.sh — network namespaces and veth pairs for the netns tests (bash,
# sourced). Nothing here touches the host's own interfaces: every name
# carries this run's tag, addresses are 10.x inside the namespaces only,
# and the EXIT trap removes the namespaces (and whatever still runs in
# them) however the test ends.
#
#   netns_init              check root and kernel features, set the trap
#   netns_pair N QUEUES     namespaces spn-<pid>-cap/-inj (made on first use)
#                           and veth pair N: capture end $(cap_if N) in the
#                           capture namespace (promiscuous), injector end
#                           $(inj_if N) in the other, QUEUES rx/tx queues each
#   in_cap CMD...           run CMD in the capture namespace
#   in_inj CMD...           run CMD in the injector namespace
#   skip MSG / fail MSG     exit 77 / exit 1 with MSG
#   stop_pid PID SECONDS    SIGTERM, wait (bounded), SIGKILL when it hangs
#   wait_grep FILE RE SECS  until a line of FILE matches RE (bounded)

NETNS_TAG="spn-$$-"
NS_CAP="${NETNS_TAG}cap"
NS_INJ="${NETNS_TAG}inj"
NETNS_MADE=""

skip() {
	echo "netns: SKIP: $*" >&2
	exit 77
}

fail() {
	echo "netns: FAIL: $*" >&2
	exit 1
}

cap_if() { echo "${NETNS_TAG}c$1"; }
inj_if() { echo "${NETNS_TAG}i$1"; }

in_cap() { ip netns exec "$NS_CAP" "$@"; }
in_inj() { ip netns exec "$NS_INJ" "$@"; }

# Kills what still runs in our namespaces, then removes them. Idempotent.
netns_cleanup() {
	local ns pids i
	for ns in $NETNS_MADE; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		if [ -n "$pids" ]; then
			kill $pids 2>/dev/null
			for i in 1 2 3 4 5 6 7 8 9 10; do
				pids=$(ip netns pids "$ns" 2>/dev/null)
				[ -z "$pids" ] && break
				sleep 0.1
			done
			[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		fi
		ip netns del "$ns" 2>/dev/null
	done
	NETNS_MADE=""
}

netns_init() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, XDP, AF_PACKET)"
	command -v ip >/dev/null || fail "ip (iproute2) not found"
	[ -e /proc/self/ns/net ] || skip "this kernel has no network namespaces"
	trap 'netns_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Makes a namespace with IPv6 off (no router solicitations or MLD reports
# to pollute a capture) and its loopback up.
make_ns() {
	ip netns add "$1" || fail "ip netns add $1 failed"
	NETNS_MADE="$NETNS_MADE $1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	ip netns exec "$1" ip link set lo up
}

netns_pair() {
	local n=$1 q=${2:-1} c i
	c=$(cap_if "$n")
	i=$(inj_if "$n")
	case " $NETNS_MADE " in
	*" $NS_CAP "*) ;;
	*) make_ns "$NS_CAP"; make_ns "$NS_INJ" ;;
	esac
	if ! ip link add "$c" netns "$NS_CAP" numtxqueues "$q" numrxqueues "$q" type veth \
		peer name "$i" netns "$NS_INJ" numtxqueues "$q" numrxqueues "$q"; then
		modprobe -q veth 2>/dev/null
		[ -d /sys/module/veth ] || skip "this kernel has no veth driver"
		fail "creating the veth pair $c/$i failed"
	fi
	in_cap ip addr add "10.213.$n.1/24" dev "$c"
	in_inj ip addr add "10.213.$n.2/24" dev "$i"
	in_cap ip link set "$c" promisc on up
	in_inj ip link set "$i" up
}

# Returns PID's exit status, or 124 when it did not exit within SECONDS of
# SIGTERM (it is then killed). PID must be a child of this shell.
stop_pid() {
	local pid=$1 secs=$2 i
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq $((secs * 100))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# 0 once a line of FILE matches the extended regex RE, 1 after SECS.
wait_grep() {
	local file=$1 re=$2 secs=$3 i
	for i in $(seq $((secs * 100))); do
		grep -Eq "$re" "$file" 2>/dev/null && return 0
		sleep 0.01
	done
	return 1
}
