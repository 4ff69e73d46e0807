#!/bin/sh
# t8050: golden screens of the Waits, Threads, Timeline and Source views,
# rendered headless from the fixed --waits recording tests/ui/mkuiq.c
# writes (and small.stacks for a recording without --waits), compared with
# tests/ui/expect/NAME.txt. A missing golden is written and the test fails
# once, so a new screen is reviewed before it is committed;
# HOTSTACK_UI_REGOLD=1 rewrites them after a deliberate layout change.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
expect=$top/tests/ui/expect
mkuiq=$(dirname "$HOTSTACK")/tests/ui/mkuiq
LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC NO_COLOR=
export LANG LC_ALL TZ NO_COLOR
[ -x "$mkuiq" ] || fail "tests/ui/mkuiq is not built (make check builds it)"
"$mkuiq" "$T/w.db" || fail "cannot write the fixed recording"
sh "$top/tests/ui/mkrec.sh" "$top/tests/ui/small.stacks" "$T/small.db" ||
	fail "cannot build the recording without --waits"
# sources as the recording names them (/build/app/...), remapped relative
# to the working directory so the screens do not depend on where we run
cp -R "$top/tests/ui/src" "$T/src"
cd "$T" || fail "no $T"

failed=0
# golden NAME DB SIZE KEYS [OPTIONS...]
golden() {
	name=$1 db=$2 size=$3 keys=$4
	shift 4
	"$HOTSTACK" ui "$db" --headless "$size" --keys "$keys" --source-path /build/app=src "$@" \
		>"$T/$name.txt" 2>"$T/$name.err" || { cat "$T/$name.err"; fail "$name: hotstack ui failed"; }
	if [ ! -f "$expect/$name.txt" ] || [ -n "${HOTSTACK_UI_REGOLD:-}" ]; then
		cp "$T/$name.txt" "$expect/$name.txt"
		echo "wrote golden $expect/$name.txt: review it"
		[ -n "${HOTSTACK_UI_REGOLD:-}" ] || failed=1
		return
	fi
	if ! diff -u "$expect/$name.txt" "$T/$name.txt"; then
		echo "FAIL: $name differs from its golden"
		failed=1
	fi
}

golden waits w.db 100x30 '4'
golden waits-stack w.db 100x30 '4j<Enter>'
golden waits-syscall-stack w.db 100x30 '4jjj<Enter>'
golden waits-io-nostack w.db 100x30 '4G<Enter>'
golden waits-range w.db 100x30 '6L<Space>lllll<Enter>4'
golden waits-thread w.db 100x30 '5jj<Enter>4'
golden waits-none small.db 100x30 '4'
golden threads w.db 100x30 '5'
golden threads-filtered w.db 100x30 '5jj<Enter>1'
golden threads-folded w.db 100x30 '5<Enter>'
golden threads-range w.db 100x30 '6L<Space>lllll<Enter>5'
golden timeline w.db 100x30 '6'
golden timeline-select w.db 100x30 '6L<Space>lllll'
golden timeline-applied w.db 100x30 '6L<Space>lllll<Enter>'
golden timeline-hotspots w.db 100x30 '6L<Space>lllll<Enter>1'
golden timeline-undo w.db 100x30 '6L<Space>lllll<Enter><Esc>1'
golden timeline-mark w.db 100x30 '6]'
golden timeline-thread w.db 100x30 '5jj<Enter>6'
golden timeline-ascii w.db 80x24 '6lll' --ascii
golden source w.db 100x30 '7'
golden source-unreadable w.db 100x30 '7>'
golden source-range w.db 100x30 '6L<Space>lllll<Enter>7'
golden help-timeline w.db 100x30 '6?'

# the comparison (hotstack ui BEFORE AFTER): small.db against a copy where
# hash_key does more than twice the work; diff's bootstrap has a fixed seed
sed 's/^101 app 0 2000 400 /101 app 0 2000 900 /' "$top/tests/ui/small.stacks" >"$T/after.stacks"
sh "$top/tests/ui/mkrec.sh" "$T/after.stacks" "$T/after.db" || fail "cannot build after.db"
compare() {
	name=$1 size=$2 keys=$3
	shift 3
	golden "$name" small.db "$size" "$keys" after.db "$@"
}
compare compare 100x30 ''
compare compare-paths 100x30 'S'
compare compare-ascii 80x24 'j' --ascii
compare compare-kind 100x30 'c'
compare compare-flame 100x30 '3jjjj'
compare compare-flame-ascii 80x24 '3jjl' --ascii
# the comparison's call tree: opened down to diff's first path; all below
# the cursor's caller closed; everything opened; at 80 columns in ASCII
compare compare-tree 100x30 '2'
compare compare-tree-close 100x30 '2<Left><Left>C'
compare compare-tree-all 100x30 '2gE'
compare compare-tree-ascii 80x24 '2jj<Left>' --ascii
# the Waits view at 80 columns: the wait site leads each off-CPU row
golden waits-80 w.db 80x24 '4'

# a version 1 recording: the system call tables have no time slices, so a
# time range cannot apply to them and the Waits view says so
if command -v sqlite3 >/dev/null 2>&1; then
	cp w.db v1.db
	sqlite3 v1.db "
		CREATE TABLE s1 AS SELECT tid, nr, name, sum(count) AS count, sum(errors) AS errors,
			sum(total_ns) AS total_ns, max(max_ns) AS max_ns FROM syscalls GROUP BY tid, nr;
		DROP TABLE syscalls; ALTER TABLE s1 RENAME TO syscalls;
		CREATE TABLE i1 AS SELECT tid, target, kind, sum(calls) AS calls,
			sum(bytes_read) AS bytes_read, sum(bytes_written) AS bytes_written,
			sum(wait_ns) AS wait_ns FROM io GROUP BY tid, target;
		DROP TABLE io; ALTER TABLE i1 RENAME TO io;
		UPDATE meta SET value = 1 WHERE key = 'schema_version'; PRAGMA user_version = 1;" ||
		fail "cannot make a version 1 copy"
	golden waits-v1-range v1.db 100x30 '6L<Space>lllll<Enter>4'
else
	echo "note: no sqlite3 command: the version 1 screen is not checked"
fi

[ $failed -eq 0 ] || fail "some screens differ from tests/ui/expect (see above)"
pass "golden screens of the query views match"
