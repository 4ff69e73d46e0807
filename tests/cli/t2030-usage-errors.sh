#!/bin/sh
# a usage error of any command points to that command's help: one line
# naming what is wrong, then "try 'hotstack COMMAND --help'", exit 64; and
# the help it points to exists
. "$(dirname "$0")/lib.sh"

hs --help
[ "$RC" -eq 0 ] || fail "hotstack --help exited $RC"
cmds=$(sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' "$T/out")
[ -n "$cmds" ] || fail "no commands in 'hotstack --help': $(cat "$T/out")"
n=0
for c in $cmds; do
	hs "$c" --no-such-option
	[ "$RC" -eq 64 ] || fail "$c --no-such-option exited $RC, not 64"
	[ "$(tail -1 "$T/err")" = "hotstack: try 'hotstack $c --help'" ] ||
		fail "$c: the usage error does not end pointing to '$c --help': $(cat "$T/err")"
	grep -q -- "--no-such-option" "$T/err" ||
		fail "$c: the usage error does not name the option: $(cat "$T/err")"
	grep -q "'hotstack --help'" "$T/err" && fail "$c: points to 'hotstack --help'"
	hs "$c" --help
	[ "$RC" -eq 0 ] && grep -q "^usage: hotstack $c" "$T/out" ||
		fail "$c --help exited $RC: $(head -2 "$T/out")"
	n=$((n + 1))
done
[ "$n" -ge 9 ] || fail "only $n commands checked"
# an unknown command still points to the list of commands
hs nosuchcommand
[ "$RC" -eq 64 ] && grep -q "see 'hotstack --help'" "$T/err" ||
	fail "unknown command: exit $RC, $(cat "$T/err")"
pass "usage errors of $n commands point to 'hotstack COMMAND --help'"
