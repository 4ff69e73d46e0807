#!/bin/sh
# text from the target is escaped as each output needs: a JIT symbol named
# '</text><script>alert(1)</script>;semi' plus ESC and CSI (raw 0x9b and
# U+009B), in a thread named with the same escapes (tests/progs/jit
# hostile), goes through every format and screen; no raw escape reaches a
# terminal or file, JSON stays valid, SVG and JUnit stay well-formed XML
# with no markup injected, folded keeps one stack per line
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 499 -o "$T/h.db" -- "$TESTPROGS/jit" 1 hostile
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
cp "$T/h.db" "$T/h2.db"

# terminal text: escaped as \xNN, and the names did come through
sym=$(printf '</text><script>alert(1)</script>;semi\033[2J\2331m\302\2332m')
for cmd in "report" "info" "diff $T/h2.db"; do
	"$HOTSTACK" $cmd "$T/h.db" >"$T/o" 2>&1 || [ $? -eq 1 ] || fail "$cmd failed: $(cat "$T/o")"
	no_raw_controls "$T/o" "$cmd"
done
"$HOTSTACK" report "$T/h.db" --callees "$sym" >"$T/o" 2>&1 || fail "report --callees failed: $(cat "$T/o")"
no_raw_controls "$T/o" "report --callees"
"$HOTSTACK" report "$T/h.db" >"$T/o"
grep -qF '</text><script>alert(1)</script>;semi\x1b[2J' "$T/o" ||
	fail "report does not show the escaped symbol: $(head -5 "$T/o")"
"$HOTSTACK" info "$T/h.db" >"$T/o"
grep -qF '\x1b[31mred' "$T/o" || fail "info does not show the escaped thread name"

# JSON: valid, escaped, and the true name decodes back
for cmd in "report --format json" "export --format json" "export --format speedscope" \
	   "diff $T/h2.db --format json"; do
	"$HOTSTACK" $cmd "$T/h.db" >"$T/o.json" 2>"$T/err" || [ $? -eq 1 ] || fail "$cmd failed: $(cat "$T/err")"
	no_raw_controls "$T/o.json" "$cmd"
	jq . "$T/o.json" >/dev/null || fail "$cmd: not valid JSON"
	grep -qF '<script>alert(1)</script>;semi\u001b[2J' "$T/o.json" ||
		fail "$cmd: the symbol is not there, escaped: $(grep -m1 script "$T/o.json")"
done
"$HOTSTACK" export "$T/h.db" --format speedscope | grep -qF '\u001b[31mred' ||
	fail "speedscope: the thread name is not there, escaped"

# folded: one stack per line, ';' in a name is no frame separator, no escapes
"$HOTSTACK" export "$T/h.db" --format folded >"$T/f.txt" || fail "export folded failed"
no_raw_controls "$T/f.txt" "export folded"
grep -q '^</text><script>alert(1)</script>_semi_\[2J' "$T/f.txt" ||
	fail "folded: the symbol is not one frame: $(head -2 "$T/f.txt")"
awk '$NF !~ /^[0-9]+$/ { bad = 1 } END { exit bad }' "$T/f.txt" || fail "folded: a line does not end in a count"

# pprof: well-formed (its strings are data in a binary format)
"$HOTSTACK" export "$T/h.db" --format pprof -o "$T/p.pb.gz" || fail "export pprof failed"

# SVG and JUnit: well-formed XML, no markup injected
"$HOTSTACK" flame "$T/h.db" -o "$T/h.svg" || fail "flame failed"
"$HOTSTACK" diff "$T/h2.db" "$T/h.db" --format junit >"$T/j.xml" 2>"$T/err" || [ $? -eq 1 ] ||
	fail "diff --format junit failed: $(cat "$T/err")"
for x in "$T/h.svg" "$T/j.xml"; do
	no_raw_controls "$x" "$(basename "$x")"
	grep -q '<script>alert' "$x" && fail "$(basename "$x"): markup from the target was injected"
	if command -v xmllint >/dev/null; then
		xmllint --noout "$x" || fail "$(basename "$x") is not well-formed XML"
	fi
done
grep -qF '&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;;semi\x1b[2J' "$T/h.svg" ||
	fail "SVG: the symbol is not there, escaped"

# stacks of the live process, text and JSON
bg "$TESTPROGS/jit" 10 hostile >"$T/jit.out"
# killed at the end, it cannot remove its map: the test does
trap 'rm -f "/tmp/perf-$BG.map"; cleanup' EXIT
wait_for_line "$T/jit.out" 5 '^ready'
for fmt in text json; do
	"$HOTSTACK" stacks "$BG" --format $fmt >"$T/s.out" 2>&1 || [ $? -eq 1 ] || fail "stacks --format $fmt failed: $(cat "$T/s.out")"
	no_raw_controls "$T/s.out" "stacks --format $fmt"
done
assert_running "$BG"
grep -qF '\x1b[31mred' "$T/s.out" || grep -qF '\u001b[31mred' "$T/s.out" ||
	fail "stacks does not show the escaped thread name"
pass "hostile names escaped in every output"
