#!/bin/sh
# import of `perf script` text: a real `perf record --call-graph dwarf` (and
# -g) of samples/split imports to the same top functions and shares as
# `perf report --no-children --sort sym`; kernel frames get a kernel
# module; threads, times and inlined frames come through; bad lines are
# refused with their line number
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/formats-lib.sh"
cd "$T" || fail "cd $T"

# generated perf script: threads, kernel and inlined frames
write_stack_spec spec
gen_perf_script spec >gen.txt
hs import gen.txt -o gen.db
[ "$RC" -eq 0 ] || fail "import exited $RC: $(cat "$T/err")"
[ "$(meta gen.db import_format)" = "perf script" ] || fail "format not detected"
[ "$(meta gen.db event)" = "cpu-clock:ppp" ] || fail "meta event: $(meta gen.db event)"
[ "$(meta gen.db duration_ns)" = 999000000 ] || fail "meta duration_ns: $(meta gen.db duration_ns)"
[ "$(sqlite3 gen.db "select count(distinct slice) from samples")" -eq 10 ] ||
	fail "1 s of samples should fill 10 slices of 100 ms"
[ "$(sqlite3 gen.db "select group_concat(tid || ':' || pid || ':' || name, ' ') from threads")" = \
  "100:100:app 101:100:worker" ] || fail "threads: $(sqlite3 gen.db "select * from threads")"
[ "$(sqlite3 gen.db "select kind from modules where path = '[kernel.kallsyms]'")" = kernel ] ||
	fail "[kernel.kallsyms] is not a kernel module"
[ "$(sqlite3 gen.db "select m.path || ' ' || f.inline from frames f join modules m on m.id = f.module_id
	where function = 'crc_update'")" = "/usr/bin/app 1" ] || fail "crc_update is not inlined into /usr/bin/app"
"$HOTSTACK" export gen.db | grep -qx '_start;__libc_start_call_main;main;write_out;__write;entry_SYSCALL_64_\[k\];do_syscall_64_\[k\];ksys_write_\[k\] 50' ||
	fail "the kernel stack is not exported as expected: $("$HOTSTACK" export gen.db)"
[ "$("$HOTSTACK" report gen.db --format json | jq .weight_ns)" = 1000000000 ] ||
	fail "cpu-clock periods are not the weights"
pass "generated perf script: threads, slices, kernel and inlined frames, weights"

# srcline lines (perf script -F +srcline) give frames their source
printf 'app 100 [000] 1.000000: 1000000 cpu-clock: \n\t 1050 hash_key+0x15 (/usr/bin/app)\n  hash.c:42\n\t 1040 main+0x14 (/usr/bin/app)\n  ??:0\n\n' >src.txt
hs import src.txt -o src.db
[ "$RC" -eq 0 ] || fail "import of srcline text exited $RC: $(cat "$T/err")"
[ "$(sqlite3 src.db "select file || ':' || line from frames where function = 'hash_key'")" = "hash.c:42" ] ||
	fail "the srcline was not kept"

# bad lines
printf 'app 100 [000] 1.000000: 1000000 cpu-clock: \n\t 1050 hash_key+0x15 (/usr/bin/app)\n\tgarbage here\n' >bad.txt
hs import bad.txt -o bad.db
[ "$RC" -eq 2 ] && grep -q "'bad.txt' line 3: expected a stack frame" "$T/err" ||
	fail "a bad frame line: $RC $(cat "$T/err")"
printf '\t 1050 hash_key+0x15 (/usr/bin/app)\n' >bad.txt
hs import bad.txt -o bad.db --format perf
[ "$RC" -eq 2 ] && grep -q "line 1: a stack frame outside of a sample" "$T/err" ||
	fail "a frame before any header: $RC $(cat "$T/err")"
printf 'app 100 [000] 1.0: 1 cpu-clock:\n\t 1 f (/x)\n\nthis is not a header\n\t 1 f (/x)\n' >bad.txt
hs import bad.txt -o bad.db
[ "$RC" -eq 2 ] && grep -q "line 4: expected a sample header" "$T/err" ||
	fail "a bad header: $RC $(cat "$T/err")"
[ -e bad.db ] && fail "bad.db was left behind"
ls | grep -q 'bad.db' && fail "temporary files left: $(ls)"
pass "bad lines refused with their line number"

need_perf
[ "$(id -u)" -eq 0 ] || skip "needs root for perf record here"

# top functions: perf report against hotstack report of the import
compare_top() {
	# compare_top PERF.DATA NAME
	perf script -i "$1" 2>/dev/null >"$2.txt" || fail "perf script failed"
	hs import "$2.txt" -o "$2.db"
	[ "$RC" -eq 0 ] || fail "import of $2.txt exited $RC: $(cat "$T/err")"
	perf report -i "$1" --no-children --stdio --sort sym 2>/dev/null |
		awk '/^ *[0-9.]+%/ { pct = $1; sub(/%/, "", pct); name = $0
			sub(/^ *[0-9.]+% +\[[^]]*\] +/, "", name); sub(/ +$/, "", name)
			if (name !~ /^0x/) print name "\t" pct }' | head -5 >"$2.perf"
	"$HOTSTACK" report "$2.db" --format json --limit 5 |
		jq -r '.functions[] | select(.self > 0) | "\(.name)\t\(.self_pct)"' | head -5 >"$2.hs"
	echo "perf report:"; cat "$2.perf"
	echo "hotstack report of the import:"; cat "$2.hs"
	for i in 1 2 3; do
		p=$(sed -n "${i}p" "$2.perf")
		h=$(sed -n "${i}p" "$2.hs")
		[ "${p%%	*}" = "${h%%	*}" ] || fail "$2: function $i is '${h%%	*}', perf says '${p%%	*}'"
		within "${p##*	}" "${h##*	}" 0.02 || fail "$2: ${p%%	*} is ${h##*	}%, perf says ${p##*	}%"
	done
}

perf record -q --call-graph dwarf -F 999 -o dwarf.data -- "$SAMPLES/split" 1 >/dev/null 2>&1 ||
	skip "perf record --call-graph dwarf failed here"
compare_top dwarf.data dwarf
m=$(folded_share dwarf.db main)
at_least "$m" 95 || fail "only $m% of the dwarf stacks reach main"
pass "perf record --call-graph dwarf: same top functions and shares, $m% of stacks reach main"

perf record -q -g -F 999 -o fp.data -- "$SAMPLES/split" 1 >/dev/null 2>&1 || fail "perf record -g failed"
compare_top fp.data fp
pass "perf record -g: same top functions and shares"

# kernel frames: a system call heavy run, recorded system-wide for the kernel
perf record -q -g -F 999 -o k.data -- dd if=/dev/zero of=/dev/null bs=1 count=300000 >/dev/null 2>&1 ||
	fail "perf record of dd failed"
perf script -i k.data 2>/dev/null >k.txt
grep -q 'kernel.kallsyms' k.txt || skip "perf recorded no kernel frames here"
hs import k.txt -o k.db
[ "$RC" -eq 0 ] || fail "import of k.txt exited $RC: $(cat "$T/err")"
n=$(sqlite3 k.db "select count(*) from frames f join modules m on m.id = f.module_id
	where m.path = '[kernel.kallsyms]' and m.kind = 'kernel'")
[ "$n" -gt 0 ] || fail "no kernel frames imported"
"$HOTSTACK" export k.db | grep -q '_\[k\]' || fail "kernel frames are not marked _[k] in the export"
pass "kernel frames: $n in module [kernel.kallsyms] of kind kernel"
