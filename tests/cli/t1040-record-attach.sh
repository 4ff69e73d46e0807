#!/bin/sh
# attach with -p to a running program: the split, whole stacks, the target
# keeps running untouched after -d ends
. "$(dirname "$0")/lib.sh"
need_root

bg "$SAMPLES/split" 60
target=$BG
sleep 0.3
hs record -q -F 999 -d 2 -p "$target" -o "$T/att.db"
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
assert_running "$target"
[ "$(meta "$T/att.db" mode)" = attach ] || fail "mode is not attach"
n=$(meta "$T/att.db" samples)
echo "samples: $n"
[ "$n" -ge 500 ] || fail "expected about 2000 samples, got $n"
check_split "$T/att.db"
m=$(folded_share "$T/att.db" main)
echo "stacks through main: $m%"
at_least "$m" 99 || fail "only $m% of samples unwound to main()"
sleep 0.2
assert_running "$target"
pass "attach recorded"
