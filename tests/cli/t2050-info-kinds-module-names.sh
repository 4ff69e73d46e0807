#!/bin/sh
# info names what each count counts: meta "samples" (on-CPU samples taken)
# and the samples table's rows of every kind (waits and preemptions are
# not samples) no longer look like two answers to one question. -m finds
# a program by the name it runs under and the path it was started as (a
# link to another file, as Debian's redis-server is to redis-check-rdb),
# and a filter that matches nothing says so in one line
. "$(dirname "$0")/lib.sh"
need_root

hs record -q --waits -F 499 -o "$T/w.db" -- "$SAMPLES/waits" 0.5 "$T"
[ "$RC" -eq 0 ] || fail "record --waits exited $RC: $(cat "$T/err")"
hs info "$T/w.db"
[ "$RC" -eq 0 ] || fail "info exited $RC"
cpu=$(sqlite3 "$T/w.db" "select coalesce(sum(count), 0) from samples where kind = 0")
off=$(sqlite3 "$T/w.db" "select coalesce(sum(count), 0) from samples where kind = 1")
all=$(sqlite3 "$T/w.db" "select coalesce(sum(count), 0) from samples")
grep -E "^samples +[0-9]+ \(on-CPU samples taken\)" "$T/out" ||
	fail "meta samples does not say what it counts: $(grep samples "$T/out")"
grep -qE "^  cpu +$cpu on-CPU samples, [0-9.]+ s sampled CPU time\$" "$T/out" ||
	fail "no cpu line of $cpu samples: $(grep -A4 'sample counts' "$T/out")"
grep -qE "^  offcpu +$off waits, [0-9.]+ s blocked\$" "$T/out" ||
	fail "no offcpu line of $off waits: $(grep -A4 'sample counts' "$T/out")"
grep -qE "^sample counts +$all, of every kind:\$" "$T/out" ||
	fail "the sum of every kind is not named: $(grep -A4 'sample counts' "$T/out")"
grep -qE "^samples +$all\$" "$T/out" && fail "a bare second 'samples' line"
hs info "$T/w.db" --format json
jq -e --argjson c "$cpu" --argjson o "$off" --argjson a "$all" '.samples == $a and
	.samples_by_kind.cpu.count == $c and .samples_by_kind.offcpu.count == $o and
	.samples_by_kind.offcpu.weight_ns > 0' "$T/out" >/dev/null ||
	fail "info json: $(jq -c '[.samples, .samples_by_kind]' "$T/out")"

# a program run through a link: the process is "hs-alias", the module split
ln -s "$SAMPLES/split" "$T/hs-alias"
hs record -q -F 499 -o "$T/a.db" -- "$T/hs-alias" 0.3
[ "$RC" -eq 0 ] || fail "record through a link exited $RC: $(cat "$T/err")"
for m in hs-alias "$T/hs-alias" split; do
	hs report "$T/a.db" -m "$m" --format json
	[ "$RC" -eq 0 ] || fail "report -m $m exited $RC"
	[ ! -s "$T/err" ] || fail "report -m $m warned: $(cat "$T/err")"
	jq -e '.samples > 20 and ([.functions[] | select(.name == "leaf_60")] | length == 1)' \
		"$T/out" >/dev/null || fail "report -m $m selected nothing: $(head -c 300 "$T/out")"
done
# a filter that matches nothing says so, once, and is no error
hs report "$T/a.db" -m no-such-thing
[ "$RC" -eq 0 ] || fail "report -m no-such-thing exited $RC"
[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "'no-such-thing': nothing selected" "$T/err" ||
	fail "report -m no-such-thing: $(cat "$T/err")"
hs flame "$T/a.db" -m no-such-thing -o "$T/f.svg"
grep -q "nothing selected" "$T/err" || fail "flame -m no-such-thing: $(cat "$T/err")"
hs diff "$T/a.db" "$T/a.db" -m no-such-thing
grep -q "nothing selected" "$T/err" || fail "diff -m no-such-thing: $(cat "$T/err")"
pass "info names its counts; -m by process name and started path; empty filters say so"
