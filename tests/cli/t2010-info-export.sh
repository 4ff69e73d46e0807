#!/bin/sh
# info shows the metadata; export --format folded gives root-first stacks
# whose counts add up to the report's samples
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 999 -o "$T/r.db" -- "$SAMPLES/threads" 1 4
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
hs info "$T/r.db"
[ "$RC" -eq 0 ] || fail "info exited $RC"
for k in command duration_ns event frequency samples lost kernel host start_time; do
	grep -q "$k" "$T/out" || fail "info lacks $k"
done
grep -q "worker-3" "$T/out" || fail "info lists no worker-3 thread"
hs info "$T/r.db" --format json
jq -e '.meta.frequency == 999 and (.threads | length) >= 5' "$T/out" >/dev/null ||
	fail "info json: $(head -c 300 "$T/out")"

"$HOTSTACK" export "$T/r.db" --format folded >"$T/f" || fail "export failed"
total=$(awk '{ s += $NF } END { print s }' "$T/f")
[ "$total" = "$(meta "$T/r.db" samples)" ] || fail "folded counts add up to $total"
awk '$NF !~ /^[0-9]+$/ || NF < 2 { exit 1 }' "$T/f" || fail "malformed folded line"
grep -q '^__clone3;start_thread;thread_main;work;leaf_60 [0-9]*$' "$T/f" || fail "no root-first thread stack"
"$HOTSTACK" export "$T/r.db" --format folded -o "$T/out.folded" || fail "export -o failed"
cmp -s "$T/f" "$T/out.folded" || fail "export -o differs from stdout"
hs export "$T/r.db" --format bogus
[ "$RC" -eq 64 ] || fail "unknown format exited $RC"
grep -q folded "$T/err" || fail "unknown format does not list the supported ones"
pass "info and export"
