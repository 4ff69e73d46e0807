#!/bin/sh
# every file hotstack writes goes through one atomic-write rule (atomicfile.h):
# a planted symlink at OUTPUT.tmp or at OUTPUT never leads it to truncate the
# symlink's target; a FIFO or /dev/stdout output is written in place; rerunning
# import moves the old recording to .old; new files are 0600
. "$(dirname "$0")/lib.sh"

printf 'main;work;leaf 30\nmain;idle 10\n' >"$T/in.folded"
hs import "$T/in.folded" -o "$T/r.db"
[ "$RC" -eq 0 ] || fail "import exited $RC: $(cat "$T/err")"

# the victim: a file someone wants hotstack (running as root) to truncate
printf 'precious\n' >"$T/victim"

check_victim() {
	[ "$(cat "$T/victim")" = precious ] || fail "$1: the symlink's target was written to"
}

# one writer per kind of output: export (each format) and flame
write() {	# write OUTPUT (runs each writer to OUTPUT, expects success)
	for f in folded json pprof speedscope; do
		hs export "$T/r.db" --format $f -o "$1"
		[ "$RC" -eq 0 ] || fail "export --format $f -o $1 exited $RC: $(cat "$T/err")"
	done
	hs flame "$T/r.db" -o "$1"
	[ "$RC" -eq 0 ] || fail "flame -o $1 exited $RC: $(cat "$T/err")"
}

# a symlink at OUTPUT.tmp (the old temporary name): never followed
ln -s "$T/victim" "$T/a.out.tmp"
write "$T/a.out"
check_victim "symlink at OUTPUT.tmp"
[ -L "$T/a.out.tmp" ] || fail "the planted OUTPUT.tmp symlink was removed or replaced"
grep -q '<svg' "$T/a.out" || fail "flame -o did not write the SVG"
ls "$T" | grep -q 'a.out.tmp-' && fail "a temporary was left beside the output: $(ls "$T")"

# a regular file is replaced atomically, the new one private to its owner
printf 'old\n' >"$T/c.out"
hs export "$T/r.db" --format folded -o "$T/c.out"
[ "$RC" -eq 0 ] || fail "export over a regular file exited $RC"
grep -q 'main;work;leaf 30' "$T/c.out" || fail "export did not replace the file: $(cat "$T/c.out")"
mode=$(stat -c %a "$T/c.out")
[ "$mode" = 600 ] || fail "exported file has mode $mode, expected 600"

# our own symlink is followed: the file it names is replaced, the link stays
printf 'mine\n' >"$T/mine"
ln -s mine "$T/link.out"
hs export "$T/r.db" --format folded -o "$T/link.out"
[ "$RC" -eq 0 ] || fail "export through our own symlink exited $RC"
[ -L "$T/link.out" ] || fail "our own symlink was replaced"
grep -q 'main;work;leaf 30' "$T/mine" || fail "the file our symlink names was not written"

# /dev/stdout and a FIFO are written in place
"$HOTSTACK" export "$T/r.db" --format folded -o /dev/stdout >"$T/stdout.txt" ||
	fail "export -o /dev/stdout failed"
grep -q 'main;work;leaf 30' "$T/stdout.txt" || fail "-o /dev/stdout wrote nothing to stdout"
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.txt" &
reader=$!
PIDS_TO_KILL="$PIDS_TO_KILL $reader"
timeout 10 "$HOTSTACK" export "$T/r.db" --format folded -o "$T/fifo" ||
	fail "export -o FIFO failed or hung"
wait "$reader"
[ -p "$T/fifo" ] || fail "the FIFO was replaced by a file"
grep -q 'main;work;leaf 30' "$T/fifo.txt" || fail "nothing came through the FIFO"

# a directory is refused with one line
hs export "$T/r.db" --format folded -o "$T"
[ "$RC" -eq 2 ] || fail "export -o DIRECTORY exited $RC, expected 2"
[ "$(grep -c . "$T/err")" -eq 1 ] || fail "expected one line of error: $(cat "$T/err")"

# import and merge: rerunning moves the old recording to .old (one rule,
# the one record follows); a symlink at OUTPUT is moved, never followed
cp "$T/r.db" "$T/first.db"
printf 'other;stack 7\n' >"$T/in2.folded"
hs import "$T/in2.folded" -o "$T/r.db"
[ "$RC" -eq 0 ] || fail "second import exited $RC: $(cat "$T/err")"
cmp -s "$T/r.db.old" "$T/first.db" || fail "rerunning import did not move the old recording to .old"
grep -q "renamed it to '$T/r.db.old'" "$T/err" || fail "import did not say it renamed: $(cat "$T/err")"
"$HOTSTACK" export "$T/r.db" --format folded | grep -q 'other;stack 7' ||
	fail "the new recording does not hold the new samples"
ln -s "$T/victim" "$T/s.db"
hs import "$T/in.folded" -o "$T/s.db"
[ "$RC" -eq 0 ] || fail "import over a symlink exited $RC: $(cat "$T/err")"
check_victim "import over a symlink"
[ -L "$T/s.db.old" ] || fail "the symlink was not moved to .old"

if [ "$(id -u)" -eq 0 ]; then
	# someone else's symlink at OUTPUT: replaced by the new file, its
	# target untouched
	ln -s "$T/victim" "$T/b.out"
	chown -h nobody "$T/b.out"
	write "$T/b.out"
	check_victim "another user's symlink at OUTPUT"
	[ -L "$T/b.out" ] && fail "another user's symlink at OUTPUT was followed, not replaced"
	grep -q '<svg' "$T/b.out" || fail "OUTPUT does not hold the new file"
	# someone else's symlink to a FIFO is not followed either: replaced
	mkfifo "$T/fifo2"
	ln -s "$T/fifo2" "$T/d.out"
	chown -h nobody "$T/d.out"
	timeout 10 "$HOTSTACK" export "$T/r.db" --format folded -o "$T/d.out" ||
		fail "export over another user's symlink failed or hung"
	[ -L "$T/d.out" ] && fail "another user's symlink was followed"
	grep -q 'other;stack 7' "$T/d.out" || fail "d.out does not hold the export"
	# recordings too: 0600, and under sudo the invoking user's
	[ "$(stat -c %a "$T/r.db")" = 600 ] || fail "a new recording has mode $(stat -c %a "$T/r.db")"
	SUDO_UID=65534 SUDO_GID=65534 "$HOTSTACK" import "$T/in.folded" -o "$T/sudo.db" 2>/dev/null ||
		fail "import with SUDO_UID failed"
	[ "$(stat -c %u:%a "$T/sudo.db")" = 65534:600 ] ||
		fail "the recording under sudo is $(stat -c %u:%a "$T/sudo.db"), expected 65534:600"
	# under sudo, the file goes to the invoking user
	SUDO_UID=65534 SUDO_GID=65534 "$HOTSTACK" export "$T/r.db" --format folded -o "$T/e.out" ||
		fail "export with SUDO_UID failed"
	[ "$(stat -c %u "$T/e.out")" = 65534 ] || fail "the export was not handed to SUDO_UID"
fi
pass "outputs are atomic and never follow a planted symlink"
