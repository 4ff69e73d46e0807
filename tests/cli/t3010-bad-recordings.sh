#!/bin/sh
# report refuses a corrupt recording, a truncated one and one from a newer
# hotstack with a clear message and exit 2
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 999 -o "$T/good.db" -- "$SAMPLES/split" 0.5
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
hs report "$T/good.db"
[ "$RC" -eq 0 ] || fail "report of a good recording exited $RC"

# newer schema version
cp "$T/good.db" "$T/newer.db"
sqlite3 "$T/newer.db" "update meta set value = '99' where key = 'schema_version'; pragma user_version = 99;"
hs report "$T/newer.db"
[ "$RC" -eq 2 ] || fail "report of a newer recording exited $RC"
grep -q "schema version 99" "$T/err" || fail "no schema version message: $(cat "$T/err")"
grep -q "upgrade" "$T/err" || fail "the message does not say to upgrade: $(cat "$T/err")"

# corrupt: overwrite pages in the middle of the file
size=$(stat -c %s "$T/good.db")
cp "$T/good.db" "$T/corrupt.db"
dd if=/dev/urandom of="$T/corrupt.db" bs=1024 seek=2 count=$(( (size / 1024) - 3 )) conv=notrunc 2>/dev/null
hs report "$T/corrupt.db"
[ "$RC" -eq 2 ] || fail "report of a corrupt recording exited $RC: $(cat "$T/err")"
grep -Eq "corrupt|malformed|not a (SQLite database|hotstack recording)" "$T/err" ||
	fail "no clear message for a corrupt file: $(cat "$T/err")"
echo "corrupt: $(cat "$T/err")"

# truncated (a copy cut short, a disk that filled): refused with exit 2 and
# one line, at every cut: a header only, one page, half, all but one page
for cut in 100 4096 $((size / 2)) $((size - 4096)); do
	head -c "$cut" "$T/good.db" >"$T/trunc.db"
	hs report "$T/trunc.db"
	[ "$RC" -eq 2 ] || fail "report of a recording cut to $cut of $size bytes exited $RC, expected 2"
	grep -Eq "corrupt|malformed|truncated|not a (SQLite database|hotstack recording)" "$T/err" &&
		[ "$(grep -c . "$T/err")" -eq 1 ] ||
		fail "cut to $cut bytes: no one-line message: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "cut to $cut bytes: a report was printed from a truncated file"
	echo "truncated to $cut: $(cat "$T/err")"
done
pass "bad recordings refused"
