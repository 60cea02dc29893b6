#!/bin/sh
# Runs each CUnit test program given as an argument; fails if any fails.
set -u
failed=""
for t in "$@"; do
	echo "== $(basename "$t")"
	if ! "$t"; then
		failed="$failed $(basename "$t")"
	fi
done
if [ -n "$failed" ]; then
	echo "unit: FAILED:$failed"
	exit 1
fi
echo "unit: $# test programs passed"
