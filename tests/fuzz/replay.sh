#!/bin/sh
# replay the fuzz corpus and every crash reproducer (tests/fuzz/corpus/NAME)
# through each fuzz target, without libFuzzer, under this build's sanitizers:
# an input that once crashed a parser must never crash it again
: "${HOTSTACK:?HOTSTACK must point at the hotstack binary}"
bin=$(dirname "$HOTSTACK")/tests/fuzz
corpus=$(dirname "$0")/corpus
# a die() on bad input is longjmp'd out of: what it had allocated leaks
# by design; crashes, not leaks, are what this test is for
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
status=0
for n in import-folded import-perf perfmap kallsyms recording procfs symbol; do
	[ -d "$corpus/$n" ] || { echo "FAIL: no corpus for $n"; status=1; continue; }
	count=$(ls "$corpus/$n" | wc -l)
	[ "$count" -gt 0 ] || { echo "FAIL: empty corpus for $n"; status=1; continue; }
	if ! "$bin/replay-$n" "$corpus/$n" 2>"$n.replay.err"; then
		echo "FAIL: replay-$n: $(tail -5 "$n.replay.err")"
		status=1
	fi
	rm -f "$n.replay.err"
done
exit $status
