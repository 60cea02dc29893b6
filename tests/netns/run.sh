#!/bin/sh
# The netns suite (make netns): every test script under tests/netns/, each
# in namespaces of its own. A script that exits 77 is reported as skipped
# (the kernel lacks what it needs) and does not fail the suite, as the
# Kafka suite does when no broker can be had; any other non-zero fails it.
# BUILD comes from make.
set -u
cd "$(dirname "$0")/../.." || exit 1
export BUILD="${BUILD:-build}"
passed="" failed="" skipped=""
for t in "capture.sh afxdp" "capture.sh afpacket" "capture.sh pcap" "capture.sh auto" \
	"sensor.sh afxdp" "sensor.sh afpacket" "sensor.sh pcap" "sensor.sh auto"; do
	# shellcheck disable=SC2086
	tests/netns/$t
	case $? in
	0) passed="$passed
  $t" ;;
	77) skipped="$skipped
  $t" ;;
	*) failed="$failed
  $t" ;;
	esac
done
[ -n "$skipped" ] && echo "netns: skipped:$skipped"
if [ -n "$failed" ]; then
	echo "netns: FAILED:$failed"
	exit 1
fi
echo "netns: passed:$passed"
