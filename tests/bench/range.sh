#!/bin/sh
# range.sh - readers over time on a day of rotated recordings
#
# usage: HOTSTACK=path/to/hotstack GENRANGE=path/to/genrange sh tests/bench/range.sh
#        (`make bench-range` sets both)
#
# Environment:
#   BENCH_DIR=DIR   keep the generated day in DIR (made when empty, reused
#                   when it holds the 144 files: generating takes ~2 minutes)
#
# genrange writes 144 files of 10 minutes ending now, as record --continuous
# at its default rate (29 Hz) writes them for 2 busy threads: ~35,000
# samples and ~34,000 rows of samples a file, ~0.95 MB, 133 MB a day. Then,
# each timed for CPU (user+sys) and peak resident memory (GNU time; CPU
# from the shell's times when it is missing):
#   report DIR                               the whole day
#   report DIR --since -1h                   the last hour
#   diff DIR --since -23h --until -22h DIR --since -1h
#                                            an hour of the day against the last
set -u
HOTSTACK=${HOTSTACK:-./hotstack}
GENRANGE=${GENRANGE:-./tests/bench/genrange}
if [ -n "${BENCH_DIR:-}" ]; then
	D=$BENCH_DIR
	mkdir -p "$D"
	trap 'rm -f "$W"/*; rmdir "$W"' EXIT
else
	D=$(mktemp -d "${TMPDIR:-/tmp}/hotstack-day.XXXXXX")
	trap 'rm -rf "$D"; rm -f "$W"/*; rmdir "$W"' EXIT
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/hotstack-bench.XXXXXX")

n=$(ls "$D" | grep -c '^hotstack-.*\.db$')
if [ "$n" -ne 144 ]; then
	rm -f "$D"/hotstack-*.db
	echo "generating a day: 144 files of 10 minutes in $D ..."
	"$GENRANGE" "$D" $(( $(date +%s) - 86400 )) 144 600 2 || { echo "genrange failed" >&2; exit 2; }
fi
echo "$(ls "$D" | grep -c '^hotstack-.*\.db$') files, $(du -sh "$D" | cut -f1)"

# run NAME ARGS...: prints NAME, CPU seconds, peak RSS
run() {
	name=$1
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%U %S %M' -o "$W/time" "$HOTSTACK" "$@" >"$W/out" 2>"$W/err" ||
			{ echo "$name failed: $(cat "$W/err")" >&2; exit 2; }
		awk -v n="$name" '{ printf "%-34s %7.2f s CPU  %7.1f MB peak RSS\n", n, $1 + $2, $3 / 1024 }' \
			"$W/time"
	else
		t0=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
		"$HOTSTACK" "$@" >"$W/out" 2>"$W/err" || { echo "$name failed" >&2; exit 2; }
		t1=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
		awk -v n="$name" -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" \
			'BEGIN { printf "%-34s %7.2f s CPU  (no /usr/bin/time: no RSS)\n", n, t / hz }'
	fi
}

run "report DIR (the day)" report "$D" --limit 5
head -1 "$W/out"
run "report DIR --since -1h" report "$D" --since -1h --limit 5
head -1 "$W/out"
run "diff hour -23h..-22h against -1h" diff "$D" --since -23h --until -22h "$D" --since -1h --limit 5
head -2 "$W/out"
