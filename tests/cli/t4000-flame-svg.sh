#!/bin/sh
# flame: the SVG is valid XML, draws every call path once with the right
# widths, colours program / libraries / kernel / inlined apart, escapes
# every name, and honours --icicle, --title, --width, --kind and --diff
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/formats-lib.sh"
command -v xmllint >/dev/null || skip "xmllint is not installed (Debian: apt-get install libxml2-utils)"

write_stack_spec "$T/spec"
gen_perf_script "$T/spec" >"$T/perf.txt"
hs import "$T/perf.txt" -o "$T/app.db"
[ "$RC" -eq 0 ] || fail "import exited $RC: $(cat "$T/err")"

hs flame "$T/app.db" -o "$T/app.svg"
[ "$RC" -eq 0 ] || fail "flame exited $RC: $(cat "$T/err")"
xmllint --noout "$T/app.svg" || fail "the SVG is not well-formed XML"
pass "well-formed SVG"

# one <g> per box, on one line each: "all" and the 16 functions on 5 paths
n=$(grep -c '^<g><title>' "$T/app.svg")
[ "$n" -eq 17 ] || fail "expected 17 frames, found $n"

# svg_box FILE NAME: the frame whose function (first tooltip line) is NAME,
# on one line
svg_box() {
	awk -v n="$2" 'index($0, "<g><title>" n "\n") { gsub(/\n/, " "); print; exit }' RS='</g>' "$1"
}
box() { svg_box "$T/app.svg" "$1"; }
fill_of() { box "$1" | sed -n 's/.*fill="rgb(\([0-9]*\),\([0-9]*\),\([0-9]*\))".*/\1 \2 \3/p'; }
width_of() { box "$1" | sed -n 's/.*<rect [^>]*width="\([0-9.]*\)".*/\1/p'; }

w=$(width_of hash_key)
within "$w" 708 0.01 || fail "hash_key (60%) is $w px wide, expected 708 of 1180"
w=$(width_of worker_main)
within "$w" 118 0.01 || fail "worker_main (10%) is $w px wide, expected 118"
pass "widths are proportional to samples"

box hash_key | grep -q 'module: /usr/bin/app' || fail "no module in the tooltip: $(box hash_key)"
box hash_key | grep -q '600 samples, 60.00%' || fail "no samples and percent in the tooltip: $(box hash_key)"
pass "tooltips: function, module, samples, percent"

# colours: program warm, libraries green, kernel blue, inlined lighter
set -- $(fill_of hash_key)
[ "$1" -ge 205 ] && [ "$3" -le 55 ] || fail "program frame hash_key is rgb($1,$2,$3), not warm"
set -- $(fill_of memchr)
[ "$2" -gt "$1" ] && [ "$2" -gt "$3" ] || fail "library frame memchr is rgb($1,$2,$3), not green"
set -- $(fill_of ksys_write)
[ "$3" -gt "$1" ] && [ "$3" -gt "$2" ] || fail "kernel frame ksys_write is rgb($1,$2,$3), not blue"
set -- $(fill_of crc_update)
[ "$1" -ge 205 ] && [ "$3" -gt 55 ] || fail "inlined program frame crc_update is rgb($1,$2,$3), not a lighter warm"
box crc_update | grep -q '(inlined)' || fail "the inlined frame's tooltip does not say so"
pass "colours separate program, libraries, kernel and inlined frames"

grep -qF '<title>operator&lt;&lt; &lt;char&gt;(std::ostream&amp;, char const*)' "$T/app.svg" ||
	fail "operator<< is not escaped for XML"
pass "names are escaped"

# hostile names from folded stacks: control characters, invalid UTF-8, quotes
printf 'main;a<b>&c"d'"'"'e;bell\007here 5\nmain;bad\377utf8;caf\303\251 3\nmain;x]]>y 2\n' >"$T/evil.folded"
hs import "$T/evil.folded" -o "$T/evil.db"
[ "$RC" -eq 0 ] || fail "import of evil.folded exited $RC: $(cat "$T/err")"
hs flame "$T/evil.db" -o "$T/evil.svg" --title 'T <&> "quoted"'
[ "$RC" -eq 0 ] || fail "flame of evil.db exited $RC: $(cat "$T/err")"
xmllint --noout "$T/evil.svg" || fail "hostile names break the XML"
grep -q 'bell\\x07here' "$T/evil.svg" || fail "the control character was not escaped as \\x07"
grep -q 'café' "$T/evil.svg" || fail "valid UTF-8 was not kept"
grep -q '<text id="title" x="600" y="24">T &lt;&amp;&gt; &quot;quoted&quot;</text>' "$T/evil.svg" ||
	fail "--title is missing or not escaped"
pass "hostile names and titles stay valid XML"

# --icicle: the root on the top row; --width
hs flame "$T/app.db" --icicle --width 600 -o "$T/ice.svg"
[ "$RC" -eq 0 ] || fail "flame --icicle exited $RC"
grep -q 'data-icicle="1"' "$T/ice.svg" || fail "no icicle flag"
grep -q '<svg version="1.1" width="600"' "$T/ice.svg" || fail "--width 600 ignored"
y_of() { svg_box "$1" "$2" | sed -n 's/.*<rect x="[^"]*" y="\([0-9]*\)".*/\1/p'; }
root_y=$(y_of "$T/app.svg" all)
leaf_y=$(y_of "$T/ice.svg" hash_key)
[ "$(y_of "$T/ice.svg" all)" = 84 ] || fail "the icicle root is not on the top row"
[ -n "$leaf_y" ] && [ "$leaf_y" -gt 84 ] || fail "in the icicle graph hash_key is at y=$leaf_y, not below the root"
[ "$root_y" -gt "$(y_of "$T/app.svg" hash_key)" ] || fail "in the flame graph the root is not at the bottom"
pass "--icicle puts the root on top (flame root at y=$root_y, icicle leaf at y=$leaf_y)"

# --kind: no off-CPU samples here; wall takes nanoseconds
hs flame "$T/app.db" --kind offcpu -o "$T/off.svg"
[ "$RC" -eq 0 ] || fail "flame --kind offcpu exited $RC: $(cat "$T/err")"
grep -q '(no samples)' "$T/off.svg" || fail "an empty selection does not say (no samples)"
hs flame "$T/app.db" --kind wall -o "$T/wall.svg"
[ "$RC" -eq 0 ] || fail "flame --kind wall exited $RC: $(cat "$T/err")"
box_wall=$(svg_box "$T/wall.svg" hash_key)
echo "$box_wall" | grep -q '600.000 ms, 60.00%' || fail "wall graph of hash_key: $box_wall"
hs flame "$T/app.db" --kind wall -w count -o "$T/x.svg"
[ "$RC" -eq 64 ] || fail "--kind wall -w count should be a usage error, got $RC"
pass "--kind offcpu, --kind wall"

# output: -o - is stdout; the terminal is refused; no temporary left
"$HOTSTACK" flame "$T/app.db" -o - >"$T/stdout.svg" || fail "flame -o - failed"
cmp -s "$T/stdout.svg" "$T/app.svg" || fail "flame -o - differs from -o FILE"
ls "$T" | grep -q '\.tmp' && fail "a temporary file was left: $(ls "$T")"
hs flame "$T/app.db" -o "$T/nodir/x.svg"
[ "$RC" -eq 2 ] || fail "flame into a missing directory exited $RC"
hs flame "$T/app.db" --kind bogus
[ "$RC" -eq 64 ] || fail "--kind bogus exited $RC"
pass "output handling"

# --diff: hash_key doubled, memchr halved, the rest the same
printf 'main;parse;hash_key 3000\nmain;parse;memchr 3000\nmain;other 2000\n' >"$T/before.folded"
printf 'main;parse;hash_key 6000\nmain;parse;memchr 1500\nmain;other 2000\n' >"$T/after.folded"
hs import "$T/before.folded" -o "$T/before.db"
hs import "$T/after.folded" -o "$T/after.db"
hs flame --diff "$T/before.db" "$T/after.db" -o "$T/diff.svg"
[ "$RC" -eq 0 ] || fail "flame --diff exited $RC: $(cat "$T/err")"
xmllint --noout "$T/diff.svg" || fail "the differential SVG is not well-formed"
dfill() { svg_box "$T/diff.svg" "$1" | sed -n 's/.*fill="rgb(\([0-9]*\),\([0-9]*\),\([0-9]*\))".*/\1 \2 \3/p'; }
set -- $(dfill hash_key)
[ "$1" -eq 255 ] && [ "$2" -lt 200 ] && [ "$2" -eq "$3" ] || fail "hash_key got slower but is rgb($1,$2,$3), not red"
set -- $(dfill memchr)
[ "$3" -eq 255 ] && [ "$1" -lt 200 ] && [ "$1" -eq "$2" ] || fail "memchr got faster but is rgb($1,$2,$3), not blue"
set -- $(dfill other)
[ "$1" -eq "$2" ] && [ "$2" -eq "$3" ] || fail "'other' did not change but is rgb($1,$2,$3), not grey"
grep -q 'Differential Flame Graph' "$T/diff.svg" || fail "no differential title"
# the shape is AFTER's: hash_key is 6000 of 9500 samples wide
w=$(svg_box "$T/diff.svg" hash_key | sed -n 's/.*<rect [^>]*width="\([0-9.]*\)".*/\1/p')
within "$w" "$(awk 'BEGIN { print 1180 * 6000 / 9500 }')" 0.01 || fail "diff hash_key width $w is not AFTER's"
pass "--diff: red slower, blue faster, grey unchanged, AFTER's shape"

# export --diff: the same two recordings as difffolded.pl lines
hs export --diff "$T/before.db" "$T/after.db"
[ "$RC" -eq 0 ] || fail "export --diff exited $RC: $(cat "$T/err")"
printf 'main;other 2000 2000\nmain;parse;hash_key 3000 6000\nmain;parse;memchr 3000 1500\n' >"$T/want.diff"
cmp -s "$T/want.diff" "$T/out" || fail "export --diff: $(cat "$T/out")"
hs export --diff "$T/before.db" "$T/after.db" --format pprof
[ "$RC" -eq 64 ] || fail "export --diff --format pprof should be a usage error, got $RC"
pass "export --format folded --diff"
