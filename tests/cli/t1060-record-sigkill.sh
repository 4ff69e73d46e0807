#!/bin/sh
# SIGKILL hotstack in the middle of `record -p`: the target keeps running,
# the recording opens and holds the samples of all but the last quarter
# second (commits come every 250 ms), even when killed 1.1 s after it began
. "$(dirname "$0")/lib.sh"
need_root

bg "$SAMPLES/spin" 2
target=$BG
sleep 0.2
"$HOTSTACK" record -q -F 499 -p "$target" -o "$T/k.db" &
rec=$!
sleep 2.5
kill -KILL "$rec"
wait "$rec" 2>/dev/null
sleep 0.1
assert_running "$target"
hs report "$T/k.db" --format json
[ "$RC" -eq 0 ] || fail "report of the killed recording failed: $(cat "$T/err")"
n=$(jq .samples "$T/out")
echo "samples in the killed recording: $n"
[ "$n" -ge 300 ] || fail "expected at least 1 s of samples (about 1000), got $n"
s=$(jq '[.functions[] | select(.name == "spin_leaf") | .self_pct] | add' "$T/out")
at_least "$s" 90 || fail "spin_leaf self is $s%"

# killed early: 1.1 s after the command started, the recording has samples
"$HOTSTACK" record -q -F 499 -p "$target" -o "$T/early.db" &
rec=$!
sleep 1.1
kill -KILL "$rec"
wait "$rec" 2>/dev/null
assert_running "$target"
hs info "$T/early.db"
[ "$RC" -eq 0 ] || fail "info on the recording killed at 1.1 s failed: $(cat "$T/err")"
e=$(meta "$T/early.db" samples)
d=$(meta "$T/early.db" duration_ns)
echo "killed at 1.1 s: ${e:-no} samples over ${d:-no} ns committed"
[ -n "$e" ] && [ "$e" -gt 0 ] || fail "the recording killed 1.1 s after its start holds no sample"
[ "$(meta "$T/early.db" finished)" = "" ] || fail "a killed recording says it finished"
# a follower tells it from a live one by writer_pid: the state stays
[ "$(meta "$T/early.db" state)" = recording ] || fail "state of a killed recording: $(meta "$T/early.db" state)"
[ -n "$(meta "$T/early.db" writer_pid)" ] || fail "no writer_pid in the killed recording"
pass "killed recordings open: $n samples at 2.5 s, $e at 1.1 s"
