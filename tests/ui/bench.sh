#!/bin/sh
# tests/ui/bench.sh - how fast hotstack ui is on a big recording (make
# bench-ui): 1M samples in 50,000 stacks over 4 threads and 600 time slices
# (tests/bench/genstacks.c, the perf script form, through hotstack import),
# driven headless with --timing.
#
# Every item is timed on its own: the first screen (process start to the
# first screen drawn, the load included), the first visit of each view, and
# each kind of key (moves, sort, search, help, kernel frames, expanding the
# call tree, the inverted tree, flame zoom, a thread filter, a time range,
# and the views visited after a filter; the keys that extend a time range
# read its rows ahead, and are timed too). An item is the last key of its
# segment in one of the scripts below; the keys before it only lead there.
# A key's time runs until the screen has settled, background loads included.
# Printed per item: the median over RUNS runs of CPU and wall time, against
# the issue's targets: first screen under 300 ms, every key under 50 ms. On a
# busy machine wall time stretches with the load and CPU time is the
# steadier number; the verdict column goes by CPU time.
# Environment: HOTSTACK, RUNS (default 3), SAMPLES_N, STACKS_N, KEEP_DB
# (a path: reuse or keep the recording, its import takes a minute or two;
# one imported by an older hotstack may lack tables the readers use when
# present, such as slice_totals and stack_nodes_packed, and then measures
# their slower fallback).
set -eu

HOTSTACK=${HOTSTACK:-./hotstack}
RUNS=${RUNS:-3}
SAMPLES_N=${SAMPLES_N:-1000000}
STACKS_N=${STACKS_N:-50000}
here=$(cd "$(dirname "$0")" && pwd)
case $HOTSTACK in /*) ;; *) HOTSTACK=$(pwd)/$HOTSTACK ;; esac
[ -x "$HOTSTACK" ] || { echo "bench-ui: no hotstack at $HOTSTACK" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/hotstack-bench-ui.XXXXXX")
trap 'rm -rf "$W"' EXIT
db=${KEEP_DB:-$W/big.db}
if [ ! -f "$db" ]; then
	cc -O2 -o "$W/genstacks" "$here/../bench/genstacks.c"
	"$W/genstacks" perf "$SAMPLES_N" "$STACKS_N" 4 600 | "$HOTSTACK" import -f perf -o "$db" - \
		>/dev/null 2>&1 || { echo "bench-ui: import failed" >&2; exit 2; }
fi

# One script per line: segments "label=keys" separated by '|'; the label
# times the last key of its keys. Each view's first visit starts a script.
cat >"$W/scripts" <<'EOF'
hotspots: sort=s|hotspots: cursor move=j|hotspots: page down=<PgDn>|kernel frames toggle=K|search=/zz<Enter>|search next=n|help=?|help closed=q|hotspots: Enter opens the tree=<Enter>
tree: first visit=2|tree: expand one=<Enter>|tree: expand all=E|tree: cursor move=j|tree: inverted=i|tree: top-down again=i|tree: callers and callees=x|tree: follow one=j<Enter>
flame: first visit=3|flame: move=l|flame: zoom in=<Enter>|flame: zoom out=<Esc>|flame: icicle=o|flame: inverted=i
waits: first visit=4|waits: cursor move=j
threads: first visit=5|thread filter=j<Enter>|hotspots after a thread filter=1|tree after a thread filter=2|flame after a thread filter=3|thread filter cleared=<Esc>
timeline: first visit=6|time range: start=<Space>|time range: extend=llllllllllllllllllll|time range=<Enter>|hotspots after a time range=1|waits after a time range=4|threads after a time range=5|time range cleared=<Esc>
source: first visit=7
EOF

# keys of a segment: <Name> is one key, any other character one
nkeys() { printf '%s' "$1" | sed 's/<[^>]*>/./g' | wc -c; }

n=0
while IFS= read -r line; do
	n=$((n + 1))
	keys=$(printf '%s' "$line" | tr '|' '\n' | sed 's/^[^=]*=//' | tr -d '\n')
	# the key number each label times
	printf '%s\n' "$line" | tr '|' '\n' | {
		at=0
		while IFS= read -r seg; do
			at=$((at + $(nkeys "${seg#*=}")))
			printf '%s\t%s\n' "$at" "${seg%%=*}"
		done
	} >"$W/labels$n"
	for i in $(seq "$RUNS"); do
		LANG=C.UTF-8 "$HOTSTACK" ui "$db" --headless 120x40 --timing --keys "$keys" </dev/null \
			2>"$W/t$n.$i" >/dev/null || { echo "bench-ui: hotstack ui failed on: $keys" >&2; exit 2; }
		# item lines: label, cpu ms, wall ms
		sed -n 's/^ui: load \([0-9.]*\) ms, first screen \([0-9.]*\) ms .*process cpu \([0-9.]*\) ms$/\1 \2 \3/p' \
			"$W/t$n.$i" | awk '{ printf "first screen (load included)\t%s\t%s\n", $3, $1 + $2 }' >>"$W/items"
		grep '^ui: key ' "$W/t$n.$i" | awk -v labels="$W/labels$n" '
			BEGIN { while ((getline l < labels) > 0) { split(l, f, "\t"); lab[f[1]] = f[2] } }
			{ k++; wall = $(NF - 4); cpu = $(NF - 1) }
			k in lab { printf "%s\t%s\t%s\n", lab[k], cpu, wall }' >>"$W/items"
	done
done <"$W/scripts"

echo "hotstack ui benchmark: $SAMPLES_N samples in $STACKS_N stacks, median of $RUNS runs each"
printf '  %-34s %9s %9s %7s\n' "item" "cpu ms" "wall ms" "target"
# items in the order first seen; median per item; first screen over all runs
awk -F '\t' '
	!($1 in n) { order[++nitems] = $1 }
	{ n[$1]++; cpu[$1, n[$1]] = $2; wall[$1, n[$1]] = $3 }
	function median(a, name, k,    i, j, t, v) {
		for (i = 1; i <= k; i++) v[i] = a[name, i]
		for (i = 2; i <= k; i++)
			for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		return v[int((k + 1) / 2)]
	}
	END {
		for (i = 1; i <= nitems; i++) {
			name = order[i]
			target = name ~ /^first screen/ ? 300 : 50
			c = median(cpu, name, n[name]); w = median(wall, name, n[name])
			verdict = c + 0 <= target ? "ok" : "SLOW"
			if (verdict == "SLOW") slow++
			printf "  %-34s %9.1f %9.1f %5d   %s\n", name, c, w, target, verdict
		}
		printf "  %d of %d items over their target (by cpu time)\n", slow, nitems
	}' "$W/items"
