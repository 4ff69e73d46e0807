#!/bin/sh
# Rust: tests/progs/rcrunch.rs built by rustc -O with its default linker
# (rustup's rustc links with LLD) and recorded, once with legacy symbol
# mangling (the default) and once with -C symbol-mangling-version=v0.
# Demangled names (no _ZN/_R, no 17h<hash>), whole stacks down to main and
# rcrunch::main, the 50/30/20 split within 10 points, and --callers by the
# demangled name.
. "$(dirname "$0")/lib.sh"
need_root
top=$(cd "$(dirname "$0")/../.." && pwd)

RUSTC=$(command -v rustc || true)
for r in "$HOME/.cargo/bin/rustc" /root/.cargo/bin/rustc; do
	[ -z "$RUSTC" ] && [ -x "$r" ] && RUSTC=$r
done
[ -n "$RUSTC" ] || skip "no rustc (in PATH, ~/.cargo/bin or /root/.cargo/bin)"
echo "rustc: $RUSTC, $("$RUSTC" --version)"

# rust_case LABEL MIX SPIN [RUSTC FLAGS...]
rust_case() {
	label=$1 mix=$2 spin=$3
	shift 3
	"$RUSTC" -O "$@" -o "$T/rcrunch" "$top/tests/progs/rcrunch.rs" 2>"$T/rustc.err" ||
		fail "$label: rustc failed: $(cat "$T/rustc.err")"
	echo "$label: linker: $(readelf -p .comment "$T/rcrunch" | grep -o 'Linker: [A-Za-z]* [0-9.]*' || echo 'not LLD')"
	rm -f "$T/r.db"
	hs record -q -F 999 -o "$T/r.db" -- "$T/rcrunch" 2
	[ "$RC" -eq 0 ] || fail "$label: record exited $RC: $(cat "$T/err")"
	echo "$label: samples $(meta "$T/r.db" samples), unwind errors $(meta "$T/r.db" unwind_errors)"
	"$HOTSTACK" report "$T/r.db" --format json --limit 0 >"$T/r.json" || fail "$label: report failed"
	jq -r '.functions[].name' "$T/r.json" >"$T/names"
	grep -E '^_ZN|^_R|17h[0-9a-f]{16}' "$T/names" && fail "$label: mangled names in the report"
	a=$(jq -r --arg f "$mix" '[.functions[] | select(.name == $f) | .self_pct] | add // 0' "$T/r.json")
	b=$(jq -r '[.functions[] | select(.name == "rcrunch::acc::accumulate") | .self_pct] | add // 0' "$T/r.json")
	c=$(jq -r --arg f "$spin" '[.functions[] | select(.name | test($f)) | .self_pct] | add // 0' "$T/r.json")
	echo "$label: self: $mix $a%, rcrunch::acc::accumulate $b%, spin_with $c%"
	within "$a" 50 10 || fail "$label: $mix self $a%, expected about 50% (names: $(head -5 "$T/names" | tr '\n' ';'))"
	within "$b" 30 10 || fail "$label: rcrunch::acc::accumulate self $b%, expected about 30%"
	within "$c" 20 10 || fail "$label: spin_with self $c%, expected about 20%"
	m=$(folded_share "$T/r.db" main)
	rm_=$(folded_share "$T/r.db" 'rcrunch::main')
	echo "$label: stacks through main: $m%, through rcrunch::main: $rm_%"
	at_least "$m" 99 || fail "$label: only $m% of samples unwound to main"
	at_least "$rm_" 99 || fail "$label: only $rm_% of samples unwound to rcrunch::main"
	grep -qF ";main;" "$T/folded" || fail "$label: no main frame in $(head -2 "$T/folded")"
	hs report "$T/r.db" --callers "$mix" --format json
	jq -e '[.callers[].name] | index("rcrunch::main") != null' "$T/out" >/dev/null ||
		fail "$label: --callers '$mix': $(jq -c .callers "$T/out") $(cat "$T/err")"
}

rust_case legacy 'rcrunch::crunch::Hasher<u64>::mix' '^rcrunch::spin_with$'
nm "$T/rcrunch" | grep -q '_ZN7rcrunch' || fail "legacy: no legacy-mangled symbols in the binary"
rust_case v0 '<rcrunch::crunch::Hasher<u64>>::mix' '^rcrunch::spin_with::<rcrunch::main::[{]closure#[0-9]+[}]>$' \
	-C symbol-mangling-version=v0
nm "$T/rcrunch" | grep -q ' _RNv' || fail "v0: no v0-mangled symbols in the binary"
pass "Rust legacy and v0 names demangled, stacks whole"
