#!/bin/sh
# `stacks` 20 times of a process whose threads sleep in epoll_wait,
# nanosleep and read: whole stacks every time (down to main/_start and
# start_thread/__clone3), no thread stopped, and the target's own count of
# calls that failed with EINTR stays 0. With --stop-all the stops do reach
# the target (epoll_wait returns EINTR): what the default spares it.
. "$(dirname "$0")/lib.sh"
need_root

# the reader thread reads the FIFO: "e" makes idle print its EINTR count
mkfifo "$T/ctl"
bg sh -c "exec '$TESTPROGS/idle' 120 <'$T/ctl' >'$T/idle.out'"
target=$BG
exec 3>"$T/ctl"
wait_for_line "$T/idle.out" 5 ready
sleep 0.2

# threads: one line per thread of $T/out: "name stopped complete frames..."
threads() {
	jq -r '.threads[] | "\(.name) \(.stopped) \(.complete) " +
		([.frames[].function | sub("\\.isra\\.[0-9]+$"; "")] | join(" "))' "$T/out" >"$T/lines"
}
# whole THREAD FUNCTION...: read without a stop, complete, and its frames
# hold every FUNCTION
whole() {
	line=$(grep "^$1 " "$T/lines") || fail "run $k: no thread $1"
	shift
	case "$line" in
	*" false true "*) ;;
	*) fail "run $k: not complete, or stopped: $line" ;;
	esac
	for f in "$@"; do
		case " $line " in
		*" $f "*) ;;
		*) fail "run $k: no $f frame: $line" ;;
		esac
	done
}

k=0
while [ $k -lt 20 ]; do
	u=""
	[ $((k % 2)) -eq 1 ] && u="--unwinder libdw"
	hs stacks "$target" --format json $u
	[ "$RC" -eq 0 ] || fail "run $k: exit $RC: $(cat "$T/err")"
	[ "$(jq '.stopped_threads' "$T/out")" -eq 0 ] || fail "run $k: $(jq '.stopped_threads' "$T/out") threads were stopped"
	threads
	[ "$(wc -l <"$T/lines")" -eq 3 ] || fail "run $k: expected 3 threads: $(cat "$T/lines")"
	whole idle epoll_wait wait_events serve main _start
	whole sleeper clock_nanosleep nap_long start_thread __clone3
	whole reader read_pipe start_thread __clone3
	k=$((k + 1))
done
hs stacks "$target" --repeat 20 -v
[ "$RC" -eq 0 ] || fail "--repeat 20: exit $RC: $(cat "$T/err")"
grep -q "20 snapshots, 0 thread stops, 60 threads read asleep without a stop" "$T/err" || fail "--repeat 20: $(cat "$T/err")"
assert_running "$target"
printf e >&3
wait_for_line "$T/idle.out" 5 "^eintr"
cat "$T/idle.out"
grep -qx "eintr 0" "$T/idle.out" || fail "the target saw EINTR: $(tail -1 "$T/idle.out")"
exec 3>&-
pass "40 snapshots read asleep: whole stacks, no EINTR in the target"

# the same with --stop-all: the epoll_wait of the target is interrupted
bg sh -c "exec '$TESTPROGS/idle' 1 >'$T/idle.out'"
target=$BG
wait_for_line "$T/idle.out" 5 ready
sleep 0.1
hs stacks "$target" --stop-all --format json
[ "$RC" -eq 0 ] || fail "--stop-all: exit $RC: $(cat "$T/err")"
[ "$(jq '.stopped_threads' "$T/out")" -eq 3 ] || fail "--stop-all: not every thread was stopped"
wait "$target" || fail "idle exited with an error"
cat "$T/idle.out"
grep -q "^eintr [1-9]" "$T/idle.out" || fail "--stop-all: the stop did not reach epoll_wait: $(tail -1 "$T/idle.out")"
pass "--stop-all stops, and the target sees it (EINTR)"
