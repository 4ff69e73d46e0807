#!/bin/bash
# live.sh - what live profiling costs: attach, record -p, start-up, losses
#
# usage: HOTSTACK=path/to/hotstack SAMPLES=dir/of/samples bash tests/bench/live.sh
#        (`make bench-live` and `make bench` set both)
#
# Environment:
#   BENCH_RUNS=N    counted rounds per comparison (default 5, 1 with BENCH_QUICK)
#   BENCH_QUICK=1   smoke run of about a minute: no warm-up, short runs
#   PERF=perf       the perf binary to compare against
#   LIVE_HZ=999     the rate of table 1 (httpd under load)
#   HOTSTACK_ASAN=  a sanitizer build's hotstack: table 4 also counts its losses
#
# Five tables, the goals of the live-attach issue (about 10 minutes):
#   1. httpd requests per second under loadgen: unprofiled, `record -p`,
#      `attach` (in tmux) and `perf record -g -p`, all at LIVE_HZ
#   2. the UI's own CPU: attach's CPU minus record -p's at 99 Hz on an
#      8-thread target, as % of one CPU (goal: under 2%)
#   3. lost samples launching node --perf-basic prof at 499 Hz, hotstack
#      and perf (goal: under 1%)
#   4. --waits on a target switching 16,000 times a second: records lost
#      at the default buffer size (goal: 0)
#   5. start-up: wall time of `record -- /bin/true`, and the delay from
#      hotstack's exec to the target's first instruction (goal: 20 ms)
# then a summary with PASS/MISS (informative only).
#
# Method as in bench.sh: the variants of one comparison run in rounds, the
# order rotated every round and reversed every other round, one warm-up
# round dropped; a figure is the median over the counted rounds [min..max].
#
# Exit status: 0 when everything ran (goals met or not), 1 when some
# measurement could not be taken (listed at the end), 2 when a tool or a
# run failed outright.

# `make bench` runs this with $(SHELL), which is /bin/sh: move to bash first
if [ -z "${BASH_VERSION:-}" ]; then
	command -v bash >/dev/null 2>&1 || { echo "bench-live: bash is needed" >&2; exit 2; }
	exec bash "$0" "$@"
fi
set -eu

export LC_ALL=C
TIMEFORMAT='%3R %3U %3S'

HOTSTACK=${HOTSTACK:-./hotstack}
SAMPLES=${SAMPLES:-./samples}
PERF=${PERF:-perf}
HZ=${LIVE_HZ:-999}
QUICK=${BENCH_QUICK:-0}
[ "$QUICK" = 0 ] && QUICK=
if [ -n "$QUICK" ]; then
	RUNS=${BENCH_RUNS:-1}
	WARMUP=0
	LOAD_SECS=1
	UI_SECS=3
	NODE_SECS=1
	SWITCH_SECS=1
else
	RUNS=${BENCH_RUNS:-5}
	WARMUP=1
	LOAD_SECS=3
	UI_SECS=8
	NODE_SECS=3
	SWITCH_SECS=3
fi
PR=(record -q --no-bpf-event -e cpu-clock)

BENCH_NAME=bench-live
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

case $RUNS in
'' | *[!0-9]* | 0) die "BENCH_RUNS must be a positive integer, not '$RUNS'" ;;
esac
case $HZ in
'' | *[!0-9]* | 0) die "LIVE_HZ must be a positive integer, not '$HZ'" ;;
esac

HOTSTACK=$(abspath "$HOTSTACK")
SAMPLES=$(abspath "$SAMPLES")
here=$(cd "$(dirname "$0")" && pwd)

[ -x "$HOTSTACK" ] || die "no hotstack binary at $HOTSTACK (set HOTSTACK, or run 'make bench-live')"
for s in threads httpd loadgen; do
	[ -x "$SAMPLES/$s" ] || die "no sample program $SAMPLES/$s (set SAMPLES, or build the samples: make)"
done
for t in "$PERF" tmux awk sqlite3 "${CC:-cc}"; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' is needed (Debian: linux-perf, tmux, gawk, sqlite3, gcc)"
done
NODE=${NODE:-$(command -v node || true)}
CLK_TCK=$(getconf CLK_TCK)

work=$(mktemp -d "${TMPDIR:-/tmp}/hotstack-live.XXXXXX")
bg_pids=()
SOCK=hs-bench-live-$$
printf 'set -g default-terminal screen-256color\nset -g status off\nset -g escape-time 10\n' >"$work/tmux.conf"
tm() { tmux -L "$SOCK" -f "$work/tmux.conf" "$@"; }
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	local p
	for p in "${bg_pids[@]}"; do
		kill -0 "$p" 2>/dev/null || continue
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	tm kill-server 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${CC:-cc}" -O2 -pthread -o "$work/liveprog" "$here/liveprog.c" 2>"$work/cc.err" ||
	die "cannot build liveprog.c: $(head -n 3 "$work/cc.err")"

# --- processes -------------------------------------------------------------------

# cpu_ticks PID: user+system time of the process (all its threads), in ticks
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}
# stop PID [SECONDS]: SIGTERM, then wait for the process to end (any
# process, not only a child); SIGKILL after SECONDS (default 10)
stop() {
	local i
	kill -TERM "$1" 2>/dev/null || return 0
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
meta() { sqlite3 "$1" "select value from meta where key='$2'" 2>/dev/null || true; }
perf_stat() {
	"$PERF" report -i "$1" --stats 2>/dev/null |
		awk -v k="$2" '$1 == k && $2 == "events:" && !n { n = $3 } END { print n + 0 }'
}

# attach_start PID HZ FILE: `hotstack attach` in a fresh tmux session
# (100x30, fixed TERM and LANG), recording into FILE; waits until the
# screen shows it live; sets ATT_PID
attach_start() {
	local i
	rm -f "$3" "$3".* "$work/attach.pid"
	tm kill-server 2>/dev/null || true
	tm new-session -d -s live -x 100 -y 30 -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e NO_COLOR=1 \
		-e TMPDIR="$work" sh -c 'echo $$ >"$0"; exec "$@"' "$work/attach.pid" \
		"$HOTSTACK" attach -F "$2" -o "$3" "$1" || die "tmux new-session failed"
	for ((i = 0; i < 400; i++)); do
		if [ -s "$work/attach.pid" ] && tm capture-pane -p -t live 2>/dev/null | grep -qE 'live +[0-9]+ thr'; then
			ATT_PID=$(cat "$work/attach.pid")
			return 0
		fi
		sleep 0.05
	done
	tm capture-pane -p -t live 2>/dev/null | head -n 5 | sed 's/^/  | /' >&2 || true
	die "attach never showed 'live N thr' on screen"
}

# --- 1: httpd throughput -----------------------------------------------------------

"$SAMPLES/httpd" -t 4 -d "$work/httpd-data" >"$work/httpd.out" 2>"$work/httpd.err" &
httpd_pid=$!
bg_pids+=("$httpd_pid")
port=
for ((i = 0; i < 100; i++)); do
	port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/httpd.out")
	[ -n "$port" ] && break
	kill -0 "$httpd_pid" 2>/dev/null || break
	sleep 0.05
done
[ -n "$port" ] || die "httpd did not start: $(tail -n 3 "$work/httpd.err")"

echo "hotstack bench-live: $("$HOTSTACK" --version 2>/dev/null | head -n 1) vs $("$PERF" --version 2>/dev/null)"
echo "  $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  $RUNS counted round(s), $WARMUP warm-up; rotated order; figure = median [min..max]"
echo

LMODES=(U R A P)
declare -A LNAME=([U]="unprofiled" [R]="hotstack record -p" [A]="hotstack attach" [P]="perf record -g -p")
# run_load MODE: one loadgen run with the profiler MODE attached to httpd
# from 0.4 s before to after it; sets L_RPS L_SAMPLES L_LOST
run_load() {
	local pid= f=$work/load.db
	L_SAMPLES=0
	L_LOST=0
	rm -f "$f" "$f".* "$work/load.data"
	case $1 in
	R) "$HOTSTACK" record -q -p "$httpd_pid" -F "$HZ" -o "$f" >"$work/prof.out" 2>"$work/prof.err" &
	   pid=$! ;;
	A) attach_start "$httpd_pid" "$HZ" "$f"
	   pid=$ATT_PID ;;
	P) "$PERF" "${PR[@]}" -p "$httpd_pid" -F "$HZ" --call-graph dwarf -o "$work/load.data" \
		>"$work/prof.out" 2>"$work/prof.err" &
	   pid=$! ;;
	esac
	[ -n "$pid" ] && { bg_pids+=("$pid"); sleep 0.4; }
	"$SAMPLES/loadgen" -p "$port" -c 4 -d "$LOAD_SECS" >"$work/load.out" 2>&1 ||
		die "loadgen failed: $(tail -n 2 "$work/load.out")"
	L_RPS=$(sed -n 's/.* rps \([0-9.]*\).*/\1/p' "$work/load.out")
	[ -n "$L_RPS" ] || die "cannot read loadgen's output: $(cat "$work/load.out")"
	[ -n "$pid" ] || return 0
	stop "$pid"
	kill -0 "$httpd_pid" 2>/dev/null || die "httpd died under ${LNAME[$1]}: $(tail -n 3 "$work/httpd.err")"
	case $1 in
	P) L_SAMPLES=$(perf_stat "$work/load.data" SAMPLE)
	   L_LOST=$(perf_stat "$work/load.data" LOST_SAMPLES) ;;
	*) L_SAMPLES=$(meta "$f" samples)
	   L_LOST=$(meta "$f" lost)
	   [ -n "$L_SAMPLES" ] || problem "${LNAME[$1]} left no readable recording" ;;
	esac
}
printf 'running httpd + loadgen -c 4 -d %s: %d round(s) of %s ...\n' "$LOAD_SECS" $((RUNS + WARMUP)) "${LMODES[*]}" >&2
for ((r = 0; r < RUNS + WARMUP; r++)); do
	declare -A rps=() smp=() lst=()
	for i in $(order ${#LMODES[@]} $r); do
		m=${LMODES[$i]}
		run_load "$m"
		rps[$m]=$L_RPS
		smp[$m]=$L_SAMPLES
		lst[$m]=$L_LOST
	done
	if ((r >= WARMUP)); then
		metric load.U.rps "${rps[U]}"
		for m in R A P; do
			metric "load.$m.rps" "${rps[$m]}"
			metric "load.$m.ratio" "$(ratio "${rps[$m]}" "${rps[U]}")"
			metric "load.$m.samples" "${smp[$m]:-nan}"
			metric "load.$m.lost" "${lst[$m]:-nan}"
		done
		# attach against record -p in the same round: the figure of the goal
		metric load.AR "$(ratio "${rps[A]}" "${rps[R]}")"
	fi
	unset rps smp lst
done
stop "$httpd_pid"

echo "1. httpd (4 workers) under loadgen -c 4 -d $LOAD_SECS, profilers at -F $HZ"
printf '%-22s %10s  %-24s %10s %8s\n' "" rps "rps ratio to unprofiled" samples lost
printf '%-22s %10s\n' unprofiled "$(fmt %.0f "$(median "$(mfile load.U.rps)")")"
for m in R A P; do
	printf '%-22s %10s  %-24s %10s %8s\n' "${LNAME[$m]}" "$(fmt %.0f "$(median "$(mfile "load.$m.rps")")")" \
		"$(rng "$(mfile "load.$m.ratio")")" "$(fmt %.0f "$(median "$(mfile "load.$m.samples")")")" "$(fmt %.0f "$(median "$(mfile "load.$m.lost")")")"
done
printf '  attach rps / record -p rps, same round: %s\n\n' "$(rng "$(mfile load.AR)")"

# --- 2: the UI's own CPU ---------------------------------------------------------

"$SAMPLES/threads" 3600 8 >/dev/null &
thr_pid=$!
bg_pids+=("$thr_pid")
UMODES=(R A)
# run_ui MODE: record -p or attach at 99 Hz on threads; sets U_TICKS, the
# profiler's CPU ticks over UI_SECS once it has run for 2 s
run_ui() {
	local pid t0 f=$work/ui.db
	rm -f "$f" "$f".*
	case $1 in
	R) "$HOTSTACK" record -q -p "$thr_pid" -F 99 -o "$f" >/dev/null 2>"$work/prof.err" &
	   pid=$! ;;
	A) attach_start "$thr_pid" 99 "$f"
	   pid=$ATT_PID ;;
	esac
	bg_pids+=("$pid")
	# past the first loading of symbols and unwind tables
	sleep 2
	t0=$(cpu_ticks "$pid")
	sleep "$UI_SECS"
	U_TICKS=$(($(cpu_ticks "$pid") - t0))
	stop "$pid"
	U_SAMPLES=$(meta "$f" samples)
	[ -n "$U_SAMPLES" ] || problem "${LNAME[$1]} on threads left no readable recording"
}
printf 'running threads 8 under record -p and attach at 99 Hz, %s s: %d round(s) ...\n' "$UI_SECS" $((RUNS + WARMUP)) >&2
for ((r = 0; r < RUNS + WARMUP; r++)); do
	declare -A tk=()
	for i in $(order ${#UMODES[@]} $r); do
		m=${UMODES[$i]}
		run_ui "$m"
		tk[$m]=$U_TICKS
		((r < WARMUP)) || metric "ui.$m.samples" "${U_SAMPLES:-nan}"
	done
	if ((r >= WARMUP)); then
		for m in R A; do metric "ui.$m.pct" "$(calc "${tk[$m]} * 100 / ($CLK_TCK * $UI_SECS)")"; done
		metric ui.pct "$(calc "(${tk[A]} - ${tk[R]}) * 100 / ($CLK_TCK * $UI_SECS)")"
	fi
	unset tk
done
stop "$thr_pid"
echo "2. CPU of the profiler on threads (8 busy threads), -F 99, over $UI_SECS s, % of one CPU"
printf '%-36s %-22s %s\n' "" "CPU % [min..max]" "samples in the run"
printf '%-36s %-22s %s\n' "hotstack record -p" "$(rng "$(mfile ui.R.pct)" %.2f %.2f)" \
	"$(fmt %.0f "$(median "$(mfile ui.R.samples)")")"
printf '%-36s %-22s %s\n' "hotstack attach" "$(rng "$(mfile ui.A.pct)" %.2f %.2f)" \
	"$(fmt %.0f "$(median "$(mfile ui.A.samples)")")"
printf '%-36s %s\n' "the UI's own work (attach - record)" "$(rng "$(mfile ui.pct)" %.2f %.2f)"
echo

# --- 3: lost samples launching node ------------------------------------------------

if [ -n "$NODE" ]; then
	NMODES=(H P)
	run_node() {
		local f
		case $1 in
		H) f=$work/node.db
		   rm -f "$f" "$f".*
		   (cd "$work" && "$HOTSTACK" record -q -F 499 -o "$f" -- "$NODE" --perf-basic-prof "$here/busy.js" "$NODE_SECS") \
			>"$work/node.out" 2>"$work/node.err" || die "hotstack record of node failed: $(tail -n 2 "$work/node.err")"
		   N_SAMPLES=$(meta "$f" samples)
		   N_LOST=$(meta "$f" lost) ;;
		P) f=$work/node.data
		   (cd "$work" && "$PERF" "${PR[@]}" -F 499 --call-graph dwarf -o "$f" -- "$NODE" --perf-basic-prof "$here/busy.js" "$NODE_SECS") \
			>"$work/node.out" 2>"$work/node.err" || die "perf record of node failed: $(tail -n 2 "$work/node.err")"
		   N_SAMPLES=$(perf_stat "$f" SAMPLE)
		   N_LOST=$(perf_stat "$f" LOST_SAMPLES) ;;
		esac
		# node's perf map of this run (named after its pid)
		sed -n 's/^rounds.*pid \([0-9]*\).*/\1/p' "$work/node.out" | while read -r p; do rm -f "/tmp/perf-$p.map"; done
		N_PCT=$(calc "${N_LOST:-0} * 100 / (${N_SAMPLES:-0} + ${N_LOST:-0})" "d = ${N_SAMPLES:-0} + ${N_LOST:-0};")
	}
	printf 'running node --perf-basic-prof busy.js %s at 499 Hz: %d round(s) ...\n' "$NODE_SECS" $((RUNS + WARMUP)) >&2
	for ((r = 0; r < RUNS + WARMUP; r++)); do
		for i in $(order ${#NMODES[@]} $r); do
			m=${NMODES[$i]}
			run_node "$m"
			((r < WARMUP)) && continue
			metric "node.$m.samples" "$N_SAMPLES"
			metric "node.$m.lost" "$N_LOST"
			metric "node.$m.pct" "$N_PCT"
		done
	done
	echo "3. Launching node --perf-basic-prof busy.js $NODE_SECS at -F 499: samples lost"
	printf '%-36s %10s %10s   %s\n' "" samples lost "lost % [min..max]"
	printf '%-36s %10s %10s   %s\n' "hotstack record" "$(fmt %.0f "$(median "$(mfile node.H.samples)")")" \
		"$(fmt %.0f "$(median "$(mfile node.H.lost)")")" "$(rng "$(mfile node.H.pct)" %.2f %.2f)"
	printf '%-36s %10s %10s   %s\n' "perf record --call-graph dwarf" "$(fmt %.0f "$(median "$(mfile node.P.samples)")")" \
		"$(fmt %.0f "$(median "$(mfile node.P.lost)")")" "$(rng "$(mfile node.P.pct)" %.2f %.2f)"
	echo
else
	problem "no node on PATH (set NODE): no lost-sample figure for a big runtime"
fi

# --- 4: --waits at 16,000 switches a second ---------------------------------------

# run_waits HOTSTACK KEY: one recording of liveprog switch; the records
# lost and the switch rate the target saw
run_waits() {
	local f=$work/waits.db
	rm -f "$f" "$f".*
	"$1" record -q --waits -o "$f" -- "$work/liveprog" switch 16000 "$SWITCH_SECS" >"$work/sw.out" 2>"$work/sw.err" ||
		die "record --waits of liveprog switch failed: $(tail -n 2 "$work/sw.err")"
	metric "waits.$2.lost" "$(meta "$f" lost)"
	metric "waits.$2.rate" "$(sed -n 's/.* rate \([0-9]*\).*/\1/p' "$work/sw.out")"
}
printf 'running record --waits on liveprog switch 16000 %s: %d round(s) ...\n' "$SWITCH_SECS" "$RUNS" >&2
for ((r = 0; r < RUNS; r++)); do
	run_waits "$HOTSTACK" plain
	if [ -n "${HOTSTACK_ASAN:-}" ]; then run_waits "$HOTSTACK_ASAN" asan; fi
done
echo "4. record --waits (default buffers) on a target switching 16,000 times a second for $SWITCH_SECS s"
printf '%-36s %-26s %s\n' "" "records lost [min..max]" "switches/s seen"
printf '%-36s %-26s %s\n' "plain build" "$(rng "$(mfile waits.plain.lost)" %.0f %.0f)" "$(fmt %.0f "$(median "$(mfile waits.plain.rate)")")"
if [ -n "${HOTSTACK_ASAN:-}" ]; then
	printf '%-36s %-26s %s\n' "sanitizer build" "$(rng "$(mfile waits.asan.lost)" %.0f %.0f)" "$(fmt %.0f "$(median "$(mfile waits.asan.rate)")")"
fi
echo

# --- 5: start-up -------------------------------------------------------------------

# delay: liveprog exec stamps the time, then execs the profiler, which
# launches liveprog stamp; its main prints the time again
delay_ms() {
	local t0 t1
	rm -f "$work/su.db"* "$work/su.data"
	# (a record of so short a target may find no sample: status 1)
	"$work/liveprog" exec "$work/t0" "$@" >"$work/su.out" 2>"$work/su.err" || true
	t0=$(cat "$work/t0" 2>/dev/null || true)
	t1=$(sed -n 's/^main //p' "$work/su.out")
	[ -n "$t0" ] && [ -n "$t1" ] || die "start-up run failed: $* ($(tail -n 1 "$work/su.err"))"
	calc "($t1 - $t0) / 1e6"
}
SU_N=$((RUNS * 3))
printf 'running start-up: %d round(s) ...\n' "$SU_N" >&2
for ((r = 0; r < SU_N; r++)); do
	{ time "$HOTSTACK" record -q -o "$work/su.db" -- /bin/true >/dev/null 2>&1 || true; } 2>"$work/time.out"
	metric su.H.wall "$(awk '{ print $1 * 1000 }' "$work/time.out")"
	rm -f "$work/su.db"*
	{ time "$HOTSTACK" record -q --user-only -o "$work/su.db" -- /bin/true >/dev/null 2>&1 || true; } 2>"$work/time.out"
	metric su.U.wall "$(awk '{ print $1 * 1000 }' "$work/time.out")"
	metric su.H.delay "$(delay_ms "$HOTSTACK" record -q -o "$work/su.db" -- "$work/liveprog" stamp)"
	metric su.U.delay "$(delay_ms "$HOTSTACK" record -q --user-only -o "$work/su.db" -- "$work/liveprog" stamp)"
	metric su.P.delay "$(delay_ms "$PERF" "${PR[@]}" --call-graph dwarf -o "$work/su.data" -- "$work/liveprog" stamp)"
done
echo "5. Start-up, ms over $SU_N runs: median [min..max]"
printf '%-36s %-24s %s\n' "" "record -- /bin/true wall" "exec to the target's main"
printf '%-36s %-24s %s\n' "hotstack record" "$(rng "$(mfile su.H.wall)" %.1f %.1f)" "$(rng "$(mfile su.H.delay)" %.1f %.1f)"
printf '%-36s %-24s %s\n' "hotstack record --user-only" "$(rng "$(mfile su.U.wall)" %.1f %.1f)" "$(rng "$(mfile su.U.delay)" %.1f %.1f)"
printf '%-36s %-24s %s\n' "perf record --call-graph dwarf" "" "$(rng "$(mfile su.P.delay)" %.1f %.1f)"
echo

# --- summary -----------------------------------------------------------------------

row() { printf '%-58s %10s %6s\n' "$@"; }
echo "Summary (informative; medians from the tables above; the rps comparison allows 1% for noise)"
row goal figure result
x=$(median "$(mfile load.AR)")
row "attach costs httpd no more than record -p (rps ratio)" "$(fmt %.3f "$x")" "$(verdict "$x >= 0.99")"
x=$(median "$(mfile ui.pct)")
row "the UI's own CPU at 99 Hz, 8 threads < 2% of a CPU" "$(fmt %.2f "$x")" "$(verdict "$x < 2")"
x=$(median "$(mfile node.H.pct)")
row "node --perf-basic-prof at 499 Hz: lost < 1%" "$(fmt %.2f "$x")" "$(verdict "$x < 1")"
x=$(median "$(mfile waits.plain.lost)")
row "--waits at 16,000 switches/s: no record lost (plain)" "$(fmt %.0f "$x")" "$(verdict "$x == 0")"
x=$(median "$(mfile su.H.delay)")
row "start-up: exec to the target's main <= 20 ms (root)" "$(fmt %.1f "$x")" "$(verdict "$x <= 20")"
x=$(median "$(mfile su.H.wall)")
row "start-up: record -- /bin/true <= 20 ms (root)" "$(fmt %.1f "$x")" "$(verdict "$x <= 20")"

if [ ${#problems[@]} -gt 0 ]; then
	echo
	echo "bench-live: some measurements could not be taken:" >&2
	printf '  - %s\n' "${problems[@]}" >&2
	exit 1
fi
exit 0
