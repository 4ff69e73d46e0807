#!/bin/sh
# an existing recording is renamed to FILE.old, never overwritten silently;
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
pass "existing output kept as .old; bad -o refused"
