#!/bin/sh
# continuous.sh - the cost of record --continuous on the sample HTTP server
#
# usage: HOTSTACK=path/to/hotstack SAMPLES=dir/of/samples sh tests/bench/continuous.sh
#        (`make bench-continuous` sets both)
#
# Environment:
#   BENCH_SECS=N    how long each recording runs (default 600: the issue's
#                   10-minute run for peak memory; 60 for a quick look)
#   BENCH_WAITS=0   skip the --waits run
#
# samples/httpd (2 workers) under samples/loadgen (4 connections) is
# recorded with record --continuous at its default rate, --rotate 2m and
# --metrics on a loopback port, then again with --waits. Printed, per run:
# hotstack's own CPU time per second of wall time (user+sys from
# /proc/PID/stat, as % of one CPU), the samples taken and the server's
# CPU (samples / rate), peak resident memory (VmHWM), bytes on disk per
# hour (the finished files, extrapolated), the marks made on this steady
# load (expected: 0), and the time of 5 scrapes of /metrics (curl).
set -u
HOTSTACK=${HOTSTACK:-./hotstack}
SAMPLES=${SAMPLES:-./samples}
SECS=${BENCH_SECS:-600}
W=$(mktemp -d "${TMPDIR:-/tmp}/hotstack-bench.XXXXXX")
trap 'kill $httpd $load 2>/dev/null; rm -rf "$W"' EXIT
TICK=$(getconf CLK_TCK)

"$SAMPLES/httpd" -t 2 -d "$W/data" >"$W/port" &
httpd=$!
i=0
until grep -q '^listening' "$W/port" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "httpd did not start" >&2; exit 2; }
	sleep 0.05
done
port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/port")
"$SAMPLES/loadgen" -p "$port" -c 4 -d $((2 * SECS + 60)) >/dev/null &
load=$!

cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

run() {
	name=$1; shift
	d=$W/$name
	"$HOTSTACK" record --continuous "$d" -p "$httpd" --rotate 2m --metrics 127.0.0.1:0 \
		-d "$SECS" "$@" 2>"$W/$name.err" &
	rec=$!
	i=0
	until grep -q 'metrics on' "$W/$name.err" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 200 ] && { echo "no metrics address" >&2; exit 2; }
		sleep 0.05
	done
	url=$(sed -n 's/.*metrics on \(http:[^ ]*\).*/\1/p' "$W/$name.err")
	sleep 2
	t0=$(cputicks "$rec")
	s0=$(date +%s.%N)
	sleep $((SECS - 8))
	t1=$(cputicks "$rec")
	s1=$(date +%s.%N)
	hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$rec/status")
	scrapes=$(for k in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total} ' "$url"; done)
	wait "$rec"
	samples=0
	for f in "$d"/hotstack-*.db; do
		samples=$((samples + $(sqlite3 "$f" "select value from meta where key = 'samples'")))
	done
	rate=$(sqlite3 "$(ls "$d"/hotstack-*.db | head -1)" "select value from meta where key = 'frequency'")
	bytes=$(cat "$d"/hotstack-*.db | wc -c)
	marks=$("$HOTSTACK" report "$d" --anomalies --format json | jq '.anomalies | length')
	awk -v n="$name" -v t="$((t1 - t0))" -v tick="$TICK" -v s0="$s0" -v s1="$s1" \
		-v hwm="$hwm" -v b="$bytes" -v secs="$SECS" -v smp="$samples" -v hz="$rate" \
		-v m="$marks" -v sc="$scrapes" 'BEGIN {
		printf "%-8s hotstack CPU %.2f%% of one CPU; %d samples at %d Hz (server %.2f CPU);", \
			n, 100 * t / tick / (s1 - s0), smp, hz, smp / hz / secs
		printf " peak RSS %.1f MB; disk %.1f MB/hour; marks %d; scrapes (s) %s\n", \
			hwm / 1024, b / secs * 3600 / 1048576, m, sc
	}'
}

echo "record --continuous on samples/httpd under loadgen, $SECS s a run"
run cpu
[ "${BENCH_WAITS:-1}" = 0 ] || run waits --waits
