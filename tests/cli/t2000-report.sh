#!/bin/sh
# report's options on a recording with a known shape: sort orders, limit,
# per-thread and per-module filters, callers/callees, and the JSON object
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 999 -o "$T/r.db" -- "$SAMPLES/fork" 1
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
db=$T/r.db

# text: a header with the counts, then rows; --limit caps the rows
hs report "$db" --limit 3
[ "$RC" -eq 0 ] || fail "report exited $RC"
grep -q "samples: " "$T/out" || fail "no samples in the header"
rows=$(grep -cE '^ *[0-9.]+%' "$T/out")
[ "$rows" -eq 3 ] || fail "--limit 3 printed $rows rows"
head -2 "$T/out" | tail -1 | grep -q "self" || fail "no column header"

# the text rows: leaf_60 first, its self share near 60%, with its source
first=$(grep -E '^ *[0-9.]+%' "$T/out" | head -1)
echo "$first" | grep -Eq ' leaf_60 +fork +[^ ]*work\.h:[0-9]+$' || fail "first row: $first"
within "$(echo "$first" | awk '{ print $1 + 0 }')" 60 5 || fail "leaf_60 self is not near 60%: $first"
[ ! -s "$T/err" ] || fail "report printed on stderr: $(cat "$T/err")"

# --sort self: leaf_60 first; --sort total: a root (_start/main) first
hs report "$db" --format json
[ "$RC" -eq 0 ] || fail "report --format json exited $RC"
first=$(jq -r '.functions[0].name' "$T/out")
[ "$first" = leaf_60 ] || fail "--sort self: first is $first"
hs report "$db" --sort total --format json
[ "$RC" -eq 0 ] || fail "report --sort total exited $RC"
first=$(jq -r '.functions[0].total_pct' "$T/out")
at_least "$first" 99.9 || fail "--sort total: first row has total $first%"
hs report "$db" --sort total --limit 2
[ "$RC" -eq 0 ] || fail "report --sort total (text) exited $RC"
grep -E '^ *[0-9.]+%' "$T/out" | head -1 | awk '{ exit !($4 + 0 >= 99.9) }' ||
	fail "--sort total (text): first row $(grep -E '^ *[0-9.]+%' "$T/out" | head -1)"

# JSON: the documented fields, consistent numbers
hs report "$db" --format json --limit 0
[ "$RC" -eq 0 ] || fail "report --format json --limit 0 exited $RC"
cp "$T/out" "$T/j"
jq -e '.samples > 0 and .lost == 0 and (.functions | length) > 5' "$T/j" >/dev/null ||
	fail "json header wrong: $(head -c 300 "$T/j")"
jq -e '.functions[] | has("name") and has("module") and has("self") and has("total")
	and has("self_pct") and has("total_pct")' "$T/j" >/dev/null || fail "json rows lack fields"
sum=$(jq '[.functions[].self] | add' "$T/j")
[ "$sum" = "$(jq .samples "$T/j")" ] || fail "self samples add up to $sum, not .samples"
pct=$(jq '[.functions[].self_pct] | add' "$T/j")
within "$pct" 100 0.5 || fail "self_pct adds up to $pct"

# --tid: the child's thread only has child_work, not parent_work
child=$(sqlite3 "$db" "select tid from threads where pid != (select min(pid) from threads) limit 1")
hs report "$db" --tid "$child" --format json --limit 0
[ "$RC" -eq 0 ] || fail "--tid $child exited $RC: $(cat "$T/err")"
jq -e '[.functions[].name] | index("child_work") != null and index("parent_work") == null' "$T/out" >/dev/null ||
	fail "--tid $child did not select the child: $(jq -c '[.functions[].name]' "$T/out")"

# --module: libc only keeps samples with a libc frame (all of them here), a
# module that no stack has gives no rows
hs report "$db" --module libc.so.6 --format json
[ "$RC" -eq 0 ] || fail "--module libc.so.6 exited $RC"
[ "$(jq .samples "$T/out")" -gt 0 ] || fail "--module libc.so.6 selected nothing"
# a module no stack has: an empty selection, said on stderr in one line
hs report "$db" --module no-such-module.so --format json
[ "$RC" -eq 0 ] || fail "--module with no match exited $RC"
jq -e '.samples == 0 and (.functions | length) == 0' "$T/out" >/dev/null ||
	fail "--module with no match selected samples: $(head -c 200 "$T/out")"
grep -q "no-such-module.so.*nothing selected" "$T/err" && [ "$(grep -c . "$T/err")" -eq 1 ] ||
	fail "--module with no match: no one-line warning: $(cat "$T/err")"

# --callers/--callees
hs report "$db" --callers leaf_60 --format json
[ "$RC" -eq 0 ] || fail "--callers leaf_60 exited $RC"
jq -e '[.callers[].name] | (index("parent_work") != null) and (index("child_work") != null)' "$T/out" >/dev/null ||
	fail "callers of leaf_60: $(jq -c .callers "$T/out")"
hs report "$db" --callees parent_work --format json
[ "$RC" -eq 0 ] || fail "--callees parent_work exited $RC"
# (a timer interrupt's kernel frame can be a callee too: user frames only)
jq -e '[.callees[] | select(.module != "[kernel.kallsyms]") | .name] | sort ==
	["leaf_10","leaf_30","leaf_60"]' "$T/out" >/dev/null ||
	fail "callees of parent_work: $(jq -c .callees "$T/out")"
hs report "$db" --callers no_such_function
[ "$RC" -eq 2 ] || fail "--callers of an unknown function exited $RC, expected 2"
grep -q "no function 'no_such_function'" "$T/err" && [ "$(grep -c . "$T/err")" -eq 1 ] ||
	fail "no one-line message naming the unknown function: $(cat "$T/err")"

# bad option values are usage errors
expect 64 "bogus" report "$db" --sort bogus
expect 64 "limit" report "$db" --limit -1
[ ! -s "$T/out" ] || fail "a usage error printed a report"
pass "report options"
