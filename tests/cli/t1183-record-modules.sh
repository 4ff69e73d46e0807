#!/bin/sh
# what a recording knows of its modules (hotstack-recording(5) modules.soname
# and modules.main): the main executable is marked main, libraries are not;
# DT_SONAME is kept (libc.so.6's, a library built with -soname); the same
# when attaching (-p) to a running process
. "$(dirname "$0")/lib.sh"
need_root
top=$(cd "$(dirname "$0")/../.." && pwd)

# a library with a soname, dlopen()ed by samples/dlopen from its directory
mkdir "$T/bin"
cp "$SAMPLES/dlopen" "$T/bin/dlopen-renamed"
gcc -O2 -g -fPIC -shared -Wl,-soname,libhsplugin.so.7 -o "$T/bin/libhsplugin.so" \
	"$top/samples/plugin.c" -I"$top/samples" || fail "gcc -shared failed"
hs record -q -F 999 -o "$T/m.db" -- "$T/bin/dlopen-renamed" 1
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
sqlite3 -separator '|' "$T/m.db" 'select path, ifnull(soname, ""), main from modules' >"$T/mods"
cat "$T/mods"
q() { sqlite3 "$T/m.db" "$1"; }
[ "$(q "select main from modules where path = '$T/bin/dlopen-renamed'")" = 1 ] ||
	fail "the executable is not marked main"
[ "$(q "select count(*) from modules where main = 1")" = 1 ] || fail "more than one main module"
[ "$(q "select soname from modules where path like '%/libc.so.6'")" = libc.so.6 ] ||
	fail "libc.so.6 has no soname"
[ "$(q "select soname || ' ' || main from modules where path = '$T/bin/libhsplugin.so'")" = \
	"libhsplugin.so.7 0" ] || fail "the plugin's soname or main is wrong"
[ "$(q "select ifnull(soname, 'none') from modules where path = '$T/bin/dlopen-renamed'")" = none ] ||
	fail "the executable has a soname"

# attach: the running process's executable is main too
bg "$SAMPLES/split" 30
sleep 0.3
hs record -q -F 999 -o "$T/a.db" -p "$BG" --duration 1
[ "$RC" -eq 0 ] || fail "record -p exited $RC: $(cat "$T/err")"
[ "$(sqlite3 "$T/a.db" "select group_concat(path) from modules where main = 1")" = "$SAMPLES/split" ] ||
	fail "attach: main modules: $(sqlite3 "$T/a.db" 'select path, main from modules')"
assert_running "$BG"
pass "modules carry soname and main"
