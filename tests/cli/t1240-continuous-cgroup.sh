#!/bin/sh
# record --continuous DIR --cgroup PATH: every process of a cgroup v2
# directory, through perf's cgroup events: one moved in before the start,
# one forked inside it during the recording, one moved in, out and in again;
# not a process outside it. A bad cgroup is one line and exit 2.
. "$(dirname "$0")/lib.sh"
need_root

# the cgroup v2 hierarchy: /sys/fs/cgroup, or its unified/ on a hybrid system
root=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	if [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ]; then
		root=$d
		break
	fi
done
[ -n "$root" ] || skip "no cgroup v2 hierarchy under /sys/fs/cgroup"
CG=$root/hotstack-test-$$
mkdir "$CG" || skip "cannot make a cgroup in $root"
# a cgroup below it: its processes belong to the one recorded too
mkdir "$CG/sub" || fail "cannot make $CG/sub"

# the targets are killed by PID, then the cgroup (empty by then) removed
cg_cleanup() {
	for p in $PIDS_TO_KILL; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PIDS_TO_KILL; do
		wait "$p" 2>/dev/null || true
	done
	# what the test's processes started in it (split, if a check failed
	# before it was known)
	for p in $(cat "$CG/cgroup.procs" "$CG/sub/cgroup.procs" 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	i=0
	while [ -d "$CG/sub" ] && ! rmdir "$CG/sub" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	while [ -d "$CG" ] && ! rmdir "$CG" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -d "$CG" ] && echo "warning: could not remove $CG: $(cat "$CG/cgroup.procs")"
	rmdir "$root/hotstack-test-$$-gone" 2>/dev/null
	cleanup
}
trap cg_cleanup EXIT

now_ns() {
	date +%s%N
}

cp "$SAMPLES/spin" "$T/hsmove"
bg "$SAMPLES/spin"
inside=$BG
echo "$inside" >"$CG/cgroup.procs"
bg "$SAMPLES/deep" 60 20
outside=$BG
bg "$T/hsmove"
mover=$BG
# a shell in the cgroup below that forks split once the recording runs
bg sh -c 'echo $$ >"$1/sub/cgroup.procs" || exit 1
	while [ ! -e "$2/go" ]; do sleep 0.05; done
	"$3/split" 60 >/dev/null &
	wait' sh "$CG" "$T" "$SAMPLES"
shell=$BG
sleep 0.3
grep -qx "$shell" "$CG/sub/cgroup.procs" || fail "the shell did not move into $CG/sub"

# The current file's samples of pid $1 from Unix ns $2 on. A slice is
# stored at its start: the time of a sample less up to 100 ms; a sample
# the recorder unwinds after a rotation goes into the new file, at its
# start: later than it was taken, never earlier.
# (read-only, by the file's own name: a connection through the latest
# link would keep its WAL index beside the link, and break the file's)
samples_since() {
	db=$(readlink "$T/d/latest" 2>/dev/null) || { echo 0; return; }
	db=$T/d/$db
	start=$(sqlite3 -readonly "$db" "select value from meta where key = 'start_time'" \
		2>/dev/null) || start=
	[ -n "$start" ] || { echo 0; return; }
	sqlite3 -readonly "$db" "select count(*) from samples s join threads t on s.tid = t.tid
		where t.pid = $1 and s.kind = 0 and $start + s.slice * 100000000 >= $2 - 100000000" \
		2>/dev/null || echo 0
}
# Waits until the recording holds samples of pid $1 taken from Unix ns $2
# on: the recorder may lag behind at first, reading debug information.
wait_samples() {
	i=0
	until [ "$(samples_since "$1" "$2")" -gt 0 ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && fail "no samples of pid $1 after 60 s: $(cat "$T/rec.err")"
		sleep 0.1
	done
}

# the path relative to the hierarchy, as for a systemd unit; SIGTERM ends it
t0=$(now_ns)
"$HOTSTACK" record --continuous "$T/d" --cgroup "hotstack-test-$$" -F 99 --rotate 2s -d 300 \
	2>"$T/rec.err" &
rec=$!
PIDS_TO_KILL="$PIDS_TO_KILL $rec"
wait_samples "$inside" "$t0"
touch "$T/go"
t1=$(now_ns)
echo "$mover" >"$CG/cgroup.procs"
wait_samples "$mover" "$t1"
sleep 1
t2=$(now_ns)
echo "$mover" >"$root/cgroup.procs"
sleep 4
t3=$(now_ns)
echo "$mover" >"$CG/sub/cgroup.procs"
wait_samples "$mover" "$t3"
split=$(pgrep -P "$shell" -x split) || fail "the shell did not start split"
PIDS_TO_KILL="$PIDS_TO_KILL $split"
sleep 1
kill -TERM "$rec"
wait "$rec" || fail "record --continuous --cgroup exited $?: $(cat "$T/rec.err")"
assert_running "$inside"
assert_running "$outside"
assert_running "$mover"

ls "$T/d" | grep '^hotstack-.*\.db$' >"$T/files"
[ "$(wc -l <"$T/files")" -ge 3 ] || fail "--rotate 2s over 6 s or more made $(wc -l <"$T/files") files"
: >"$T/funcs"
: >"$T/times"
for f in $(cat "$T/files"); do
	db=$T/d/$f
	[ "$(meta "$db" finished)" = 1 ] || fail "$f is not finished"
	[ "$(meta "$db" mode)" = cgroup ] || fail "$f: mode is '$(meta "$db" mode)', not cgroup"
	[ "$(meta "$db" cgroup)" = "$CG" ] || fail "$f: cgroup is '$(meta "$db" cgroup)', not $CG"
	"$HOTSTACK" report "$db" --format json --limit 0 | jq -r '.functions[].name' >>"$T/funcs" ||
		fail "report $f failed"
	# the wall time (Unix ns) of each 100 ms slice in which the mover ran
	start=$(meta "$db" start_time)
	slice=$(meta "$db" slice_ns)
	sqlite3 "$db" "select $start + slice * $slice from samples
		where kind = 0 and tid = $mover group by slice" >>"$T/times"
done
grep -qx spin_leaf "$T/funcs" || fail "the process moved in before the start ($inside) is not recorded"
grep -qx leaf_60 "$T/funcs" || fail "split, forked inside during the recording, is not recorded"
if grep -qx leaf_deep "$T/funcs"; then
	fail "the process outside the cgroup ($outside) is recorded"
fi
for f in $(cat "$T/files"); do
	n=$(sqlite3 "$T/d/$f" "select count(*) from threads where pid = $outside")
	[ "$n" -eq 0 ] || fail "$f has threads of the outside process $outside"
done
n=$(sqlite3 "$T/d/$(sed -n 1p "$T/files")" "select count(*) from samples s join threads t
	on s.tid = t.tid where t.pid = $inside and s.kind = 0")
[ "$n" -gt 0 ] || fail "the first file has no samples of $inside"

# the mover: samples while it was in, none while it was out (a slice
# begins up to 100 ms before its samples; a sample unwound late may be
# stored later than it was taken, by up to a second once the recorder has
# caught up, as it had when the mover's first samples were there)
margin=1000000000
in1=0
out=0
in2=0
while read -r t; do
	if [ "$t" -ge $((t1 - 100000000)) ] && [ "$t" -le $((t2 + margin)) ]; then
		in1=$((in1 + 1))
	elif [ "$t" -gt $((t2 + margin)) ] && [ "$t" -lt $((t3 - 100000000)) ]; then
		out=$((out + 1))
	elif [ "$t" -ge $((t3 - 100000000)) ]; then
		in2=$((in2 + 1))
	else
		fail "a sample of the mover ($mover) before it moved in"
	fi
done <"$T/times"
echo "mover slices: $in1 in, $out out, $in2 in again"
[ "$in1" -gt 0 ] || fail "the process moved in ($mover) was not recorded"
[ "$out" -eq 0 ] || fail "the process moved out ($mover) was still recorded in $out slices"
[ "$in2" -gt 0 ] || fail "the process moved back in ($mover) was not recorded"
# its frames were unwound from its maps, read when it came in
grep -qx spin_loop "$T/funcs" || fail "no caller frames (spin_loop) were unwound"
pass "cgroup: moved in, forked inside, moved out and in; the outside process not recorded"

# plain record --cgroup, with the absolute path
hs record --cgroup "$CG" -o "$T/plain.db" -d 1 -q
[ "$RC" -eq 0 ] || fail "record --cgroup exited $RC: $(cat "$T/err")"
[ "$(meta "$T/plain.db" mode)" = cgroup ] || fail "record --cgroup: mode is not cgroup"
"$HOTSTACK" report "$T/plain.db" --format json --limit 0 | jq -r '.functions[].name' >"$T/pf"
grep -qx spin_leaf "$T/pf" || fail "record --cgroup did not record $inside"
grep -qx leaf_deep "$T/pf" && fail "record --cgroup recorded the outside process"

# hotstack run inside the cgroup it records leaves itself out
sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" record --cgroup "$1" -o "$3" -d 1 -q' sh \
	"$CG" "$HOTSTACK" "$T/self.db" 2>"$T/err" &
self=$!
wait "$self" || fail "record --cgroup from inside the cgroup failed: $(cat "$T/err")"
n=$(sqlite3 "$T/self.db" "select count(*) from threads where pid = $self")
[ "$n" -eq 0 ] || fail "hotstack recorded itself ($n threads of pid $self)"
n=$(sqlite3 "$T/self.db" "select count(*) from threads where pid = $inside")
[ "$n" -gt 0 ] || fail "record --cgroup from inside the cgroup did not record $inside"

# --waits: the tracepoints follow the cgroup too (split reads its CPU clock
# with a system call; so does deep, outside)
hs record --cgroup "$CG" --waits -o "$T/waits.db" -d 1 -q
[ "$RC" -eq 0 ] || fail "record --cgroup --waits exited $RC: $(cat "$T/err")"
n=$(sqlite3 "$T/waits.db" "select count(*) from syscalls where tid = $split")
[ "$n" -gt 0 ] || fail "record --cgroup --waits has no system calls of split ($split)"
n=$(sqlite3 "$T/waits.db" "select count(*) from syscalls where tid = $outside")
[ "$n" -eq 0 ] || fail "record --cgroup --waits has system calls of the outside process"

# a removed cgroup ends the recording
mkdir "$root/hotstack-test-$$-gone" || fail "cannot make a second cgroup"
"$HOTSTACK" record --cgroup "$root/hotstack-test-$$-gone" -o "$T/gone.db" -d 60 -q 2>"$T/gone.err" &
gone=$!
PIDS_TO_KILL="$PIDS_TO_KILL $gone"
sleep 1
rmdir "$root/hotstack-test-$$-gone"
i=0
while kill -0 "$gone" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "record --cgroup still runs 10 s after its cgroup was removed"
	sleep 0.1
done
[ "$(meta "$T/gone.db" finished)" = 1 ] || fail "the recording of a removed cgroup is not finished"

# errors: one line, exit 2
one_line_2() {
	[ "$RC" -eq 2 ] || fail "$1: exited $RC, not 2: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$1: not one line: $(cat "$T/err")"
	grep -q "$2" "$T/err" || fail "$1: the message does not say '$2': $(cat "$T/err")"
}
hs record --continuous "$T/e" --cgroup "no-such-cgroup-$$" -d 1
one_line_2 "a missing cgroup" "no cgroup"
hs record --continuous "$T/e" --cgroup "$T" -d 1
one_line_2 "a directory that is no cgroup" "not a cgroup v2 directory"
hs record --cgroup "$CG/cgroup.procs" -o "$T/e.db" -d 1
one_line_2 "a file in the cgroup" "not a directory"
v1=$(awk '$3 == "cgroup" { print $2; exit }' /proc/mounts)
if [ -n "$v1" ]; then
	hs record --cgroup "$v1" -o "$T/e.db" -d 1
	one_line_2 "a cgroup v1 directory ($v1)" "cgroup v1"
else
	echo "no cgroup v1 hierarchy mounted: its error not checked"
fi
# CPU-wide events: refused to a user without CAP_PERFMON (paranoid > 0)
if [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 0 ]; then
	as_nobody record --continuous d --cgroup "$CG" -d 1
	one_line_2 "no permission" "root or CAP_PERFMON"
else
	echo "kernel.perf_event_paranoid <= 0: the permission error not checked"
fi
hs record --continuous "$T/u" --cgroup "$CG" -p "$inside"
[ "$RC" -eq 64 ] || fail "--cgroup with -p exited $RC, not 64"
hs record --cgroup "$CG" -- /bin/true
[ "$RC" -eq 64 ] || fail "--cgroup with a command exited $RC, not 64"
hs record --cgroup "$CG" --method ptrace
[ "$RC" -eq 64 ] || fail "--cgroup with --method ptrace exited $RC, not 64"
pass "bad cgroups: one line, exit 2; conflicting options: usage"
