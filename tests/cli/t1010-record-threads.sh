#!/bin/sh
# 8 threads: every thread sampled, the split holds, stacks reach the thread
# start routine
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 499 -o "$T/thr.db" -- "$SAMPLES/threads" 2 8
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
check_split "$T/thr.db"
workers=$(sqlite3 "$T/thr.db" "select count(distinct s.tid) from samples s join threads t on t.tid = s.tid where t.name like 'worker-%'")
echo "worker threads with samples: $workers"
[ "$workers" -eq 8 ] || fail "expected samples from 8 worker threads, got $workers"
r=$(folded_share "$T/thr.db" 'start_thread|main')
echo "stacks through start_thread: $r%"
at_least "$r" 99 || fail "only $r% of samples unwound to the thread start"
grep -q '^__clone3;start_thread;thread_main;work;leaf_60 ' "$T/folded" ||
	fail "no complete thread_main;work;leaf_60 stack"
pass "threads recorded"
