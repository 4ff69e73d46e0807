#!/bin/sh
# /tmp/perf-PID.map is anyone's ground: record (as root) believes only a
# regular file owned by the target's user or root; a planted symlink, a FIFO
# or another user's file is ignored without a hang; a huge file is read up
# to a cap; a map inside a container (own PID and mount namespace, private
# /tmp) is found through /proc/PID/root under the target's own PID
. "$(dirname "$0")/lib.sh"
need_root

bg "$TESTPROGS/jit" 60 nomap >"$T/jit.out"
jit=$BG
wait_for_line "$T/jit.out" 5 '^ready'
addr=$(awk '/^ready/ { print $2 }' "$T/jit.out")
map=/tmp/perf-$jit.map
trap 'rm -f "$map"; cleanup' EXIT

# record JIT for 0.5 s and print the frames of its folded stacks
frames() {
	rm -f "$T/r.db"
	timeout 30 "$HOTSTACK" record -q -F 499 -p "$jit" -d 0.5 -o "$T/r.db" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || fail "$1: record exited $rc: $(cat "$T/err")"
	assert_running "$jit"
	"$HOTSTACK" export "$T/r.db" --format folded | tr ';' '\n' | sed 's/ [0-9]*$//' | sort -u
}

# control: a good map owned by root is used (so the test can fail)
printf '%s 9 named_by_root\n' "$addr" >"$map"
frames "root's map" | grep -qx named_by_root || fail "a good map owned by root was not used"
echo "control: root's map names the JIT code"

# a symlink to a file with the same content
rm -f "$map"
printf '%s 9 forged_by_symlink\n' "$addr" >"$T/forged"
ln -s "$T/forged" "$map"
frames "symlink" | grep -q forged_by_symlink && fail "a symlinked map was followed"
echo "symlink: ignored"

# a file owned by another user (the target runs as root)
rm -f "$map"
printf '%s 9 forged_by_nobody\n' "$addr" >"$map"
chown nobody "$map"
frames "nobody's map" | grep -q forged_by_nobody && fail "another user's map was believed"
echo "another user's file: ignored"

# a FIFO nobody writes to: no hang (frames has a 30 s timeout)
rm -f "$map"
mkfifo "$map"
start=$(date +%s)
frames "FIFO" >/dev/null
[ $(($(date +%s) - start)) -lt 10 ] || fail "a FIFO map made record hang"
echo "FIFO: no hang"

# a huge file (sparse, 4 GiB): read up to the cap, in bounded time and memory
rm -f "$map"
printf '%s 9 huge_but_capped\n' "$addr" >"$map"
truncate -s 4G "$map"
start=$(date +%s)
frames "huge map" | grep -qx huge_but_capped || fail "the first line of a huge map was not used"
[ $(($(date +%s) - start)) -lt 20 ] || fail "a huge map took over 20 s"
echo "huge file: capped"
rm -f "$map"

# a container: own PID and mount namespaces, /tmp a private tmpfs; the map
# is /tmp/perf-1.map inside, invisible from the host's /tmp
if unshare --pid --fork --mount true 2>/dev/null; then
	# the build may itself be under /tmp, which the tmpfs hides: run a
	# copy of the program from outside it
	jitcopy=$(mktemp /var/tmp/hotstack-jit.XXXXXX) || fail "mktemp in /var/tmp failed"
	cp "$TESTPROGS/jit" "$jitcopy" && chmod 755 "$jitcopy" || fail "cannot copy the jit program"
	unshare --pid --fork --mount --propagation private \
		sh -c 'mount -t tmpfs tmpfs /tmp && exec "$0" 30' "$jitcopy" >"$T/ns.out" 2>"$T/ns.err" &
	ns=$!
	PIDS_TO_KILL="$PIDS_TO_KILL $ns"
	trap 'rm -f "$jitcopy"; cleanup' EXIT
	wait_for_line "$T/ns.out" 5 '^ready'
	inner=$(pgrep -P "$ns" | head -1)
	[ -n "$inner" ] || fail "no process inside the namespace"
	grep -q 'NSpid:.*1$' "/proc/$inner/status" || fail "the target is not PID 1 of its namespace"
	[ -e /tmp/perf-1.map ] && [ "$(stat -c %i /tmp/perf-1.map)" = "$(stat -c %i "/proc/$inner/root/tmp/perf-1.map")" ] &&
		fail "the container's map is visible from the host: the test proves nothing"
	rm -f "$T/ns.db"
	timeout 30 "$HOTSTACK" record -q -F 499 -p "$inner" -d 0.5 -o "$T/ns.db" 2>"$T/err" ||
		fail "record of the container exited non-zero: $(cat "$T/err")"
	assert_running "$inner"
	"$HOTSTACK" export "$T/ns.db" --format folded | grep -q jitted_hot_loop ||
		fail "the container's JIT map was not found"
	kill -KILL "$inner" 2>/dev/null  # PID 1 of its namespace ignores SIGTERM
	echo "container: map found through /proc/PID/root"
else
	echo "note: unshare --pid --mount refused here: container case not run"
fi
pass "perf maps read without trusting them"
