#!/bin/sh
# -e: task-clock works like cpu-clock; cycles works where the machine has a
# PMU and otherwise fails with a message that says to use cpu-clock
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -e task-clock -F 999 -o "$T/t.db" -- "$SAMPLES/split" 2
[ "$RC" -eq 0 ] || fail "task-clock: record exited $RC: $(cat "$T/err")"
[ "$(meta "$T/t.db" event)" = task-clock ] || fail "event not stored"
check_split "$T/t.db"
hs record -q -e cycles -o "$T/c.db" -- "$SAMPLES/split" 0.5
if [ "$RC" -eq 0 ]; then
	echo "this machine has hardware cycles"
	[ "$(meta "$T/c.db" event)" = cycles ] || fail "event not stored"
else
	echo "cycles: $(cat "$T/err")"
	[ "$RC" -eq 2 ] || fail "cycles exited $RC"
	grep -q "cpu-clock" "$T/err" || fail "the error does not suggest cpu-clock"
	[ ! -e "$T/c.db" ] || fail "a failed record left '$T/c.db'"
fi
pass "events"
