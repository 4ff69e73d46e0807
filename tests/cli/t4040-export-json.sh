#!/bin/sh
# export --format json: the call tree, one node per line; totals add up,
# parents come first, children are in name order, and it agrees with the
# folded stacks
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/formats-lib.sh"

write_stack_spec "$T/spec"
gen_perf_script "$T/spec" >"$T/perf.txt"
hs import "$T/perf.txt" -o "$T/app.db"
[ "$RC" -eq 0 ] || fail "import exited $RC: $(cat "$T/err")"
hs export "$T/app.db" --format json -o "$T/app.json"
[ "$RC" -eq 0 ] || fail "export exited $RC: $(cat "$T/err")"
jq -e . "$T/app.json" >/dev/null || fail "not JSON"
jq -e '.format == "hotstack-calltree" and .version == 1 and .kind == "cpu" and
	.samples == 1000 and .weight_ns == 1000000000' "$T/app.json" >/dev/null ||
	fail "header: $(head -c 300 "$T/app.json")"
jq -e '.nodes[0] | .id == 0 and .parent == null and .total == 1000' "$T/app.json" >/dev/null ||
	fail "the root is not node 0 with every sample"
# every node: total = self + the children's totals; parents listed first
jq -e '.nodes as $n | all($n[]; . as $x |
	($x.total == $x.self + ([$n[] | select(.parent == $x.id) | .total] | add // 0)))' \
	"$T/app.json" >/dev/null || fail "totals do not add up"
jq -e 'all(.nodes | to_entries[]; .value.id == .key and
	(.value.parent == null or .value.parent < .value.id))' "$T/app.json" >/dev/null ||
	fail "nodes are not in pre-order"
jq -e '[.nodes[] | select(.name == "crc_update")][0] | .inline == true and .self == 60' \
	"$T/app.json" >/dev/null || fail "crc_update is not an inline node with 60 samples"
jq -e '.nodes as $n | [$n[] | select(.name == "ksys_write")][0].module as $m |
	.modules[$m] | .path == "[kernel.kallsyms]" and .kind == "kernel"' "$T/app.json" >/dev/null ||
	fail "ksys_write's module is not the kernel"
[ "$(grep -c '^{"id":' "$T/app.json")" -eq "$(jq '.nodes | length' "$T/app.json")" ] ||
	fail "not one node per line"
pass "structure and totals"

# the leaves' paths are the folded stacks
jq -r '.modules as $m | .nodes as $n |
	def path($i): if $n[$i].parent == null then [] else path($n[$i].parent) + [$n[$i].name +
		(if $n[$i].inline then "_[i]" elif ($n[$i].module != null and
		 $m[$n[$i].module].kind == "kernel") then "_[k]" else "" end)] end;
	$n[] | select(.self > 0) | "\(path(.id) | join(";")) \(.self)"' "$T/app.json" | sort >"$T/from-json"
"$HOTSTACK" export "$T/app.db" | sort >"$T/folded"
diff "$T/folded" "$T/from-json" >/dev/null || fail "json paths differ from folded: $(diff "$T/folded" "$T/from-json")"
pass "agrees with the folded stacks"
