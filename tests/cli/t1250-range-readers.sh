#!/bin/sh
# t1250: readers over time on a directory of rotated recordings written by
# tests/bench/genrange (12 files of 60 s; regress_target costs three times
# as much from the 7th file on):
# - report DIR --since/--until equals the sum of the covered parts, counted
#   in the files themselves (whole files, and the edge files' slices), and
#   the old way (merge of every file, then the slice range)
# - ui DIR --since/--until (headless) shows the range's numbers
# - diff DIR --since A --until B DIR --since C --until D names the function
#   that got slower in the second part, and only it; two ranges of the
#   first part name nothing
. "$(dirname "$0")/lib.sh"

G=$(dirname "$HOTSTACK")/tests/bench/genrange
[ -x "$G" ] || fail "no $G (make check builds it)"
command -v sqlite3 >/dev/null || skip "needs sqlite3"
command -v jq >/dev/null || skip "needs jq"

D=$T/dir
mkdir "$D" "$T/tmp"
TMPDIR=$T/tmp	# the merges of the ranges go here: none may stay
export TMPDIR
S=$(( $(date +%s) - 720 ))
"$G" "$D" "$S" 12 60 2 6 || fail "genrange failed"
set -- "$D"/hotstack-*.db
[ $# -eq 12 ] || fail "$# files generated, not 12"
F1=$2 F2=$3 F3=$4 F4=$5	# files 1..4 (0-based) start at S+60, S+120, ...

# samples in slices [lo, hi) of a file (hi empty: to its end)
slices() {
	sqlite3 "$1" "select coalesce(sum(count), 0) from samples where kind = 0 and slice >= $2 ${3:+and slice < $3}"
}
# self samples of regress_target there
regress() {
	sqlite3 "$1" "select coalesce(sum(s.count), 0) from samples s join stack_nodes n on n.id = s.node_id
		join frames f on f.id = n.frame_id where s.kind = 0 and f.function = 'regress_target'
		and s.slice >= $2 ${3:+and s.slice < $3}"
}

# 1. whole files 2 and 3: [S+120, S+240]
hs report "$D" --since @$((S + 120)) --until @$((S + 240)) --format json --limit 0
[ "$RC" -eq 0 ] || fail "report DIR over files 2-3: $(cat "$T/err")"
got=$(jq .samples "$T/out")
want=$(( $(slices "$F2" 0) + $(slices "$F3" 0) ))
echo "report files 2-3: $got samples, the files: $want"
[ "$got" -eq "$want" ] || fail "report over files 2-3 has $got samples, the files $want"
pass "report DIR over whole files: the sum of the files"

# 2. from the middle of file 1 to the middle of file 4: half, two whole, half
hs report "$D" --since @$((S + 90)) --until @$((S + 270)) --format json --limit 0
[ "$RC" -eq 0 ] || fail "report DIR over halves: $(cat "$T/err")"
cp "$T/out" "$T/range.json"
got=$(jq .samples "$T/out")
want=$(( $(slices "$F1" 300) + $(slices "$F2" 0) + $(slices "$F3" 0) + $(slices "$F4" 0 300) ))
echo "report S+90..S+270: $got samples, the parts: $want"
[ "$got" -eq "$want" ] || fail "report over S+90..S+270 has $got samples, the parts $want"
got=$(jq '[.functions[] | select(.name == "regress_target") | .self] | add // 0' "$T/out")
want=$(( $(regress "$F1" 300) + $(regress "$F2" 0) + $(regress "$F3" 0) + $(regress "$F4" 0 300) ))
[ "$got" -eq "$want" ] || fail "regress_target: $got self samples over the range, $want in the parts"
# the same as merging every file and reading the range of the merge
hs merge -o "$T/all.db" "$@"
[ "$RC" -eq 0 ] || fail "merge: $(cat "$T/err")"
hs report "$T/all.db" --since @$((S + 90)) --until @$((S + 270)) --format json --limit 0
[ "$RC" -eq 0 ] || fail "report of the merge: $(cat "$T/err")"
jq -c '[.functions[] | [.name, .self, .total]] | sort' "$T/range.json" >"$T/a"
jq -c '[.functions[] | [.name, .self, .total]] | sort' "$T/out" >"$T/b"
[ -s "$T/a" ] && cmp -s "$T/a" "$T/b" ||
	fail "report DIR over a range differs from the merge's range: $(head -c 300 "$T/a") vs $(head -c 300 "$T/b")"
pass "report DIR over edge slices and whole files: the sum of the parts, as the merge says"

# 3. ui over the same range: the header's samples and regress_target's self
hs ui "$D" --since @$((S + 90)) --until @$((S + 270)) --headless 120x24 --keys ""
[ "$RC" -eq 0 ] || fail "ui DIR --since: $(cat "$T/err")"
cat "$T/out"
want=$(jq .samples "$T/range.json")
grep -q "samples $want " "$T/out" || fail "ui does not show the range's $want samples"
want=$(jq '[.functions[] | select(.name == "regress_target") | .self] | add' "$T/range.json")
awk -v n="$want" '/regress_target/ && $2 == n { ok = 1 } END { exit !ok }' "$T/out" ||
	fail "ui does not show regress_target's $want self samples of the range"
pass "ui DIR --since/--until shows the range's numbers"

# 4. diff: the first 5 minutes against the last 5 (regress_target x3)
hs diff "$D" --since @"$S" --until @$((S + 300)) "$D" --since @$((S + 420)) --until @$((S + 720)) \
	--format json --limit 0
[ "$RC" -eq 0 ] || fail "diff over two ranges: $(cat "$T/err")"
slower=$(jq -r '[.rows[] | select(.verdict == "slower") | .name] | join(",")' "$T/out")
echo "diff S..S+300 against S+420..S+720: slower: $slower"
[ "$slower" = regress_target ] || fail "slower: '$slower', not regress_target alone"
# the --before/--after form, and a time before any recording applies to both
hs diff --until @$((S + 300)) --before "$D" --since @"$S" --after "$D" --since @$((S + 120)) \
	--format json --limit 0
[ "$RC" -eq 0 ] || fail "diff over two ranges of the first part: $(cat "$T/err")"
slower=$(jq -r '[.rows[] | select(.verdict == "slower") | .name] | join(",")' "$T/out")
echo "diff S..S+300 against S+120..S+300: slower: '$slower'"
[ -z "$slower" ] || fail "two ranges of the steady part: '$slower' called slower"
hs diff "$D" --since @"$S" --until @$((S + 300)) "$D" --since nonsense
[ "$RC" -eq 64 ] || fail "diff --since nonsense exited $RC, not 64"
pass "diff DIR --since A --until B DIR --since C: the regression, and only it"

left=$(ls "$TMPDIR")
[ -z "$left" ] || fail "temporary merges left behind: $left"
exit 0
