# live-lib.sh - tmux helpers for the live tests (t90*), sourced after lib.sh
#
# tmux runs on a private socket with a fixed default-terminal, LANG and a
# 100x30 window; the screen is polled with capture-pane, never slept on.
command -v tmux >/dev/null || skip "needs tmux (apt-get install tmux)"
LANG=C.UTF-8 LC_ALL=C.UTF-8
export LANG LC_ALL
NSOCK=0
SOCK="hs-live-$$-0"
printf 'set -g default-terminal screen-256color\nset -g status off\nset -g escape-time 10\n' >"$T/tmux.conf"
tm() { tmux -L "$SOCK" -f "$T/tmux.conf" "$@"; }
stop_tmux() { tm kill-server 2>/dev/null || true; }
trap 'stop_tmux; cleanup' EXIT

# start CMD...: a fresh session running CMD in $T; afterwards the session
# prints EXIT=code and the terminal's echo/icanon state, then STTY.
start() {
	stop_tmux
	NSOCK=$((NSOCK + 1))
	SOCK="hs-live-$$-$NSOCK"
	printf '#!/bin/sh\ncd "%s"\n"$@"\necho "EXIT=$?"\nstty -a | tr " " "\\n" | grep -x -e -icanon -e -echo -e icanon -e echo | tr "\\n" " "; echo STTY\nexec sleep 600\n' "$T" >"$T/run.sh"
	tm new-session -d -s live -x 100 -y 30 -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 \
		-e NO_COLOR=1 -e TMPDIR="$T" sh "$T/run.sh" "$@" || fail "tmux new-session failed"
}

screen() { tm capture-pane -p -t live; }
keys() { tm send-keys -t live "$@"; }

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

# wait_re ERE [SECONDS]: poll until a line of the screen matches ERE
wait_re() {
	i=0
	until screen | grep -qE -- "$1"; do
		i=$((i + 1))
		if [ $i -gt $(( ${2:-10} * 20 )) ]; then
			screen
			fail "screen never matched '$1'"
		fi
		sleep 0.05
	done
}

# samples_shown: the header's sample count
samples_shown() {
	screen | sed -n '1s/.*samples \([0-9][0-9]*\).*/\1/p'
}

# wait_samples_above N [SECONDS]: poll until the header counts more than N
wait_samples_above() {
	i=0
	while :; do
		n=$(samples_shown)
		[ -n "$n" ] && [ "$n" -gt "$1" ] && return 0
		i=$((i + 1))
		if [ $i -gt $(( ${2:-10} * 20 )) ]; then
			screen
			fail "the sample count stayed at '$n' (not above $1)"
		fi
		sleep 0.05
	done
}

# restored CODE: the program ended with CODE and left the terminal sane
restored() {
	wait_for "EXIT=$1"
	wait_for "STTY"
	screen | grep -q "icanon echo STTY\|echo icanon STTY" ||
		{ screen; fail "terminal not restored ($(screen | grep STTY))"; }
}
