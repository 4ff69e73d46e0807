#!/bin/sh
# t8090: hotstack-ui(1) has every key: each key the UI's sources handle
# (case 'x': / key == 'x' in ui/ui.c, ui/live.c, ui/view-*.c, and the
# named keys) is in the man page's KEYS section; `hotstack ui --help`
# prints the usage and exits 0. The check is first shown to catch a key
# that is missing, so it cannot pass by matching nothing.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
man=$top/man/hotstack-ui.1
[ -f "$man" ] || fail "no $man"

# The KEYS section's key lines (.B/.BR), escapes undone: "\-" is "-".
sed -n '/^\.SH KEYS/,/^\.SH TERMINAL/p' "$man" | grep -E '^\.BR? ' |
	sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' >"$T/keys"
[ -s "$T/keys" ] || fail "no key lines in the KEYS section of $man"

# Whether key $1 (one character or a name) is listed in file $2.
listed() {
	awk -v k="$1" '{
		line = $0; sub(/^\.BR? /, "", line)
		n = split(line, w, /[ ",()]+/)
		for (i = 1; i <= n; i++) if (w[i] == k) { found = 1; exit }
	} END { exit found ? 0 : 1 }' "$2"
}

# the check catches what it is for
printf '.BR a ", " b\n' >"$T/fake"
listed b "$T/fake" || fail "the check misses a listed key"
! listed z "$T/fake" || fail "the check finds a key that is not listed"

# the keys the sources handle: quoted characters, and the named keys
grep -ohE "(case|key ==) '[^'\\\\]'" "$top"/ui/ui.c "$top"/ui/live.c "$top"/ui/view-*.c |
	sed -E "s/.*'(.)'/\\1/" | sort -u >"$T/chars"
[ "$(wc -l <"$T/chars")" -gt 20 ] || fail "too few keys found in ui/: $(tr '\n' ' ' <"$T/chars")"
missing=""
while IFS= read -r k; do
	case $k in
	' ') k=Space ;;
	esac
	listed "$k" "$T/keys" || missing="$missing '$k'"
done <"$T/chars"
for name in Up Down Left Right PgUp PgDn Home End Enter Esc Tab Shift-Tab F1 F10 F3; do
	listed "$name" "$T/keys" || missing="$missing $name"
done
[ -z "$missing" ] || fail "keys the UI handles but hotstack-ui(1) does not list:$missing"
pass "hotstack-ui(1) lists every key of ui/ ($(wc -l <"$T/chars") characters and the named keys)"

hs ui --help
[ "$RC" -eq 0 ] || fail "ui --help exited $RC: $(cat "$T/err")"
head -1 "$T/out" | grep -q '^usage: hotstack ui' || fail "ui --help: no usage line: $(head -1 "$T/out")"
grep -q -- '--headless' "$T/out" || fail "ui --help does not list its options"
pass "hotstack ui --help prints the usage"
