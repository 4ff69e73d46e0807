#!/bin/sh
# record samples/split linked by mold (gcc -fuse-ld=mold) and by BFD with
# -z separate-code: the known 60/30/10 split within 5 points, >= 99% of
# stacks reach main
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/linkers.sh"
need_root
command -v ld.mold >/dev/null || skip "no ld.mold (apt-get install mold)"

linked_split "mold" '\]  mold ' gcc -fuse-ld=mold
linked_split "bfd -z separate-code" 'GCC:' gcc -fuse-ld=bfd -Wl,-z,separate-code
pass "mold- and BFD-linked split recorded"
