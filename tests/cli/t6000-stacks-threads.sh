#!/bin/sh
# hotstack stacks on the 8-thread sample: every thread is there with a whole
# stack (workers reach start_thread/__clone3, the main thread main/_start),
# with each unwinder, and the target is left running
. "$(dirname "$0")/lib.sh"
need_root

bg "$SAMPLES/threads" 120 8
target=$BG
sleep 0.5

# whole: every thread has a complete stack through the expected frames
check_json() {
	what=$1
	n=$(jq '.threads | length' "$T/out")
	[ "$n" -eq 9 ] || fail "$what: $n threads, expected 9"
	jq -e '.complete' "$T/out" >/dev/null || fail "$what: not every stack is complete"
	w=$(jq '[.threads[] | select(.name | startswith("worker-"))
		| select([.frames[].function] | (index("thread_main") != null)
			and (index("start_thread") != null) and (index("__clone3") != null))] | length' "$T/out")
	[ "$w" -eq 8 ] || fail "$what: only $w of 8 workers unwound through thread_main to __clone3"
	m=$(jq --argjson p "$target" '[.threads[] | select(.tid == $p)
		| select([.frames[].function] | (index("main") != null) and (index("_start") != null))]
		| length' "$T/out")
	[ "$m" -eq 1 ] || fail "$what: the main thread did not unwind through main to _start"
	l=$(jq '[.threads[] | select(.name | startswith("worker-")) | .frames[0].function
		| select(test("^(leaf_60|leaf_30|leaf_10|work|thread_main|__vdso_clock_gettime|clock_gettime.*)$"))] | length' "$T/out")
	[ "$l" -eq 8 ] || fail "$what: only $l workers are in their work"
	pass "$what: 9 threads, whole stacks"
}

hs stacks "$target" --format json
[ "$RC" -eq 0 ] || fail "stacks exited $RC: $(cat "$T/err")"
check_json "libunwind (copies)"
hs stacks "$target" --format json --unwinder libdw
[ "$RC" -eq 0 ] || fail "stacks --unwinder libdw exited $RC: $(cat "$T/err")"
check_json "libdw (copies)"
hs stacks "$target" --format json --live
[ "$RC" -eq 0 ] || fail "stacks --live exited $RC: $(cat "$T/err")"
check_json "libunwind-ptrace (live)"
hs stacks "$target" --format json --consistent
[ "$RC" -eq 0 ] || fail "stacks --consistent exited $RC: $(cat "$T/err")"
check_json "consistent snapshot"

# text: one header per thread with name and state, frames with file:line
hs stacks "$target" -v
[ "$RC" -eq 0 ] || fail "stacks (text) exited $RC: $(cat "$T/err")"
[ "$(grep -c '^thread ' "$T/out")" -eq 9 ] || fail "text: expected 9 thread headers"
grep -q '^thread [0-9]* "worker-3" R (running)' "$T/out" || fail "text: no header for worker-3"
grep -Eq '#[0-9]+ +0x[0-9a-f]+ thread_main\+0x[0-9a-f]+ \(threads\) at .*threads\.c:[0-9]+' "$T/out" ||
	fail "text: no thread_main frame with its source line"
# running threads were stopped; sleeping ones (the main thread in
# pthread_join) read without a stop: each says which
[ "$(grep -c -e 'stopped for .* until it stopped, held' -e 'not stopped: read asleep' "$T/out")" -eq 9 ] ||
	fail "-v: not every thread says how long it was stopped"
grep -q 'per thread, held stopped: median' "$T/err" || fail "-v: no stop summary: $(cat "$T/err")"
cat "$T/err"
assert_running "$target"
pass "text output and stop times"

# a deep stack (3000 recursive frames) is whole too; a copy cut short by
# --stack-size is an incomplete stack, exit 1. (With the 8 busy threads
# still running, hotstack gets a CPU mostly when deep enters the kernel to
# read its CPU clock, between two recursions: end them first.)
kill "$target"
bg "$SAMPLES/deep" 30 3000
deep=$BG
sleep 0.5
for u in "--unwinder libunwind" "--unwinder libdw" "--live"; do
	# the recursion is rebuilt every millisecond: look until the snapshot
	# is in leaf_deep, under all of it
	k=0
	while :; do
		hs stacks "$deep" --format json $u
		[ "$RC" -eq 0 ] || fail "deep, $u: exit $RC: $(head -c 2000 "$T/out")"
		[ "$(jq -r '.threads[0].frames[0].function' "$T/out")" = leaf_deep ] && break
		k=$((k + 1))
		[ $k -lt 30 ] || fail "deep, $u: never in leaf_deep: $(jq -c "[.threads[0].frames[0:4][] | .function]" "$T/out")"
	done
	r=$(jq '[.threads[0].frames[] | select(.function == "recurse")] | length' "$T/out")
	[ "$r" -eq 3000 ] || fail "deep, $u: $r recurse frames, expected 3000"
done
# (a snapshot between two recursions may fit in 8 KiB: look for a deep one)
k=0
while :; do
	hs stacks "$deep" --stack-size 8192
	grep -q "leaf_deep" "$T/out" && break
	k=$((k + 1))
	[ $k -lt 30 ] || fail "deep: never in leaf_deep"
done
[ "$RC" -eq 1 ] || fail "deep with an 8 KiB copy: exit $RC, expected 1"
grep -q "incomplete" "$T/out" || fail "deep with an 8 KiB copy: not said to be incomplete"
assert_running "$deep"
pass "deep stacks"
