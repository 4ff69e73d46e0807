#!/bin/sh
# t8000: golden screens of hotstack ui, rendered headless (--headless) from
# the fixed recordings tests/ui/small.stacks (and deep.stacks, a stack
# deeper than the screen), compared with tests/ui/expect/NAME.txt. A
# missing golden is written and the test fails, so a new screen is
# reviewed before it is committed (as git's t4013); HOTSTACK_UI_REGOLD=1
# rewrites them all after a deliberate layout change.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
expect=$top/tests/ui/expect
LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC NO_COLOR=
export LANG LC_ALL TZ NO_COLOR
for rec in small deep; do
	sh "$top/tests/ui/mkrec.sh" "$top/tests/ui/$rec.stacks" "$T/$rec.db" ||
		fail "cannot build the fixed recording $rec"
done

failed=0
# [DB=deep] golden NAME SIZE KEYS [OPTIONS...]
golden() {
	name=$1 size=$2 keys=$3
	shift 3
	"$HOTSTACK" ui "$T/${DB:-small}.db" --headless "$size" --keys "$keys" "$@" >"$T/$name.txt" \
		2>"$T/$name.err" || { cat "$T/$name.err"; fail "$name: hotstack ui failed"; }
	if [ ! -f "$expect/$name.txt" ] || [ -n "${HOTSTACK_UI_REGOLD:-}" ]; then
		cp "$T/$name.txt" "$expect/$name.txt"
		echo "wrote golden $expect/$name.txt: review it"
		[ -n "${HOTSTACK_UI_REGOLD:-}" ] || failed=1
		return
	fi
	if ! diff -u "$expect/$name.txt" "$T/$name.txt"; then
		echo "FAIL: $name differs from its golden"
		failed=1
	fi
}

golden hotspots 100x30 ''
golden hotspots-by-total 100x30 's'
golden hotspots-ascii 80x24 'j' --ascii
golden tree 100x30 '2'
golden tree-expanded 100x30 '2E'
golden tree-open-path 100x30 '2<Enter>'
golden tree-inverted 100x30 '2i<Right><Right>'
golden tree-enter-from-hotspots 100x30 'j<Enter>'
golden tree-callers 100x30 '2/parse_request<Enter>x'
golden tree-callees-none 100x30 '2/hash<Enter>x'
golden tree-kernel-hidden 100x30 '2EK'
golden flame 100x30 '3'
golden flame-zoom 100x30 '3kkk<Enter>'
golden flame-zoom-out 100x30 '3kkk<Enter>kk<Enter><Esc>'
golden flame-icicle 100x30 '3o'
golden flame-search 100x30 '3/compress<Enter>'
golden flame-narrow 80x24 '3'
golden help-flame 100x30 '3?'
golden too-small 60x20 ''
golden mouse-hotspots 100x30 '<click 5 6>'
golden mouse-flame 100x30 '3<double 60 24>'
golden export-prompt 100x30 '2e'
DB=deep golden flame-deep 80x24 '3kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk'
DB=deep golden flame-deep-icicle 80x24 '3o<PgDn><PgDn>'
DB=deep golden tree-deep 80x24 '2E<End>'
golden kind-single 100x30 'c'

[ $failed -eq 0 ] || fail "some screens differ from tests/ui/expect (see above)"
pass "golden screens match"
