#!/bin/sh
# hotstack run as nobody against a root process: a clear message naming the
# privilege that is missing; the target is untouched
. "$(dirname "$0")/lib.sh"
need_root

bg "$SAMPLES/spin"
target=$BG
sleep 0.2
as_nobody record -q -p "$target" -d 1 -o x.db
rc=$RC
echo "rc=$rc: $(cat "$T/err")"
[ "$rc" -eq 2 ] || fail "expected exit 2, got $rc"
grep -Eq "perf_event_paranoid|CAP_PERFMON|ptrace" "$T/err" || fail "the message names no privilege"
[ "$(grep -c . "$T/err")" -eq 1 ] || fail "expected one line of error"
assert_running "$target"
pass "not permitted is explained"
