# linkers.sh - record samples/split built by another compiler or linker
# (sourced by t1170-t1172 after lib.sh)
#
# linked_split LABEL CHECK CC FLAGS...: builds samples/split.c with
# CC FLAGS, makes sure CHECK (a grep -E pattern over `readelf -p .comment
# -SW`) names the linker, records it for 2 s at 999 Hz, and fails unless
# the self time splits 60/30/10 within 5 points and >= 99% of the stacks
# reach main, through main;run;work;leaf_60.
top=$(cd "$(dirname "$0")/../.." && pwd)

linked_split() {
	label=$1 check=$2
	shift 2
	"$@" -O2 -g -fomit-frame-pointer -I"$top/samples" -o "$T/split-bin" \
		"$top/samples/split.c" || fail "$label: $* failed"
	{ readelf -p .comment "$T/split-bin"; readelf -SW "$T/split-bin"; } 2>/dev/null |
		grep -Eq "$check" || fail "$label: the binary was not linked as asked ($check)"
	rm -f "$T/split.db"
	hs record -q -F 999 -o "$T/split.db" -- "$T/split-bin" 2
	[ "$RC" -eq 0 ] || fail "$label: record exited $RC: $(cat "$T/err")"
	echo "$label: samples $(meta "$T/split.db" samples)," \
		"unwind errors $(meta "$T/split.db" unwind_errors)"
	check_split "$T/split.db"
	m=$(folded_share "$T/split.db" main)
	echo "$label: stacks through main: $m%"
	at_least "$m" 99 || fail "$label: only $m% of samples unwound to main()"
	grep -q ';main;run;work;leaf_60 ' "$T/folded" ||
		fail "$label: no main;run;work;leaf_60 stack in: $(head -3 "$T/folded")"
}
