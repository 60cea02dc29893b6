#!/bin/sh
# Loads the shared rule sets (ET Open, Quickdraw) with spotter-rules and
# checks the loader's bookkeeping against an independent count:
#   - the tool exits 0 or 1 (never crashes, never a usage error),
#   - every line on standard error is FILE:LINE: reason, one per rejected rule,
#   - loaded + rejected equals the number of rules in the file, counted here
#     (non-blank, non-comment lines; a trailing backslash continues a rule).
# Prints the fraction loaded per file and overall. Needs BUILD and CORPUS
# (make etopen passes them); skips cleanly when the corpus is absent.
set -u

BUILD=${BUILD:-build}
CORPUS=${CORPUS:-../shared/corpus}
TOOL=$BUILD/spotter-rules
ET=$CORPUS/rules/et-open
QD=$CORPUS/rules/quickdraw/all-quickdraw.rules

if [ ! -d "$ET" ] || [ ! -f "$QD" ]; then
	echo "etopen: corpus not found at $CORPUS, skipped"
	exit 0
fi
if [ ! -x "$TOOL" ]; then
	echo "etopen: $TOOL not built" >&2
	exit 1
fi

# Variables the Quickdraw rules use beyond Suricata's defaults.
QD_VARS="--set BACNET_CLIENT=\$HOME_NET --set FINS_CLIENT=\$HOME_NET
	--set FINS_SERVER=\$HOME_NET --set MODICON_CLIENT=\$HOME_NET
	--set S7_CLIENT=\$HOME_NET --set S7_SERVER=\$HOME_NET"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# Rules in a file, counted independently of the loader.
count_rules() {
	awk '{ sub(/[ \t\r]+$/, "") }
	     cont { cont = /\\$/; next }
	     /^[ \t]*(#|$)/ { next }
	     { n++; cont = /\\$/ }
	     END { print n + 0 }' "$1"
}

failures=0
total_loaded=0
total_rules=0

fail() {
	echo "etopen: FAIL: $*"
	failures=$((failures + 1))
}

# check FILE [tool options...]
check() {
	f=$1
	shift
	"$TOOL" check --stats "$@" "$f" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	name=$(basename "$f")
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		fail "$name: exit status $rc"
		sed -n '1,5p' "$TMP/err"
		return
	fi
	summary=$(tail -n 1 "$TMP/out")
	loaded=$(echo "$summary" | sed -n 's/.* \([0-9][0-9]*\) rules\{0,1\} loaded.*/\1/p')
	rejected=$(echo "$summary" | sed -n 's/.* \([0-9][0-9]*\) rejected.*/\1/p')
	if [ -z "$loaded" ] || [ -z "$rejected" ]; then
		fail "$name: no summary line: $summary"
		return
	fi
	expected=$(count_rules "$f")
	if [ $((loaded + rejected)) -ne "$expected" ]; then
		fail "$name: $loaded loaded + $rejected rejected != $expected rules in the file"
	fi
	errors=$(wc -l <"$TMP/err")
	if [ "$errors" -ne "$rejected" ]; then
		fail "$name: $errors error lines for $rejected rejected rules"
	fi
	bad=$(grep -cv "^$f:[0-9][0-9]*: ." "$TMP/err")
	if [ "$bad" -ne 0 ]; then
		fail "$name: $bad error lines are not FILE:LINE: reason"
		grep -v "^$f:[0-9][0-9]*: ." "$TMP/err" | sed -n '1,3p'
	fi
	if [ "$rc" -ne $((rejected > 0)) ]; then
		fail "$name: exit status $rc with $rejected rejected"
	fi
	printf '  %-28s %6d rules %6d loaded %6d rejected  %5.1f%% loaded\n' "$name" \
		"$expected" "$loaded" "$rejected" \
		"$(awk -v l="$loaded" -v t="$expected" 'BEGIN { print t ? 100 * l / t : 100 }')"
	total_loaded=$((total_loaded + loaded))
	total_rules=$((total_rules + expected))
}

echo "etopen: ET Open"
for f in "$ET"/*.rules; do
	check "$f"
done
et_loaded=$total_loaded
et_rules=$total_rules
echo "etopen: Quickdraw"
# shellcheck disable=SC2086 # QD_VARS is a list of options
check "$QD" $QD_VARS

echo "etopen: spotter-rules options"
# status CODE COMMAND...: the command must exit with CODE
status() {
	want=$1
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "$* exited $got, expected $want"
}
status 0 "$TOOL" --help
status 0 "$TOOL" --version
grep -q '^spotter-rules [0-9]' "$TMP/out" || fail "--version prints no version"
status 2 "$TOOL" check
status 2 "$TOOL" lint "$QD"
status 2 "$TOOL" check --bogus "$QD"
status 2 "$TOOL" check --set NOEQUALS "$QD"
status 2 "$TOOL" check "$TMP/missing.rules"
grep -qx "$TMP/missing.rules: No such file or directory" "$TMP/err" ||
	fail "unreadable path not reported as FILE: reason"
# shellcheck disable=SC2086
status 2 "$TOOL" check --strict "$QD" $QD_VARS
printf '' >"$TMP/empty.rules"
status 0 "$TOOL" check "$TMP/empty.rules"
status 2 "$TOOL" check --strict "$TMP/empty.rules"
status 1 "$TOOL" check --json "$ET"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["loaded"] == int(sys.argv[2]), (d["loaded"], sys.argv[2])
assert d["loaded"] + d["rejected"] == int(sys.argv[3])
assert len(d["errors"]) == d["rejected"]' "$TMP/out" "$et_loaded" "$et_rules" ||
		fail "--json output does not agree with the per-file counts"
fi

printf 'etopen: ET Open %d/%d loaded (%.1f%%), all %d/%d loaded (%.1f%%)\n' \
	"$et_loaded" "$et_rules" \
	"$(awk -v l="$et_loaded" -v t="$et_rules" 'BEGIN { print t ? 100 * l / t : 100 }')" \
	"$total_loaded" "$total_rules" \
	"$(awk -v l="$total_loaded" -v t="$total_rules" 'BEGIN { print t ? 100 * l / t : 100 }')"
if [ "$failures" -ne 0 ]; then
	echo "etopen: $failures checks failed"
	exit 1
fi
echo "etopen: all checks passed"
