#!/bin/sh
# stripped binaries: samples/split.c built with -g, its debug info moved to
# a separate file, the binary stripped.
# - found through .gnu_debuglink (next to the binary) and through its
#   build-id under /usr/lib/debug/.build-id/xx/yyyy.debug (as Debian's
#   dbgsym packages install it): full names and source lines, the split
#   within 5 points, >= 99% of stacks through main;
# - no debug file at all: each unnamed function gets one name, its FDE's
#   start ("split+0x<start of leaf_60>"), not one name per address, and
#   the split still adds up per function.
. "$(dirname "$0")/lib.sh"
need_root
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v objcopy >/dev/null || skip "no objcopy (apt-get install binutils)"

gcc -O2 -g -fomit-frame-pointer -I"$top/samples" -o "$T/split.full" "$top/samples/split.c" ||
	fail "gcc failed"
objcopy --only-keep-debug "$T/split.full" "$T/split.debug" || fail "objcopy --only-keep-debug failed"

# full_names LABEL: the last recording has leaf_60 etc. with their lines
full_names() {
	check_split "$T/s.db"
	"$HOTSTACK" report "$T/s.db" --format json --limit 0 >"$T/r.json"
	jq -e '.functions[] | select(.name == "leaf_60") | .file | test("work\\.h$")' "$T/r.json" \
		>/dev/null || fail "$1: leaf_60 has no source line: $(jq -c '.functions[0]' "$T/r.json")"
	m=$(folded_share "$T/s.db" main)
	echo "$1: stacks through main: $m%"
	at_least "$m" 99 || fail "$1: only $m% of samples unwound to main()"
	grep -q ';main;run;work;leaf_60 ' "$T/folded" || fail "$1: no main;run;work;leaf_60 stack"
}

record() {
	rm -f "$T/s.db"
	hs record -q -F 999 -o "$T/s.db" -- "$1" 2
	[ "$RC" -eq 0 ] || fail "record of $1 exited $RC: $(cat "$T/err")"
}

# .gnu_debuglink: the debug file next to the binary
mkdir "$T/link"
objcopy --strip-all --add-gnu-debuglink="$T/split.debug" "$T/split.full" "$T/link/split" ||
	fail "objcopy --strip-all --add-gnu-debuglink failed"
cp "$T/split.debug" "$T/link/split.debug"
readelf -S "$T/link/split" | grep -q '\.symtab' && fail "link/split is not stripped"
record "$T/link/split"
full_names debuglink

# build-id: /usr/lib/debug/.build-id/xx/yyyy.debug, no debuglink
mkdir "$T/bid"
objcopy --strip-all "$T/split.full" "$T/bid/split" || fail "objcopy --strip-all failed"
id=$(readelf -n "$T/bid/split" | awk '/Build ID:/ { print $3 }')
[ -n "$id" ] || fail "no build-id in $T/bid/split"
dir=/usr/lib/debug/.build-id/$(echo "$id" | cut -c1-2)
dbg=$dir/$(echo "$id" | cut -c3-).debug
[ -e "$dbg" ] && fail "$dbg exists already"
made_dir=
[ -d "$dir" ] || made_dir=$dir
mkdir -p "$dir" && cp "$T/split.debug" "$dbg" || fail "cannot install $dbg"
trap 'rm -f "$dbg"; [ -n "$made_dir" ] && rmdir "$made_dir" 2>/dev/null; cleanup' EXIT
record "$T/bid/split"
full_names build-id
rm -f "$dbg"

# no debug file: one name per function, at its FDE's start
record "$T/bid/split"
# leaf_N's file offset in the unstripped twin (same layout)
leaf_off() {
	addr=$(nm "$T/split.full" | awk -v f="$1" '$3 == f { print $1 }')
	[ -n "$addr" ] || fail "no $1 in nm of split.full"
	addr=$((0x$addr))
	readelf -lW "$T/split.full" | awk '$1 == "LOAD" { print $2, $3, $5 }' |
		while read -r off va fsz; do
			if [ "$addr" -ge $((va)) ] && [ "$addr" -lt $((va + fsz)) ]; then
				printf '0x%x\n' $((addr - va + off))
			fi
		done
}
for f in leaf_60 leaf_30 leaf_10; do
	o=$(leaf_off "$f")
	[ -n "$o" ] || fail "cannot place $f in a segment"
	eval "name_$f=split+$o"
done
# shellcheck disable=SC2154
echo "unnamed: leaf_60 is $name_leaf_60, leaf_30 $name_leaf_30, leaf_10 $name_leaf_10"
"$HOTSTACK" report "$T/s.db" --format json --limit 0 >"$T/r.json"
pct() { jq -r --arg f "$1" '[.functions[] | select(.name == $f) | .self_pct] | add // 0' "$T/r.json"; }
a=$(pct "$name_leaf_60") b=$(pct "$name_leaf_30") c=$(pct "$name_leaf_10")
echo "unnamed: self $a%, $b%, $c%"
within "$a" 60 5 || fail "$name_leaf_60 (leaf_60) self $a%: $(jq -c '[.functions[:6][] | [.name, .self_pct]]' "$T/r.json")"
within "$b" 30 5 || fail "$name_leaf_30 (leaf_30) self $b%"
within "$c" 10 5 || fail "$name_leaf_10 (leaf_10) self $c%"
# the whole module: a handful of names, not one per sampled address
n=$(jq '[.functions[] | select(.name | startswith("split+"))] | length' "$T/r.json")
echo "unnamed: $n names in split"
[ "$n" -le 8 ] || fail "$n names for split's few functions: $(jq -c '[.functions[].name]' "$T/r.json")"
at_least "$(folded_share "$T/s.db" '__libc_start_call_main')" 99 || fail "stripped: stacks not whole"
pass "separate debug files found; unnamed functions named by their FDE"
