#!/bin/sh
# anomaly marks: record --continuous on a steady workload (tests/progs/
# phases, 60/30/10) whose leaf_30 triples its cost for 2 s in the middle;
# the mark stored in the recording names leaf_30 and overlaps the spike by
# at least half. phases counts its seconds in CPU time per thread, so on a
# loaded machine the spike keeps its samples, spread over more wall time
# (the wall interval it reports is what the mark must overlap). The same
# workload without the spike, recorded at the same time, gets no mark (at
# this rate a stricter test than at the default: more samples, more
# power). report --anomalies lists stored marks, and computes them for a
# recording that has none (saying which).
. "$(dirname "$0")/lib.sh"
need_root

SECS=24
# a rate that leaves the 2 s spike enough samples on a loaded 2-core machine
# (the default 49 Hz marks it when the target gets its CPU: see
# hotstack-record(1), ANOMALY MARKS)
HZ=499
"$TESTPROGS/phases" $SECS 12 2 >"$T/spike.out" &
spike=$!
PIDS_TO_KILL="$PIDS_TO_KILL $spike"
"$TESTPROGS/phases" $SECS >"$T/steady.out" &
steady=$!
PIDS_TO_KILL="$PIDS_TO_KILL $steady"
sleep 0.1
# both end when their target does
# --user-only: the kernel's share on a target's CPUs (timer interrupts,
# softirqs) moves with whatever else the machine runs — the sanitizer
# build's own recorder, under load — and those marks are true but not
# what this test is about
"$HOTSTACK" record --continuous "$T/spike" -p "$spike" -F $HZ -q --user-only 2>"$T/err1" &
r1=$!
"$HOTSTACK" record --continuous "$T/steady" -p "$steady" -F $HZ -q --user-only 2>"$T/err2" &
r2=$!
PIDS_TO_KILL="$PIDS_TO_KILL $r1 $r2"
wait "$r1" || fail "record --continuous (spike) exited $?: $(cat "$T/err1")"
wait "$r2" || fail "record --continuous (steady) exited $?: $(cat "$T/err2")"
wait "$spike"
wait "$steady"
read -r _ lo hi <"$T/spike.out"
echo "spike from $lo to $hi"
# samples and leaf_30's per second, printed when a check fails
windows() {
	for f in "$1"/hotstack-*.db; do
		echo "$f: start $(meta "$f" start_time), seconds: all/leaf_30"
		sqlite3 "$f" "select s.slice / 10, sum(s.count),
			sum(case when f.function = 'leaf_30' then s.count else 0 end)
			from samples s join stack_nodes n on n.id = s.node_id
			join frames f on f.id = n.frame_id where s.kind = 0 group by 1" | tr '\n' ' '
		echo
	done
}

hs report "$T/spike" --anomalies --format json
[ "$RC" -eq 0 ] || fail "report --anomalies: $(cat "$T/err")"
cat "$T/out"
[ "$(jq -r .source "$T/out")" = stored ] || { windows "$T/spike"; fail "no marks stored in the recording"; }
jq -e '.anomalies | length > 0' "$T/out" >/dev/null || { windows "$T/spike"; fail "the spike was not marked"; }
others=$(jq -r '[.anomalies[] | select(.function != "leaf_30") | .function] | join(",")' "$T/out")
[ -z "$others" ] || fail "marks for functions that did not change: $others"
# the overlap of the marks with the spike, in ns
overlap=$(jq --argjson lo "$lo" --argjson hi "$hi" '[.anomalies[] |
	([.end_time, $hi] | min) - ([.start_time, $lo] | max) | if . < 0 then 0 else . end] | add' "$T/out")
echo "marked overlap with the spike: $overlap ns"
[ "$overlap" -ge $(( (hi - lo) / 2 )) ] || fail "the marks overlap the 2 s spike by only $overlap ns"
hs report "$T/spike" --anomalies
grep -q 'stored in the recording' "$T/out" || fail "text output does not say the marks were stored"
grep -q 'leaf_30' "$T/out" || fail "text output does not name leaf_30"

hs report "$T/steady" --anomalies --format json
[ "$RC" -eq 0 ] || fail "report --anomalies (steady): $(cat "$T/err")"
n=$(jq '.anomalies | length' "$T/out")
[ "$n" -eq 0 ] || { windows "$T/steady"; fail "$n marks on a steady run: $(cat "$T/out")"; }

# a plain recording has no marks: computed, and said so
f=$(ls "$T/spike"/hotstack-*.db | head -1)
sqlite3 "$f" "delete from anomalies"
hs report "$f" --anomalies --format json
[ "$(jq -r .source "$T/out")" = computed ] || fail "marks not computed for a recording without any"
n=$(jq '[.anomalies[] | select(.function == "leaf_30")] | length' "$T/out")
[ "$n" -ge 1 ] || fail "the computed marks miss the spike: $(cat "$T/out")"
pass "anomaly marks: spike marked, steady run clean"
