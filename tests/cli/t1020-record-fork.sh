#!/bin/sh
# a command that forks: the child process is followed too
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 499 -o "$T/fork.db" -- "$SAMPLES/fork" 1.5
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
np=$(sqlite3 "$T/fork.db" "select count(distinct t.pid) from samples s join threads t on t.tid = s.tid")
echo "processes with samples: $np"
[ "$np" -ge 2 ] || fail "expected samples from parent and child, got $np process(es)"
p=$(json_pct "$T/fork.db" parent_work total_pct)
c=$(json_pct "$T/fork.db" child_work total_pct)
echo "parent_work $p%, child_work $c%"
at_least "$p" 25 || fail "parent_work only $p%"
at_least "$c" 25 || fail "child_work only $c%"
check_split "$T/fork.db"
m=$(folded_share "$T/fork.db" main)
at_least "$m" 99 || fail "only $m% of samples unwound to main()"
pass "fork followed"
