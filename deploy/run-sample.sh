#!/bin/sh
# make run: replay the bundled sample capture of a utility's span port
# against the bundled shared rule sets, then print the sightings and a
# summary. BUILD (default build) says where build/spotter is.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT="$BUILD/sample"
mkdir -p "$OUT"
rm -f "$OUT/eve.json" "$OUT/stats.json"

# the sample's rule variables, one --set per line (comments allowed)
set --
while IFS= read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	# shellcheck disable=SC2086
	set -- "$@" $line
done < deploy/sample/args

echo "run-sample: $BUILD/spotter --read deploy/sample/utility-span.pcap --rules rules/sets $*"
status=0
"$BUILD/spotter" --read deploy/sample/utility-span.pcap --rules rules/sets \
	--eve "$OUT/eve.json" --stats-json "$OUT/stats.json" "$@" || status=$?
if [ "$status" -ne 0 ]; then
	echo "run-sample: spotter exited with status $status" >&2
	exit "$status"
fi
exec python3 deploy/sample/report.py deploy/sample/utility-span.pcap "$OUT/eve.json" \
	"$OUT/stats.json" deploy/sample/expected.tsv
