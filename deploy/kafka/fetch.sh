#!/bin/sh
# Fetches Apache Kafka (broker, storage and topic tools, logging) from Maven
# Central into $BUILD/kafka/, as listed in deploy/kafka/pom.xml:
#   $BUILD/kafka/libs        the broker's class path (profile broker)
#   $BUILD/kafka/tools-libs  the topic tool's class path (profile tools)
# Idempotent: does nothing when both are there and were fetched for the
# current pom (a checksum of the pom is kept beside them). Maven's own cache
# (~/.m2) makes a later fetch fast and offline.
#
# Exit status: 0 fetched (or nothing to do); 1 failure; 69 (EX_UNAVAILABLE)
# when Java or Maven is not installed; 75 (EX_TEMPFAIL) when Maven Central
# cannot be reached — the tests skip on 69 and 75.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
POM=deploy/kafka/pom.xml
# the plugin by its coordinates: a pinned version, and no prefix look-up
# (which would hide an unreachable repository behind "no plugin found")
PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
DEST="$BUILD/kafka"
case "$DEST" in /*) ;; *) DEST="$PWD/$DEST" ;; esac # Maven resolves paths from the pom

for tool in java mvn; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "kafka-fetch: $tool is not installed (deploy/install-deps.sh installs it)" >&2
		exit 69
	fi
done

sum=$(cksum <"$POM" | cut -d' ' -f1)
if [ -f "$DEST/libs/.fetched" ] && [ -f "$DEST/tools-libs/.fetched" ] &&
	[ "$(cat "$DEST/libs/.fetched")" = "$sum" ] && [ "$(cat "$DEST/tools-libs/.fetched")" = "$sum" ]; then
	exit 0
fi

mkdir -p "$DEST"
log="$DEST/fetch.log"
: >"$log"

# fetch PROFILE DIR: copy the profile's runtime class path into DIR (via a
# temporary directory, so an interrupted fetch never leaves half a class path)
fetch() {
	rm -rf "$DEST/$2.tmp"
	if ! mvn -B -q -f "$POM" -P "$1" "$PLUGIN:copy-dependencies" \
		-DincludeScope=runtime -DoutputDirectory="$DEST/$2.tmp" >>"$log" 2>&1; then
		rm -rf "$DEST/$2.tmp"
		if grep -Eqi 'could not transfer|unknown ?host|connection (refused|timed out|reset)|network is unreachable|no route to host|temporary failure in name resolution|read timed out|offline mode' "$log"; then
			echo "kafka-fetch: Maven Central cannot be reached (see $log)" >&2
			exit 75
		fi
		echo "kafka-fetch: mvn failed for profile $1:" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
	echo "$sum" >"$DEST/$2.tmp/.fetched"
	rm -rf "${DEST:?}/$2"
	mv "$DEST/$2.tmp" "$DEST/$2"
}

echo "kafka-fetch: fetching Apache Kafka from Maven Central into $DEST" >&2
rm -f "$DEST"/*.jsa # class-data sharing archives of the old class paths
fetch broker libs
fetch tools tools-libs
n=$(ls "$DEST/libs" "$DEST/tools-libs" | grep -c '\.jar$' || true)
size=$(du -sh "$DEST/libs" "$DEST/tools-libs" | awk '{print $1}' | tr '\n' ' ')
echo "kafka-fetch: $n jars ($size)" >&2
