#!/bin/sh
# t8080: the UI's layering, checked on the sources: nothing under ui/ opens
# the store or runs SQL (it reads through the query layer: profile,
# waitsummary, diff, timeline, threads, source, query), only ui/term.c
# includes curses, and nothing under src/ does. Each rule is first shown
# to catch a file that breaks it, so the check cannot pass by matching
# nothing.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$top/ui/ui.c" ] && [ -f "$top/src/store.h" ] || fail "sources not found under $top"

# The lines of files $2... that break rule $1 (file:line:text).
store_use() {
	grep -nE '#[[:space:]]*include[[:space:]]*[<"](store\.h|sqlite3\.h)[>"]|(^|[^A-Za-z0-9_])(store|sqlite3)_[a-z_]+[[:space:]]*\(' "$@"
}
curses_use() {
	grep -nE '#[[:space:]]*include[[:space:]]*[<"]n?curses(w)?(/[a-z]+)?\.h[>"]|(^|[^A-Za-z0-9_])(initscr|endwin|newterm)[[:space:]]*\(' "$@"
}

# the rules catch what they are for, and not the UI's own names
printf '#include "store.h"\n' >"$T/a.c"
printf 'x = store_open_quick(p, &st, &e);\n' >"$T/b.c"
printf 'sqlite3_exec(db, q, 0, 0, 0);\n' >"$T/c.c"
printf '#include <ncursesw/curses.h>\n' >"$T/d.c"
printf 'st = mq_store_get(&v->store, path, &e);\n' >"$T/e.c"
for f in a b c; do
	store_use "$T/$f.c" >/dev/null || fail "the store rule misses $(cat "$T/$f.c")"
done
curses_use "$T/d.c" >/dev/null || fail "the curses rule misses $(cat "$T/d.c")"
! store_use "$T/e.c" >/dev/null || fail "the store rule takes the UI's mq_store_get()"

bad=$(store_use "$top"/ui/*.c "$top"/ui/*.h)
[ -z "$bad" ] || fail "ui/ reads the store around the query layer:
$bad"
pass "nothing under ui/ includes store.h or sqlite3.h or calls store_*/sqlite3_*"

bad=$(curses_use $(ls "$top"/ui/*.c "$top"/ui/*.h | grep -v '/ui/term\.c$'))
[ -z "$bad" ] || fail "curses outside ui/term.c:
$bad"
curses_use "$top/ui/term.c" >/dev/null || fail "ui/term.c does not include curses: the rule is stale"
bad=$(curses_use "$top"/src/*.c "$top"/src/*.h)
[ -z "$bad" ] || fail "src/ includes curses:
$bad"
pass "curses only in ui/term.c"
