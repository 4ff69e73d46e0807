#!/bin/sh
# threads read asleep have no rbp: a frame addressed through it (a
# variable-length array, code built with frame pointers) is passed by
# finding the rbp it pushed on the stack. Every thread of idle, built
# -O2 with a VLA frame and built with -fno-omit-frame-pointer, unwinds
# whole without a stop, to the same frames as with --stop-all.
. "$(dirname "$0")/lib.sh"
need_root

frames() {	# frames JSON: "name complete stopped f1 f2 ..." per thread
	jq -r '.threads[] | "\(.name) \(.complete) \(.stopped) " + ([.frames[].function] | join(" "))' "$1"
}

for prog in idle idle-fp; do
	bg "$TESTPROGS/$prog" 60 vla
	target=$BG
	sleep 0.3
	i=0
	until [ "$(grep -c . "/proc/$target/task/"*/comm 2>/dev/null | wc -l)" -eq 4 ]; do
		i=$((i + 1)); [ $i -gt 100 ] && fail "$prog did not start its threads"
		sleep 0.05
	done
	sleep 0.2
	hs stacks "$target" --format json -v
	[ "$RC" -eq 0 ] || fail "$prog: exit $RC: $(cat "$T/err")"
	frames "$T/out" >"$T/asleep"
	hs stacks "$target" --format json --unwinder libdw
	[ "$RC" -eq 0 ] || fail "$prog, libdw: exit $RC: $(cat "$T/err")"
	frames "$T/out" >"$T/asleep-libdw"
	hs stacks "$target" --format json --stop-all
	[ "$RC" -eq 0 ] || fail "$prog, --stop-all: exit $RC: $(cat "$T/err")"
	frames "$T/out" | sed 's/^\([^ ]*\) true true /\1 true false /' >"$T/stopped"
	cat "$T/asleep"
	[ "$(grep -c ' true false ' "$T/asleep")" -eq 4 ] ||
		fail "$prog: not every thread is whole and read asleep"
	grep -q '^vla true false .* nap_vla vla start_thread __clone3$' "$T/asleep" ||
		fail "$prog: the VLA frame was not passed: $(grep '^vla' "$T/asleep")"
	cmp -s "$T/asleep" "$T/stopped" || fail "$prog: asleep and stopped stacks differ: $(diff "$T/asleep" "$T/stopped")"
	cmp -s "$T/asleep" "$T/asleep-libdw" || fail "$prog: libunwind and libdw differ: $(diff "$T/asleep" "$T/asleep-libdw")"
	kill "$target"
	wait "$target" 2>/dev/null || true
	pass "$prog: whole stacks read asleep, the same as stopped"
done
