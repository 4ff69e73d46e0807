#!/bin/sh
# hotstack killed in the middle of snapshots (SIGKILL at random moments, and
# SIGINT, SIGTERM, SIGHUP, which wait for the stop window to end): the
# target always runs on and its output is correct
. "$(dirname "$0")/lib.sh"
need_root

"$SAMPLES/threads" 0.3 8 >"$T/alone" || fail "threads failed alone"
bg_child threads "'$SAMPLES/threads' 20 8 >'$T/traced'"
target=$CHILD
sleep 0.2
utime() { awk '{ print $14 }' "/proc/$target/stat"; }
n=0
for sig in KILL KILL KILL KILL KILL KILL KILL KILL KILL KILL INT TERM HUP QUIT; do
	# a background job starts with SIGINT and SIGQUIT ignored: restore them
	env --default-signal=INT,QUIT "$HOTSTACK" stacks "$target" --repeat 1000000 \
		>/dev/null 2>"$T/err" &
	hpid=$!
	# somewhere between 20 and 300 ms into the loop
	sleep "0.$(( (n * 37) % 28 + 2 ))"
	kill -s "$sig" "$hpid"
	wait "$hpid" 2>/dev/null
	rc=$?
	[ "$rc" -gt 128 ] || fail "SIG$sig: hotstack exited $rc, expected death by the signal: $(cat "$T/err")"
	sleep 0.05
	assert_running "$target"
	n=$((n + 1))
done
u1=$(utime)
sleep 0.5
u2=$(utime)
echo "target utime $u1 -> $u2 ticks"
[ "$u2" -gt "$u1" ] || fail "the target does not run any more"
wait "$BG" || fail "threads exited with an error"
cmp -s "$T/alone" "$T/traced" || fail "output changed: $(cat "$T/traced") vs $(cat "$T/alone")"
pass "killed $n times mid-snapshot, target runs on"
