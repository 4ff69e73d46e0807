#!/bin/sh
# t9000: hotstack ui on a recording that `record -p` is still writing in
# another process follows it: the header says live and the sample count
# grows; when the recorder stops cleanly it says finished; when the
# recorder is SIGKILLed it says stale.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live-lib.sh"
need_root

# wait_commit DB: poll until the recorder committed DB once
wait_commit() {
	i=0
	until [ -s "$1" ] && [ "$(meta "$1" commits 2>/dev/null)" -ge 1 ] 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 200 ] && fail "the recording never committed"; sleep 0.05
	done
}

bg "$TESTPROGS/heartbeat" 120 >"$T/beat.log"
TARGET=$BG
wait_for_line "$T/beat.log" 5 "heartbeat pid"

# follow: record writes, ui reads; a clean stop gives finished
bg "$HOTSTACK" record -q -o "$T/f.db" -p "$TARGET"
REC=$BG
wait_commit "$T/f.db"
start "$HOTSTACK" ui f.db
wait_for "live  samples"
n1=$(samples_shown)
wait_samples_above "$n1" 10
n2=$(samples_shown)
pass "following: samples $n1 then $n2"
kill -INT "$REC"
wait "$REC" || fail "record failed"
wait_for "finished  samples" 10
n3=$(samples_shown)
[ "$n3" -ge "$n2" ] || fail "finished with fewer samples ($n3) than shown before ($n2)"
keys q
restored 0
pass "finished shown ($n3 samples), q quits"

# the writer killed: stale
bg "$HOTSTACK" record -q -o "$T/k.db" -p "$TARGET"
REC=$BG
wait_commit "$T/k.db"
start "$HOTSTACK" ui k.db
wait_for "live  samples"
kill -KILL "$REC"
wait "$REC" 2>/dev/null
wait_for "stale  samples" 10
keys q
restored 0
pass "a SIGKILLed writer shows stale"
assert_running "$TARGET"
