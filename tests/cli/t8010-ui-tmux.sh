#!/bin/sh
# t8010: hotstack ui driven in a real terminal (tmux): open a recording,
# switch views, sort, expand the tree, zoom the flame graph and back,
# search, help, kernel frames, export, resize to 80x24 and below, quit with
# q, Ctrl-C and SIGTERM with the terminal restored each time; refusal
# without a terminal; report's message for a missing file; a symbol and a
# thread name with escape sequences shown neutralized.
# The screen is polled with capture-pane until it shows what is expected
# (no blind sleeps); tmux runs on a private socket with a fixed
# default-terminal, LANG and window size.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || skip "needs tmux (apt-get install tmux)"
top=$(cd "$(dirname "$0")/../.." && pwd)
LANG=C.UTF-8 LC_ALL=C.UTF-8
export LANG LC_ALL
sh "$top/tests/ui/mkrec.sh" "$top/tests/ui/small.stacks" "$T/small.db" ||
	fail "cannot build the fixed recording"

NSOCK=0
SOCK="hs-ui-$$-0"
printf 'set -g default-terminal screen-256color\nset -g status off\nset -g escape-time 10\n' >"$T/tmux.conf"
tm() { tmux -L "$SOCK" -f "$T/tmux.conf" "$@"; }
stop_tmux() { tm kill-server 2>/dev/null || true; }
trap 'stop_tmux; cleanup' EXIT

# start CMD...: a fresh 100x30 session running CMD, then a line with its
# exit code and whether the terminal is sane again (echo, icanon).
start() {
	stop_tmux
	NSOCK=$((NSOCK + 1))
	SOCK="hs-ui-$$-$NSOCK"	# a fresh server: no race with the old one exiting
	printf '#!/bin/sh\ncd "%s"\n"$@"\necho "EXIT=$?"\nstty -a | tr " " "\\n" | grep -x -e -icanon -e -echo -e icanon -e echo | tr "\\n" " "; echo STTY\nexec sleep 600\n' "$T" >"$T/run.sh"
	tm new-session -d -s ui -x 100 -y 30 -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 sh "$T/run.sh" "$@" ||
		fail "tmux new-session failed"
}

screen() { tm capture-pane -p -t ui; }

# wait_for TEXT [SECONDS]: poll until the screen shows TEXT (fixed string)
wait_for() {
	i=0
	until screen | grep -qF -- "$1"; do
		i=$((i + 1))
		if [ $i -gt $(( ${2:-10} * 20 )) ]; then
			screen
			fail "screen never showed '$1'"
		fi
		sleep 0.05
	done
}

# wait_gone TEXT: poll until the screen no longer shows TEXT
wait_gone() {
	i=0
	while screen | grep -qF -- "$1"; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			screen
			fail "screen still shows '$1'"
		fi
		sleep 0.05
	done
}

keys() { tm send-keys -t ui "$@"; }

# restored: the program ended with code $1 and left the terminal sane
restored() {
	wait_for "EXIT=$1"
	wait_for "STTY"
	screen | grep -q "icanon echo STTY\|echo icanon STTY" ||
		{ screen; fail "terminal not restored (stty shows $(screen | grep STTY))"; }
	[ "$(tm display -p -t ui '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"
	[ "$(tm display -p -t ui '#{cursor_flag}')" = 1 ] || fail "cursor left hidden"
}

# ---- browse ----
start "$HOTSTACK" ui small.db
wait_for "samples 1403"
wait_for " 1 Hot  2 Tree  3 Flame"
screen | grep -q "deflate_slow" || fail "hotspots: no deflate_slow"
pass "opens on Hotspots"

keys s
wait_for "sorted by total"
screen | sed -n 4p | grep -q "_start\|main" || fail "sort by total: first row is not _start/main"
pass "sorts"

keys 2
wait_for "function -> callees"
keys E
wait_for "hash_key"
wait_for "ksys_write"
pass "call tree expands"

keys 3
wait_for "› flame"
keys k k k Enter
wait_for "zoom: all > _start > main > handle_request"
wait_for "(100.00% of the zoom)"
keys Escape
wait_gone "zoom:"
pass "flame graph zooms in and out"

keys / d e f l a t e Enter
wait_for "deflate_slow  /usr/lib/x86_64-linux-gnu/libz.so.1"
pass "search"

keys '?'
wait_for "Keys: Flame graph"
keys q
wait_gone "Keys: Flame graph"
keys C-l
wait_for "› flame"
pass "help opens and closes; Ctrl-L redraws"

keys K
wait_for "kernel hidden"
screen | grep -q "ksys_write" && fail "kernel frames still drawn when hidden"
keys K
wait_gone "kernel hidden"
pass "kernel frames hide and show"

keys Tab
wait_gone "› flame"
keys BTab
wait_for "› flame"
keys 1
wait_for "self%"
keys e C-u
keys "$T/hot.txt" Enter
wait_for "wrote the Hotspots view"
grep -q "deflate_slow" "$T/hot.txt" || fail "export has no deflate_slow"
pass "export"

# a thread (Threads view) and a time range (Timeline) filter every view
keys 5
wait_for "worker"
keys j j Enter
wait_for "› thread 102"
wait_for "samples 600 "
keys 1
wait_for "deflate_slow"
screen | grep "deflate_slow" | grep -q "83.33%" || { screen; fail "thread 102: deflate_slow is not 500/600"; }
keys Escape
wait_for "samples 1403 "
keys 6
wait_for "samples per column"
keys Space l l l l l Enter
wait_for "› 0.000-0.600 s"
wait_for "samples 246 "
keys 1
wait_for "hash_key"
screen | grep -q "deflate_slow" && { screen; fail "worker's deflate_slow (from 1 s) in the first 0.6 s"; }
keys Escape
wait_for "samples 1403 "
pass "thread and time range filters change the numbers, Esc undoes them"

tm resize-window -t ui -x 80 -y 24
wait_for " 1 Hot  2  3 "
tm resize-window -t ui -x 70 -y 20
wait_for "needs at least 80x24; this terminal is 70x20"
tm resize-window -t ui -x 100 -y 30
wait_for " 1 Hot  2 Tree  3 Flame"
pass "resize to 80x24 and below"

keys q
restored 0
pass "q quits and restores the terminal"

# ---- colours: some by default, none with NO_COLOR (attributes only) ----
screen_sgr() { tm capture-pane -e -p -t ui; }
start "$HOTSTACK" ui small.db
wait_for "samples 1403"
screen_sgr | grep -q "$(printf '\033')\[3[0-7]m" || fail "no colours by default"
keys q
restored 0
start env NO_COLOR=1 "$HOTSTACK" ui small.db --no-mouse
wait_for "samples 1403"
screen_sgr | grep -q "$(printf '\033')\[[34][0-7]m" && fail "colours despite NO_COLOR"
screen_sgr | grep -q "$(printf '\033')\[[0-9;]*7m" || fail "no reverse video for the cursor"
keys q
restored 0
pass "NO_COLOR: attributes, no colours"

# ---- Ctrl-C and SIGTERM ----
start "$HOTSTACK" ui small.db
wait_for "samples 1403"
keys C-c
restored 130
pass "Ctrl-C restores the terminal"

start "$HOTSTACK" ui small.db
wait_for "samples 1403"
pid=$(pgrep -P "$(tm display -p -t ui '#{pane_pid}')" | head -1)
[ -n "$pid" ] && grep -q hotstack "/proc/$pid/cmdline" || fail "no hotstack process"
kill -TERM "$pid"
restored 143
pass "SIGTERM restores the terminal"

# ---- no terminal, bad file ----
"$HOTSTACK" ui "$T/small.db" >"$T/out" 2>"$T/err" </dev/null && fail "ui without a terminal succeeded"
grep -q "report" "$T/err" || fail "refusal does not point to report: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "refusal is not one line"
start "$HOTSTACK" ui missing.db
wait_for "EXIT=2"
(cd "$T" && "$HOTSTACK" report missing.db) 2>"$T/report.err" >/dev/null
screen | grep -qF "$(cat "$T/report.err")" || { screen; fail "not report's message: $(cat "$T/report.err")"; }
pass "no terminal refused, missing file as report says"

# ---- escape sequences in the target's names ----
printf 'ev\033]0;PWNED\007il 100/101 [000] 1000.000000: 1000000 cpu-clock:ppp: \n\t 1000 bad\033[2J\302\233name+0x4 (/usr/bin/app)\n\t 1010 main+0x4 (/usr/bin/app)\n\n' >"$T/evil.perf"
printf 'ev\033]0;PWNED\007il 100/101 [000] 1000.001000: 1000000 cpu-clock:ppp: \n\t 1000 caf\303\251_latte+0x4 (/usr/bin/app)\n\t 1010 main+0x4 (/usr/bin/app)\n\n' >>"$T/evil.perf"
"$HOTSTACK" import -f perf -o "$T/evil.db" "$T/evil.perf" >/dev/null 2>&1 || fail "import of evil.perf"
start "$HOTSTACK" ui evil.db
wait_for 'bad\x1b[2J\xc2\x9bname'
wait_for 'evil.db (ev\x1b]0;PWNED\x07il)'
keys 3 k k
wait_for 'bad\x1b[2J\xc2\x9bname  /usr/bin/app'
[ "$(tm display -p -t ui '#{pane_title}')" != PWNED ] || fail "the thread name set the title"
screen | grep -qF "café_latte" || fail "UTF-8 name not shown as UTF-8"
keys q
restored 0
pass "escape sequences neutralized"

# not a UTF-8 locale: ASCII drawing, every non-ASCII byte escaped
start env LANG=C LC_ALL=C "$HOTSTACK" ui evil.db
wait_for 'caf\xc3\xa9_latte'
wait_for 'evil.db (ev\x1b]0;PWNED\x07il) > cpu'
keys q
restored 0
pass "ASCII fallback outside UTF-8 locales"
