#!/bin/sh
# make bench: the benchmark suite. Figures only; nothing about speed is asserted.
#
# Generates the benchmark data once into $BUILD/bench/data (spotter-benchgen:
# a ~1 GB mixed capture, ~21,500 indicator rules, the expected sightings),
# runs the sensor over it with 1 and 2 workers and the raw Hyperscan scan over
# the same capture, then prints a table and writes $BUILD/bench/results.json.
#
# Environment: BUILD (default build), CORPUS (not used yet), PYTHON (python3),
# BENCH_SEED (1), BENCH_BYTES (1G), BENCH_FLOWS (100000), BENCH_WORKERS ("1 2"),
# BENCH_REPEAT (3), BENCH_KAFKA=0 and BENCH_CAPTURE=0 skip those families,
# BENCH_XDP_LOOPS (400: the pre-filter traffic is sent that many times).
# Exit status: 0, or 1 when the data could not be generated or a run failed.
set -u

BUILD=${BUILD:-build}
PY=${PYTHON:-python3}
SEED=${BENCH_SEED:-1}
BYTES=${BENCH_BYTES:-1G}
FLOWS=${BENCH_FLOWS:-100000}
WORKERS=${BENCH_WORKERS:-1 2}
B=$BUILD/bench
DATA=$B/data
GEN=$BUILD/spotter-benchgen
RAW=$BUILD/spotter-rawscan
SPOTTER=$BUILD/spotter
HERE=$(dirname "$0")

mkdir -p "$B" || exit 1
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# ---- data: generated once per generator version and parameters ------------
if [ ! -x "$GEN" ]; then
	echo "bench: $GEN is missing (run make)" >&2
	exit 1
fi
stamp="$("$GEN" --version) seed $SEED bytes $BYTES flows $FLOWS"
if [ "$(cat "$DATA/stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "bench: reusing $DATA ($stamp)"
else
	echo "bench: generating $DATA ($stamp)"
	rm -rf "$DATA"
	"$GEN" --out "$DATA" --seed "$SEED" --bytes "$BYTES" --flows "$FLOWS" || exit 1
	echo "$stamp" > "$DATA/stamp"
fi
CAP=$DATA/capture.pcap
RULES=$DATA/rules

# ---- machine facts ---------------------------------------------------------
HSVER=$(pkg-config --modversion libhs 2>/dev/null || echo unknown)
GITREV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$GITREV" != unknown ] && ! git diff --quiet HEAD 2>/dev/null; then
	GITREV="$GITREV-dirty"
fi
HSVER=$HSVER GITREV=$GITREV "$PY" - > "$B/machine.json" <<'PYEOF'
import json, os, platform, time
cpu = "unknown"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
print(json.dumps({"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
                  "hyperscan": os.environ["HSVER"], "git_revision": os.environ["GITREV"],
                  "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
PYEOF

# ---- runs ------------------------------------------------------------------
: > "$B/runs.tsv"
failed=0

# run NAME STDOUT LOG RESULT CMD...: runs CMD (its stdout to STDOUT, or with
# "-" into LOG with stderr) and records its exit status, wall time and RESULT
# file in runs.tsv.
run() {
	name=$1 out=$2 log=$3 result=$4
	shift 4
	t0=$(now)
	if [ "$out" = - ]; then
		"$@" > "$log" 2>&1
	else
		"$@" > "$out" 2> "$log"
	fi
	st=$?
	t1=$(now)
	[ "$st" -eq 0 ] || { failed=1; echo "bench: $name failed (exit $st), see $log" >&2; }
	printf '%s\t%s\t%s\t%s\n' "$name" "$st" "$(elapsed "$t0" "$t1")" "$result" >> "$B/runs.tsv"
}

# Each sensor run is repeated BENCH_REPEAT times and the fastest kept: a
# shared two-core machine has neighbours, and the best of a few runs is the
# figure least disturbed by them (the raw scan does the same internally,
# repeating its pass for at least two seconds).
REPEAT=${BENCH_REPEAT:-3}
for n in $WORKERS; do
	stats=$B/stats-w$n.json
	rm -f "$stats"
	echo "bench: spotter, $n worker(s), best of $REPEAT"
	if [ ! -x "$SPOTTER" ]; then
		echo "bench: $SPOTTER is missing" >&2
		printf 'spotter-w%s\t127\t-\t%s\n' "$n" "$stats" >> "$B/runs.tsv"
		failed=1
		continue
	fi
	i=1
	while [ "$i" -le "$REPEAT" ]; do
		run "spotter-w$n-r$i" - "$B/spotter-w$n-r$i.log" "$B/stats-w$n-r$i.json" \
			"$SPOTTER" --read "$CAP" --preload --rules "$RULES" --workers "$n" \
			--eve /dev/null --stats-json "$B/stats-w$n-r$i.json"
		i=$((i + 1))
	done
	# keep the fastest run as stats-wN.json and list it in runs.tsv as spotter-wN
	"$PY" - "$stats" "$B/runs.tsv" "spotter-w$n" <<'PYEOF'
import json, sys
stats, runs_tsv, name = sys.argv[1:4]
best, times = None, []
for line in open(runs_tsv):
    run, status, wall, path = line.rstrip("\n").split("\t")
    if not run.startswith(name + "-r") or status != "0":
        continue
    try:
        ns = json.load(open(path)).get("elapsed_ns") or 0
    except (OSError, ValueError):
        continue
    times.append(ns / 1e9)
    if ns and (best is None or ns < best[0]):
        best = (ns, path, wall)
if best:
    doc = json.load(open(best[1]))
    doc["bench_repeats_seconds"] = times
    json.dump(doc, open(stats, "w"))
    with open(runs_tsv, "a") as f:
        f.write("%s\t0\t%s\t%s\n" % (name, best[2], stats))
PYEOF
done

echo "bench: raw Hyperscan scan"
rm -f "$B/rawscan.json"
run rawscan "$B/rawscan.json" "$B/rawscan.log" "$B/rawscan.json" \
	"$RAW" --read "$CAP" --rules "$RULES" --json

# ---- later benchmark families ----------------------------------------------
# Kafka throughput/latency and XDP/capture-mode benchmarks add their runs
# here. Each writes $B/extra/<family>.json (one JSON object); report.py puts
# it in results.json under "families": {"<family>": ...} ("kafka" and
# "capture_modes" are reserved and null until then).
rm -rf "$B/extra"
mkdir -p "$B/extra"

# Kafka (issue 3): sightings per second through the sensor's real output
# path (output thread, sequence numbers, idempotent producer, acks=all) to a
# local broker, 30 s at the 500,000/s aim and 30 s at half of it, with the
# latency from a sighting's creation to the broker's acknowledgement.
# BENCH_KAFKA=0 skips it.
if [ "${BENCH_KAFKA:-1}" = 1 ]; then
	KB=$B/kafka
	rm -rf "$KB"
	mkdir -p "$KB"
	echo "bench: Kafka (local broker, 2 x ${BENCH_KAFKA_SECONDS:-30} s)"
	if KAFKA_RUN=$KB/run KAFKA_PORT=${BENCH_KAFKA_PORT:-19392} BUILD=$BUILD \
		deploy/kafka/kafka.sh up > "$KB/broker.log" 2>&1 &&
		KAFKA_RUN=$KB/run KAFKA_PORT=${BENCH_KAFKA_PORT:-19392} BUILD=$BUILD \
			deploy/kafka/kafka.sh topics spotter.bench:6 >> "$KB/broker.log" 2>&1; then
		for rate in 500000 250000; do
			run "kafka-$rate" - "$KB/kafka-$rate.log" "$KB/kafka-$rate.json" \
				"$BUILD/spotter-kafkabench" --brokers "127.0.0.1:${BENCH_KAFKA_PORT:-19392}" \
				--topic spotter.bench --seconds "${BENCH_KAFKA_SECONDS:-30}" \
				--rate "$rate" --spool "$KB/spool-$rate" --json "$KB/kafka-$rate.json"
		done
		"$PY" - "$KB" > "$B/extra/kafka.json" <<'PYEOF'
import json, os, sys
kb = sys.argv[1]
out = {"basis": "spotter-kafkabench: one producer thread stands in for the workers; "
                "the sensor's output thread and producer send to a single local broker "
                "on the same machine (acks=all, idempotent, lz4)"}
for rate in ("500000", "250000"):
    try:
        out["target_%s_per_s" % rate] = json.load(open(os.path.join(kb, "kafka-%s.json" % rate)))
    except (OSError, ValueError):
        out["target_%s_per_s" % rate] = None
print(json.dumps(out))
PYEOF
	else
		echo "bench: the Kafka broker did not start (see $KB/broker.log); skipped" >&2
	fi
	KAFKA_RUN=$KB/run KAFKA_PORT=${BENCH_KAFKA_PORT:-19392} BUILD=$BUILD \
		deploy/kafka/kafka.sh down > /dev/null 2>&1
fi

# Live capture (issue 4): the XDP program's cost per packet per core, the
# pre-filter's drop and pass rates on a veth pair, and the benchmark
# capture injected into the sensor in each capture mode. Root only (it
# skips otherwise); BENCH_CAPTURE=0 skips it.
if [ "${BENCH_CAPTURE:-1}" = 1 ]; then
	run capture-modes - "$B/capture-modes.log" "$B/extra/capture_modes.json" \
		env BUILD="$BUILD" tests/bench/capture-modes.sh "$B/extra/capture_modes.json"
	grep '^  ' "$B/capture-modes.log"
fi

# ---- report ----------------------------------------------------------------
echo
"$PY" "$HERE/report.py" "$B" || failed=1
exit $failed
