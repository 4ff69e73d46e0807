#!/bin/sh
# t8060: hotstack ui BEFORE AFTER on the before/after sample pair (the job
# whose O(n^2) count_distinct() became O(n log n), as t5000 records it):
# the Compare view puts count_distinct first, faster, with the down glyph,
# and the total faster; the call-path view puts its path first; the same
# in ASCII; a missing side or an unreadable file is refused before the
# screen is taken over
. "$(dirname "$0")/lib.sh"
need_root
LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
export LANG LC_ALL TZ

mkdir "$T/before" "$T/after"
cp "$SAMPLES/job-before" "$T/before/job"
cp "$SAMPLES/job-after" "$T/after/job"
hs record -q -F 733 -o "$T/before.db" -- "$T/before/job" 1200
[ "$RC" -eq 0 ] || fail "record before exited $RC: $(cat "$T/err")"
hs record -q -F 733 -o "$T/after.db" -- "$T/after/job" 1200
[ "$RC" -eq 0 ] || fail "record after exited $RC: $(cat "$T/err")"

hs ui "$T/before.db" "$T/after.db" --headless 120x30 --keys ''
[ "$RC" -eq 0 ] || fail "ui exited $RC: $(cat "$T/err")"
cat "$T/out"
# rows start on line 5: header, breadcrumb, title, column titles
first=$(sed -n 5p "$T/out")
case "$first" in
*"▼ faster"*count_distinct*) ;;
*) fail "first row is not count_distinct, faster, with ▼: '$first'" ;;
esac
sed -n 3p "$T/out" | grep -q 'total -[0-9.]*% faster' || fail "the total is not faster"

hs ui "$T/before.db" "$T/after.db" --headless 120x30 --keys 'S'
sed -n 5p "$T/out" | grep -q 'faster.*count_distinct' ||
	fail "call paths: first is not ...count_distinct, faster: $(sed -n 5p "$T/out")"

# the call tree (2): opened down to diff's first path, count_distinct's own
# time with an interval, faster, the cursor on it. When something was
# sampled below count_distinct (a callee, or a timer interrupt's kernel
# frame) its own time is its "(self)" row; else count_distinct is a leaf.
hs ui "$T/before.db" "$T/after.db" --headless 120x30 --keys '2'
if grep -q '▾ count_distinct$' "$T/out"; then
	grep -A1 '▼ faster.*▾ count_distinct$' "$T/out" | grep -q '%\.\..*▼ faster.*· (self)$' ||
		fail "call tree: count_distinct's own row is not shown faster: $(cat "$T/out")"
	self=';(self)'
else
	grep -q '%\.\..*▼ faster.*· count_distinct$' "$T/out" ||
		fail "call tree: count_distinct is not shown faster: $(cat "$T/out")"
	self=
fi
tail -2 "$T/out" | head -1 | grep -q "distinct$self  faster" ||
	fail "call tree: the cursor is not on count_distinct: $(tail -2 "$T/out" | head -1)"

# ASCII: the glyph is '-' for faster, and no byte above 0x7f on screen
hs ui --before "$T/before.db" --after "$T/after.db" --headless 80x24 --keys '' --ascii
first=$(sed -n 5p "$T/out")
case "$first" in
*"- faster"*count_distinct*) ;;
*) fail "ascii: first row is not count_distinct, '- faster': '$first'" ;;
esac
LC_ALL=C grep -q '[^ -~]' "$T/out" && fail "ascii screen has non-ASCII bytes"

# refused before the screen: one side only, a missing file
hs ui --before "$T/before.db" --headless 80x24
[ "$RC" -eq 64 ] || fail "--before alone: exit $RC, want 64"
hs ui "$T/before.db" "$T/nope.db" --headless 80x24
[ "$RC" -eq 2 ] || fail "missing after: exit $RC, want 2"
grep -q "nope.db" "$T/err" || fail "missing after: message does not name the file"
pass "the comparison puts count_distinct first, faster"
