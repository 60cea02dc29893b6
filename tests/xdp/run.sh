#!/bin/sh
# The XDP suites: BPF_PROG_TEST_RUN on the program, attaching on veth.
# Each needs root and a kernel with BPF; exit 77 from one means skipped.
set -u
BUILD=${BUILD:-build}
dir=$(dirname "$0")
failed=""
for t in "$BUILD/tests/xdp/test_xdp_prog" "$dir/attach.sh"; do
	echo "== $(basename "$t")"
	BUILD=$BUILD "$t"
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "xdp: $(basename "$t") skipped"
	elif [ $rc -ne 0 ]; then
		failed="$failed $(basename "$t")"
	fi
done
if [ -n "$failed" ]; then
	echo "xdp: FAILED:$failed"
	exit 1
fi
echo "xdp: passed"
