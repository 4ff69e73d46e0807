#!/bin/sh
# 150 levels of recursion built without frame pointers unwind whole
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 499 -o "$T/deep.db" -- "$SAMPLES/deep" 1 150
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
m=$(folded_share "$T/deep.db" main)
echo "stacks through main: $m%"
at_least "$m" 99 || fail "only $m% of deep stacks unwound to main()"
depth=$(awk '{ k = gsub(/;recurse/, "&"); if (k > max) max = k } END { print max + 0 }' "$T/folded")
echo "max recurse frames: $depth"
[ "$depth" -ge 150 ] || fail "deepest stack has $depth recurse frames, expected 150"
pass "deep stacks"
