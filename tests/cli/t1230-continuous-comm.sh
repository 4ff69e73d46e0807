#!/bin/sh
# record --continuous --comm NAME: waits for a process of that name, records
# it, and follows a restart (a new process of the name) into a new file;
# bad options are usage errors
. "$(dirname "$0")/lib.sh"
need_root

# a name no other test uses (comm is the first 15 bytes of the file name)
name=hsc$$
cp "$SAMPLES/split" "$T/$name"
"$HOTSTACK" record --continuous "$T/d" --comm "$name" -d 8 2>"$T/rec.err" &
rec=$!
PIDS_TO_KILL="$PIDS_TO_KILL $rec"
wait_for_line "$T/rec.err" 5 "waiting for a process called '$name'"
"$T/$name" 30 >/dev/null &
p1=$!
PIDS_TO_KILL="$PIDS_TO_KILL $p1"
sleep 2.5
kill "$p1"
wait "$p1" 2>/dev/null
sleep 0.5
"$T/$name" 30 >/dev/null &
p2=$!
PIDS_TO_KILL="$PIDS_TO_KILL $p2"
wait "$rec" || fail "record --continuous --comm exited $?: $(cat "$T/rec.err")"
assert_running "$p2"
kill "$p2"
ls "$T/d" | grep '^hotstack-.*\.db$' >"$T/files"
[ "$(wc -l <"$T/files")" -eq 2 ] || fail "a restart did not make a second file: $(cat "$T/files")"
[ "$(meta "$T/d/$(sed -n 1p "$T/files")" pids)" = "$p1" ] || fail "the first file is not of pid $p1"
[ "$(meta "$T/d/$(sed -n 2p "$T/files")" pids)" = "$p2" ] || fail "the second file is not of pid $p2"
for f in $(cat "$T/files"); do
	[ "$(meta "$T/d/$f" finished)" = 1 ] || fail "$f is not finished"
	[ "$(meta "$T/d/$f" samples)" -gt 0 ] || fail "$f has no samples"
done

# usage errors
for args in "--comm $name -p 1" "--rotate 0s --comm x" "--keep lots --comm x" \
	"--max-size 2Q --comm x" "--metrics nowhere --comm x" "--cgroup x --comm x" \
	"-p 1 -- /bin/true"; do
	# shellcheck disable=SC2086
	hs record --continuous "$T/u" $args
	[ "$RC" -eq 64 ] || fail "record --continuous DIR $args exited $RC, not 64: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -le 2 ] || fail "more than a line for $args: $(cat "$T/err")"
done
hs record --continuous "$T/d/$(sed -n 1p "$T/files")" --comm x
[ "$RC" -eq 2 ] || fail "a file as DIR exited $RC, not 2"
pass "--comm follows a restart; bad options refused"
