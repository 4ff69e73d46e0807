#!/bin/sh
# C++ names: tests/progs/crunch.cc (a namespace, a class template method, a
# lambda, always-inlined methods) built with g++ -O2 -g and recorded. The
# demangled names, never the mangled ones, in report (text, long names in
# their short form, and JSON),
# folded, speedscope, pprof, the flame SVG and a live `stacks`; inlined
# methods qualified from DWARF (ns::Acc::step, not step; from the scopes
# where GCC gives no linkage name: (anonymous namespace)::Spinner::turn);
# --callers and --callees find functions by their demangled names, with or
# without the parameter list; >= 99% of the stacks reach main.
. "$(dirname "$0")/lib.sh"
need_root
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v g++ >/dev/null || skip "no g++ (apt-get install g++)"

MIX='crunch::Hasher<unsigned long>::mix'
MIXP="$MIX(std::vector<unsigned long, std::allocator<unsigned long> > const&)"
STEP='ns::Acc::step(unsigned long)'
ACC='ns::accumulate(unsigned long)'
LAMBDA='main::{lambda(unsigned long)#1}::operator()(unsigned long) const'
TURN='(anonymous namespace)::Spinner::turn'

g++ -O2 -g -fomit-frame-pointer -o "$T/crunch" "$top/tests/progs/crunch.cc" ||
	fail "g++ failed"
nm "$T/crunch" | grep -q '_ZN6crunch6HasherImE3mix' || fail "crunch has no mangled mix symbol"
hs record -q -F 999 -o "$T/c.db" -- "$T/crunch" 2
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
db=$T/c.db

# report, JSON: the names and their shares (50/30/20 by construction;
# GCC may add a clone suffix such as " [clone .isra.0]")
"$HOTSTACK" report "$db" --format json --limit 0 >"$T/r.json" || fail "report --format json failed"
share() {
	jq -r --arg f "$1" --arg k "${2:-self_pct}" \
		'[.functions[] | select(.name | startswith($f)) | .[$k]] | add // 0' "$T/r.json"
}
mix=$(share "$MIXP") step=$(share "$STEP") acc=$(share "$ACC")
lambda=$(share "$LAMBDA" total_pct) turn=$(share "$TURN")
echo "self: mix $mix%, Acc::step (inlined) $step%, accumulate $acc%; lambda total $lambda%," \
	"Spinner::turn (inlined) $turn%"
within "$mix" 50 10 || fail "$MIXP: self $mix%, expected about 50%"
at_least "$step" 12 || fail "$STEP (inlined into accumulate): self $step%, expected about 25%"
at_least "$lambda" 10 || fail "$LAMBDA: total $lambda%, expected about 20%"
# no DW_AT_linkage_name: qualified from the DWARF scopes
at_least "$turn" 5 || fail "$TURN (inlined into the lambda): self $turn%, expected about 15%"
jq -r '.functions[].name' "$T/r.json" | grep -E '^_Z|^_R' &&
	fail "report shows mangled names"
jq -r '.functions[].name' "$T/r.json" | grep -qx 'step' && fail "the inlined method is a bare 'step'"

# report, text: a name wider than the function column (60) in its short
# form, templates and parameters elided; a name that fits, whole
hs report "$db"
[ "$RC" -eq 0 ] || fail "report exited $RC"
grep -qF ' crunch::Hasher<...>::mix ' "$T/out" ||
	fail "report text has no short crunch::Hasher<...>::mix: $(head -5 "$T/out")"
grep -qF "$ACC" "$T/out" || fail "report text has no $ACC: $(head -8 "$T/out")"
# diff's text table alike, its JSON whole
hs diff "$db" "$db" -n 0
[ "$RC" -eq 0 ] || fail "diff exited $RC: $(cat "$T/err")"
grep -qF ' crunch::Hasher<...>::mix ' "$T/out" || fail "diff text has no short mix: $(cat "$T/out")"
"$HOTSTACK" diff "$db" "$db" --format json | jq -e --arg f "$MIXP" \
	'[.rows[] | select(.name | startswith($f))] | length > 0' >/dev/null ||
	fail "diff JSON has no full $MIXP"

# folded: whole stacks through main, the inlined call under its caller
m=$(folded_share "$db" main)
echo "stacks through main: $m%"
at_least "$m" 99 || fail "only $m% of samples unwound to main()"
grep -qF ";main;$MIXP" "$T/folded" || fail "folded: no main;$MIXP stack"
grep -qF ";main;$ACC;$STEP" "$T/folded" || fail "folded: no main;$ACC;$STEP stack"
grep -F ";main;$LAMBDA" "$T/folded" | grep -qF ";$TURN" ||
	fail "folded: no main;$LAMBDA;$TURN stack"
grep -q '_ZN\|;_Z' "$T/folded" && fail "folded shows mangled names"

# speedscope
hs export "$db" --format speedscope -o "$T/s.json"
[ "$RC" -eq 0 ] || fail "speedscope export exited $RC: $(cat "$T/err")"
jq -r '.shared.frames[].name' "$T/s.json" >"$T/s.names"
for f in "$MIXP" "$STEP" "$ACC" "$LAMBDA" "$TURN"; do
	grep -qF "$f" "$T/s.names" || fail "speedscope has no frame $f"
done
grep -q '^_Z' "$T/s.names" && fail "speedscope shows mangled names"

# pprof: function names are strings of the gzipped protobuf
hs export "$db" --format pprof -o "$T/p.pb.gz"
[ "$RC" -eq 0 ] || fail "pprof export exited $RC: $(cat "$T/err")"
gunzip -c "$T/p.pb.gz" >"$T/p.pb" || fail "pprof output is not gzip-compressed"
for f in "$MIXP" "$STEP" "$LAMBDA"; do
	grep -aqF "$f" "$T/p.pb" || fail "pprof has no function $f"
done

# flame SVG (XML-escaped)
hs flame "$db" -o "$T/f.svg"
[ "$RC" -eq 0 ] || fail "flame exited $RC: $(cat "$T/err")"
grep -qF 'crunch::Hasher&lt;unsigned long&gt;::mix(' "$T/f.svg" || fail "flame SVG has no $MIX"
grep -qF 'ns::Acc::step(unsigned long)' "$T/f.svg" || fail "flame SVG has no $STEP"
grep -q '>_Z' "$T/f.svg" && fail "flame SVG shows mangled names"

# --callers / --callees by demangled name, with and without parameters
for pat in "$MIX" "$MIX(std::vector<unsigned long> const&)" "$MIXP"; do
	hs report "$db" --callers "$pat" --format json
	[ "$RC" -eq 0 ] || fail "--callers '$pat' exited $RC: $(cat "$T/err")"
	jq -e '[.callers[].name] | index("main") != null' "$T/out" >/dev/null ||
		fail "--callers '$pat': $(jq -c .callers "$T/out")"
done
hs report "$db" --callees 'ns::accumulate' --format json
jq -e --arg s "$STEP" '[.callees[].name] | index($s) != null' "$T/out" >/dev/null ||
	fail "--callees ns::accumulate: $(jq -c .callees "$T/out")"
hs report "$db" --callers 'crunch::Hasher<int>::mix'
[ "$RC" -ne 0 ] || fail "--callers with other template arguments matched: $(cat "$T/out")"

# stacks: a live snapshot shows the same names
bg "$T/crunch" 30
sleep 0.5
hs stacks "$BG" --format json
[ "$RC" -eq 0 ] || fail "stacks exited $RC: $(cat "$T/err")"
jq -r '.threads[].frames[].function' "$T/out" >"$T/st.names"
grep -qx 'main' "$T/st.names" || fail "stacks: no main in $(tr '\n' ';' <"$T/st.names")"
grep -Eq '^(crunch::Hasher<unsigned long>::mix|ns::Acc::step|ns::accumulate|main::\{lambda|\(anonymous namespace\)::Spinner::turn|cpu_seconds)' \
	"$T/st.names" || fail "stacks: no demangled crunch frame in $(tr '\n' ';' <"$T/st.names")"
grep -q '^_Z' "$T/st.names" && fail "stacks shows mangled names"
assert_running "$BG"
pass "C++ names demangled everywhere"
