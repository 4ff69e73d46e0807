#!/bin/sh
# the ptrace sampling fallback (ptsampler, driven by tests/progs/ptsample-check
# the way record --method ptrace does) gives the same self split on the
# 60/30/10 sample as perf-event sampling, within 10 points; the sample's
# output is unchanged
. "$(dirname "$0")/lib.sh"
need_root

"$SAMPLES/split" 0.2 >"$T/alone" || fail "split failed alone"
hs record -q -F 999 -o "$T/perf.db" -- "$SAMPLES/split" 3
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"

"$TESTPROGS/ptsample-check" -F 499 -- "$SAMPLES/split" 3 >"$T/pt" 2>"$T/pt.err"
rc=$?
cat "$T/pt"
[ "$rc" -eq 0 ] || fail "ptsample-check exited $rc: $(cat "$T/pt.err")"
grep '^checksum' "$T/pt" | cmp -s - "$T/alone" || fail "the sample's output changed under ptrace sampling"
samples=$(sed -n 's/^samples //p' "$T/pt")
at_least "$samples" 300 || fail "only $samples samples"
c=$(sed -n 's/^complete //p' "$T/pt")
at_least "$c" 99 || fail "only $c% of the samples unwound to main"
[ "$(sed -n 's/^execs //p' "$T/pt")" -eq 1 ] || fail "the exec was not reported once"
for f in leaf_60 leaf_30 leaf_10; do
	pt=$(awk -v f="$f" '$1 == "self" && $2 == f { print $3 }' "$T/pt")
	perf=$(json_pct "$T/perf.db" "$f")
	echo "$f: ptrace ${pt:-0}%, perf $perf%"
	within "${pt:-0}" "$perf" 10 || fail "$f: ptrace ${pt:-0}% is not within 10 points of perf $perf%"
done
top=$(awk '$1 == "self" { print $2; exit }' "$T/pt")
[ "$top" = leaf_60 ] || fail "the top function is $top, not leaf_60"
pass "ptrace sampling matches perf sampling"
