#!/bin/sh
# SIGINT and SIGTERM stop `record -p` cleanly: exit 0, a complete recording,
# the target running
. "$(dirname "$0")/lib.sh"
need_root

bg "$SAMPLES/spin"
target=$BG
sleep 0.2
for sig in INT TERM; do
	"$HOTSTACK" record -q -F 499 -p "$target" -o "$T/$sig.db" 2>"$T/err" &
	rec=$!
	sleep 1
	kill -"$sig" "$rec"
	wait "$rec"
	rc=$?
	[ "$rc" -eq 0 ] || fail "record exited $rc after SIG$sig: $(cat "$T/err")"
	assert_running "$target"
	[ ! -e "$T/$sig.db-wal" ] || [ ! -s "$T/$sig.db-wal" ] ||
		fail "SIG$sig left a non-empty WAL: the recording was not closed"
	n=$(meta "$T/$sig.db" samples)
	d=$(meta "$T/$sig.db" duration_ns)
	echo "SIG$sig: $n samples, duration $d ns"
	[ "$n" -ge 200 ] || fail "only $n samples after SIG$sig"
done
pass "signals stop the recording cleanly"
