#!/bin/sh
# recordings with --waits: diff adds the system calls, I/O and off-CPU
# (total time blocked below each function) tables to the CPU table
. "$(dirname "$0")/lib.sh"
need_root

for i in 1 2; do
	# root with perf events (need_root): --waits is core, a broken one fails
	hs record -q --waits -o "$T/w$i.db" -- "$SAMPLES/waits" 0.6 "$T"
	# exit 1 is the documented partial result: no CPU samples from a program
	# that mostly waits
	[ "$RC" -le 1 ] || fail "record --waits exited $RC: $(cat "$T/err")"
	[ -s "$T/w$i.db" ] || fail "record --waits made no recording: $(cat "$T/err")"
	n=$(sqlite3 "$T/w$i.db" "select count(*) from syscalls")
	[ "$n" -gt 0 ] || fail "record --waits recorded no system calls"
done

hs diff "$T/w1.db" "$T/w2.db" -n 40
[ "$RC" -eq 0 ] || fail "diff exited $RC: $(cat "$T/err")"
grep -q '^system calls: time in each call' "$T/out" || fail "no system calls table"
grep -q '^I/O: time waiting on each file and socket' "$T/out" || fail "no I/O table"
grep -q '^off-CPU: total time blocked below each function' "$T/out" || fail "no off-CPU table"
grep -q '^off-CPU total: ' "$T/out" || fail "no off-CPU total"

hs diff "$T/w1.db" "$T/w2.db" --format json
[ "$RC" -eq 0 ] || fail "diff --format json exited $RC"
for call in fsync read clock_nanosleep; do
	jq -e --arg c "$call" '.syscalls[] | select(.name == $c) |
		.samples_before > 0 and .samples_after > 0 and .before > 0 and
		(.verdict | test("^(faster|slower|same|inconclusive)$"))' "$T/out" >/dev/null ||
		fail "no $call row in the system calls: $(jq -c '[.syscalls[].name]' "$T/out")"
done
echo "fsync: $(jq -c '.syscalls[] | select(.name == "fsync") |
	[.verdict, .before, .after, .ci_low, .ci_high, .samples_before, .samples_after]' "$T/out")"
# I/O targets match across runs whatever their pids, inodes and ports.
# A descriptor is named from /proc while its process holds it: a recorder
# that fell behind the 0.6 s program by more than its life (the sanitizer
# build unwinds its 16,000 switches a second several times slower) finds
# it gone and shows "fd N"; then the lag must be in the recording.
if ! jq -e '[.io[] | select(.name == "pipe:[N]" or (.name | test("^.*/hotstack-waits-N\\.tmp$")))
	| select(.samples_before > 0 and .samples_after > 0)] | length == 2' "$T/out" >/dev/null; then
	lag=$(for i in 1 2; do meta "$T/w$i.db" max_lag_ns; done | sort -n | tail -1)
	echo "I/O targets: $(jq -c '[.io[] | [.name, .verdict]]' "$T/out"); lag ${lag:-0} ns"
	[ "${HOTSTACK_SANITIZED:-no}" = yes ] && [ "${lag:-0}" -gt 300000000 ] ||
		fail "I/O targets did not match, the recorder at most ${lag:-0} ns behind"
	echo "note: the sanitizer build's recorder fell $lag ns behind: names not checked"
fi
# the off-CPU rows are where the program waited: its functions, by total time
jq -e '.offcpu.measure == "total" and ([.offcpu.rows[] | select(.name == "sync_file")] |
	length == 1) and .offcpu.total.before > 0' "$T/out" >/dev/null ||
	fail "off-CPU table: $(jq -c '[.offcpu.total, [.offcpu.rows[:5][].name]]' "$T/out")"

# --kind selects one kind, without the extra tables
hs diff "$T/w1.db" "$T/w2.db" --kind offcpu --format json
jq -e '.kind == "offcpu" and (has("offcpu") | not) and .total.before > 0' "$T/out" \
	>/dev/null || fail "--kind offcpu: $(jq -c '[.kind, .total]' "$T/out")"
pass "system calls and off-CPU waits compared"
