#!/bin/sh
# as root kernel frames are kept (module kind 'kernel', "_[k]" in folded
# output); --user-only drops them
. "$(dirname "$0")/lib.sh"
need_root

# dd with 1-byte blocks spends most of its time in read/write syscalls
hs record -q -F 999 -o "$T/k.db" -- sh -c "dd if=/dev/zero of=/dev/null bs=1 count=300000 2>/dev/null"
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
[ "$(meta "$T/k.db" kernel_frames)" = 1 ] || fail "kernel_frames is not 1 as root"
nk=$(sqlite3 "$T/k.db" "select count(*) from frames f join modules m on m.id = f.module_id where m.kind = 'kernel'")
echo "kernel frames: $nk"
[ "$nk" -ge 3 ] || fail "expected kernel frames for a syscall-heavy dd, got $nk"
"$HOTSTACK" export "$T/k.db" --format folded >"$T/f" || fail "export failed"
grep -q '_\[k\]' "$T/f" || fail "no _[k] frames in folded output"
grep -q 'ksys_read_\[k\]\|ksys_write_\[k\]\|__x64_sys_read_\[k\]\|__x64_sys_write_\[k\]' "$T/f" ||
	fail "no read/write syscall frames in: $(head -3 "$T/f")"

hs record -q --user-only -F 999 -o "$T/u.db" -- sh -c "dd if=/dev/zero of=/dev/null bs=1 count=100000 2>/dev/null"
[ "$RC" -eq 0 ] || fail "record --user-only exited $RC: $(cat "$T/err")"
[ "$(meta "$T/u.db" kernel_frames)" = 0 ] || fail "kernel_frames is not 0 with --user-only"
nk=$(sqlite3 "$T/u.db" "select count(*) from frames f join modules m on m.id = f.module_id where m.kind = 'kernel'")
[ "$nk" -eq 0 ] || fail "--user-only recorded $nk kernel frames"
pass "kernel frames"
