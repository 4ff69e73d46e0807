#!/bin/sh
# record --waits -p on a process whose threads were all asleep before the
# attach (epoll_wait, nanosleep, read on a pipe): each thread's blocked
# time lands on its own stack, read without stopping it, within 10% of the
# recording's length, not under "[waiting since before the recording]";
# the kernel part of the stack is there; the target never sees an EINTR.
# The same when the waits end during the recording.
. "$(dirname "$0")/lib.sh"
need_root

# idle's reader thread reads the FIFO: "e" makes it print its EINTR count
mkfifo "$T/ctl"
bg sh -c "exec '$TESTPROGS/idle' 120 <'$T/ctl' >'$T/idle.out'"
target=$BG
exec 3>"$T/ctl"
wait_for_line "$T/idle.out" 5 ready
sleep 0.3
hs record -q --waits -d 2 -p "$target" -o "$T/a.db"
# nothing runs on a CPU: exit 1 with "no sample was recorded" is expected
[ "$RC" -eq 0 ] || { [ "$RC" -eq 1 ] && grep -q "no sample was recorded" "$T/err"; } ||
	fail "record -p exited $RC: $(cat "$T/err")"
assert_running "$target"
dur=$(meta "$T/a.db" duration_ns)
echo "recording: $dur ns"

# off_under TID FUNCTION: off-CPU ns of thread TID on stacks through FUNCTION
# (or a clone of it, FUNCTION.isra.0)
off_under() {
	sqlite3 "$T/a.db" "
	with recursive up(leaf, id) as (
		select distinct node_id, node_id from samples where kind = 1 and tid = $1
		union all
		select up.leaf, n.parent_id from up join stack_nodes n on n.id = up.id
		where n.parent_id != 0),
	hit(leaf) as (select distinct up.leaf from up join stack_nodes n on n.id = up.id
		join frames f on f.id = n.frame_id
		where f.function = '$2' or f.function like '$2.%')
	select coalesce(sum(weight_ns), 0) from samples
	where kind = 1 and tid = $1 and node_id in (select leaf from hit)"
}
tid_of() { sqlite3 "$T/a.db" "select tid from threads where name = '$1' and pid = $target"; }

# check THREAD FUNCTION...: all of the thread's recording under each FUNCTION
check() {
	name=$1
	shift
	tid=$(tid_of "$name")
	[ -n "$tid" ] || fail "no thread named $name"
	for f in "$@"; do
		ns=$(off_under "$tid" "$f")
		echo "$name: $ns ns off-CPU under $f"
		within "$ns" "$dur" "$(awk -v d="$dur" 'BEGIN { print d * 0.10 }')" ||
			fail "$name: $ns ns under $f, expected the recording's $dur ns within 10%"
	done
}
check idle wait_events serve main epoll_wait do_epoll_wait
check sleeper nap_long start_thread clock_nanosleep
check reader read_pipe start_thread anon_pipe_read

unknown=$(sqlite3 "$T/a.db" "select coalesce(sum(s.weight_ns), 0) from samples s
	join stack_nodes n on n.id = s.node_id join frames f on f.id = n.frame_id
	where f.function = '[waiting since before the recording]'")
echo "under [waiting since before the recording]: $unknown ns"
at_least "$(awk -v d="$dur" 'BEGIN { print d * 0.10 }')" "$unknown" ||
	fail "$unknown ns are still charged to [waiting since before the recording]"

printf e >&3
wait_for_line "$T/idle.out" 10 "^eintr"
cat "$T/idle.out"
grep -qx "eintr 0" "$T/idle.out" || fail "the target saw EINTR: $(tail -1 "$T/idle.out")"
exec 3>&-
kill "$target"
pass "waits begun before the attach are on their own stacks"

# waits that end during the recording: the threads wake and exit in it;
# each one's wait up to then is on its own stack
bg sh -c "exec '$TESTPROGS/idle' 6 >'$T/idle.out'"
target=$BG
wait_for_line "$T/idle.out" 5 ready
hs record -q --waits -d 20 -p "$target" -o "$T/a.db"
[ "$RC" -eq 0 ] || { [ "$RC" -eq 1 ] && grep -q "no sample was recorded" "$T/err"; } ||
	fail "record -p exited $RC: $(cat "$T/err")"
wait "$target" || fail "idle exited with an error"
grep -qx "eintr 0" "$T/idle.out" || fail "the target saw EINTR: $(tail -1 "$T/idle.out")"
dur=$(meta "$T/a.db" duration_ns)
for t in idle:wait_events sleeper:nap_long reader:read_pipe; do
	name=${t%%:*}
	tid=$(tid_of "$name")
	[ -n "$tid" ] || fail "no thread named $name"
	life=$(sqlite3 "$T/a.db" "select end_ns - start_ns from threads where tid = $tid and end_ns >= 0")
	[ -n "$life" ] || fail "$name: did not end in the recording"
	ns=$(off_under "$tid" "${t#*:}")
	echo "$name: lived $life ns of the $dur ns recording, $ns ns off-CPU under ${t#*:}"
	within "$ns" "$life" "$(awk -v d="$dur" 'BEGIN { print d * 0.10 }')" ||
		fail "$name: $ns ns under ${t#*:}, expected its $life ns within 10% of the recording"
done
pass "waits that end during the recording are on their own stacks"
