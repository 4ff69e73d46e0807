#!/bin/sh
# hotstack run as nobody against a root process: a clear message naming the
# privilege that is missing; the target is untouched
. "$(dirname "$0")/lib.sh"
need_root
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"

bg "$SAMPLES/spin"
target=$BG
sleep 0.2
# nobody must be able to reach the binary: copy it with its samples aside
d=$(mktemp -d /tmp/hotstack-nobody.XXXXXX)
cp "$HOTSTACK" "$d/hotstack"
chmod 755 "$d" "$d/hotstack"
chown nobody "$d"
(cd "$d" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
	./hotstack record -q -p "$target" -d 1 -o "$d/x.db") >"$T/out" 2>"$T/err"
rc=$?
rm -rf "$d"
echo "rc=$rc: $(cat "$T/err")"
[ "$rc" -eq 2 ] || fail "expected exit 2, got $rc"
grep -Eq "perf_event_paranoid|CAP_PERFMON|ptrace" "$T/err" || fail "the message names no privilege"
[ "$(grep -c . "$T/err")" -eq 1 ] || fail "expected one line of error"
assert_running "$target"
pass "not permitted is explained"
