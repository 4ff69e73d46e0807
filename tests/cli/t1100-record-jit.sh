#!/bin/sh
# code in anonymous executable memory is named from /tmp/perf-PID.map
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 499 -o "$T/jit.db" -- "$TESTPROGS/jit" 1
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
j=$(json_pct "$T/jit.db" jitted_hot_loop)
echo "jitted_hot_loop self: $j%"
at_least "$j" 80 || fail "jitted_hot_loop only $j%"
pass "JIT map used"
