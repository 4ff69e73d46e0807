#!/bin/sh
# a parent and a child forked without exec share the parent's mappings at
# first (and hotstack's Dwfl of them: the parent is sampled before the
# fork), then each dlopen()s a library the other does not map: each
# process's plugin samples are named in its own library, none in the
# other's, none unnamed; whole stacks
. "$(dirname "$0")/lib.sh"
need_root

cp "$SAMPLES/libhsplugin.so" "$T/liba.so" && cp "$SAMPLES/libhsplugin.so" "$T/libb.so" ||
	fail "cannot copy the plugin"
hs record -q -F 999 -o "$T/r.db" -- "$TESTPROGS/forkdl" "$T/liba.so" "$T/libb.so" 1.6
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
grep -qx 'child done' "$T/out" && grep -qx 'parent done' "$T/out" ||
	fail "forkdl did not finish: $(cat "$T/out")"

parent=$(sqlite3 "$T/r.db" "select value from meta where key = 'pids'")
[ -n "$parent" ] || parent=$(sqlite3 "$T/r.db" "select min(pid) from processes")
# leaf samples by process (parent or child) and leaf frame
sqlite3 -separator ' ' "$T/r.db" "
	select case when t.pid = $parent then 'parent' else 'child' end,
	       replace(m.path, rtrim(m.path, replace(m.path, '/', '')), ''), f.function,
	       sum(s.count)
	from samples s join threads t on t.tid = s.tid
	join stack_nodes n on n.id = s.node_id join frames f on f.id = n.frame_id
	left join modules m on m.id = f.module_id
	where s.kind = 0 group by 1, 2, 3 order by 4 desc" >"$T/leaves" ||
	fail "cannot query the recording"
head -8 "$T/leaves"
count() { awk -v w="$1" -v m="$2" -v f="$3" '$1 == w && $2 == m && $3 ~ f { n += $4 } END { print n + 0 }' "$T/leaves"; }
ca=$(count child liba.so '^plugin_hot$') pb=$(count parent libb.so '^plugin_hot$')
cb=$(count child libb.so .) pa=$(count parent liba.so .)
unnamed=$(awk '$2 ~ /^lib[ab]\.so$/ && $3 ~ /\+0x/ { n += $4 } END { print n + 0 }' "$T/leaves")
echo "child: plugin_hot in liba.so $ca, in libb.so $cb; parent: in libb.so $pb, in liba.so $pa;" \
	"unnamed in the plugins $unnamed"
[ "$ca" -ge 100 ] || fail "the child's plugin_hot has $ca samples in liba.so"
[ "$pb" -ge 100 ] || fail "the parent's plugin_hot has $pb samples in libb.so"
[ "$cb" -eq 0 ] && [ "$pa" -eq 0 ] || fail "samples in the other process's library: $cb, $pa"
[ "$unnamed" -eq 0 ] || fail "$unnamed plugin samples unnamed"
[ "$(count child forkdl '^leaf_60$')" -ge 100 ] && [ "$(count parent forkdl '^leaf_60$')" -ge 100 ] ||
	fail "the shared phase was not sampled in both processes"
m=$(folded_share "$T/r.db" main)
echo "stacks through main: $m%"
at_least "$m" 99 || fail "only $m% of samples unwound to main()"
pass "forked processes whose mappings part are each symbolized by their own"
