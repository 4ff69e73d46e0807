#!/bin/sh
# export --kind offcpu gives the off-CPU stacks weighted in microseconds;
# --kind wall gives CPU and off-CPU together; without --waits the off-CPU
# kinds are empty and report --waits says how to get them
. "$(dirname "$0")/lib.sh"
need_root

hs record -q --waits -o "$T/w.db" -- "$SAMPLES/waits" 1 "$T"
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
offcpu_ns=$("$HOTSTACK" report "$T/w.db" --waits --format json | jq .offcpu_ns)
"$HOTSTACK" export "$T/w.db" --format folded --kind offcpu >"$T/off" || fail "export --kind offcpu failed"
us=$(awk '{ s += $NF } END { print s }' "$T/off")
echo "offcpu: $offcpu_ns ns in the report, $us us in the export"
within "$us" "$(awk -v n="$offcpu_ns" 'BEGIN { print n / 1000 }')" "$(awk -v n="$offcpu_ns" 'BEGIN { print n / 1000 * 0.01 + 1000 }')" ||
	fail "export --kind offcpu does not add up to the off-CPU time in microseconds"
grep -q ';sleep_ticks;' "$T/off" || fail "no sleep_ticks stack in the off-CPU export"
"$HOTSTACK" export "$T/w.db" --format folded --kind wall >"$T/wall" || fail "export --kind wall failed"
wall=$(awk '{ s += $NF } END { print s }' "$T/wall")
at_least "$wall" "$us" || fail "wall ($wall) is less than off-CPU ($us)"

hs record -q -o "$T/c.db" -- "$SAMPLES/split" 0.3
hs report "$T/c.db" --waits
[ "$RC" -eq 0 ] || fail "report --waits on a recording without waits exited $RC"
grep -q "record with --waits" "$T/out" || fail "no hint to record with --waits"
pass "off-CPU export"
