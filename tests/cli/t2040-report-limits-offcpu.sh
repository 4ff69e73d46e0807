#!/bin/sh
# report says how many rows --limit cut, in every table it cuts; for
# --kind offcpu, percentages are shares of blocked time (not of waits) and
# the ranking is by wait site (the blocking call and the function that made
# it), not by the scheduler every wait ends in
. "$(dirname "$0")/lib.sh"
need_root

hs record -q --waits -F 499 -o "$T/w.db" -- "$SAMPLES/waits" 1 "$T"
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
db=$T/w.db

# the function table
all=$("$HOTSTACK" report "$db" --limit 0 --format json | jq '.functions | length')
[ "$all" -gt 3 ] || fail "only $all functions"
hs report "$db" -n 3
grep -qx "($((all - 3)) more rows; -n 0 prints all)" "$T/out" ||
	fail "report -n 3 of $all functions does not say how many more: $(tail -3 "$T/out")"
hs report "$db" -n 0
grep -q "more row" "$T/out" && fail "report -n 0 says rows were cut"
hs report "$db" -n "$all"
grep -q "more row" "$T/out" && fail "report -n $all (all of them) says rows were cut"

# the --waits tables: each cut one says so, with its own count
hs report "$db" --waits -n 2 --format json
nstacks=$(jq '.offcpu | length' "$T/out")
ncalls=$(jq '.syscalls | length' "$T/out")
nio=$(jq '.io | length' "$T/out")
hs report "$db" --waits -n 2
for n in $nstacks $ncalls $nio; do
	[ "$n" -gt 2 ] || continue
	grep -qx "($((n - 2)) more rows; -n 0 prints all)" "$T/out" ||
		fail "a --waits table of $n rows cut to 2 does not say so: $(cat "$T/out")"
done
[ "$(grep -c 'more rows; -n 0' "$T/out")" -ge 4 ] ||
	fail "not every cut table says so: $(grep 'more row' "$T/out")"

# off-CPU percentages are shares of time
hs report "$db" --kind offcpu --sort total --limit 0 --format json
cp "$T/out" "$T/off.json"
jq -e '.weight_ns > 0 and ([.functions[] | (.total_pct - 100 * .total_ns / $w) |
	fabs < 0.01] | all)' --argjson w "$(jq .weight_ns "$T/off.json")" "$T/off.json" \
	>/dev/null || fail "off-CPU total_pct is not a share of time: $(jq -c '.functions[0:4]' \
	"$T/off.json")"
# sync_file blocks 2.5 ms a call in short waits (many waits, little time
# each), sleep_ticks and wait_pipe block longer: by waits sync_file would
# lead, by time it holds about one wait in six
sync_pct=$(jq '[.functions[] | select(.name == "sync_file") | .total_pct] | add' "$T/off.json")
sync_waits=$(jq '[.functions[] | select(.name == "sync_file") | .total] | add' "$T/off.json")
waits_all=$(jq .samples "$T/off.json")
echo "sync_file: $sync_pct% of blocked time, $sync_waits of $waits_all waits"
awk -v p="$sync_pct" -v n="$sync_waits" -v a="$waits_all" \
	'BEGIN { exit !(p < 100 * n / a - 10) }' ||
	fail "sync_file's share ($sync_pct%) is its share of waits, not of time"

# the ranking: wait sites, each a user-space call and who made it
hs report "$db" --kind offcpu --format json --limit 0
jq -e '(.wait_sites | length) > 3 and ([.wait_sites[].pct] | add | . > 99.9 and . < 100.1)
	and ([.wait_sites[] | .call_module | test("kernel") | not] | all)' "$T/out" \
	>/dev/null || fail "wait sites: $(jq -c '.wait_sites' "$T/out")"
for pair in "read wait_pipe" "fsync sync_file" "__libc_recv recv_messages"; do
	set -- $pair
	jq -e --arg c "$1" --arg f "$2" '[.wait_sites[] | select((.call | endswith($c)) and
		.caller == $f)] | length >= 1' "$T/out" >/dev/null ||
		fail "no wait site '$1' called from '$2': $(jq -c '[.wait_sites[] | [.call, .caller]]' "$T/out")"
done
hs report "$db" --kind offcpu
cat "$T/out"
first=$(sed -n '/ called from$/{n;p;q}' "$T/out")
case "$first" in
*__schedule*|*"[kernel"*|"") fail "the first off-CPU row is the kernel's: '$first'" ;;
esac
grep -q "percentages are shares of blocked time" "$T/out" || fail "the header does not say"
# the kernel frames stay in the stacks
"$HOTSTACK" export "$db" --kind offcpu --format folded | grep -q '__schedule' ||
	fail "the kernel frames left the off-CPU stacks"
pass "cut tables say so; off-CPU by time and by wait site"
