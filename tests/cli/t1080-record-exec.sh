#!/bin/sh
# a command that forks and execs other programs (a shell script): the
# exec'd programs are symbolized from their own binaries
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 499 -o "$T/sh.db" -- sh -c "'$SAMPLES/split' 0.7; '$SAMPLES/deep' 0.5 50"
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
w=$(json_pct "$T/sh.db" work total_pct)
d=$(json_pct "$T/sh.db" leaf_deep)
echo "split work total $w%, deep leaf self $d%"
at_least "$w" 40 || fail "split's work only $w%"
at_least "$d" 15 || fail "deep's leaf_deep only $d%"
m=$(folded_share "$T/sh.db" main)
at_least "$m" 98 || fail "only $m% of samples unwound to main()"
pass "exec'd programs followed"
