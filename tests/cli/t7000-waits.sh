#!/bin/sh
# record --waits on a program that blocks in read (pipe), fsync, nanosleep,
# pthread_cond_wait, accept and recv for known times: the report names
# each wait with the stack that waited, the system call, the file path or
# socket address, and wait times within 10% of the program's own clocks
. "$(dirname "$0")/lib.sh"
need_root

hs record -q --waits -F 499 -o "$T/w.db" -- "$SAMPLES/waits" 1.5 "$T"
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
cat "$T/out"
cp "$T/out" "$T/truth"
exact=yes
lossless "$T/w.db" || exact=no
port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)/\1/p' "$T/truth")
truth() { awk -v k="$1" '$1 == "truth" && $2 == k { print $3 * 1e9 }' "$T/truth"; }
tid_of() { sqlite3 "$T/w.db" "select tid from threads where name = '$1'"; }

# check_call THREAD SYSCALL TRUTHKEY FUNCTION: the thread's time in the call
# is within 10% of the truth and its blocked stack runs through FUNCTION
check_call() {
	tid=$(tid_of "$1")
	[ -n "$tid" ] || fail "no thread named $1"
	"$HOTSTACK" report "$T/w.db" --waits --tid "$tid" --format json >"$T/j" ||
		fail "report --waits --tid $tid failed"
	got=$(jq --arg s "$2" '[.syscalls[] | select(.name == $s) | .total_ns] | add // 0' "$T/j")
	want=$(truth "$3")
	echo "$1: $2 total $got ns, the program measured $want ns"
	[ "$exact" = no ] ||
		within "$got" "$want" "$(awk -v w="$want" 'BEGIN { print w * 0.10 }')" ||
		fail "$1: $2 time $got ns is not within 10% of $want ns"
	jq -e --arg s "$2" --arg f "$4" '[.syscalls[] | select(.name == $s) | .blocked_in // [] | index($f)] | any(. != null)' "$T/j" >/dev/null ||
		fail "$1: $2 did not block in a stack through $4: $(jq -c --arg s "$2" '.syscalls[] | select(.name == $s) | .blocked_in' "$T/j")"
	jq -e --arg f "$4" '[.offcpu[] | select(.stack | index($f))] | length > 0' "$T/j" >/dev/null ||
		fail "$1: no off-CPU stack goes through $4"
	share=$(jq --arg f "$4" '([.offcpu[] | select(.stack | index($f)) | .ns] | add) * 100 / .offcpu_ns' "$T/j")
	echo "$1: $share% of its off-CPU time is under $4"
}

check_call pipe-reader read read wait_pipe
check_call syncer fsync fsync sync_file
check_call sleeper clock_nanosleep nanosleep sleep_ticks
check_call cond-waiter futex cond_wait wait_cond
check_call server recvfrom recv recv_messages
check_call server accept accept accept_client

# I/O by target: the fsync file, the pipe, the sockets by address
"$HOTSTACK" report "$T/w.db" --waits --format json >"$T/all" || fail "report --waits failed"
file=$(jq -r --arg d "$T/" '[.io[] | select(.kind == "file" and (.target | startswith($d)))][0]' "$T/all")
echo "file: $file"
[ "$(echo "$file" | jq .bytes_written)" -gt 0 ] || fail "no bytes written to the fsync file"
w=$(echo "$file" | jq .wait_ns)
[ "$exact" = no ] ||
	within "$w" "$(truth fsync)" "$(awk -v w="$(truth fsync)" 'BEGIN { print w * 0.15 }')" ||
	fail "the fsync file's wait $w is not near the fsync time"
jq -e '[.io[] | select(.kind == "pipe" and .calls >= 100)] | length >= 1' "$T/all" >/dev/null ||
	fail "no pipe in the I/O table"
jq -e --arg p "127.0.0.1:$port" '[.io[] | select(.kind == "tcp" and (.target | contains($p)))] | length >= 2' "$T/all" >/dev/null ||
	fail "the sockets of 127.0.0.1:$port are not in the I/O table: $(jq -c '[.io[].target]' "$T/all")"

# the text report shows the three tables
hs report "$T/w.db" --waits
for s in "Off-CPU" "System calls" "I/O by file and socket" "sync_file" "fsync" "127.0.0.1:$port"; do
	grep -q "$s" "$T/out" || fail "the text report lacks '$s'"
done
pass "waits named and timed"
