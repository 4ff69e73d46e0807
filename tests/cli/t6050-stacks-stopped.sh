#!/bin/sh
# targets in odd states: a process stopped with SIGSTOP stays stopped (and
# its stacks are still taken); a thread that cannot stop (the parent of a
# vfork, in uninterruptible sleep) is read without a stop, or with
# --stop-all reported, exit 1, and resumes normally afterwards; a signal pending at the stop is delivered, not lost
. "$(dirname "$0")/lib.sh"
need_root

bg "$SAMPLES/spin" 2
spin=$BG
sleep 0.3
kill -STOP "$spin"
sleep 0.1
hs stacks "$spin" --format json
[ "$RC" -eq 0 ] || fail "stacks of a stopped process exited $RC: $(cat "$T/err") \
$(jq -c '[.threads[] | {tid, state, stopped, complete, error}]' "$T/out" 2>/dev/null)"
[ "$(jq '[.threads[] | select(.state == "T")] | length' "$T/out")" -eq 3 ] ||
	fail "the threads were not reported stopped (T)"
jq -e '.complete' "$T/out" >/dev/null || fail "stacks of the stopped process are not complete"
[ "$(proc_state "$spin")" = T ] || fail "the process is $(proc_state "$spin"), expected still stopped (T)"
kill -CONT "$spin"
sleep 0.1
assert_running "$spin"
pass "a stopped process stays stopped"

bg "$TESTPROGS/blocker" vfork 8
vf=$BG
sleep 0.3
[ "$(proc_state "$vf")" = D ] || echo "note: the vfork parent is $(proc_state "$vf"), not D"
# asleep in the kernel, it is read without a stop: a whole stack
hs stacks "$vf" --timeout 300 --format json
echo "vfork parent: rc=$RC, $(jq -c '[.threads[] | {tid, state, stopped, complete, error}]' "$T/out")"
[ "$RC" -eq 0 ] || fail "the vfork parent read asleep: exit $RC: $(cat "$T/err")"
jq -e '.threads[0] | .stopped == false and .complete' "$T/out" >/dev/null ||
	fail "the vfork parent was not read whole without a stop"
jq -r '.threads[0].frames[].function' "$T/out" | grep -qx main || fail "the vfork parent's stack has no main"
# --stop-all must stop it, and it cannot stop
hs stacks "$vf" --timeout 300 --format json --stop-all
echo "vfork parent, --stop-all: rc=$RC, $(jq -c '[.threads[] | {tid, state, error}]' "$T/out")"
[ "$RC" -eq 1 ] || fail "a thread that cannot stop: expected exit 1, got $RC: $(cat "$T/err")"
jq -e '.threads[0].error | test("did not stop")' "$T/out" >/dev/null ||
	fail "the thread that did not stop is not reported"
wait "$vf" || fail "the vfork parent did not resume normally"
pass "a thread that does not stop is read asleep, or reported, and resumes"

# SIGUSR1 sent while snapshots run: blocker has no handler, so each one
# ends it; with the signal lost at a stop it would live on
n=0
lost=0
while [ $n -lt 10 ]; do
	bg "$TESTPROGS/blocker" 30
	b=$BG
	sleep 0.1
	"$HOTSTACK" stacks "$b" --repeat 100000 >/dev/null 2>&1 &
	h=$!
	sleep 0.05
	kill -USR1 "$b"
	sleep 0.3
	if [ -d "/proc/$b" ] && [ "$(proc_state "$b")" != Z ]; then
		lost=$((lost + 1))
		kill "$b" || true
	fi
	kill "$h" 2>/dev/null || true
	wait "$h" 2>/dev/null || true
	wait "$b" 2>/dev/null || true
	n=$((n + 1))
done
[ "$lost" -eq 0 ] || fail "$lost of 10 SIGUSR1 were lost"
pass "signals sent during snapshots are delivered"
