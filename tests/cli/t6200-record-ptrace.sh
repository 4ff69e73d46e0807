#!/bin/sh
# where perf_event_open is blocked (a seccomp filter, as in containers),
# record falls back to ptrace sampling, says so once, and gets the same top
# functions as perf-event sampling within 10 points (at 199 Hz: 400 samples,
# a standard error of 2.5 points); --method forces either
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 499 -o "$T/perf.db" -- "$SAMPLES/split" 2
[ "$RC" -eq 0 ] || fail "record with perf events exited $RC: $(cat "$T/err")"

"$TESTPROGS/noperf" ENOSYS "$HOTSTACK" record -q -F 199 -o "$T/auto.db" -- "$SAMPLES/split" 2 >"$T/out" 2>"$T/err" ||
	fail "record under a seccomp filter failed: $(cat "$T/err")"
cat "$T/err"
[ "$(grep -c 'ptrace' "$T/err")" -eq 1 ] || fail "the fallback is not announced exactly once"
grep -q "seccomp" "$T/err" || fail "the message does not say why perf events failed"
[ "$(meta "$T/auto.db" method)" = ptrace ] || fail "method is not ptrace"
grep -q '^checksum' "$T/out" || fail "the command's output was lost"
for f in leaf_60 leaf_30 leaf_10; do
	a=$(json_pct "$T/perf.db" $f)
	b=$(json_pct "$T/auto.db" $f)
	echo "$f: perf events $a%, ptrace $b%"
	within "$a" "$b" 10 || fail "$f: ptrace $b% is not within 10 points of perf events' $a%"
done
m=$(folded_share "$T/auto.db" main)
at_least "$m" 99 || fail "only $m% of ptrace samples unwound to main()"

# forcing: --method ptrace without any filter; --method perf under one fails
hs record -q --method ptrace -F 99 -o "$T/pt.db" -- "$SAMPLES/split" 1
[ "$RC" -eq 0 ] || fail "--method ptrace exited $RC: $(cat "$T/err")"
[ "$(meta "$T/pt.db" method)" = ptrace ] || fail "--method ptrace did not use ptrace"
"$TESTPROGS/noperf" EPERM "$HOTSTACK" record -q --method perf -o "$T/no.db" -- "$SAMPLES/split" 0.2 >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 2 ] || fail "--method perf under a filter exited $rc"
hs record --method ptrace --waits -- true
[ "$RC" -eq 64 ] || fail "--method ptrace --waits exited $RC"

# attach with ptrace: the target runs on, never left stopped
bg "$SAMPLES/spin" 2
target=$BG
sleep 0.2
hs record -q --method ptrace -d 1.5 -p "$target" -o "$T/att.db"
[ "$RC" -eq 0 ] || fail "attach with ptrace exited $RC: $(cat "$T/err")"
sleep 0.1
assert_running "$target"
s=$(json_pct "$T/att.db" spin_leaf)
at_least "$s" 90 || fail "spin_leaf is $s% with ptrace attach"
pass "ptrace fallback"
