#!/bin/sh
# merge: recordings from several processes or hosts become one; samples
# and stacks add up, each origin is kept as meta origin.N.*, thread ids
# that clash across hosts are moved, time lines up on the earliest start
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/formats-lib.sh"
cd "$T" || fail "cd $T"

write_stack_spec spec
gen_perf_script spec >a.txt
hs import a.txt -o a.db
printf 'main;parse;hash_key 300\nmain;other 100\n' >b.folded
hs import b.folded -o b.db
printf 'main;other 50\n' >c.folded
hs import c.folded -o c.db

hs merge -o all.db a.db b.db c.db
[ "$RC" -eq 0 ] || fail "merge exited $RC: $(cat "$T/err")"
[ "$(meta all.db samples)" = 1450 ] || fail "samples: $(meta all.db samples)"
[ "$(meta all.db origins)" = 3 ] || fail "origins: $(meta all.db origins)"
[ "$(meta all.db mode)" = merge ] || fail "mode"
[ "$(meta all.db origin.1.path)" = "$T/a.db" ] || fail "origin.1.path: $(meta all.db origin.1.path)"
[ "$(meta all.db origin.2.import_format)" = folded ] || fail "origin.2 meta not kept"
[ "$(meta all.db origin.1.samples)" = 1000 ] || fail "origin.1.samples"
# stacks add up: the merged folded stacks are the sum of the inputs'
for f in a b c; do "$HOTSTACK" export $f.db; done |
	awk '{ n = $NF; s = substr($0, 1, length($0) - length($NF) - 1); sum[s] += n }
	END { for (s in sum) print s " " sum[s] }' | sort >want
"$HOTSTACK" export all.db >got
cmp -s want got || fail "merged stacks differ from the sum: $(diff want got)"
pass "samples, stacks and origins"

# b and c are imports with no host: their thread 0 clashes; a's 100/101 do not
[ "$(meta all.db origin.1.id_offset)" = 0 ] || fail "a.db should keep its ids"
[ "$(meta all.db origin.2.id_offset)" = 0 ] || fail "b.db's thread 0 is the first: no move"
[ "$(meta all.db origin.3.id_offset)" = $((2 * 4194304)) ] ||
	fail "c.db's thread 0 clashes and should move by 2*4194304: $(meta all.db origin.3.id_offset)"
tids=$(sqlite3 all.db "select group_concat(tid, ' ') from (select distinct tid from samples order by tid)")
[ "$tids" = "0 100 101 8388608" ] || fail "thread ids: $tids"
"$HOTSTACK" report all.db --tid 8388608 --format json | jq -e '.samples == 50' >/dev/null ||
	fail "c.db's samples are not on thread 8388608"
pass "clashing thread ids are moved, the others kept"

# the same process recorded twice on one host keeps its pid
sqlite3 a.db "insert or replace into meta values ('host', 'web1')" 2>/dev/null ||
	fail "cannot set a host"
cp a.db a2.db
hs merge -o same.db a.db a2.db
[ "$RC" -eq 0 ] || fail "merge exited $RC: $(cat "$T/err")"
[ "$(meta same.db origin.2.id_offset)" = 0 ] || fail "the same process on the same host was moved"
[ "$(meta same.db host)" = web1 ] || fail "host: $(meta same.db host)"
"$HOTSTACK" report same.db --tid 100 --format json | jq -e '.samples == 1800' >/dev/null ||
	fail "thread 100 of both recordings should add up to 1800 samples"
# ... but on another host it is another process
sqlite3 a2.db "insert or replace into meta values ('host', 'web2')"
hs merge -o hosts.db a.db a2.db
[ "$(meta hosts.db origin.2.id_offset)" = 4194304 ] || fail "a pid of another host was not moved"
[ "$(meta hosts.db host)" = "web1,web2" ] || fail "host: $(meta hosts.db host)"
[ "$(sqlite3 hosts.db "select count(*) from threads")" = 4 ] || fail "expected 4 threads"
[ "$(sqlite3 hosts.db "select pid from threads where tid = 4194405")" = 4194404 ] ||
	fail "a moved thread does not point at its moved process"
pass "same host and pid: one process; another host: moved"

# real recordings: time lines up, waits and kinds come along
if [ "$(id -u)" -eq 0 ]; then
	hs record -q -F 499 -o r1.db -- "$SAMPLES/split" 0.5
	[ "$RC" -eq 0 ] || fail "record exited $RC"
	sleep 0.3
	hs record -q -F 499 -o r2.db -- "$SAMPLES/threads" 0.5 2
	[ "$RC" -eq 0 ] || fail "record exited $RC"
	hs merge -o r.db r1.db r2.db
	[ "$RC" -eq 0 ] || fail "merge exited $RC: $(cat "$T/err")"
	s1=$(meta r1.db start_time); s2=$(meta r2.db start_time)
	[ "$(meta r.db start_time)" = "$s1" ] || fail "start_time is not the earliest"
	want=$(( (s2 - s1) / 100000000 ))
	got=$(sqlite3 r.db "select min(slice) from samples s join threads t on t.tid = s.tid
		where t.pid = $(sqlite3 r2.db "select pid from threads order by tid limit 1")")
	[ "$got" -ge "$want" ] && [ "$got" -le $((want + 1)) ] ||
		fail "r2's first slice is $got, expected about $want (aligned on r1's start)"
	for k in cpu offcpu; do
		a=$("$HOTSTACK" report r1.db --kind $k --format json | jq .samples)
		b=$("$HOTSTACK" report r2.db --kind $k --format json | jq .samples)
		c=$("$HOTSTACK" report r.db --kind $k --format json | jq .samples)
		[ "$c" -eq $((a + b)) ] || fail "kind $k: $c samples, expected $a + $b"
	done
	pass "recordings: kinds add up, slices aligned on the earliest start"
fi

# errors: nothing written
hs merge -o bad.db a.db nosuch.db
[ "$RC" -eq 2 ] || fail "a missing input exited $RC"
[ -e bad.db ] && fail "bad.db was written"
ls | grep -q 'bad.db' && fail "temporary files left: $(ls)"
hs merge a.db b.db
[ "$RC" -eq 64 ] || fail "no -o should be a usage error, got $RC"
hs merge -o x.db a.db a.db
[ "$RC" -eq 64 ] || fail "an input given twice should be a usage error, got $RC"
hs merge -o a.db a.db b.db
[ "$RC" -eq 64 ] || fail "output = input should be a usage error, got $RC"
cp all.db keep.db
hs merge -o all.db a.db b.db
grep -q "renamed it to 'all.db.old'" "$T/err" || fail "no rename warning"
cmp -s all.db.old keep.db || fail "all.db.old is not the previous all.db"
pass "errors and the existing output"
