#!/bin/sh
# diff a before/after pair of rebuilt binaries: the job whose O(n^2)
# count_distinct() became O(n log n) puts count_distinct first, faster, and
# the total faster; functions match by name and module file name although
# the two builds live in different directories and their addresses moved
. "$(dirname "$0")/lib.sh"
need_root

# the same program name in two directories, as a rebuilt binary would be
mkdir "$T/before" "$T/after"
cp "$SAMPLES/job-before" "$T/before/job"
cp "$SAMPLES/job-after" "$T/after/job"

# 733 Hz: a period (1.36 ms) that is no near multiple of a batch (about
# 0.86 ms before, 0.5 ms after); at 999 Hz the after job's batches (2 per
# period) alias with the sampling clock and each 100 ms slice sees one
# phase of the batch, which widens the intervals until nothing is certain
hs record -q -F 733 -o "$T/before.db" -- "$T/before/job" 1200
[ "$RC" -eq 0 ] || fail "record before exited $RC: $(cat "$T/err")"
hs record -q -F 733 -o "$T/after.db" -- "$T/after/job" 1200
[ "$RC" -eq 0 ] || fail "record after exited $RC: $(cat "$T/err")"

# the builds differ: process_batch sits elsewhere in the two binaries
ob=$(sqlite3 "$T/before.db" "select min(offset) from frames where function = 'process_batch'")
oa=$(sqlite3 "$T/after.db" "select min(offset) from frames where function = 'process_batch'")
echo "process_batch at $ob before, $oa after"
[ -n "$ob" ] && [ -n "$oa" ] || fail "no process_batch frame"
[ "$ob" != "$oa" ] || fail "process_batch did not move between the builds"

hs diff "$T/before.db" "$T/after.db"
[ "$RC" -eq 0 ] || fail "diff exited $RC: $(cat "$T/err")"
cat "$T/out"
first=$(sed -n '/^verdict /{n;p;q}' "$T/out")
case "$first" in
faster*count_distinct*) ;;
*) fail "first row is not count_distinct, faster: '$first'" ;;
esac
grep -q '^total: faster ' "$T/out" || fail "the total is not faster"
grep -q 'different programs' "$T/err" && fail "warned about different programs: $(cat "$T/err")"

hs diff "$T/before.db" "$T/after.db" --format json
[ "$RC" -eq 0 ] || fail "diff --format json exited $RC"
jq -e '.rows[0] | .name == "count_distinct" and .module == "job" and
	.verdict == "faster" and .delta_pct < -50 and .ci_high < 0 and
	.ci_low <= .delta_pct and .after < .before' "$T/out" >/dev/null ||
	fail "json: first row is not count_distinct, faster: $(jq -c '.rows[0]' "$T/out")"
jq -e '.total.verdict == "faster" and .total.delta_pct < -20 and .unit == "run"' \
	"$T/out" >/dev/null || fail "json: total not faster per run: $(jq -c '.total' "$T/out")"
# every row has the members the issue lists
jq -e '[.rows[], .total | has("name") and has("module") and has("before") and
	has("after") and has("delta_pct") and has("ci_low") and has("ci_high") and
	has("verdict")] | all' "$T/out" >/dev/null || fail "json rows lack members"
# unchanged functions did not turn slower because count_distinct shrank
slower=$(jq -r '[.rows[] | select(.verdict == "slower" and .module == "job") | .name] |
	join(" ")' "$T/out")
[ -z "$slower" ] || fail "unchanged functions reported slower: $slower"
echo "hash_batch: $(jq -c '.rows[] | select(.name == "hash_batch") |
	[.verdict, .delta_pct, .share_before, .share_after]' "$T/out")"

# per call path
hs diff "$T/before.db" "$T/after.db" --stacks --format json
jq -e '.stacks[0] | (.name | endswith(";process_batch;count_distinct")) and
	.verdict == "faster"' "$T/out" >/dev/null ||
	fail "stacks: first path is not ...;count_distinct, faster: $(jq -c '.stacks[0]' "$T/out")"

# total time: run_job holds the whole job and got faster with it
hs diff "$T/before.db" "$T/after.db" --total --format json
jq -e '.measure == "total" and (.rows[] | select(.name == "count_distinct") |
	.verdict == "faster")' "$T/out" >/dev/null || fail "--total: count_distinct not faster"

# JUnit: one test case per function, no failure for a speed-up
hs diff "$T/before.db" "$T/after.db" --format junit
[ "$RC" -eq 0 ] || fail "diff --format junit exited $RC"
grep -q '<testcase classname="hotstack.diff.job" name="count_distinct"' "$T/out" ||
	fail "junit: no count_distinct test case"
grep -q '<failure' "$T/out" && grep -B1 '<failure' "$T/out" | grep -q 'hotstack.diff.job' &&
	fail "junit: a job function failed: $(grep -B1 '<failure' "$T/out")"
if command -v python3 >/dev/null; then
	python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$T/out" ||
		fail "junit output is not well-formed XML"
fi

# deterministic: the same seed gives the same numbers
hs diff "$T/before.db" "$T/after.db" --format json --seed 7
cp "$T/out" "$T/seed7"
hs diff "$T/before.db" "$T/after.db" --format json --seed 7
cmp -s "$T/out" "$T/seed7" || fail "two runs with --seed 7 differ"
pass "before/after: count_distinct first and faster, total faster"
