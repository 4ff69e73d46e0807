#!/bin/sh
# 200 snapshots in a row of the 8-thread sample: its output stays correct,
# it is never left stopped, threads are held stopped under 10 ms at the
# 99th percentile, and none for 100 ms (hotstack itself preempted while it
# holds a thread, on a loaded 2-CPU machine, measured up to 24 ms)
. "$(dirname "$0")/lib.sh"
need_root

"$SAMPLES/threads" 0.3 8 >"$T/alone" || fail "threads failed alone"
# 40 s: 220 snapshots must fit in its life even on a loaded machine
bg_child threads "'$SAMPLES/threads' 40 8 >'$T/traced'"
target=$CHILD
sleep 0.2
hs stacks "$target" --repeat 200 -v
[ "$RC" -eq 0 ] || fail "200 snapshots: exit $RC: $(tail -3 "$T/err")"
cat "$T/err"
assert_running "$target"
held=$(sed -n 's/.*per thread, held stopped: .*max \([0-9.]*\) \(s\|ms\|us\).*/\1 \2/p' "$T/err")
held99=$(sed -n 's/.*per thread, held stopped: .*p99 \([0-9.]*\) \(s\|ms\|us\),.*/\1 \2/p' "$T/err")
med=$(sed -n 's/.*per thread, interrupt to resume: median \([0-9.]*\) \(s\|ms\|us\),.*/\1 \2/p' "$T/err")
to_us() { awk -v v="$1" -v u="$2" 'BEGIN { m = u == "s" ? 1e6 : u == "ms" ? 1e3 : 1; print v * m }'; }
# the summary lines must be there: a missing one is a failure, not 0 us
[ -n "$held" ] && [ -n "$held99" ] || fail "no 'held stopped' summary line: $(cat "$T/err")"
[ -n "$med" ] || fail "no 'interrupt to resume' summary line: $(cat "$T/err")"
held_us=$(to_us $held)
held99_us=$(to_us $held99)
med_us=$(to_us $med)
echo "held stopped p99 $held99_us us, at most $held_us us; interrupt to resume median $med_us us"
at_least 10000 "$held99_us" || fail "threads held stopped $held99_us us at p99 (limit 10 ms)"
at_least 100000 "$held_us" || fail "a thread was held stopped for $held_us us (limit 100 ms)"
at_least 10000 "$med_us" || fail "median stop $med_us us (limit 10 ms)"
# and separate runs, as a user would do it
n=0
while [ $n -lt 20 ]; do
	"$HOTSTACK" stacks "$target" >/dev/null 2>"$T/err1" || fail "run $n failed: $(cat "$T/err1")"
	n=$((n + 1))
done
assert_running "$target"
wait "$BG" || fail "threads exited with an error"
cat "$T/traced"
cmp -s "$T/alone" "$T/traced" || fail "output changed: $(cat "$T/traced") vs $(cat "$T/alone")"
pass "220 snapshots, output correct"
