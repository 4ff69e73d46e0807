#!/bin/sh
# t8020: random key sessions (seeded, so the same on every run of one awk)
# against the headless UI on the fixed recordings: every view, filters,
# zooms, searches, prompts, resizes down to 60x10 and mouse events, in any
# order. The UI must neither crash nor fail (under ASan in the sanitizer
# build); what it shows is t8000's business.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
LANG=C.UTF-8 LC_ALL=C.UTF-8
export LANG LC_ALL
for rec in small deep; do
	sh "$top/tests/ui/mkrec.sh" "$top/tests/ui/$rec.stacks" "$T/$rec.db" ||
		fail "cannot build the fixed recording $rec"
done
cd "$T" || fail "no $T"

awk -v n="${MONKEY_RUNS:-25}" 'BEGIN {
	srand(8020)
	k = split("1|2|3|4|5|6|7|j|k|h|l|J|K|H|L|s|S|E|C|c|x|X|i|I|o|O|z|Z|g|G|n|N|?|>|[|]|*|+|-|a|v|" \
		  "/ha<Enter>|/zz<Esc>|e<Esc>|<lt>|<Enter>|<Esc>|<Tab>|<S-Tab>|<Up>|<Down>|<Left>|" \
		  "<Right>|<PgUp>|<PgDn>|<Home>|<End>|<Space>|<BS>|<resize 80x24>|<resize 100x30>|" \
		  "<resize 60x10>|<click 10 5>|<double 30 20>|<wheelup 5 5>|<wheeldown 5 5>|" \
		  "<click 3 0>|<click 50 0>|<double 40 12>", key, "|")
	for (i = 0; i < n; i++) {
		s = ""
		len = 10 + int(rand() * 100)
		for (j = 0; j < len; j++)
			s = s key[1 + int(rand() * k)]
		print s
	}
}' >"$T/scripts"

runs=0
while IFS= read -r keys; do
	for rec in small deep; do
		runs=$((runs + 1))
		"$HOTSTACK" ui "$rec.db" --headless 100x30 --keys "$keys" >/dev/null 2>"$T/err" ||
			{ cat "$T/err"; fail "$rec.db, keys '$keys'"; }
	done
done <"$T/scripts"
[ "$runs" -ge 2 ] || fail "no sessions ran"
pass "$runs random sessions"
