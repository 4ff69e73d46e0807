#!/bin/sh
# the ptrace fallback follows what perf events follow: every thread of a
# launched command with its name, a forked child process, and a running
# process attached to; nothing is left traced or stopped
. "$(dirname "$0")/lib.sh"
need_root

"$TESTPROGS/ptsample-check" -F 199 -- "$SAMPLES/threads" 1.5 8 >"$T/out" 2>"$T/err" ||
	fail "ptsample-check on threads failed: $(cat "$T/err")"
cat "$T/out"
[ "$(sed -n 's/^threads //p' "$T/out")" -ge 8 ] || fail "not every worker thread was sampled"
for i in 0 1 2 3 4 5 6 7; do
	grep -q "^names .*worker-$i" "$T/out" || fail "no name for worker-$i"
done
c=$(sed -n 's/^complete //p' "$T/out")
at_least "$c" 99 || fail "only $c% unwound to start_thread or main"

"$TESTPROGS/ptsample-check" -F 199 -- "$SAMPLES/fork" 1.5 >"$T/out" 2>"$T/err" ||
	fail "ptsample-check on fork failed: $(cat "$T/err")"
cat "$T/out"
grep -q '^self child_work\|^self leaf_' "$T/out" || fail "no samples in the work"
[ "$(sed -n 's/^threads //p' "$T/out")" -ge 2 ] || fail "the forked child was not followed"

bg "$SAMPLES/spin" 2
spin=$BG
sleep 0.3
"$TESTPROGS/ptsample-check" -F 99 -d 1 -p "$spin" >"$T/out" 2>"$T/err" ||
	fail "ptsample-check -p failed: $(cat "$T/err")"
cat "$T/out"
grep -q '^self spin_leaf' "$T/out" || fail "attach: spin_leaf not sampled"
[ "$(sed -n 's/^threads //p' "$T/out")" -ge 2 ] || fail "attach: not every spinning thread sampled"
grep -q '^TracerPid:[[:space:]]*0$' "/proc/$spin/status" || fail "spin is still traced"
assert_running "$spin"
pass "threads, children and attached processes followed"

# not permitted: the sampler says so at open, naming the privilege
run_as_nobody "$TESTPROGS/ptsample-check" -d 1 -p "$spin"
rc=$RC
echo "nobody: rc=$rc: $(cat "$T/err")"
[ "$rc" -eq 2 ] || fail "nobody: expected exit 2, got $rc"
grep -Eq "ptrace_scope|CAP_SYS_PTRACE" "$T/err" || fail "nobody: the message names no privilege"
assert_running "$spin"
pass "not permitted is explained"
