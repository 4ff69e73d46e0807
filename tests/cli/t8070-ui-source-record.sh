#!/bin/sh
# t8070: a real recording's source lines open in the UI from any working
# directory. DWARF names files relative to the compilation directory
# (../samples/work.h from an out-of-tree build); the recording keeps them
# joined to DW_AT_comp_dir, so `v` on the hottest function shows its file
# with the samples on the line that burns them.
. "$(dirname "$0")/lib.sh"

need_root
cd "$T" || fail "no $T"
hs record -q -F 499 -o s.db -- "$SAMPLES/split" >/dev/null
file=$(sqlite3 s.db "select file from frames f join stack_nodes n on n.frame_id = f.id
	where function = 'leaf_60' and file is not null limit 1")
case $file in
/*) ;;
*) fail "leaf_60's source file is not an absolute path: '$file'" ;;
esac
[ -r "$file" ] || fail "leaf_60's source file '$file' cannot be read"
case $file in
*/../* | */./*) fail "the path was not folded: '$file'" ;;
esac
LANG=C.UTF-8 "$HOTSTACK" ui s.db --headless 100x30 --keys 'v' >screen.txt 2>err.txt ||
	{ cat err.txt; fail "hotstack ui failed"; }
grep -q "^  line .*work\.h" screen.txt || { cat screen.txt; fail "v did not open work.h"; }
grep -q "cannot open" screen.txt && { cat screen.txt; fail "the source was not found"; }
# leaf_60 is about 60% of the samples; its loop line carries them
hot=$(awk '/│/ && $2 ~ /^[0-9]+$/ && $2 > max { max = $2 } END { print max + 0 }' screen.txt)
total=$(meta s.db samples)
at_least "$hot" $((total / 3)) "samples on leaf_60's hottest line (of $total)"
pass "source of leaf_60: $file, $hot of $total samples on its hottest line"
