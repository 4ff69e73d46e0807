#!/bin/sh
# SIGINT and SIGTERM stop `record -p` cleanly: exit 0, a complete recording,
# the target running; -d is honoured: a signal ends a -d 30 recording after
# the 1 s it ran, and -d 1 alone stops after 1 s
. "$(dirname "$0")/lib.sh"
need_root

bg "$SAMPLES/spin"
target=$BG
sleep 0.2
for sig in INT TERM; do
	"$HOTSTACK" record -q -F 499 -p "$target" -d 30 -o "$T/$sig.db" 2>"$T/err" &
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
	[ "$d" -ge 800000000 ] && [ "$d" -le 5000000000 ] ||
		fail "SIG$sig after 1 s of -d 30: duration_ns $d"
done

# -d 1, no signal: stops by itself after 1 s (and not much later)
start=$(date +%s%N)
hs record -q -F 499 -p "$target" -d 1 -o "$T/d.db"
end=$(date +%s%N)
[ "$RC" -eq 0 ] || fail "record -d 1 exited $RC: $(cat "$T/err")"
assert_running "$target"
wall=$(( (end - start) / 1000000 ))
d=$(meta "$T/d.db" duration_ns)
echo "-d 1: ran $wall ms, duration_ns $d"
[ "$wall" -ge 950 ] || fail "-d 1 returned after $wall ms"
[ "$wall" -le 4000 ] || fail "-d 1 took $wall ms"
[ "$d" -ge 950000000 ] && [ "$d" -le 1500000000 ] || fail "-d 1: duration_ns $d"
pass "signals stop the recording cleanly"
