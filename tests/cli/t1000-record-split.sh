#!/bin/sh
# record a launched -O2 -fomit-frame-pointer program with a known 60/30/10
# self-time split: the split within 5 points, >= 99% of stacks reach main
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 999 -o "$T/split.db" -- "$SAMPLES/split" 2
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
grep -q '^checksum' "$T/out" || fail "the command's output did not come through"
n=$(meta "$T/split.db" samples)
echo "samples: $n"
[ "$n" -ge 1000 ] || fail "expected about 2000 samples at 999 Hz for 2 s, got $n"
check_split "$T/split.db"
m=$(folded_share "$T/split.db" main)
echo "stacks through main: $m%"
at_least "$m" 99 || fail "only $m% of samples unwound to main()"
# the whole chain, not just main: main -> run -> work -> leaf
grep -q '^_start;__libc_start_main;__libc_start_call_main;main;run;work;leaf_60 ' "$T/folded" ||
	fail "no complete main;run;work;leaf_60 stack in: $(head -3 "$T/folded")"
[ "$(meta "$T/split.db" exit_status)" = 0 ] || fail "exit_status not recorded as 0"
pass "split recorded"
