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

# --sort self: leaf_60 first; --sort total: a root (_start/main) first
first=$("$HOTSTACK" report "$db" --format json | jq -r '.functions[0].name')
[ "$first" = leaf_60 ] || fail "--sort self: first is $first"
first=$("$HOTSTACK" report "$db" --sort total --format json | jq -r '.functions[0].total_pct')
at_least "$first" 99.9 || fail "--sort total: first row has total $first%"

# JSON: the documented fields, consistent numbers
"$HOTSTACK" report "$db" --format json --limit 0 >"$T/j" || fail "json failed"
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
jq -e '[.functions[].name] | index("child_work") != null and index("parent_work") == null' "$T/out" >/dev/null ||
	fail "--tid $child did not select the child: $(jq -c '[.functions[].name]' "$T/out")"

# --module: libc only keeps samples with a libc frame (all of them here), a
# module that no stack has gives no rows
hs report "$db" --module libc.so.6 --format json
[ "$(jq .samples "$T/out")" -gt 0 ] || fail "--module libc.so.6 selected nothing"
hs report "$db" --module no-such-module.so --format json
[ "$RC" -eq 0 ] || [ "$RC" -eq 1 ] || fail "--module with no match exited $RC"

# --callers/--callees
hs report "$db" --callers leaf_60 --format json
jq -e '[.callers[].name] | (index("parent_work") != null) and (index("child_work") != null)' "$T/out" >/dev/null ||
	fail "callers of leaf_60: $(jq -c .callers "$T/out")"
hs report "$db" --callees parent_work --format json
jq -e '[.callees[].name] | sort == ["leaf_10","leaf_30","leaf_60"]' "$T/out" >/dev/null ||
	fail "callees of parent_work: $(jq -c .callees "$T/out")"
hs report "$db" --callers no_such_function
[ "$RC" -ne 0 ] || fail "--callers of an unknown function succeeded"
grep -q "no_such_function" "$T/err" || fail "no message naming the unknown function"

# bad option values are usage errors
hs report "$db" --sort bogus
[ "$RC" -eq 64 ] || fail "--sort bogus exited $RC"
hs report "$db" --limit -1
[ "$RC" -eq 64 ] || fail "--limit -1 exited $RC"
pass "report options"
