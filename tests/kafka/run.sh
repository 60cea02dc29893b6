#!/bin/sh
# The Kafka end-to-end suite (`make kafka`, part of `make check`): the sensor
# against a real Apache Kafka broker started by deploy/kafka/kafka.sh, on
# its own port (KAFKA_TEST_PORT, default the first free of 19092, 19192,
# ...) with its own data under $BUILD/kafka-test/, wiped at each run, so a
# developer's `make kafka-up` broker is not touched. The broker is always
# stopped at the end.
#
#   tail     spotter-tail against the broker (produce, read, --meta, --check,
#            --count/--timeout, --group, bad brokers and properties)
#   replay   the sample with --kafka and --eve: the topic holds exactly the
#            EVE file's records, keyed, with the four headers, seq contiguous
#   outage   SIGKILL of the broker while the sensor emits, then a restart:
#            every record exactly once, heartbeats on the health topic
#   spool-full  broker down, a small spool: drops counted, nothing silently lost
#   spool-restart  broker down: records spool; the next start delivers them
#            exactly once and in order, then its own; seq never repeats
#   bad-config  malformed --kafka, bad and unknown kafka.* properties: exit 2
#            naming them; an unreachable broker: exit 0, records spooled
#
# Skips (exit 0) only when Java or Maven is missing or Maven Central cannot
# be reached to fetch Kafka. Usage: tests/kafka/run.sh [SCENARIO...]
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT="$BUILD/kafka-test"
KAFKA_RUN="$OUT/broker"
# the first free pair of ports from 19092/19093 on (another broker, e.g. a
# developer's test run, may hold one), unless KAFKA_TEST_PORT says which
free_port() {
	p=19092
	while [ "$p" -lt 20000 ]; do
		if [ -z "$(ss -Hltn "( sport = :$p or sport = :$((p + 1)) )" 2>/dev/null)" ]; then
			echo "$p"
			return
		fi
		p=$((p + 100))
	done
	echo 19092
}
KAFKA_PORT=${KAFKA_TEST_PORT:-$(free_port)}
KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms512m -Xmx512m}
export BUILD KAFKA_RUN KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_HEAP_OPTS
BROKER="127.0.0.1:$KAFKA_PORT"
KAFKA=deploy/kafka/kafka.sh
SPOTTER="$BUILD/spotter"
TAIL="$BUILD/spotter-tail"
PY=${PYTHON:-python3}
CHECK="$PY tests/kafka/check.py"
CAP="$OUT/captures"
RULES=tests/kafka/kafka.rules
T0=$(date +%s)

say() { echo "kafka: $*"; }
# a failed assertion: the scenario's name and why
fail() {
	echo "kafka: $scenario: FAIL: $*" >&2
	return 1
}

# ---- skip only when Kafka cannot be had ----------------------------------
for tool in java mvn; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		say "SKIP: $tool is not installed (deploy/install-deps.sh installs it)"
		exit 0
	fi
done
deploy/kafka/fetch.sh
rc=$?
case $rc in
0) ;;
69 | 75)
	say "SKIP: Apache Kafka cannot be fetched (fetch.sh exit $rc)"
	exit 0
	;;
*) exit 1 ;;
esac
for f in "$SPOTTER" "$TAIL"; do
	[ -x "$f" ] || {
		say "$f is missing: run make first"
		exit 1
	}
done

# ---- the broker, always stopped at the end -------------------------------
sensor_pid=""
cleanup() {
	[ -n "$sensor_pid" ] && kill "$sensor_pid" 2>/dev/null
	"$KAFKA" down >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$KAFKA" down >/dev/null 2>&1 # a broker left by an interrupted run
rm -rf "$OUT"
mkdir -p "$OUT" "$CAP"
/usr/bin/python3 tools/craft/craft.py build tests/kafka/scenario.py "$CAP" || exit 1
"$KAFKA" up || exit 1
"$KAFKA" topics spotter.sightings.t0:3 spotter.sightings.t1:6 spotter.sightings.t2:6 \
	spotter.health.t2:1 spotter.sightings.t3:6 || exit 1
say "broker ready on $BROKER after $(($(date +%s) - T0))s"

# the sample's --set arguments (deploy/sample/args, comments skipped)
SAMPLE_ARGS=""
while IFS= read -r line; do
	case "$line" in '' | '#'*) continue ;; esac
	SAMPLE_ARGS="$SAMPLE_ARGS $line"
done <deploy/sample/args

# spotter ARGS...: the sensor, bounded in time, stderr kept in $dir/NAME.err
# by the caller's redirection
spotter() {
	timeout 120 "$SPOTTER" "$@"
}

# read_topic TOPIC OUT [ARGS...]: every record of TOPIC, --meta, into OUT
read_topic() {
	rt_topic=$1
	rt_out=$2
	shift 2
	"$TAIL" --brokers "$BROKER" --topic "$rt_topic" --from-beginning --meta --timeout 30 "$@" \
		>"$rt_out" 2>"$rt_out.err"
}

# ---- scenarios -----------------------------------------------------------

sc_tail() {
	d="$OUT/tail"
	mkdir -p "$d"
	# sensor a: seq 1..5 without 3, 4 twice; sensor b: 1..3; one record without seq
	$PY - >"$d/in.jsonl" <<'EOF'
import json
recs = [("a", s) for s in (1, 2, 4, 4, 5)] + [("b", s) for s in (1, 2, 3)]
for i, (sensor, seq) in enumerate(recs):
    print(json.dumps({"key": "1:%d" % (9000000 + i % 4), "headers": {"sensor": sensor, "tlp": "amber", "n": None},
                      "value": {"seq": seq, "event_type": "alert", "sighting": {"sensor": sensor, "org": "o\u00e9"}}}))
print(json.dumps({"key": None, "headers": {}, "value": {"event_type": "heartbeat", "sensor": "a", "last_seq": 5}}))
print(json.dumps({"key": "k\u0001", "headers": {}, "value": "plain text, not JSON"}))
EOF
	"$TAIL" --brokers "$BROKER" --topic spotter.sightings.t0 --produce --meta <"$d/in.jsonl" \
		2>"$d/produce.err" || fail "--produce: exit $? ($(cat "$d/produce.err"))" || return 1
	read_topic spotter.sightings.t0 "$d/out.jsonl" --check
	rc=$?
	[ "$rc" = 1 ] || fail "--check over gaps and duplicates: exit $rc, expected 1" || return 1
	$CHECK meta-equal "$d/in.jsonl" "$d/out.jsonl" || fail "--meta does not give back what was produced" || return 1
	for want in 'sensor "a": 5 records, seq 1..5, 1 missing: 3, 1 duplicate: 4' \
		'sensor "b": 3 records, seq 1..3, none missing, no duplicates' \
		'2 records without "seq"'; do
		grep -qF "$want" "$d/out.jsonl.err" || fail "summary lacks: $want" || return 1
	done
	# a clean run of one sensor over three partitions: --check passes
	$PY -c 'import json
for s in range(1, 301): print(json.dumps({"seq": s, "sighting": {"sensor": "c"}}))' >"$d/clean.txt"
	"$TAIL" --brokers "$BROKER" --topic spotter.sightings.t0 --produce <"$d/clean.txt" 2>"$d/produce2.err" ||
		fail "--produce (values): exit $?" || return 1
	"$TAIL" --brokers "$BROKER" --topic spotter.sightings.t0 --from-beginning --timeout 30 \
		>"$d/all.txt" 2>"$d/all.err"
	grep -qF 'sensor "c": 300 records, seq 1..300, none missing, no duplicates' "$d/all.err" ||
		fail "300 clean records not summarised as such: $(cat "$d/all.err")" || return 1
	[ "$(grep -c . "$d/all.txt")" = 310 ] || fail "read $(grep -c . "$d/all.txt") records, expected 310" || return 1
	# --count waits for records, --timeout ends it with exit 3
	"$TAIL" --brokers "$BROKER" --topic spotter.sightings.t0 --count 311 --from-beginning \
		--timeout 2 >/dev/null 2>"$d/count.err"
	rc=$?
	[ "$rc" = 3 ] || fail "--count beyond the topic with --timeout: exit $rc, expected 3" || return 1
	# a group commits what it read: the second read finds nothing new
	"$TAIL" --brokers "$BROKER" --topic spotter.sightings.t0 --group g0 --from-beginning \
		--timeout 30 >"$d/g1.txt" 2>"$d/g1.err" || fail "--group: exit $? ($(cat "$d/g1.err"))" || return 1
	"$TAIL" --brokers "$BROKER" --topic spotter.sightings.t0 --group g0 --from-beginning \
		--timeout 30 >"$d/g2.txt" 2>"$d/g2.err" || fail "--group again: exit $?" || return 1
	[ "$(grep -c . "$d/g1.txt")" = 310 ] && [ ! -s "$d/g2.txt" ] ||
		fail "group g0 read $(grep -c . "$d/g1.txt") then $(grep -c . "$d/g2.txt") records, expected 310 then 0" ||
		return 1
	# errors name their cause, exit 2
	"$TAIL" --brokers 127.0.0.1:1 --topic spotter.sightings.t0 >/dev/null 2>"$d/e1.err"
	rc=$?
	[ "$rc" = 2 ] && grep -q '127\.0\.0\.1:1' "$d/e1.err" ||
		fail "unreachable broker: exit $rc, $(cat "$d/e1.err")" || return 1
	"$TAIL" --brokers 'not a broker list:::' >/dev/null 2>"$d/e0.err"
	rc=$?
	[ "$rc" = 2 ] && grep -qF '"not a broker list:::" is not host:port' "$d/e0.err" ||
		fail "malformed broker list: exit $rc, $(cat "$d/e0.err")" || return 1
	"$TAIL" --brokers "$BROKER" --topic no.such.topic >/dev/null 2>"$d/e2.err"
	rc=$?
	[ "$rc" = 2 ] && grep -q 'no\.such\.topic' "$d/e2.err" ||
		fail "unknown topic: exit $rc, $(cat "$d/e2.err")" || return 1
	"$TAIL" --brokers "$BROKER" -o fetch.wait.max.ms=nonsense >/dev/null 2>"$d/e3.err"
	rc=$?
	[ "$rc" = 2 ] && grep -q 'fetch\.wait\.max\.ms' "$d/e3.err" ||
		fail "bad property: exit $rc, $(cat "$d/e3.err")" || return 1
}

sc_replay() {
	d="$OUT/replay"
	mkdir -p "$d"
	# shellcheck disable=SC2086
	spotter --read deploy/sample/utility-span.pcap --rules rules/sets --rules tests/kafka/sample-stix.rules \
		$SAMPLE_ARGS --sensor-id kafka-test-replay --org test-org --eve "$d/eve.json" \
		--stats-json "$d/stats.json" --kafka "$BROKER" --kafka-topic spotter.sightings.t1 \
		--spool "$d/spool" >"$d/spotter.out" 2>"$d/spotter.err" ||
		fail "spotter exit $? ($(tail -n 5 "$d/spotter.err"))" || return 1
	n=$($CHECK count "$d/eve.json")
	[ "$n" -gt 10 ] || fail "only $n EVE records" || return 1
	grep -q 9100100 "$d/eve.json" || fail "the STIX-keyed rule did not fire" || return 1
	$CHECK eve "$d/eve.json" || fail "the EVE file's seq" || return 1
	read_topic spotter.sightings.t1 "$d/topic.jsonl" --check ||
		fail "spotter-tail --check: exit $? ($(cat "$d/topic.jsonl.err"))" || return 1
	$CHECK topic --tail "$d/topic.jsonl" --eve "$d/eve.json" || return 1
	last=$($PY -c 'import json,sys; print(max(json.loads(l).get("seq", 0) for l in open(sys.argv[1])))' "$d/eve.json")
	$CHECK stats "$d/stats.json" "k['produced'] == $n and k['delivered'] == $n and k['spooled'] == 0 \
and k['dropped_spool_full'] == 0 and k['errors'] == 0 and k['spool_records'] == 0 and k['last_seq'] == $last" ||
		return 1
}

sc_outage() {
	d="$OUT/outage"
	mkdir -p "$d"
	"$SPOTTER" --read "$CAP/spread.pcap" --rules "$RULES" --sensor-id kafka-test-outage \
		--org test-org --eve "$d/ref.json" 2>"$d/ref.err" || fail "reference run: exit $?" || return 1
	# 20 s of capture at 1.25x: 16 s; the broker dies at 3 s and is back
	# (restart included) at about 13 s, while the sensor still reads
	timeout 120 "$SPOTTER" --read "$CAP/spread.pcap" --rules "$RULES" --pace 1.25 \
		--sensor-id kafka-test-outage --org test-org --eve "$d/eve.json" \
		--stats-json "$d/stats.json" --kafka "$BROKER" --kafka-topic spotter.sightings.t2 \
		--spool "$d/spool" -o kafka.health-topic=spotter.health.t2 -o kafka.heartbeat=1s \
		-o kafka.flush-timeout=30s >"$d/spotter.out" 2>"$d/spotter.err" &
	sensor_pid=$!
	sleep 3
	if ! kill -0 "$sensor_pid" 2>/dev/null; then
		wait "$sensor_pid"
		rc=$?
		sensor_pid=""
		fail "spotter ended within 3 s, exit $rc ($(tail -n 5 "$d/spotter.err"))"
		return 1
	fi
	n0=$(grep -c . "$d/eve.json" 2>/dev/null)
	"$KAFKA" kill
	sleep 3
	"$KAFKA" up || fail "broker restart" || return 1
	wait "$sensor_pid"
	rc=$?
	sensor_pid=""
	[ "$rc" = 0 ] || fail "spotter exit $rc ($(tail -n 5 "$d/spotter.err"))" || return 1
	n=$($CHECK count "$d/eve.json")
	[ "${n0:-0}" -lt "$n" ] ||
		fail "the sensor was done before the broker was killed (--pace?)" || return 1
	$CHECK eve "$d/eve.json" --like "$d/ref.json" || fail "EVE file differs from a run without Kafka" || return 1
	read_topic spotter.sightings.t2 "$d/topic.jsonl" --check ||
		fail "spotter-tail --check: exit $? ($(cat "$d/topic.jsonl.err"))" || return 1
	$CHECK topic --tail "$d/topic.jsonl" --eve "$d/eve.json" || return 1
	last=$($PY -c 'import json,sys; print(max(json.loads(l).get("seq", 0) for l in open(sys.argv[1])))' "$d/eve.json")
	$CHECK stats "$d/stats.json" "k['spool_records'] == 0 and k['dropped_spool_full'] == 0 \
and k['last_seq'] == $last" || return 1
	read_topic spotter.health.t2 "$d/health.jsonl" || fail "reading the health topic" || return 1
	$CHECK heartbeats --tail "$d/health.jsonl" --sensor kafka-test-outage --min 3 --max-seq "$last" ||
		return 1
}

sc_spool_full() {
	d="$OUT/spool-full"
	mkdir -p "$d"
	"$SPOTTER" --read "$CAP/burst.pcap" --rules "$RULES" --sensor-id kafka-test-full --org test-org \
		--eve "$d/ref.json" 2>"$d/ref.err" || fail "reference run: exit $?" || return 1
	spotter --read "$CAP/burst.pcap" --rules "$RULES" --sensor-id kafka-test-full --org test-org \
		--eve "$d/eve.json" --stats-json "$d/stats.json" --kafka "$BROKER" \
		--kafka-topic spotter.sightings.t4 --spool "$d/spool" -o spool-size=256k \
		-o kafka.flush-timeout=1s >"$d/spotter.out" 2>"$d/spotter.err" ||
		fail "spotter exit $? ($(tail -n 5 "$d/spotter.err"))" || return 1
	n=$($CHECK count "$d/eve.json")
	$CHECK eve "$d/eve.json" --like "$d/ref.json" || fail "the sensor did not run to the end" || return 1
	$CHECK stats "$d/stats.json" "k['dropped_spool_full'] > 0 and k['spool_records'] > 0 \
and k['dropped_spool_full'] + k['spool_records'] == $n and k['delivered'] == 0" || return 1
	grep -qi 'drop' "$d/spotter.err" || fail "stderr does not report the drops: $(tail -n 5 "$d/spotter.err")" ||
		return 1
}

sc_spool_restart() {
	d="$OUT/spool-restart"
	mkdir -p "$d"
	# 1: broker down: everything spools, exit 0
	# shellcheck disable=SC2086
	spotter --read deploy/sample/utility-span.pcap --rules rules/sets $SAMPLE_ARGS \
		--sensor-id kafka-test-restart --org test-org --eve "$d/eve1.json" --stats-json "$d/stats1.json" \
		--kafka "$BROKER" --kafka-topic spotter.sightings.t3 --spool "$d/spool" \
		-o kafka.flush-timeout=1s >"$d/spotter1.out" 2>"$d/spotter1.err" ||
		fail "run 1 (broker down): exit $? ($(tail -n 5 "$d/spotter1.err"))" || return 1
	n1=$($CHECK count "$d/eve1.json")
	[ "$n1" -gt 0 ] || fail "run 1 wrote no records" || return 1
	$CHECK stats "$d/stats1.json" "k['spool_records'] == $n1 and k['delivered'] == 0 \
and k['dropped_spool_full'] == 0" || return 1
	"$KAFKA" up || fail "broker start" || return 1
	# 2: an empty capture, same spool: the spooled records go out
	spotter --read "$CAP/empty.pcap" --rules rules/sets --sensor-id kafka-test-restart --org test-org \
		--eve "$d/eve2.json" --stats-json "$d/stats2.json" --kafka "$BROKER" \
		--kafka-topic spotter.sightings.t3 --spool "$d/spool" >"$d/spotter2.out" 2>"$d/spotter2.err" ||
		fail "run 2 (replay): exit $? ($(tail -n 5 "$d/spotter2.err"))" || return 1
	[ "$($CHECK count "$d/eve2.json")" = 0 ] || fail "run 2 over an empty capture wrote records" || return 1
	$CHECK stats "$d/stats2.json" "k['spool_replayed'] == $n1 and k['spool_records'] == 0 \
and k['delivered'] == $n1" || return 1
	read_topic spotter.sightings.t3 "$d/topic2.jsonl" --check ||
		fail "after run 2: spotter-tail --check: exit $? ($(cat "$d/topic2.jsonl.err"))" || return 1
	$CHECK topic --tail "$d/topic2.jsonl" --eve "$d/eve1.json" || return 1
	# 3: the sample again: its own records follow, seq goes on
	# shellcheck disable=SC2086
	spotter --read deploy/sample/utility-span.pcap --rules rules/sets $SAMPLE_ARGS \
		--sensor-id kafka-test-restart --org test-org --eve "$d/eve3.json" --stats-json "$d/stats3.json" \
		--kafka "$BROKER" --kafka-topic spotter.sightings.t3 --spool "$d/spool" \
		>"$d/spotter3.out" 2>"$d/spotter3.err" ||
		fail "run 3: exit $? ($(tail -n 5 "$d/spotter3.err"))" || return 1
	$CHECK after "$d/eve1.json" "$d/eve3.json" || fail "seq repeats across restarts" || return 1
	read_topic spotter.sightings.t3 "$d/topic3.jsonl" --check ||
		fail "after run 3: spotter-tail --check: exit $? ($(cat "$d/topic3.jsonl.err"))" || return 1
	$CHECK topic --tail "$d/topic3.jsonl" --eve "$d/eve1.json" --eve "$d/eve3.json" || return 1
}

sc_bad_config() {
	d="$OUT/bad-config"
	mkdir -p "$d"
	set -- --read deploy/sample/utility-span.pcap --rules rules/sets --eve "$d/eve.json"
	spotter "$@" --kafka 'not a broker list:::' >/dev/null 2>"$d/e1.err"
	rc=$?
	[ "$rc" = 2 ] && grep -qF 'not a broker list:::' "$d/e1.err" ||
		fail "--kafka 'not a broker list:::': exit $rc, stderr: $(cat "$d/e1.err")" || return 1
	spotter "$@" --kafka "$BROKER" -o kafka.compression.codec=nonsense >/dev/null 2>"$d/e2.err"
	rc=$?
	[ "$rc" = 2 ] && grep -qF 'compression.codec' "$d/e2.err" ||
		fail "kafka.compression.codec=nonsense: exit $rc, stderr: $(cat "$d/e2.err")" || return 1
	spotter "$@" --kafka "$BROKER" -o kafka.no.such.property=1 >/dev/null 2>"$d/e3.err"
	rc=$?
	[ "$rc" = 2 ] && grep -qF 'no.such.property' "$d/e3.err" ||
		fail "kafka.no.such.property=1: exit $rc, stderr: $(cat "$d/e3.err")" || return 1
	spotter "$@" --kafka 127.0.0.1:1 --spool "$d/spool" --stats-json "$d/stats.json" \
		-o kafka.flush-timeout=1s >/dev/null 2>"$d/e4.err"
	rc=$?
	[ "$rc" = 0 ] && grep -qF '127.0.0.1:1' "$d/e4.err" ||
		fail "--kafka 127.0.0.1:1 (nothing listens): exit $rc, stderr: $(cat "$d/e4.err")" || return 1
	n=$($CHECK count "$d/eve.json")
	[ "$n" -gt 0 ] || fail "no EVE records with an unreachable broker" || return 1
	$CHECK stats "$d/stats.json" "k['spool_records'] == $n and k['delivered'] == 0" || return 1
}

# ---- run -----------------------------------------------------------------
# Ordered so that the broker goes down once: the scenarios that need it up,
# then those that need it down, then the restart.
ALL="tail replay bad_config outage spool_full spool_restart"
[ $# -gt 0 ] && ALL=$(echo "$*" | tr '-' '_')
passed=0
failed=0
failures=""
for scenario in $ALL; do
	case "$scenario" in
	spool_full | spool_restart)
		if "$KAFKA" status >/dev/null 2>&1; then "$KAFKA" down >/dev/null 2>&1; fi
		;;
	*)
		if ! "$KAFKA" status >/dev/null 2>&1; then "$KAFKA" up >/dev/null || exit 1; fi
		;;
	esac
	t_start=$(date +%s)
	if "sc_$scenario"; then
		passed=$((passed + 1))
		say "$scenario: ok ($(($(date +%s) - t_start))s)"
	else
		failed=$((failed + 1))
		failures="$failures $scenario"
		say "$scenario: FAILED ($(($(date +%s) - t_start))s, files in $OUT/$(echo "$scenario" | tr _ -))"
	fi
done
say "$(($(date +%s) - T0))s in all${failures:+, failed:$failures}"
echo "kafka: $passed passed, $failed failed"
[ "$failed" = 0 ]
