#!/bin/sh
# A local single-node Apache Kafka (KRaft: broker and controller in one JVM)
# for development, the end-to-end tests and the benchmark. It listens on
# 127.0.0.1 only and keeps everything under the build directory.
#
#   kafka.sh up          fetch if needed, format once, start, wait, create topics
#   kafka.sh down        SIGTERM, wait (bounded), SIGKILL if needed
#   kafka.sh kill        SIGKILL at once (the outage test's broker crash)
#   kafka.sh status      exit 0 when running, 3 when not
#   kafka.sh wait        wait until it accepts connections and answers metadata
#   kafka.sh topics [NAME[:PARTITIONS]]...
#                        create spotter.sightings (6 partitions), spotter.health
#                        (1) and the topics named (default 1 partition) if missing
#
# Environment (defaults in brackets):
#   BUILD [build]                 libraries in $BUILD/kafka/libs, tools-libs
#   KAFKA_RUN [$BUILD/kafka/run]  configuration, data/, logs/, kafka.pid
#   KAFKA_PORT [9092]             the clients' listener (PLAINTEXT)
#   KAFKA_CONTROLLER_PORT [KAFKA_PORT+1]
#   KAFKA_WAIT [60]               seconds `up`/`wait` wait for the broker
#   KAFKA_HEAP_OPTS [-Xms1g -Xmx1g], JAVA [java]
#   KAFKA_CDS [1]                 0: no class-data sharing archives (below)
#
# JVM start-up is most of the time these commands take, so the broker and
# the topic tool each get a class-data sharing archive of the classes they
# load ($BUILD/kafka/*.jsa): the first run writes it at exit (the broker at a
# clean `down`), later runs start from it (the topic tool in 0.4 s instead
# of 0.9 s, the broker about a second sooner). A stale archive (another
# JVM build) is ignored by the JVM; fetch.sh removes them with the jars.
#
# `up` after `kill` (or a crash) restarts on the existing data; storage is
# formatted only when it has never been.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
KAFKA_RUN=${KAFKA_RUN:-$BUILD/kafka/run}
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_WAIT=${KAFKA_WAIT:-60}
for p in "$KAFKA_PORT" "${KAFKA_CONTROLLER_PORT:-1}" "$KAFKA_WAIT"; do
	case "$p" in '' | *[!0-9]*)
		echo "kafka: KAFKA_PORT, KAFKA_CONTROLLER_PORT and KAFKA_WAIT are numbers, not \"$p\"" >&2
		exit 2
		;;
	esac
done
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms1g -Xmx1g}
KAFKA_CDS=${KAFKA_CDS:-1}
JAVA=${JAVA:-java}

LIBS="$BUILD/kafka/libs"
TOOLS="$BUILD/kafka/tools-libs"
CONF="$KAFKA_RUN/server.properties"
DATA="$KAFKA_RUN/data"
LOGS="$KAFKA_RUN/logs"
PIDF="$KAFKA_RUN/kafka.pid"
BOOT="127.0.0.1:$KAFKA_PORT"

say() { echo "kafka: $*" >&2; }
die() {
	say "$*"
	exit 1
}

# absolute paths: the JVM gets them on its command line and in its config
abspath() {
	case "$1" in
	/*) echo "$1" ;;
	*) echo "$PWD/$1" ;;
	esac
}

# The broker's pid when it runs (a live process started from this
# KAFKA_RUN's configuration), else nothing.
broker_pid() {
	[ -f "$PIDF" ] || return 0
	pid=$(cat "$PIDF" 2>/dev/null || true)
	case "$pid" in '' | *[!0-9]*) return 0 ;; esac
	kill -0 "$pid" 2>/dev/null || return 0
	if [ -r "/proc/$pid/cmdline" ] &&
		! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $(abspath "$CONF")"; then
		return 0 # the pid was reused by something else
	fi
	echo "$pid"
}

# the JVM options for the class-data sharing archive $1 (see the top)
cds() {
	[ "$KAFKA_CDS" = 1 ] || return 0
	if [ -s "$1" ]; then
		echo "-XX:SharedArchiveFile=$(abspath "$1") -Xlog:cds=off -Xlog:cds+dynamic=off"
	else
		echo "-XX:ArchiveClassesAtExit=$(abspath "$1") -Xlog:cds=off -Xlog:cds+dynamic=off"
	fi
}

# a random KRaft cluster id (what StorageTool random-uuid prints: 16 random
# bytes in URL-safe base64 without padding, not starting with '-'),
# without starting a JVM for it
cluster_id() {
	while :; do
		id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)
		case "$id" in -*) ;; *) break ;; esac
	done
	echo "$id"
}

# true when something listens on 127.0.0.1:PORT (unknown without ss: true)
listening() {
	command -v ss >/dev/null 2>&1 || return 0
	[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

write_config() {
	mkdir -p "$DATA" "$LOGS"
	cat >"$CONF" <<EOF
# written by deploy/kafka/kafka.sh at each start; edit the script, not this
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$(abspath "$DATA")
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.recovery.threads.per.data.dir=2
# after a crash the controller fences the old incarnation of the broker only
# when its session expires; the default (9 s) would delay every restart
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
EOF
	cat >"$KAFKA_RUN/log4j2.properties" <<'EOF'
# the broker's log: one file, $KAFKA_RUN/logs/server.log
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
	cat >"$KAFKA_RUN/tools-log4j2.properties" <<'EOF'
# the topic tool: warnings and errors to standard error
status = warn
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = err
EOF
}

# format the storage directory once (KRaft needs a cluster id and the
# metadata version written before the first start)
format() {
	[ -f "$DATA/meta.properties" ] && return 0
	id=$(cluster_id)
	"$JAVA" -Dlog4j2.configurationFile="$(abspath "$KAFKA_RUN/tools-log4j2.properties")" \
		-cp "$LIBS/*" kafka.tools.StorageTool format -t "$id" -c "$CONF" \
		>"$LOGS/format.log" 2>&1 || {
		cat "$LOGS/format.log" >&2
		die "formatting $DATA failed"
	}
	say "formatted $DATA (cluster $id)"
}

log_tail() {
	for f in "$LOGS/kafka.out" "$LOGS/server.log"; do
		[ -s "$f" ] || continue
		echo "---- last lines of $f" >&2
		tail -n 25 "$f" >&2
	done
}

# Waits until the broker process (pid $1, else the pid file's) has started
# its listeners, bounded by KAFKA_WAIT seconds; exits with the log tail when
# it dies or times out. (Right after the fork the pid is still a shell, not
# yet the JVM, hence the argument.)
wait_started() {
	pid=${1:-$(broker_pid)}
	[ -n "$pid" ] || die "not running (start it with: $0 up)"
	i=0
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			log_tail
			rm -f "$PIDF"
			die "the broker exited during startup (logs in $LOGS)"
		fi
		if grep -q 'Kafka Server started' "$LOGS/server.log" 2>/dev/null &&
			listening "$KAFKA_PORT"; then
			return 0
		fi
		if [ "$i" -ge $((KAFKA_WAIT * 5)) ]; then
			log_tail
			die "not ready after ${KAFKA_WAIT}s on $BOOT (logs in $LOGS)"
		fi
		i=$((i + 1))
		sleep 0.2
	done
}

# topic_tool ARGS...: Kafka's topic tool against this broker, bounded in time
topic_tool() {
	# shellcheck disable=SC2046
	timeout "$KAFKA_WAIT" "$JAVA" -Xms64m -Xmx256m -XX:TieredStopAtLevel=1 \
		$(cds "$BUILD/kafka/topic-tool.jsa") \
		-Dlog4j2.configurationFile="$(abspath "$KAFKA_RUN/tools-log4j2.properties")" \
		-cp "$TOOLS/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" "$@"
}

# the broker answers metadata: list its topics
answers_metadata() {
	topic_tool --list >"$KAFKA_RUN/topics.list" 2>"$LOGS/topics.err" || {
		cat "$LOGS/topics.err" >&2
		log_tail
		die "the broker on $BOOT does not answer metadata requests"
	}
}

cmd_topics() {
	answers_metadata
	for spec in spotter.sightings:6 spotter.health:1 "$@"; do
		name=${spec%%:*}
		parts=1
		[ "$name" = "$spec" ] || parts=${spec#*:}
		grep -qx "$name" "$KAFKA_RUN/topics.list" && continue
		topic_tool --create --if-not-exists --topic "$name" --partitions "$parts" \
			--replication-factor 1 >/dev/null 2>"$LOGS/topics.err" || {
			cat "$LOGS/topics.err" >&2
			die "cannot create topic $name"
		}
		echo "$name" >>"$KAFKA_RUN/topics.list"
		say "created topic $name ($parts partition$([ "$parts" = 1 ] || echo s))"
	done
}

cmd_up() {
	pid=$(broker_pid)
	if [ -n "$pid" ]; then
		say "already running (pid $pid) on $BOOT"
		wait_started
		cmd_topics
		return 0
	fi
	"$(dirname "$0")/fetch.sh" || exit $?
	command -v "$JAVA" >/dev/null 2>&1 || die "$JAVA is not installed"
	for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
		if command -v ss >/dev/null 2>&1 && listening "$p"; then
			die "127.0.0.1:$p is already in use (another broker? set KAFKA_PORT)"
		fi
	done
	mkdir -p "$KAFKA_RUN"
	write_config
	format
	# a fresh log per start, so readiness is read from this start's lines
	[ -f "$LOGS/server.log" ] && mv "$LOGS/server.log" "$LOGS/server.log.prev"
	t0=$(date +%s)
	# shellcheck disable=SC2086
	nohup "$JAVA" $KAFKA_HEAP_OPTS $(cds "$BUILD/kafka/broker.jsa") -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
		-Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$(abspath "$KAFKA_RUN/log4j2.properties")" \
		-Dkafka.logs.dir="$(abspath "$LOGS")" \
		-cp "$(abspath "$LIBS")/*" kafka.Kafka "$(abspath "$CONF")" \
		>"$LOGS/kafka.out" 2>&1 </dev/null &
	echo $! >"$PIDF"
	wait_started "$(cat "$PIDF")"
	cmd_topics
	say "up on $BOOT (pid $(cat "$PIDF"), $(($(date +%s) - t0))s, data in $DATA)"
}

cmd_down() {
	pid=$(broker_pid)
	if [ -z "$pid" ]; then
		rm -f "$PIDF"
		say "not running"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$i" -ge 300 ]; then
			say "still running after 30s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		i=$((i + 1))
		sleep 0.1
	done
	rm -f "$PIDF"
	say "stopped (pid $pid)"
}

cmd_kill() {
	pid=$(broker_pid)
	if [ -z "$pid" ]; then
		say "not running"
		return 0
	fi
	kill -KILL "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$PIDF"
	say "killed (pid $pid, SIGKILL)"
}

cmd_status() {
	pid=$(broker_pid)
	if [ -n "$pid" ]; then
		echo "kafka: running (pid $pid) on $BOOT, data in $DATA"
		return 0
	fi
	echo "kafka: not running ($BOOT)"
	return 3
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
kill) cmd_kill ;;
status) cmd_status ;;
wait)
	wait_started
	answers_metadata
	say "ready on $BOOT"
	;;
topics)
	shift
	wait_started
	cmd_topics "$@"
	;;
*)
	sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
