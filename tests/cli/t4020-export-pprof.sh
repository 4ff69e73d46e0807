#!/bin/sh
# export --format pprof: gzip-compressed profile.proto that protoc decodes
# against the published schema (tests/data/profile.proto), internally
# consistent, with totals, self per function and inlined frames matching the
# recording
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/formats-lib.sh"
need_protoc
command -v node >/dev/null || skip "node is not installed (Debian: apt-get install nodejs)"

# decode FILE.pb.gz: protoc's text, then the consistency checks as JSON
decode() {
	gunzip -c "$1" >"$T/p.pb" || fail "$1 is not gzip-compressed"
	protoc --decode=perftools.profiles.Profile -I "$DATA" "$DATA/profile.proto" \
		<"$T/p.pb" >"$T/p.txt" 2>"$T/protoc.err" ||
		fail "protoc cannot decode $1: $(cat "$T/protoc.err")"
	node "$CLI/pprof-check.js" <"$T/p.txt" >"$T/p.json" || fail "$(cat "$T/p.json")"
	cat "$T/p.json"
}

# check_totals DB KIND: pprof sums equal report's totals, self per function too
check_totals() {
	"$HOTSTACK" report "$1" --kind "$2" --format json --limit 0 >"$T/r.json" ||
		fail "report of $1 failed"
	want=$(jq -r '"\(.samples) \(.weight_ns)"' "$T/r.json")
	got=$(jq -r '.sums | join(" ")' "$T/p.json")
	[ "$got" = "$want" ] || fail "pprof sums '$got' differ from the recording's '$want'"
	jq -r '.functions[] | select(.self > 0) | "\(.name)\t\(.self)"' "$T/r.json" | sort >"$T/want.self"
	jq -r '.top[] | "\(.[0])\t\(.[1])"' "$T/p.json" | sort >"$T/got.self"
	# the pprof summary keeps the top 10; each must match the report exactly
	while IFS="$(printf '\t')" read -r name n; do
		grep -qxF "$(printf '%s\t%s' "$name" "$n")" "$T/want.self" ||
			fail "pprof self of '$name' is $n, the report says $(grep -F "$name" "$T/want.self")"
	done <"$T/got.self"
}

write_stack_spec "$T/spec"
gen_perf_script "$T/spec" >"$T/perf.txt"
hs import "$T/perf.txt" -o "$T/app.db"
[ "$RC" -eq 0 ] || fail "import exited $RC: $(cat "$T/err")"
hs export "$T/app.db" --format pprof -o "$T/app.pb.gz"
[ "$RC" -eq 0 ] || fail "export exited $RC: $(cat "$T/err")"
decode "$T/app.pb.gz"
check_totals "$T/app.db" cpu
jq -e '.sample_types == ["samples/count", "cpu/nanoseconds"] and .default_sample_type == "cpu"' \
	"$T/p.json" >/dev/null || fail "wrong sample types"
jq -e '.first_mapping == "/usr/bin/app"' "$T/p.json" >/dev/null ||
	fail "mapping[0] is not the program"
jq -e '.inlined_locations == 1' "$T/p.json" >/dev/null ||
	fail "crc_update, inlined into compress_block, is not a second Line of one Location"
# the inlined location: crc_update first, then compress_block, its caller
awk '/^location \{/ { l = ""; n = 0 } /function_id:/ { n++; l = l " " $2 } /^\}/ && n > 1 { print l }' \
	"$T/p.txt" >"$T/inl"
fn_name() {
	awk -v id="$1" '/^function \{/ { f = 1 } f && /^  id:/ { cur = $2 } f && /^  name:/ { if (cur == id) print $2 } /^\}/ { f = 0 }' \
		"$T/p.txt" | { read -r idx; awk -v i="$idx" '/^string_table:/ { if (n++ == i) { sub(/^string_table: /, ""); print } }' "$T/p.txt"; }
}
set -- $(cat "$T/inl")
[ "$(fn_name "$1")" = '"crc_update"' ] && [ "$(fn_name "$2")" = '"compress_block"' ] ||
	fail "inlined lines are $(fn_name "$1") $(fn_name "$2"), not crc_update then compress_block"
pass "imported recording: decodes, totals and self per function match, inlined lines in order"

# stdout is the same bytes as -o
"$HOTSTACK" export "$T/app.db" -f pprof >"$T/stdout.pb.gz" || fail "export to stdout failed"
cmp -s "$T/stdout.pb.gz" "$T/app.pb.gz" || fail "stdout and -o differ"

# a selection: one thread
hs export "$T/app.db" -f pprof --tid 101 -o "$T/t101.pb.gz"
decode "$T/t101.pb.gz" >/dev/null
jq -e '.sums == ["100", "100000000"]' "$T/p.json" >/dev/null || fail "thread 101: $(cat "$T/p.json")"
pass "--tid selection"

# a real recording, when this machine can record
if [ "$(id -u)" -eq 0 ]; then
	hs record -q -F 999 -o "$T/split.db" -- "$SAMPLES/split" 1
	[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
	hs export "$T/split.db" -f pprof -o "$T/split.pb.gz"
	[ "$RC" -eq 0 ] || fail "export exited $RC: $(cat "$T/err")"
	decode "$T/split.pb.gz"
	check_totals "$T/split.db" cpu
	jq -e '.top[0][0] == "leaf_60"' "$T/p.json" >/dev/null || fail "leaf_60 is not the top function"
	dur=$(meta "$T/split.db" duration_ns)
	jq -e --arg d "$dur" '.duration_nanos == $d' "$T/p.json" >/dev/null || fail "duration differs"
	pass "a recording of samples/split"
fi
