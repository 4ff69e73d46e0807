#!/bin/sh
# SIGKILL hotstack in the middle of `record -p`: the target keeps running,
# the recording opens and holds the samples of all but the last second
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
pass "killed recording opens with $n samples"
