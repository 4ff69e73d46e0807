#!/bin/sh
# record samples/split linked by gold (gcc -fuse-ld=gold): the known
# 60/30/10 split within 5 points, >= 99% of stacks reach main
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/linkers.sh"
need_root
command -v ld.gold >/dev/null || skip "no ld.gold (apt-get install binutils)"

linked_split "gold" 'gold-version' gcc -fuse-ld=gold
pass "gold-linked split recorded"
