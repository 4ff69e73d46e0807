#!/bin/sh
# diff of different programs warns and gives new/gone rows, never a crash;
# several runs per side; --per work counts; usage and file errors
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 499 -o "$T/job.db" -- "$SAMPLES/job-before" 600
[ "$RC" -eq 0 ] || fail "record job exited $RC: $(cat "$T/err")"
hs record -q -F 499 -o "$T/split.db" -- "$SAMPLES/split" 0.6
[ "$RC" -eq 0 ] || fail "record split exited $RC: $(cat "$T/err")"
hs record -q -F 499 -o "$T/job2.db" -- "$SAMPLES/job-before" 600
[ "$RC" -eq 0 ] || fail "record job2 exited $RC: $(cat "$T/err")"

hs diff "$T/job.db" "$T/split.db" -n 0
cat "$T/out" "$T/err"
[ "$RC" -eq 0 ] || fail "diff of different programs exited $RC"
grep -q "warning: the recordings are of different programs ('job-before' and 'split')" \
	"$T/err" || fail "no warning about different programs"
grep -q '^gone .*count_distinct' "$T/out" || fail "count_distinct is not gone"
grep -q '^new .*leaf_60' "$T/out" || fail "leaf_60 is not new"
hs diff "$T/job.db" "$T/split.db" --format json
jq -e '.warnings | map(test("different programs")) | any' "$T/out" >/dev/null ||
	fail "json: no warning"
# gone rows are always printed, even past --limit
hs diff "$T/job.db" "$T/split.db" -n 1
grep -q '^gone .*count_distinct' "$T/out" || fail "-n 1 hid a gone function"

# several runs per side; the work each did
hs diff --before "$T/job.db" "$T/job2.db" --after "$T/job2.db" "$T/job.db" --per 600,600 \
	--format json
[ "$RC" -eq 0 ] || fail "diff --before/--after exited $RC: $(cat "$T/err")"
jq -e '.before.runs == 2 and .after.runs == 2 and .unit == "work" and .before.work == 600
	and ([.rows[], .total | .verdict != "faster" and .verdict != "slower"] | all)' \
	"$T/out" >/dev/null || fail "several runs: $(jq -c '[.before, .total]' "$T/out")"
per=$(jq '.total.before' "$T/out")
echo "CPU seconds per unit of work: $per"
awk -v p="$per" 'BEGIN { exit !(p > 0 && p < 0.01) }' || fail "per-unit value $per"
# per second: CPU seconds per second of a single-threaded job is about 1
hs diff "$T/job.db" "$T/job2.db" --per second --format json
jq -e '.unit == "second" and .total.before > 0.3 and .total.before < 1.2' "$T/out" \
	>/dev/null || fail "--per second: $(jq -c '.total' "$T/out")"

# usage errors: 64; unreadable recordings: 2
for args in "" "$T/job.db" "$T/job.db $T/job.db $T/job.db" "--before $T/job.db" \
	"--per 1,2,3 $T/job.db $T/job.db" "--per x $T/job.db $T/job.db" \
	"--min-effect -1 $T/job.db $T/job.db" "--format xml $T/job.db $T/job.db" \
	"--before $T/job.db --after $T/job.db --per 1:2,3" "--kind nosuch $T/job.db $T/job.db"; do
	hs diff $args
	[ "$RC" -eq 64 ] || fail "diff $args exited $RC, not 64"
done
hs diff "$T/job.db" "$T/missing.db"
[ "$RC" -eq 2 ] || fail "missing recording: exit $RC, not 2"
grep -q "missing.db" "$T/err" || fail "the error does not name the file: $(cat "$T/err")"
hs diff --help
[ "$RC" -eq 0 ] && grep -q -- '--fail-on-regression' "$T/out" || fail "diff --help"
pass "different programs warn; runs, units and errors"
