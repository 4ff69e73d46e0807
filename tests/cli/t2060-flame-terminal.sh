#!/bin/sh
# flame with standard output on a terminal writes no SVG there: one line
# saying what to do, exit 64; piped, or with -o, it writes the graph
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || skip "script (bsdutils) is not installed"

printf 'main;parse;hash_key 300\nmain;other 100\n' >"$T/s.folded"
hs import "$T/s.folded" -o "$T/s.db"
[ "$RC" -eq 0 ] || fail "import exited $RC: $(cat "$T/err")"

# a pseudo-terminal from script(1); -e passes on the exit status
for args in "" "-o -"; do
	rc=0
	script -qec "'$HOTSTACK' flame '$T/s.db' $args" "$T/typescript" </dev/null >/dev/null || rc=$?
	[ "$rc" -eq 64 ] || fail "flame $args on a terminal exited $rc, not 64: $(head -c 300 "$T/typescript")"
	grep -q '<svg\|<?xml' "$T/typescript" && fail "flame $args wrote SVG to the terminal"
	tr -d '\r' <"$T/typescript" | grep -v '^Script \(started\|done\)' | grep -v '^$' >"$T/lines"
	[ "$(wc -l <"$T/lines")" -eq 1 ] || fail "flame $args: not one line: $(cat "$T/lines")"
	grep -q "standard output is a terminal.*-o FILE.svg" "$T/lines" ||
		fail "flame $args: the line does not say what to do: $(cat "$T/lines")"
done
ls "$T"/*.svg 2>/dev/null && fail "flame wrote a file by itself"
# piped: the graph
"$HOTSTACK" flame "$T/s.db" | grep -q '</svg>' || fail "flame | ... wrote no SVG"
hs flame "$T/s.db" -o "$T/f.svg"
[ "$RC" -eq 0 ] && grep -q 'hash_key' "$T/f.svg" || fail "flame -o exited $RC"
pass "flame refuses a terminal in one line"
