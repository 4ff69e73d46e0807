#!/bin/sh
# record samples/split linked by LLD (clang -fuse-ld=lld): LLD starts the
# executable segment in the file page that ends the read-only one, so the
# load bias must come from the R E segment. The known 60/30/10 split within
# 5 points, >= 99% of stacks reach main; also with -z separate-code.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/linkers.sh"
need_root
command -v clang >/dev/null || skip "no clang (apt-get install clang)"
command -v ld.lld >/dev/null || skip "no ld.lld (apt-get install lld)"

linked_split "lld" 'Linker:.*LLD' clang -fuse-ld=lld
linked_split "lld -z separate-code" 'Linker:.*LLD' clang -fuse-ld=lld -Wl,-z,separate-code
pass "LLD-linked split recorded"
