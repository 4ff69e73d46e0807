#!/bin/sh
# t3110: disk full. record --waits -p of the waits sample into a 2 MiB tmpfs
# filled up to a few hundred KiB: the disk fills when the file is created,
# during the recording, or at its close when the WAL is moved into the
# database. Each time hotstack
# exits 2 with one line saying the disk is full and where (the mount
# point), never "Input/output error"; the recording passes integrity_check
# (the database with its -wal, which the line names when one is left),
# opens with info, and holds at least the samples of its last commit
# (HOTSTACK_COMMIT_LOG); the target runs on.
# With more room each time, both places of the failure must be seen.
. "$(dirname "$0")/lib.sh"
need_root

FS=$T/fs
mkdir "$FS"
mount -t tmpfs -o size=2m,mode=0755 tmpfs "$FS" || fail "cannot mount a tmpfs on $FS"
trap 'umount "$FS" 2>/dev/null || umount -l "$FS"; cleanup' EXIT
trap 'exit 1' INT TERM HUP

# the target waits in known ways (for up to 300 s: it is ended at the
# end); its fsync file is not on $FS
bg "$SAMPLES/waits" 300 "$T" >"$T/waits.out"
W=$BG

# from too little room to create the file up to enough for the whole
# recording (twice in a row), in steps of 32 KiB: where the disk fills
# moves from the creation to the recording to the close
start=0 mid=0 close=0 full=0 roomy=0
for free in $(seq 96 32 800); do
	[ $roomy -ge 2 ] && break
	rm -f "$FS"/*
	dd if=/dev/zero of="$FS/fill" bs=1k count=$((2048 - free)) 2>/dev/null
	sync
	rm -f "$T/commits"
	RC=0
	HOTSTACK_COMMIT_LOG=$T/commits "$HOTSTACK" record -q --waits -F 999 -d 0.6 \
		-o "$FS/r.db" -p "$W" >"$T/out" 2>"$T/err" || RC=$?
	want=$(tail -1 "$T/commits" 2>/dev/null | awk '{ print $4 }')
	left=$(df -k "$FS" | awk 'NR == 2 { print $4 }')
	assert_running "$W"
	if [ "$RC" = 0 ]; then
		echo "$free KiB free: recorded without filling the disk (${want:-0} samples, $left KiB left)"
		roomy=$((roomy + 1))
		continue
	fi
	roomy=0
	full=$((full + 1))
	[ "$RC" = 2 ] || fail "$free KiB free: hotstack exited $RC, want 2: $(cat "$T/err")"
	[ "$(grep -c . "$T/err")" = 1 ] || fail "$free KiB free: more than one line: $(cat "$T/err")"
	grep -q "Input/output error" "$T/err" && fail "$free KiB free: $(cat "$T/err")"
	grep -q "the disk is full (no space left on the file system at '$FS')" "$T/err" ||
		fail "$free KiB free: the line does not say the disk at $FS is full: $(cat "$T/err")"
	if [ -s "$FS/r.db-wal" ]; then
		grep -q "in '$FS/r.db' with '$FS/r.db-wal': keep them together" "$T/err" ||
			fail "$free KiB free: a -wal is left and the line does not say so: $(cat "$T/err")"
	fi
	if grep -q "^hotstack: error: creating" "$T/err"; then
		# at the start: nothing committed, no file left
		echo "$free KiB free: full at the creation: $(cat "$T/err")"
		[ -z "$want" ] || fail "$free KiB free: a commit was logged, yet the creation failed"
		[ ! -e "$FS/r.db" ] || fail "$free KiB free: a failed creation left $FS/r.db"
		start=$((start + 1))
		continue
	elif grep -q "^hotstack: error: closing" "$T/err"; then
		close=$((close + 1)) where="at the close"
	else
		mid=$((mid + 1)) where="while recording"
	fi
	echo "$free KiB free: full $where after ${want:-no} committed samples: $(cat "$T/err")"
	[ -e "$FS/r.db" ] || fail "$free KiB free: the recording is gone"
	ok=$(sqlite3 "$FS/r.db" 'pragma integrity_check' 2>&1)
	[ "$ok" = ok ] || fail "$free KiB free: integrity_check: $ok"
	if [ -n "$want" ]; then
		hs info "$FS/r.db"
		[ "$RC" = 0 ] || fail "$free KiB free: info: $(cat "$T/err")"
		have=$(sqlite3 "$FS/r.db" 'select coalesce(sum(count), 0) from samples_total')
		[ "$have" -ge "$want" ] ||
			fail "$free KiB free: the recording holds $have samples, its last commit $want"
		echo "  integrity ok, $have samples kept (last commit: $want)"
	fi
done
[ $mid -gt 0 ] || fail "the disk never filled while recording"
[ $close -gt 0 ] || fail "the disk never filled at the close"
pass "disk full $full times ($start at the creation, $mid while recording, $close at the close): one line, recording kept"

# the target ran on through all of it, never stopped
assert_running "$W"
pass "the target runs on"
