#!/bin/sh
# a binary deleted from disk while it runs still symbolizes (read through
# /proc/PID/map_files)
. "$(dirname "$0")/lib.sh"
need_root

cp "$SAMPLES/split" "$T/split-copy"
bg "$T/split-copy" 30
target=$BG
sleep 0.2
rm -f "$T/split-copy"
hs record -q -F 999 -d 1.5 -p "$target" -o "$T/del.db"
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
check_split "$T/del.db"
m=$(folded_share "$T/del.db" main)
at_least "$m" 99 || fail "only $m% of samples unwound to main() for a deleted binary"
pass "deleted binary symbolized"
