#!/bin/sh
# attach to a process that starts threads after the attach, and creates and
# ends hundreds of them: new threads are sampled, and so are several pids
. "$(dirname "$0")/lib.sh"
need_root

bg "$TESTPROGS/churn" 1 150 4
churn=$BG
bg "$SAMPLES/spin"
spin=$BG
sleep 0.3
hs record -q -F 999 -d 4 -p "$churn,$spin" -o "$T/churn.db"
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
assert_running "$spin"
nt=$(sqlite3 "$T/churn.db" "select count(distinct s.tid) from samples s join threads t on t.tid = s.tid where t.pid = $churn")
echo "churn threads with samples: $nt"
[ "$nt" -ge 100 ] || fail "only $nt of the 600 short-lived threads were sampled"
w=$(json_pct "$T/churn.db" churn_work total_pct)
s=$(json_pct "$T/churn.db" spin_leaf)
echo "churn_work total $w%, spin_leaf self $s%"
at_least "$w" 20 || fail "churn_work only $w%"
at_least "$s" 20 || fail "spin_leaf only $s%"
m=$(folded_share "$T/churn.db" 'start_thread|main')
echo "stacks through start_thread or main: $m%"
at_least "$m" 97 || fail "only $m% of samples unwound to a thread start"
pass "new threads followed"
