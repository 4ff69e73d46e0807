#!/bin/sh
# flame: the SVG in a real browser (headless Chromium driven by
# playwright-core): it loads without errors, a click zooms the frame to the
# full width, Reset Zoom undoes it, hovering shows details, and a regular
# expression search highlights exactly the matching frames and shows their
# share. Screenshots are kept in tests/cli/t4010-flame-browser.screenshots/
# of the build directory (or $HOTSTACK_SCREENSHOTS).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/formats-lib.sh"
need_chromium
npm_deps

if [ -n "${HOTSTACK_SCREENSHOTS:-}" ]; then
	SHOTS=$HOTSTACK_SCREENSHOTS
elif [ -d tests/cli ]; then
	SHOTS=$PWD/tests/cli/t4010-flame-browser.screenshots
else
	SHOTS=${TMPDIR:-/tmp}/hotstack-flame-screenshots
fi
mkdir -p "$SHOTS" || fail "cannot create $SHOTS"
rm -f "$SHOTS"/*.png

browse() {
	# browse SVG CLICK REGEX EXPECTED_PCT PREFIX
	timeout 120 node "$CLI/flame-browser.js" "$@" "$SHOTS" >"$T/browser.out" 2>&1
	rc=$?
	cat "$T/browser.out"
	[ $rc -eq 0 ] || fail "the browser checks of $(basename "$1") failed (exit $rc)"
}

write_stack_spec "$T/spec"
gen_perf_script "$T/spec" >"$T/perf.txt"
hs import "$T/perf.txt" -o "$T/app.db"
[ "$RC" -eq 0 ] || fail "import exited $RC: $(cat "$T/err")"
hs flame "$T/app.db" -o "$T/app.svg" --title "hotstack test: app"
[ "$RC" -eq 0 ] || fail "flame exited $RC: $(cat "$T/err")"
# hash_key 60% + crc_update 6%
browse "$T/app.svg" parse_request 'hash|crc' 66 app
hs flame "$T/app.db" -o "$T/icicle.svg" --icicle
browse "$T/icicle.svg" worker_main '^(memchr|__write)$' 30 icicle
pass "flame and icicle graphs of an imported recording"

printf 'main;parse;hash_key 3000\nmain;parse;memchr 3000\nmain;other 2000\n' >"$T/before.folded"
printf 'main;parse;hash_key 6000\nmain;parse;memchr 1500\nmain;other 2000\n' >"$T/after.folded"
hs import "$T/before.folded" -o "$T/before.db"
hs import "$T/after.folded" -o "$T/after.db"
hs flame --diff "$T/before.db" "$T/after.db" -o "$T/diff.svg"
[ "$RC" -eq 0 ] || fail "flame --diff exited $RC: $(cat "$T/err")"
browse "$T/diff.svg" parse 'hash_key' "$(awk 'BEGIN { printf "%.2f", 100 * 6000 / 9500 }')" diff
pass "differential flame graph"

# a real recording, when this machine can record
if [ "$(id -u)" -eq 0 ]; then
	hs record -q -F 999 -o "$T/split.db" -- "$SAMPLES/split" 1
	[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
	hs flame "$T/split.db" -o "$T/split.svg"
	[ "$RC" -eq 0 ] || fail "flame exited $RC: $(cat "$T/err")"
	want=$(folded_share "$T/split.db" 'leaf_[0-9]+')
	browse "$T/split.svg" leaf_30 '^leaf_' "$want" split
	pass "a recording of samples/split"
else
	echo "note: not root: the recording of samples/split was not drawn"
fi
echo "screenshots: $SHOTS"
ls "$SHOTS"
