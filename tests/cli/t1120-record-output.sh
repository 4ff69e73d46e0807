#!/bin/sh
# an existing recording is renamed to FILE.old (or the first free
# FILE.old.N), never overwritten silently;
# the default output is ./hotstack.db
. "$(dirname "$0")/lib.sh"
need_root

cd "$T" || fail "cd"
hs record -q -- "$SAMPLES/split" 0.3
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
[ -s hotstack.db ] || fail "no ./hotstack.db by default"
first=$(meta hotstack.db start_time)
sleep 0.01
hs record -- "$SAMPLES/split" 0.3
[ "$RC" -eq 0 ] || fail "second record exited $RC: $(cat "$T/err")"
[ -s hotstack.db.old ] || fail "the first recording was not kept as hotstack.db.old"
[ "$(meta hotstack.db.old start_time)" = "$first" ] || fail "hotstack.db.old is not the first recording"
[ "$(meta hotstack.db start_time)" != "$first" ] || fail "hotstack.db was not replaced by the new recording"
grep -q "renamed" "$T/err" || fail "no message about the rename: $(cat "$T/err")"

# a third recording keeps both older ones: hotstack.db.old is never
# replaced, the previous one goes to the first free .old.N, and the
# warning names it
second=$(meta hotstack.db start_time)
sleep 0.01
hs record -q -- "$SAMPLES/split" 0.2
[ "$RC" -eq 0 ] || fail "third record exited $RC: $(cat "$T/err")"
[ "$(meta hotstack.db.old start_time)" = "$first" ] || fail "the third record replaced hotstack.db.old"
[ "$(meta hotstack.db.old.1 start_time)" = "$second" ] ||
	fail "the second recording is not hotstack.db.old.1: $(ls)"
grep -q "renamed it to 'hotstack.db.old.1'" "$T/err" || fail "the warning does not name .old.1: $(cat "$T/err")"
# a command that cannot run puts the moved recording back, and says
# nothing of a rename
hs record -q -- "$T/no-such-command"
[ "$RC" -eq 2 ] || fail "record of a missing command exited $RC: $(cat "$T/err")"
[ "$(meta hotstack.db start_time)" != "$first" ] && [ "$(meta hotstack.db start_time)" != "$second" ] ||
	fail "record of a missing command lost the last recording: $(ls)"
[ ! -e hotstack.db.old.2 ] || fail "record of a missing command left hotstack.db.old.2"
! grep -q renamed "$T/err" || fail "record of a missing command spoke of a rename: $(cat "$T/err")"

# -o must name a file: empty or a directory path is a usage error, before
# anything runs (an empty -o once wrote past a heap allocation)
for bad in "" "sub/" "/"; do
	hs record -q -o "$bad" -- "$SAMPLES/split" 0.1
	[ "$RC" -eq 64 ] || fail "record -o '$bad' exited $RC, expected 64: $(cat "$T/err")"
	grep -q -- "-o needs the name of a file" "$T/err" || fail "record -o '$bad': $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -le 2 ] || fail "record -o '$bad' said more than the usage error: $(cat "$T/err")"
done
mkdir "$T/adir"
hs record -q -o "$T/adir" -- "$SAMPLES/split" 0.1
[ "$RC" -eq 2 ] || fail "record -o DIRECTORY exited $RC, expected 2: $(cat "$T/err")"
[ -d "$T/adir" ] || fail "record -o DIRECTORY moved the directory away"
pass "existing output kept as .old, then .old.N; bad -o refused"
