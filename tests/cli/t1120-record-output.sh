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
pass "existing output kept as .old"
