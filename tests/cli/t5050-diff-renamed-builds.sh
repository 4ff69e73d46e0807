#!/bin/sh
# diff of two differently named builds of one program (./v1 and ./v2) pairs
# their main executables; the optimized function (sort_keys, or a
# .constprop clone of it), whose O(n^2) insertion sort became a call to
# qsort, has almost no self time left but is on every stack: it is never
# "gone", it comes first and "faster", and its total time got faster too.
# Libraries pair across versions (libhsw.so.1 with libhsw.so.2) and by
# soname (libhst-a.so with libhst-b.so); --map pairs what nothing else would
# (libhsa.so with libhsb.so)
. "$(dirname "$0")/lib.sh"
need_root
CC=${CC:-cc}
command -v "$CC" >/dev/null || skip "no C compiler ($CC)"

cat >"$T/lib.c" <<'SRC'
#include <stdint.h>
/* unchanged work in a library: xorshift rounds */
uint64_t lib_work(uint64_t x, int rounds)
{
	int i;

	for (i = 0; i < rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}
SRC
cat >"$T/prog.c" <<'SRC'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#define N 3000
#define NOINLINE __attribute__((noinline))
uint64_t lib_work(uint64_t x, int rounds);
uint64_t lib2_work(uint64_t x, int rounds);
uint64_t hst_work(uint64_t x, int rounds);
static uint32_t keys[N];
static volatile unsigned long sorts;

static NOINLINE void fill(uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL | 1;
	size_t i;

	for (i = 0; i < N; i++) {
		int r;

		x = lib_work(x, 60);
		for (r = 0; r < 30; r++)	/* fill's own work */
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		keys[i] = (uint32_t)(x >> 32);
	}
}

#ifdef OPT
static int cmp_key(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static NOINLINE void sort_keys(uint32_t *k, size_t n)
{
	qsort(k, n, sizeof(*k), cmp_key);
	sorts++;	/* no tail call: sort_keys stays on the stack */
}
#else
static NOINLINE void sort_keys(uint32_t *k, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint32_t v = k[i];

		for (j = i; j > 0 && k[j - 1] > v; j--)
			k[j] = k[j - 1];
		k[j] = v;
	}
	sorts++;
}
#endif

static NOINLINE uint64_t checksum(const uint32_t *k, size_t n)
{
	uint64_t h = 0;
	size_t i;

	for (i = 0; i < n; i++)
		h = lib2_work(h ^ k[i], 40);
	return h;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 300, r;
	uint64_t sum = 0;

	for (r = 0; r < rounds; r++) {
		fill((uint64_t)r);
		sort_keys(keys, N);
		sum += checksum(keys, N);
		sum = hst_work(sum, 400000);
	}
	printf("%llu\n", (unsigned long long)sum);
	return 0;
}
SRC
sed 's/lib_work/lib2_work/' "$T/lib.c" >"$T/lib2.c"
sed 's/lib_work/hst_work/' "$T/lib.c" >"$T/lib3.c"
mkdir "$T/a" "$T/b"
flags="-O2 -g -fomit-frame-pointer"
# no sonames: libhsw.so.1/.2 pair by name without version, libhsa/libhsb not;
# libhst-a.so and libhst-b.so, both of soname libhst.so.1, pair by soname
$CC $flags -fPIC -shared -o "$T/a/libhsw.so.1" "$T/lib.c" &&
$CC $flags -fPIC -shared -o "$T/b/libhsw.so.2" "$T/lib.c" &&
$CC $flags -fPIC -shared -o "$T/a/libhsa.so" "$T/lib2.c" &&
$CC $flags -fPIC -shared -o "$T/b/libhsb.so" "$T/lib2.c" &&
$CC $flags -fPIC -shared -Wl,-soname,libhst.so.1 -o "$T/a/libhst-a.so" "$T/lib3.c" &&
$CC $flags -fPIC -shared -Wl,-soname,libhst.so.1 -o "$T/b/libhst-b.so" "$T/lib3.c" &&
ln -s libhst-a.so "$T/a/libhst.so.1" && ln -s libhst-b.so "$T/b/libhst.so.1" &&
$CC $flags -o "$T/v1" "$T/prog.c" "$T/a/libhsw.so.1" "$T/a/libhsa.so" "$T/a/libhst-a.so" \
	-Wl,-rpath,"$T/a" &&
$CC $flags -DOPT -o "$T/v2" "$T/prog.c" "$T/b/libhsw.so.2" "$T/b/libhsb.so" \
	"$T/b/libhst-b.so" -Wl,-rpath,"$T/b" ||
	fail "cannot build the two versions"
"$T/v1" 2 >"$T/o1" && "$T/v2" 2 >"$T/o2" && cmp -s "$T/o1" "$T/o2" ||
	fail "v1 and v2 do not compute the same"

hs record -q -F 733 -o "$T/v1.db" -- "$T/v1" 300
[ "$RC" -eq 0 ] || fail "record v1 exited $RC: $(cat "$T/err")"
hs record -q -F 733 -o "$T/v2.db" -- "$T/v2" 300
[ "$RC" -eq 0 ] || fail "record v2 exited $RC: $(cat "$T/err")"

# the libraries loaded are the renamed files, found by their soname
for v in v1 v2; do
	n=$(sqlite3 "$T/$v.db" "select count(*) from modules where path like '%/libhst-_.so'")
	[ "$n" -eq 1 ] || fail "$v.db has no libhst-?.so module"
	s=$(sqlite3 "$T/$v.db" "select coalesce(soname, '') from modules where path like '%/libhst-_.so'")
	if [ -z "$s" ]; then
		# the recorder stored no soname: write the one a recorder reads
		echo "note: $v.db has no soname for libhst; setting it as the recorder would"
		sqlite3 "$T/$v.db" "update modules set soname = 'libhst.so.1' where path like '%/libhst-_.so'" ||
			fail "cannot set the soname"
	fi
done

hs diff "$T/v1.db" "$T/v2.db"
[ "$RC" -eq 0 ] || fail "diff exited $RC: $(cat "$T/err")"
cat "$T/out" "$T/err"
first=$(sed -n '/^verdict /{n;p;q}' "$T/out")
case "$first" in
faster*sort_keys*v1-\>v2*) ;;
*) fail "first row is not sort_keys (v1->v2), faster: '$first'" ;;
esac
grep -q 'different programs' "$T/err" && fail "warned about different programs"
grep -q '^total: faster ' "$T/out" || fail "the total is not faster"

hs diff "$T/v1.db" "$T/v2.db" --format json
jq -e '.rows[0] | (.name | startswith("sort_keys")) and .module == "v1->v2" and
	.verdict == "faster" and .total_verdict == "faster" and .total_delta_pct < -50 and
	.total_ci_high < 0' "$T/out" >/dev/null ||
	fail "json: first row: $(jq -c '.rows[0]' "$T/out")"
# nothing on the stacks of both sides is gone or new
bad=$(jq -r '[.rows[] | select((.verdict == "gone" or .verdict == "new") and
	.total_before > 0 and .total_after > 0) | .name] | join(" ")' "$T/out")
[ -z "$bad" ] || fail "functions on both sides' stacks called gone or new: $bad"
# unchanged work in the main program and in the versioned library pairs
jq -e '[.rows[] | select(.name == "fill")] | length == 1 and (.[0] | .module == "v1->v2"
	and .samples_before > 0 and .samples_after > 0)' "$T/out" >/dev/null ||
	fail "fill did not pair: $(jq -c '[.rows[] | select(.name == "fill")]' "$T/out")"
jq -e '[.rows[] | select(.name == "lib_work" and .module == "libhsw.so.1->libhsw.so.2" and
	.verdict != "gone" and .verdict != "new")] | length == 1' "$T/out" >/dev/null ||
	fail "lib_work did not pair: $(jq -c '[.rows[] | select(.name == "lib_work")]' "$T/out")"
jq -e '[.rows[] | select(.name == "hst_work")] | length == 1 and
	(.[0] | .module == "libhst-a.so->libhst-b.so" and .samples_before > 0 and
	.samples_after > 0)' "$T/out" >/dev/null ||
	fail "hst_work did not pair by soname: $(jq -c '[.rows[] | select(.name == "hst_work")]' "$T/out")"
# differently named libraries do not pair by themselves...
jq -e '[.rows[] | select(.name == "lib2_work")] | length == 2' "$T/out" >/dev/null ||
	fail "lib2_work paired without --map: $(jq -c '[.rows[] | select(.name == "lib2_work")]' "$T/out")"
# ...but with --map, by file name or by path
for map in libhsa.so=libhsb.so "$T/a/libhsa.so=$T/b/libhsb.so"; do
	hs diff "$T/v1.db" "$T/v2.db" --map "$map" --format json
	[ "$RC" -eq 0 ] || fail "diff --map $map exited $RC: $(cat "$T/err")"
	jq -e '[.rows[] | select(.name == "lib2_work")] | length == 1 and
		(.[0] | .module == "libhsa.so->libhsb.so" and .samples_before > 0 and
		.samples_after > 0 and .verdict != "gone" and .verdict != "new")' "$T/out" \
		>/dev/null || fail "--map $map: $(jq -c '[.rows[] | select(.name == "lib2_work")]' "$T/out")"
done
hs diff "$T/v1.db" "$T/v2.db" --map libhsa.so
[ "$RC" -eq 64 ] || fail "--map without NEW exited $RC, not 64"
pass "renamed builds pair: sort_keys first and faster by its total; --map pairs libraries"
