#!/bin/sh
# bad input: usage errors exit 64; no such process, a zombie, a kernel
# thread, a process traced by another tracer, and a root process seen by
# nobody exit 2 with one line naming the reason
. "$(dirname "$0")/lib.sh"
need_root

expect 64 "which process" stacks
expect 64 "not a process id" stacks abc
expect 64 "not a process id" stacks -- -5
expect 64 "give one PID" stacks 1 2
expect 64 "unknown format" stacks 1 --format xml
expect 64 "unknown unwinder" stacks 1 --unwinder gdb
expect 64 "unknown option" stacks 1 --bogus
expect 64 "--timeout" stacks 1 --timeout 0
expect 2 "no process with pid 4194304" stacks 4194304
expect 2 "kernel thread" stacks 2

# a zombie: exited, never reaped
bg "$TESTPROGS/blocker" zombie 30
zparent=$BG
sleep 0.3
zombie=$(pgrep -P "$zparent")
[ -n "$zombie" ] || fail "no zombie child"
expect 2 "has exited \(zombie\)" stacks "$zombie"

# another tracer holds the target
bg "$SAMPLES/spin"
spin=$BG
sleep 0.2
bg "$TESTPROGS/blocker" seize "$spin" 30
sleep 0.3
expect 2 "already traced by pid $BG \(blocker\)" stacks "$spin"
kill "$BG"
wait "$BG" 2>/dev/null || true
sleep 0.1
hs stacks "$spin"
[ "$RC" -eq 0 ] || fail "after the tracer left: exit $RC: $(cat "$T/err")"

# not permitted: nobody against a root process
d=$(mktemp -d /tmp/hotstack-nobody.XXXXXX)
cp "$HOTSTACK" "$d/hotstack"
chmod 755 "$d" "$d/hotstack"
(cd "$d" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
	./hotstack stacks "$spin") >"$T/out" 2>"$T/err"
rc=$?
rm -rf "$d"
echo "nobody: rc=$rc: $(cat "$T/err")"
[ "$rc" -eq 2 ] || fail "nobody: expected exit 2, got $rc"
grep -Eq "ptrace_scope|CAP_SYS_PTRACE" "$T/err" || fail "nobody: the message names no privilege"
[ "$(grep -c . "$T/err")" -eq 1 ] || fail "nobody: expected one line of error"
assert_running "$spin"
pass "bad input"
