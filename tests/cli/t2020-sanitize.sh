#!/bin/sh
# names that come from the target (thread names, symbols, paths) reach the
# terminal escaped: a thread named with escape sequences prints as \x1b
. "$(dirname "$0")/lib.sh"
need_root

# a program whose name carries an escape sequence and a newline
name=$(printf 'evil\033[2J\nname')
cp "$SAMPLES/split" "$T/$name"
hs record -q -F 499 -o "$T/e.db" -- "$T/$name" 0.3
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
for cmd in "report" "info"; do
	"$HOTSTACK" $cmd "$T/e.db" >"$T/o" 2>&1 || fail "$cmd failed"
	if grep -q "$(printf '\033')" "$T/o"; then
		fail "$cmd printed a raw ESC character"
	fi
	grep -q 'evil\\x1b' "$T/o" || fail "$cmd did not show the escaped name: $(cat "$T/o" | head -5)"
done
pass "target text sanitized"
