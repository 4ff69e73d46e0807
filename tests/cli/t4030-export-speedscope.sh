#!/bin/sh
# export --format speedscope: valid against speedscope's published schema
# (tests/data/speedscope-file-format-schema.json, from the speedscope npm
# package), one sampled profile per thread, weights adding up to the
# recording, stacks root first over shared frames
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/formats-lib.sh"
npm_deps

validate() {
	node "$CLI/ss-validate.js" "$DATA/speedscope-file-format-schema.json" "$1" >"$T/v.out" 2>&1 ||
		fail "$(basename "$1") does not validate: $(cat "$T/v.out")"
}

write_stack_spec "$T/spec"
gen_perf_script "$T/spec" >"$T/perf.txt"
hs import "$T/perf.txt" -o "$T/app.db"
[ "$RC" -eq 0 ] || fail "import exited $RC: $(cat "$T/err")"
hs export "$T/app.db" --format speedscope -o "$T/app.json"
[ "$RC" -eq 0 ] || fail "export exited $RC: $(cat "$T/err")"
validate "$T/app.json"
pass "validates against the schema"

# the schema does not check this; speedscope needs it
jq -e '.profiles | length == 2' "$T/app.json" >/dev/null || fail "expected 2 thread profiles"
jq -e '[.profiles[].name] == ["app (thread 100)", "worker (thread 101)"]' "$T/app.json" >/dev/null ||
	fail "profile names: $(jq -c '[.profiles[].name]' "$T/app.json")"
jq -e '.profiles | all(.unit == "nanoseconds" and (.samples | length) == (.weights | length)
	and .endValue == (.weights | add))' "$T/app.json" >/dev/null || fail "samples, weights and endValue disagree"
jq -e '[.profiles[].weights | add] == [900000000, 100000000]' "$T/app.json" >/dev/null ||
	fail "weights per thread: $(jq -c '[.profiles[].weights | add]' "$T/app.json")"
jq -e '(.shared.frames | length) as $n | all(.profiles[].samples[][]; . >= 0 and . < $n)' \
	"$T/app.json" >/dev/null || fail "a sample refers to a frame that does not exist"
# the heaviest stack of thread 100, root first
got=$(jq -r '.shared.frames as $f | .profiles[0] | [.samples, .weights] | transpose |
	max_by(.[1]) | [.[0][] | $f[.].name] | join(";")' "$T/app.json")
[ "$got" = "_start;__libc_start_call_main;main;parse_request;hash_key" ] ||
	fail "the heaviest stack is '$got'"
jq -e '.shared.frames[] | select(.name == "memchr") | .file == "/usr/lib/x86_64-linux-gnu/libc.so.6"' \
	"$T/app.json" >/dev/null || fail "a frame without source does not name its module"
pass "two threads, weights add up, stacks root first"

hs export "$T/app.db" --format speedscope -w count -o "$T/count.json"
validate "$T/count.json"
jq -e '[.profiles[].unit] == ["none", "none"] and [.profiles[].weights | add] == [900, 100]' \
	"$T/count.json" >/dev/null || fail "-w count: $(jq -c '[.profiles[] | [.unit, (.weights | add)]]' "$T/count.json")"
hs export "$T/app.db" --format speedscope --module libc -o "$T/libc.json"
validate "$T/libc.json"
jq -e '[.profiles[].weights | add] == [900000000, 100000000]' "$T/libc.json" >/dev/null ||
	fail "--module libc: every stack here passes through libc"
hs export "$T/app.db" --format speedscope --module '[kernel.kallsyms]' -o "$T/k.json"
validate "$T/k.json"
jq -e '[.profiles[].weights | add] == [50000000]' "$T/k.json" >/dev/null ||
	fail "--module kernel: $(jq -c '[.profiles[].weights | add]' "$T/k.json")"
pass "-w count and --module"

# hostile names stay valid JSON
printf 'main;a"b\\c;bell\007;bad\377utf8 5\n' >"$T/evil.folded"
hs import "$T/evil.folded" -o "$T/evil.db"
hs export "$T/evil.db" --format speedscope -o "$T/evil.json"
validate "$T/evil.json"
pass "hostile names"

if [ "$(id -u)" -eq 0 ]; then
	hs record -q -F 999 -o "$T/threads.db" -- "$SAMPLES/threads" 1 3
	[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
	hs export "$T/threads.db" --format speedscope -o "$T/threads.json"
	[ "$RC" -eq 0 ] || fail "export exited $RC: $(cat "$T/err")"
	validate "$T/threads.json"
	n=$(jq '.profiles | length' "$T/threads.json")
	want=$("$HOTSTACK" info "$T/threads.db" --format json | jq '[.threads[] | select(.samples > 0)] | length')
	[ "$n" -eq "$want" ] || fail "$n profiles for $want threads with samples"
	jq -e --argjson w "$("$HOTSTACK" report "$T/threads.db" --format json | jq .weight_ns)" \
		'[.profiles[].weights | add] | add == $w' "$T/threads.json" >/dev/null || fail "weights do not add up"
	pass "a recording of samples/threads: $n thread profiles"
fi
