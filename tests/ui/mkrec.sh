#!/bin/sh
# tests/ui/mkrec.sh STACKS OUT.db - a recording from a tests/ui/*.stacks file,
# through `perf script` text and `hotstack import` (needs $HOTSTACK). The
# same input makes the same recording, so golden screens stay stable.
set -eu
dir=$(dirname "$0")
awk -f "$dir/mkperf.awk" "$1" | sort -s -t "$(printf '\t')" -k1,1n | cut -f2- | tr '\001' '\n' >"$2.perf"
"$HOTSTACK" import -f perf -o "$2" "$2.perf" >"$2.log" 2>&1 || { cat "$2.log" >&2; exit 1; }
rm -f "$2.log"
rm -f "$2.perf"
