#!/bin/sh
# import of folded stacks: the round trip folded -> import -> export folded
# gives the same stacks and counts; kernel (_[k]) and inlined (_[i]) frames
# keep their kind; bad lines are refused with their line number and leave
# nothing behind; an existing output is renamed to .old
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/formats-lib.sh"
cd "$T" || fail "cd $T"

cat >in.folded <<'EOF'
_start;main;parse_request;hash_key 600
_start;main;parse_request;memchr 250
_start;main;write_out;__write;entry_SYSCALL_64_[k];do_syscall_64_[k];ksys_write_[k] 50
start_thread;worker_main;compress_block;crc_update_[i] 60
start_thread;worker_main;operator<< <char>(std::ostream&, char const*) 40
start_thread;worker_main 7
main 1
EOF
hs import in.folded -o rt.db
[ "$RC" -eq 0 ] || fail "import exited $RC: $(cat "$T/err")"
grep -q "imported 1008 samples in 7 distinct stacks" "$T/err" || fail "summary: $(cat "$T/err")"
"$HOTSTACK" export rt.db >out.folded || fail "export failed"
sort in.folded >want
cmp -s want out.folded || fail "round trip differs: $(diff want out.folded)"
pass "folded -> import -> export folded is identical"

[ "$(sqlite3 rt.db "select m.kind from frames f join modules m on m.id = f.module_id
	where f.function = 'ksys_write'")" = kernel ] || fail "ksys_write is not in a kernel module"
[ "$(sqlite3 rt.db "select inline from frames where function = 'crc_update'")" = 1 ] ||
	fail "crc_update is not an inline frame"
[ "$(meta rt.db import_format)" = folded ] || fail "meta import_format"
[ "$(meta rt.db samples)" = 1008 ] || fail "meta samples"
"$HOTSTACK" report rt.db --format json | jq -e '.functions[0] | .name == "hash_key" and .self == 600' \
	>/dev/null || fail "report does not read the import"
pass "kinds, meta, report"

# weights: -F gives each sample its time; -w ns reads nanoseconds
hs import in.folded -o f.db -F 1000
"$HOTSTACK" report f.db --format json | jq -e '.weight_ns == 1008000000' >/dev/null ||
	fail "-F 1000: weight is not 1 ms per sample"
printf 'main;wait 5000000\nmain;read 2000000\n' >ns.folded
hs import ns.folded -o ns.db -w ns -F 1000 --kind offcpu
[ "$RC" -eq 0 ] || fail "import -w ns exited $RC: $(cat "$T/err")"
"$HOTSTACK" export ns.db --kind offcpu -w ns | sort >ns.out
sort ns.folded | cmp -s - ns.out || fail "-w ns round trip: $(cat ns.out)"
pass "-F, -w ns, --kind offcpu"

# stdin
"$HOTSTACK" import - -o stdin.db <in.folded 2>/dev/null || fail "import from stdin failed"
"$HOTSTACK" export stdin.db | cmp -s want - || fail "stdin import differs"
pass "standard input"

# an existing output is renamed to .old, never overwritten
cp rt.db keep.db
hs import in.folded -o rt.db
[ "$RC" -eq 0 ] || fail "second import exited $RC"
grep -q "renamed it to 'rt.db.old'" "$T/err" || fail "no rename warning: $(cat "$T/err")"
cmp -s rt.db.old keep.db || fail "rt.db.old is not the previous rt.db"
pass "existing output renamed to .old"

# bad input: the line number, exit 2, nothing left behind
expect_bad() {
	# expect_bad LINE PATTERN: in.bad fails at LINE with a message matching PATTERN
	before=$(ls | sort)
	hs import in.bad -o bad.db
	[ "$RC" -eq 2 ] || fail "bad input exited $RC, expected 2: $(cat "$T/err")"
	grep -q "'in.bad' line $1: $2" "$T/err" || fail "message does not name line $1: $(cat "$T/err")"
	[ -e bad.db ] && fail "bad.db was created"
	after=$(ls | sort)
	[ "$before" = "$after" ] || fail "files were left behind: $(ls)"
	echo "ok: $(cat "$T/err")"
}
printf 'main;a 1\nmain;b 2\nmain;c\n' >in.bad
expect_bad 3 "expected .frame;frame;... COUNT."
printf 'main;a 1\n\nmain;b x2\n' >in.bad
expect_bad 3 "expected a count at the end of the line, not 'x2'"
printf 'main;a 1.5\n' >in.bad
expect_bad 1 ".*not a whole number"
printf 'main;a 3 4\n' >in.bad
expect_bad 1 ".*differential folded"
printf '12\n' >in.bad
expect_bad 1 "expected 'frame;frame;... COUNT'"
: >in.bad
hs import in.bad -o bad.db
[ "$RC" -eq 2 ] && grep -q "no samples" "$T/err" || fail "an empty input: $RC $(cat "$T/err")"
[ -e bad.db ] && fail "bad.db was created for an empty input"
hs import no-such-file -o bad.db
[ "$RC" -eq 2 ] || fail "a missing input exited $RC"
hs import
[ "$RC" -eq 64 ] || fail "no input should be a usage error, got $RC"
hs import in.folded -o bad.db --format nope
[ "$RC" -eq 64 ] || fail "--format nope exited $RC"
mkdir adir
hs import in.folded -o adir
[ "$RC" -eq 2 ] || fail "output to a directory exited $RC"
pass "bad input refused with its line number, nothing left behind"

# killed in the middle: no output and no temporary file. The input is a
# pipe that stays open, so the import cannot finish before the signal: it
# has created its temporary, read some lines, and waits for more.
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "main;f%d;g;h %d\n", i % 500, i % 7 + 1 }' >big.folded
mkfifo in.fifo
"$HOTSTACK" import in.fifo -o killed.db 2>killed.err &
pid=$!
PIDS_TO_KILL="$PIDS_TO_KILL $pid"
exec 3>in.fifo
cat big.folded >&3
i=0
until ls | grep -q '^killed\.db\.tmp'; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "import made no temporary file: $(ls)"
	sleep 0.05
done
kill -TERM "$pid"
wait "$pid"
rc=$?
exec 3>&-
[ "$rc" -eq 143 ] || fail "import exited $rc on SIGTERM, expected death by the signal (143)"
[ -e killed.db ] && fail "SIGTERM left killed.db: a partial recording"
ls | grep -q 'killed.db' && fail "files left after SIGTERM: $(ls | grep killed)"
pass "SIGTERM leaves nothing behind"
