#!/bin/sh
# t9010: hotstack attach in a real terminal (tmux) on a running heartbeat:
# the numbers grow between two captures; p freezes them; r resets; w writes
# a recording that report reads (Enter takes hotstack.db, an existing one
# goes to .old); b marks a baseline before the target switches its hot
# function (SIGUSR1): the new one shows slower (or new), the old one
# faster; q detaches and the target runs on, its heartbeat never
# stopped for long; SIGKILL of hotstack leaves the target running and the
# terminal usable after reset; a target that exits is shown as ended and q
# still works; without a terminal attach refuses in one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live-lib.sh"
need_root

# not a terminal
hs attach 1
[ "$RC" = 2 ] || fail "attach without a terminal: exit $RC, want 2"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q "record -p 1" "$T/err" ||
	fail "attach without a terminal: want one line pointing to record -p: $(cat "$T/err")"
pass "no terminal: one line pointing to record -p"

bg "$TESTPROGS/heartbeat" 300 >"$T/beat.log"
TARGET=$BG
wait_for_line "$T/beat.log" 5 "heartbeat pid"

start "$HOTSTACK" attach "$TARGET"
wait_for "live  1 thr"
wait_samples_above 0 10
n1=$(samples_shown)
wait_samples_above "$n1" 10
n2=$(samples_shown)
pass "attached: samples $n1 then $n2"

# p: the display stays while two beats pass; p again: it follows again
keys p
wait_for "paused"
n3=$(samples_shown)
b=$(grep -c '^beat' "$T/beat.log")
wait_for_line "$T/beat.log" 10 "^beat $((b + 2)) "
[ "$(samples_shown)" = "$n3" ] || fail "paused, yet the count moved from $n3 to $(samples_shown)"
keys p
wait_for "live  1 thr"
wait_samples_above "$n3" 10
pass "p froze the display at $n3 for two beats, and p resumed"

# r: counts from now on (fewer than before), growing again
n4=$(samples_shown)
keys r
wait_for "counts reset"
i=0
until [ "$(samples_shown)" -lt "$n4" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && { screen; fail "r did not reset the count ($n4)"; }; sleep 0.05
done
n5=$(samples_shown)
wait_samples_above "$n5" 10
pass "r reset the count from $n4 to $n5, and it grows again"

# w: Enter takes hotstack.db in the current directory; again: .old
keys w
wait_for "write the recording to: hotstack.db"
keys Enter
wait_for "wrote what was recorded since the attach to 'hotstack.db'" 20
hs report "$T/hotstack.db"
[ "$RC" = 0 ] && grep -q hot_old "$T/out" || fail "report of the written recording: $(cat "$T/err")"
keys w
wait_for "write the recording to: hotstack.db"
keys C-u "$T/second.db" Enter
wait_for "second.db'" 20
hs report "$T/second.db"
[ "$RC" = 0 ] && grep -q hot_old "$T/out" || fail "report of second.db: $(cat "$T/err")"
keys w
wait_for "write the recording to:"
keys Enter
wait_for "to 'hotstack.db'" 20
[ -f "$T/hotstack.db.old" ] || fail "an existing hotstack.db was not moved to .old"
pass "w wrote recordings that report reads; an existing file went to .old"

# b: the baseline mark; the target switches its hot function after it:
# the comparison (in Hotspots' place) calls hot_new new or slower and
# hot_old faster, per second of wall time; b again: Hotspots is back
keys b
wait_for "baseline marked"
wait_for "function (diff's order)" 20
kill -USR1 "$TARGET"
wait_for_line "$T/beat.log" 10 " new$"
wait_re "(faster) +hot_old " 60
wait_re "(slower|new) +hot_new " 10
screen | grep -E "hot_(old|new) " >"$T/cmp.txt"
keys b
wait_for "baseline cleared"
wait_for "self%"
pass "b: hot_new $(grep -oE '(slower|new) +hot_new' "$T/cmp.txt" | cut -d' ' -f1), hot_old faster; b again: Hotspots"

# q: detach; the target runs on and its heartbeat was never stopped long
b=$(grep -c '^beat' "$T/beat.log")
keys q
restored 0
wait_for_line "$T/beat.log" 10 "^beat $((b + 2)) "
assert_running "$TARGET"
gap=$(awk '$1 == "beat" && $4 > m { m = $4 } END { print m + 0 }' "$T/beat.log")
# the machine's own scheduling noise is in this figure too: a stop for
# ptrace or a left-stopped target would show as a gap of seconds
[ "$gap" -lt 1000000 ] || fail "the target's heartbeat stopped for $gap us"
pass "q detached; the target runs on (longest heartbeat gap ${gap} us)"

# the attach process of this test (not the shell around it)
attach_pid() {
	hspid=$(pgrep -f "attach $TARGET" | while read -r p; do
		[ "$(cat /proc/$p/comm)" = hotstack ] && echo "$p"; done | head -1)
	[ -n "$hspid" ] || fail "cannot find the attach process"
	echo "$hspid"
}

# Ctrl-C and SIGTERM detach as q does
start "$HOTSTACK" attach "$TARGET"
wait_for "live  1 thr"
keys C-c
restored 0
start "$HOTSTACK" attach "$TARGET"
wait_for "live  1 thr"
kill -TERM "$(attach_pid)"
restored 0
assert_running "$TARGET"
pass "Ctrl-C and SIGTERM detach; the target runs on"

# SIGKILL of hotstack: the target runs on; reset gives a sane terminal
start sh -c "\"$HOTSTACK\" attach $TARGET; reset; echo KILLED"
wait_for "live  1 thr"
kill -KILL "$(attach_pid)"
wait_for KILLED
restored 0
b=$(grep -c '^beat' "$T/beat.log")
wait_for_line "$T/beat.log" 10 "^beat $((b + 1)) "
assert_running "$TARGET"
pass "SIGKILL of attach: the target runs on, the terminal is sane after reset"

# a target that exits: ended, q still works
bg "$TESTPROGS/heartbeat" 3 >"$T/short.log"
SHORT=$BG
wait_for_line "$T/short.log" 5 "heartbeat pid"
start "$HOTSTACK" attach "$SHORT"
wait_for "live  1 thr"
wait_for "ended" 15
keys q
restored 0
pass "a target that exits is shown as ended; q quits"
