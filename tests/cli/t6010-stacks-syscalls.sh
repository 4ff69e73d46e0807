#!/bin/sh
# threads blocked in read(), nanosleep() and a futex show the system call,
# wchan and how long they have been blocked; the running one shows none
. "$(dirname "$0")/lib.sh"
need_root

bg "$TESTPROGS/blocker" 30
target=$BG
# the threads block at once; "ready" is printed to a pipe we do not read,
# so wait for them in /proc instead
i=0
until [ "$(cat /proc/$target/task/*/comm 2>/dev/null | grep -c -E '^(reader|sleeper|waiter|spinner)$')" -eq 4 ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "blocker did not start its threads"
	sleep 0.05
done
sleep 1.2
hs stacks "$target" --format json
[ "$RC" -eq 0 ] || fail "stacks exited $RC: $(cat "$T/err")"
cp "$T/out" "$T/first.json"

field() {	# field THREAD-NAME JQ-EXPR
	jq -r --arg n "$1" ".threads[] | select(.name == \$n) | $2" "$T/first.json"
}
[ "$(field reader .syscall.name)" = read ] || fail "reader: syscall $(field reader .syscall.name), expected read"
case "$(field sleeper .syscall.name)" in
nanosleep|clock_nanosleep) ;;
*) fail "sleeper: syscall $(field sleeper .syscall.name), expected (clock_)nanosleep" ;;
esac
[ "$(field waiter .syscall.name)" = futex ] || fail "waiter: syscall $(field waiter .syscall.name), expected futex"
[ "$(field spinner .syscall)" = null ] || fail "spinner: a syscall while running: $(field spinner .syscall)"
[ "$(field spinner .state)" = R ] || fail "spinner: state $(field spinner .state)"
for t in reader sleeper waiter; do
	[ "$(field $t .state)" = S ] || fail "$t: state $(field $t .state), expected S"
	[ "$(field $t .wchan)" != null ] || fail "$t: no wchan"
	b=$(field $t .blocked_ns)
	# blocked since the program started, 1.2 s and more before. The
	# figure is now minus the thread's last se.exec_start, "now" read on
	# the CPU the thread last ran on: each CPU's scheduler clock runs
	# apart from the others' (1.04 s here), and "now" read on another CPU
	# had made it 0.24 s or 2.2 s. The three threads blocked at once, on
	# whichever CPUs: their figures agree.
	at_least "$b" 1000000000 || fail "$t: blocked for $b ns, expected about 1.2 s"
	at_least 5000000000 "$b" || fail "$t: blocked for $b ns, expected about 1.2 s"
	eval "blocked_$t=$b"
	field $t '.frames[].function' | grep -qx "$t" || fail "$t: its function is not on its stack"
	echo "$t: $(field $t .syscall.name) wchan $(field $t .wchan) blocked $(field $t .blocked_ns) ns"
done
spread=$(printf '%s\n' "$blocked_reader" "$blocked_sleeper" "$blocked_waiter" | sort -n |
	awk 'NR == 1 { lo = $1 } { hi = $1 } END { print hi - lo }')
at_least 200000000 "$spread" ||
	fail "blocked times differ by $spread ns: $blocked_reader $blocked_sleeper $blocked_waiter"
field reader '.frames[].function' | grep -Eqx '(__libc_)?read' || fail "reader: no read frame"
field waiter '.frames[].function' | grep -qx 'pthread_cond_wait' || fail "waiter: no pthread_cond_wait"

hs stacks "$target"
[ "$RC" -eq 0 ] || fail "stacks (text) exited $RC"
grep -Eq '"reader" S \(sleeping\) in read\(0x3, ' "$T/out" || fail "text: reader is not shown in read(): $(grep reader "$T/out")"
grep -q '"waiter" S (sleeping) in futex(' "$T/out" || fail "text: waiter is not in futex()"
grep -Eq '"reader" .* for [0-9.]+ (s|ms|us), wchan ' "$T/out" || fail "text: no blocked time or wchan"
assert_running "$target"
pass "system calls, wchan and blocked times"

# the main thread's name holds an escape sequence: text shows it escaped,
# JSON escapes it
grep -q "$(printf '\033')" "$T/out" && fail "text: a raw escape character reached the output"
grep -q '"blocker\\x1b\[1m"' "$T/out" || fail "text: the name is not shown escaped: $(grep -m1 '^thread' "$T/out")"
jq -e --argjson p "$target" '.threads[] | select(.tid == $p) | .name == "blocker\u001b[1m"' "$T/first.json" >/dev/null ||
	fail "json: the name did not round-trip"
pass "names from the target are escaped"
