#!/bin/bash
# bench.sh - hotstack against perf, side by side, on this machine
#
# usage: HOTSTACK=path/to/hotstack SAMPLES=dir/of/samples bash tests/bench/bench.sh
#        (`make bench` sets both; the defaults are ./hotstack and ./samples)
#
# Environment:
#   BENCH_RUNS=N   counted rounds per comparison (default 5, 1 with BENCH_QUICK)
#   BENCH_QUICK=1  smoke run of about a minute: no warm-up, short workloads
#   PERF=perf      the perf binary to compare against
#
# Five comparisons, each printed as a table (about 4 minutes in all):
#   1. slowdown of `split 1.5` and `threads 1.5 8` under hotstack record and
#      perf record --call-graph dwarf, at -F 99 and -F 999, and of
#      `fixedwork 900` (tests/bench/fixedwork.c, built with $CC or cc)
#   2. the profiler's CPU time per sample (split; the marginal cost from the
#      slope between -F 999 and -F 4999)
#   3. bytes per sample of the recording (-F 999) and lost samples
#   4. time to report: hotstack report/export vs perf report/perf script
#   5. attach mode: httpd throughput under loadgen, unprofiled and attached
#   6. tracing system calls: sysloop under record --waits, strace -c -f and
#      perf trace -s
#   7. start-up: `record -- /bin/true` (root, --user-only) and perf record
# then a summary of the targets with PASS/MISS (informative only).
#
# Method (as in the project's ANCHORS.md): the variants of one comparison
# run in rounds, one run of each variant per round, the order rotated every
# round and reversed every other round; one warm-up round is dropped. A
# ratio is the median over the counted rounds of the per-round ratios,
# shown with [min..max]. CPU is user+sys of the whole process tree, the
# profiler included (bash's `time`, which reads wait4's rusage).
#
# Exit status: 0 when everything ran (targets missed or not), 1 when some
# measurement could not be taken (listed at the end), 2 when a tool or a
# run failed outright.

# `make bench` runs this with $(SHELL), which is /bin/sh: move to bash first
# (this test is the only part that must parse in a POSIX shell)
if [ -z "${BASH_VERSION:-}" ]; then
	command -v bash >/dev/null 2>&1 || { echo "bench: bash is needed" >&2; exit 2; }
	exec bash "$0" "$@"
fi
set -eu

export LC_ALL=C
TIMEFORMAT='%3R %3U %3S'

HOTSTACK=${HOTSTACK:-./hotstack}
SAMPLES=${SAMPLES:-./samples}
PERF=${PERF:-perf}
QUICK=${BENCH_QUICK:-0}
[ "$QUICK" = 0 ] && QUICK=
if [ -n "$QUICK" ]; then
	RUNS=${BENCH_RUNS:-1}
	WARMUP=0
	ATTACH_SECS=1
	REPORT_WORKLOAD="threads 1.5 8"
	REPORT_RUNS=3
else
	RUNS=${BENCH_RUNS:-5}
	WARMUP=1
	ATTACH_SECS=3
	REPORT_WORKLOAD="threads 3 8"
	REPORT_RUNS=5
fi
PR=(record -q --no-bpf-event -e cpu-clock)

BENCH_NAME=bench
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

case $RUNS in
'' | *[!0-9]* | 0) die "BENCH_RUNS must be a positive integer, not '$RUNS'" ;;
esac

HOTSTACK=$(abspath "$HOTSTACK")
SAMPLES=$(abspath "$SAMPLES")

[ -x "$HOTSTACK" ] || die "no hotstack binary at $HOTSTACK (set HOTSTACK, or run 'make bench')"
for s in split threads httpd loadgen; do
	[ -x "$SAMPLES/$s" ] || die "no sample program $SAMPLES/$s (set SAMPLES, or build the samples: make)"
done
command -v "$PERF" >/dev/null 2>&1 || die "no '$PERF' on PATH (Debian: apt-get install linux-perf)"
command -v awk >/dev/null 2>&1 || die "awk is needed"
HAVE_SQLITE3=
command -v sqlite3 >/dev/null 2>&1 && HAVE_SQLITE3=1

work=$(mktemp -d "${TMPDIR:-/tmp}/hotstack-bench.XXXXXX")
bg_pids=()
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	local p c
	for p in "${bg_pids[@]}"; do
		kill -0 "$p" 2>/dev/null || continue
		for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do
			kill -TERM "$c" 2>/dev/null || true
		done
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- running and measuring ---------------------------------------------------

# timed CMD...: runs CMD with stdout to $work/cmd.out and stderr to
# $work/cmd.err; sets T_WALL and T_CPU (seconds). Returns CMD's status.
timed() {
	local rc=0 u s
	{ time "$@" >"$work/cmd.out" 2>"$work/cmd.err"; } 2>"$work/time.out" || rc=$?
	read -r T_WALL u s < <(tail -n 1 "$work/time.out")
	T_CPU=$(calc "$u + $s")
	return $rc
}
# must_time WHAT CMD...: timed, or dies naming WHAT with the tail of stderr
must_time() {
	local what=$1
	shift
	timed "$@" && return 0
	{
		printf 'bench: %s failed: %s\n' "$what" "$*"
		tail -n 5 "$work/cmd.err" | sed 's/^/  | /'
	} >&2
	exit 2
}

# hs_samples FILE: samples in a hotstack recording (its meta table, else
# `hotstack report --format json`)
hs_samples() {
	local n=
	if [ -n "$HAVE_SQLITE3" ]; then
		n=$(sqlite3 "$1" "select value from meta where key='samples'" 2>/dev/null) || n=
	fi
	if [ -z "$n" ]; then
		n=$(hs_report_samples "$1")
	fi
	case $n in
	'' | *[!0-9]*) die "cannot count the samples of $1 (no sqlite3, and 'hotstack report --format json' gave none)" ;;
	esac
	echo "$n"
}
hs_report_samples() {
	"$HOTSTACK" report "$1" --format json 2>/dev/null |
		tr -d '\n' | grep -o '"samples" *: *[0-9][0-9]*' | head -n 1 | grep -o '[0-9]*$' || true
}
# hs_bytes FILE: size of the recording, with any SQLite side files
hs_bytes() {
	local total=0 f
	for f in "$1" "$1-wal" "$1-journal" "$1-shm"; do
		[ -e "$f" ] && total=$((total + $(stat -c %s "$f")))
	done
	echo $total
}
# hs_lost FILE: samples the kernel reported lost, from the meta table
# (empty without sqlite3)
hs_lost() {
	[ -n "$HAVE_SQLITE3" ] || return 0
	sqlite3 "$1" "select value from meta where key='lost'" 2>/dev/null || true
}
# perf_lost FILE: lost samples from `perf report --stats` (0 when none)
perf_lost() {
	"$PERF" report -i "$1" --stats 2>/dev/null |
		awk '/LOST_SAMPLES events:|LOST events:/ { n += $3 } END { print n + 0 }' || true
}
perf_samples() {
	local n
	n=$("$PERF" report -i "$1" --stats 2>/dev/null | awk '/SAMPLE events:/ { print $3; exit }') || n=
	case $n in
	'' | *[!0-9]*) die "cannot count the samples of $1 with '$PERF report --stats'" ;;
	esac
	echo "$n"
}

# --- preflight -----------------------------------------------------------------

maxrate=$(cat /proc/sys/kernel/perf_event_max_sample_rate 2>/dev/null || echo unknown)
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo unknown)
if ! timed "$PERF" "${PR[@]}" -F 999 --call-graph dwarf -o "$work/pre.data" -- "$SAMPLES/split" 0.05; then
	die "'$PERF record' does not work here (run as root or lower kernel.perf_event_paranoid, now $paranoid): $(tail -n 1 "$work/cmd.err")"
fi
if ! timed "$HOTSTACK" record -q -F 999 -o "$work/pre.db" -- "$SAMPLES/split" 0.05; then
	die "'hotstack record' does not work here: $(tail -n 1 "$work/cmd.err")"
fi
rm -f "$work/pre.data" "$work/pre.db"*
case $maxrate in
*[!0-9]* | '') ;;
*) [ "$maxrate" -ge 999 ] || problem "kernel.perf_event_max_sample_rate is $maxrate: -F 999 is throttled for both tools" ;;
esac

echo "hotstack bench: $("$HOTSTACK" --version 2>/dev/null | head -n 1) vs $("$PERF" --version 2>/dev/null)"
echo "  $(uname -sr), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), max sample rate $maxrate"
echo "  $RUNS counted round(s) per comparison, $WARMUP warm-up; rotated order; ratio = median of per-round ratios [min..max]"
echo "  perf runs as: $PERF ${PR[*]} -F HZ --call-graph dwarf; hotstack as: hotstack record -q -F HZ"
echo

# --- 1-3: launch mode: slowdown, CPU per sample, bytes per sample --------------

HZS=(99 999)
# split also runs at -F 4999: the CPU slope between 999 and 4999 Hz is the
# marginal cost of a sample, free of start-up and of costs paid lazily once
# (kallsyms, debug sections), which a 99 Hz run may or may not pay
SLOPE_HZ=4999
modes_of() {
	case $1 in
	split) echo "U H99 H999 H$SLOPE_HZ P99 P999 P$SLOPE_HZ" ;;
	fixedwork) echo "U H999 P999" ;;
	*) echo "U H99 H999 P99 P999" ;;
	esac
}
WORKLOADS=("split 1.5" "threads 1.5 8")
# fixedwork (beside this script) does the same work every run, where split
# stops after 1.5 s of its own CPU: its slowdown also counts what sampling
# costs inside the process (kernel handler, stack copy). Built when a C
# compiler is around; the row is skipped otherwise.
here=$(cd "$(dirname "$0")" && pwd)
if command -v "${CC:-cc}" >/dev/null 2>&1 &&
	"${CC:-cc}" -O2 -g -o "$work/fixedwork" "$here/fixedwork.c" 2>"$work/cc.err"; then
	WORKLOADS+=("fixedwork 900")
else
	echo "bench: no C compiler (CC=${CC:-cc}): skipping the fixedwork rows" >&2
fi

# run_mode WKEY MODE CMD...: one run; sets R_WALL R_CPU R_SAMPLES R_BYTES
# R_LOST
run_mode() {
	local wkey=$1 mode=$2 hz f
	shift 2
	R_SAMPLES=0
	R_BYTES=0
	R_LOST=0
	case $mode in
	U)
		must_time "$wkey unprofiled" "$@"
		;;
	H*)
		hz=${mode#H}
		f=$work/rec.db
		rm -f "$f" "$f".*
		must_time "hotstack record ($wkey)" "$HOTSTACK" record -q -F "$hz" -o "$f" -- "$@"
		R_SAMPLES=$(hs_samples "$f")
		R_BYTES=$(hs_bytes "$f")
		R_LOST=$(hs_lost "$f")
		R_LOST=${R_LOST:-nan}
		rm -f "$f"
		;;
	P*)
		hz=${mode#P}
		f=$work/rec.data
		rm -f "$f" "$f".old
		must_time "perf record ($wkey)" "$PERF" "${PR[@]}" -F "$hz" --call-graph dwarf -o "$f" -- "$@"
		R_SAMPLES=$(perf_samples "$f")
		R_BYTES=$(stat -c %s "$f")
		R_LOST=$(perf_lost "$f")
		rm -f "$f"
		;;
	esac
	R_WALL=$T_WALL
	R_CPU=$T_CPU
}

for wl in "${WORKLOADS[@]}"; do
	read -r -a argv <<<"$wl"
	case ${argv[0]} in
	fixedwork) argv[0]=$work/fixedwork ;;
	*) argv[0]=$SAMPLES/${argv[0]} ;;
	esac
	wkey=${wl%% *}
	read -r -a MODES <<<"$(modes_of "$wkey")"
	printf 'running %s: %d round(s) of %s ...\n' "$wl" $((RUNS + WARMUP)) "${MODES[*]}" >&2
	for ((r = 0; r < RUNS + WARMUP; r++)); do
		declare -A wall=() cpu=() smp=() byt=() lost=()
		for i in $(order ${#MODES[@]} $r); do
			m=${MODES[$i]}
			run_mode "$wkey" "$m" "${argv[@]}"
			wall[$m]=$R_WALL
			cpu[$m]=$R_CPU
			smp[$m]=$R_SAMPLES
			byt[$m]=$R_BYTES
			lost[$m]=$R_LOST
		done
		((r < WARMUP)) && continue
		metric "$wkey.U.wall" "${wall[U]}"
		metric "$wkey.U.cpu" "${cpu[U]}"
		for m in "${MODES[@]:1}"; do
			metric "$wkey.$m.wallratio" "$(ratio "${wall[$m]}" "${wall[U]}")"
			metric "$wkey.$m.cpuratio" "$(ratio "${cpu[$m]}" "${cpu[U]}")"
			metric "$wkey.$m.samples" "${smp[$m]}"
			metric "$wkey.$m.lost" "${lost[$m]}"
			metric "$wkey.$m.bps" "$(ratio "${byt[$m]}" "${smp[$m]}")"
			# the profiler's CPU per sample, start-up and exit included
			metric "$wkey.$m.us" "$(calc "(${cpu[$m]} - ${cpu[U]}) * 1e6 / ${smp[$m]}" "d = ${smp[$m]};")"
		done
		[ -n "${cpu[H$SLOPE_HZ]:-}" ] || continue
		for t in H P; do
			a=${t}999
			b=$t$SLOPE_HZ
			metric "$wkey.$t.slope" "$(calc "(${cpu[$b]} - ${cpu[$a]}) * 1e6 / (${smp[$b]} - ${smp[$a]})" "d = ${smp[$b]} - ${smp[$a]};")"
		done
		unset wall cpu smp byt lost
	done
done

echo "1. Slowdown against the unprofiled run (wall and CPU ratios; CPU includes the profiler)"
printf '%-15s %4s  %-24s %-24s %-24s %-24s\n' workload -F "hotstack wall" "perf wall" "hotstack CPU" "perf CPU"
for wl in "${WORKLOADS[@]}"; do
	wkey=${wl%% *}
	for hz in "${HZS[@]}"; do
		[ -s "$(mfile "$wkey.H$hz.wallratio")" ] || continue
		printf '%-15s %4s  %-24s %-24s %-24s %-24s\n' "$wl" "$hz" \
			"$(rng "$(mfile "$wkey.H$hz.wallratio")")" "$(rng "$(mfile "$wkey.P$hz.wallratio")")" \
			"$(rng "$(mfile "$wkey.H$hz.cpuratio")")" "$(rng "$(mfile "$wkey.P$hz.cpuratio")")"
	done
done
for wl in "${WORKLOADS[@]}"; do
	wkey=${wl%% *}
	printf '  unprofiled %s: wall %s s, CPU %s s (medians)\n' "$wl" \
		"$(fmt %.3f "$(median "$(mfile "$wkey.U.wall")")")" "$(fmt %.3f "$(median "$(mfile "$wkey.U.cpu")")")"
done
echo "  split stops after 1.5 s of its own CPU and threads after 1.5 s of wall time, so their ratios miss"
echo "  what sampling costs inside the process; fixedwork (same work every run) includes it. threads keeps"
echo "  $(nproc) CPUs busy with 8 threads: its CPU ratio follows what the rest of the machine leaves over"
echo

echo "2. Profiler CPU per sample, split 1.5 (microseconds of the profiler's CPU; median [min..max])"
printf '%-38s %-22s %-22s %s\n' "" hotstack perf "perf/hotstack"
for hz in "${HZS[@]}" $SLOPE_HZ; do
	h=$(median "$(mfile "split.H$hz.us")")
	p=$(median "$(mfile "split.P$hz.us")")
	printf '%-38s %-22s %-22s %s\n' "(CPU_prof - CPU_unprof)/samples F$hz" \
		"$(rng "$(mfile "split.H$hz.us")" %.1f %.1f)" "$(rng "$(mfile "split.P$hz.us")" %.1f %.1f)" \
		"$(fmt %.2f "$(ratio "$p" "$h")")"
done
h=$(median "$(mfile split.H.slope)")
p=$(median "$(mfile split.P.slope)")
slope_h=$h
slope_p=$p
printf '%-38s %-22s %-22s %s\n' "marginal (F$SLOPE_HZ - F999 slope)" \
	"$(rng "$(mfile split.H.slope)" %.1f %.1f)" "$(rng "$(mfile split.P.slope)" %.1f %.1f)" \
	"$(fmt %.2f "$(ratio "$p" "$h")")"
declare -A nline=()
for t in H P; do
	n=
	for hz in "${HZS[@]}" $SLOPE_HZ; do
		n="$n${n:+ / }$(median "$(mfile "split.$t$hz.samples")")"
		l=$(fmt %.0f "$(median "$(mfile "split.$t$hz.lost")")")
		[ "$l" = 0 ] || n="$n ($l lost)"
	done
	nline[$t]=$n
done
printf '%-38s %-22s %-22s\n' "samples per run F99 / F999 / F$SLOPE_HZ" "${nline[H]}" "${nline[P]}"
if [ -s "$(mfile fixedwork.H999.us)" ]; then
	h=$(median "$(mfile fixedwork.H999.us)")
	p=$(median "$(mfile fixedwork.P999.us)")
	printf '%-38s %-22s %-22s %s\n' "fixedwork F999, in-process cost too" \
		"$(rng "$(mfile fixedwork.H999.us)" %.1f %.1f)" "$(rng "$(mfile fixedwork.P999.us)" %.1f %.1f)" \
		"$(fmt %.2f "$(ratio "$p" "$h")")"
fi
echo

echo "3. Recording size per sample at -F 999 (median bytes/sample; samples and lost samples per run)"
printf '%-15s %12s %12s %13s %22s %22s\n' workload "hotstack B" "perf B" perf/hotstack \
	"hotstack samples/lost" "perf samples/lost"
for wl in "${WORKLOADS[@]}"; do
	wkey=${wl%% *}
	h=$(median "$(mfile "$wkey.H999.bps")")
	p=$(median "$(mfile "$wkey.P999.bps")")
	printf '%-15s %12s %12s %13s %22s %22s\n' "$wl" "$(fmt %.1f "$h")" "$(fmt %.0f "$p")" \
		"$(fmt %.0fx "$(ratio "$p" "$h")")" \
		"$(median "$(mfile "$wkey.H999.samples")")/$(fmt %.0f "$(median "$(mfile "$wkey.H999.lost")")")" \
		"$(median "$(mfile "$wkey.P999.samples")")/$(fmt %.0f "$(median "$(mfile "$wkey.P999.lost")")")"
	metric "bytes.$wkey.ratio" "$(ratio "$p" "$h")"
done
echo

# --- 4: post-processing time ---------------------------------------------------

read -r -a argv <<<"$REPORT_WORKLOAD"
argv[0]=$SAMPLES/${argv[0]}
printf 'running %s under both profilers, then %d+%d round(s) of reports ...\n' "$REPORT_WORKLOAD" "$WARMUP" "$REPORT_RUNS" >&2
hdb=$work/report.db
pdata=$work/report.data
must_time "hotstack record ($REPORT_WORKLOAD)" "$HOTSTACK" record -q -F 999 -o "$hdb" -- "${argv[@]}"
must_time "perf record ($REPORT_WORKLOAD)" "$PERF" "${PR[@]}" -F 999 --call-graph dwarf -o "$pdata" -- "${argv[@]}"
hn=$(hs_samples "$hdb")
pn=$(perf_samples "$pdata")
hl=$(hs_lost "$hdb")
pl=$(perf_lost "$pdata")
jn=$(hs_report_samples "$hdb")
if [ -z "$jn" ]; then
	problem "'hotstack report --format json' gave no \"samples\" field"
elif [ "$jn" != "$hn" ]; then
	problem "'hotstack report --format json' says $jn samples, the recording's meta says $hn"
fi

RCMDS=(hreport hexport preport pscript)
declare -A rlabel=(
	[hreport]="hotstack report FILE"
	[hexport]="hotstack export FILE --format folded"
	[preport]="perf report -i FILE --stdio"
	[pscript]="perf script -i FILE"
)
declare -A rbytes=()
run_report() {
	case $1 in
	hreport) must_time "hotstack report" "$HOTSTACK" report "$hdb" ;;
	hexport) must_time "hotstack export" "$HOTSTACK" export "$hdb" --format folded ;;
	preport) must_time "perf report" "$PERF" report -i "$pdata" --stdio ;;
	pscript) must_time "perf script" "$PERF" script -i "$pdata" ;;
	esac
	rbytes[$1]=$(stat -c %s "$work/cmd.out")
}
for ((r = 0; r < REPORT_RUNS + WARMUP; r++)); do
	for i in $(order ${#RCMDS[@]} $r); do
		c=${RCMDS[$i]}
		run_report "$c"
		((r < WARMUP)) || metric "rep.$c.wall" "$T_WALL"
		((r < WARMUP)) || metric "rep.$c.cpu" "$T_CPU"
	done
done
for c in hreport hexport; do
	[ "${rbytes[$c]}" -gt 0 ] || problem "'${rlabel[$c]}' printed nothing: its time is not a real report time"
done

echo "4. Post-processing time of one $REPORT_WORKLOAD recording at -F 999 (median of $REPORT_RUNS runs)"
echo "   hotstack: $hn samples, ${hl:-?} lost, $(hs_bytes "$hdb") B; perf: $pn samples, $pl lost, $(stat -c %s "$pdata") B"
printf '%-38s %10s %10s %12s %12s\n' command "wall s" "CPU s" "ms/1000 smp" "output B"
for c in "${RCMDS[@]}"; do
	w=$(median "$(mfile "rep.$c.wall")")
	case $c in h*) n=$hn ;; *) n=$pn ;; esac
	printf '%-38s %10s %10s %12s %12s\n' "${rlabel[$c]}" "$(fmt %.3f "$w")" \
		"$(fmt %.3f "$(median "$(mfile "rep.$c.cpu")")")" "$(fmt %.2f "$(calc "$w * 1e6 / $n" "d = $n;")")" "${rbytes[$c]}"
done
rep_ratio=$(ratio "$(median "$(mfile rep.preport.wall)")" "$(median "$(mfile rep.hreport.wall)")")
exp_ratio=$(ratio "$(median "$(mfile rep.pscript.wall)")" "$(median "$(mfile rep.hexport.wall)")")
[ "${rbytes[hreport]}" -gt 0 ] || rep_ratio=nan
[ "${rbytes[hexport]}" -gt 0 ] || exp_ratio=nan
printf '  perf report / hotstack report: %s;  perf script / hotstack export: %s (wall, per run)\n' \
	"$(fmt %.1fx "$rep_ratio")" "$(fmt %.1fx "$exp_ratio")"
rm -f "$hdb" "$pdata"
echo

# --- 5: attach mode on a server ------------------------------------------------

printf 'running httpd + loadgen (%s s): %d round(s) of unprofiled, hotstack -p, perf -p ...\n' "$ATTACH_SECS" $((RUNS + WARMUP)) >&2
: >"$work/httpd.out"
"$SAMPLES/httpd" -d "$work/httpd-data" >"$work/httpd.out" 2>"$work/httpd.err" &
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

prof_secs=$(calc "$ATTACH_SECS + 0.8")
AMODES=(U H P)
# run_attach MODE: one loadgen run; sets A_RPS, A_SAMPLES, A_PCPU (the
# profiler's CPU seconds)
run_attach() {
	local pid f
	A_SAMPLES=0
	A_PCPU=0
	case $1 in
	H)
		f=$work/attach.db
		rm -f "$f" "$f".*
		{ time "$HOTSTACK" record -q -p "$httpd_pid" -F 999 -d "$prof_secs" -o "$f" \
			>"$work/prof.out" 2>"$work/prof.err"; } 2>"$work/prof.time" &
		;;
	P)
		f=$work/attach.data
		rm -f "$f" "$f".old
		{ time "$PERF" "${PR[@]}" -p "$httpd_pid" -F 999 --call-graph dwarf -o "$f" -- sleep "$prof_secs" \
			>"$work/prof.out" 2>"$work/prof.err"; } 2>"$work/prof.time" &
		;;
	esac
	if [ "$1" != U ]; then
		pid=$!
		bg_pids+=("$pid")
		sleep 0.4 # let the profiler attach to every thread
	fi
	must_time "loadgen" "$SAMPLES/loadgen" -p "$port" -c 4 -d "$ATTACH_SECS"
	A_RPS=$(sed -n 's/.* rps \([0-9.]*\).*/\1/p' "$work/cmd.out")
	[ -n "$A_RPS" ] || die "cannot read loadgen's output: $(cat "$work/cmd.out")"
	[ "$1" = U ] && return 0
	wait "$pid" || {
		sed 's/^/  | /' "$work/prof.err" >&2
		die "the attached profiler ($1) failed"
	}
	kill -0 "$httpd_pid" 2>/dev/null || die "httpd died while attached ($1): $(tail -n 3 "$work/httpd.err")"
	A_PCPU=$(tail -n 1 "$work/prof.time" | awk '{ print $2 + $3 }')
	case $1 in
	H) A_SAMPLES=$(hs_samples "$f") ;;
	P) A_SAMPLES=$(perf_samples "$f") ;;
	esac
	rm -f "$f"
}
for ((r = 0; r < RUNS + WARMUP; r++)); do
	declare -A rps=() asmp=() apcpu=()
	for i in $(order ${#AMODES[@]} $r); do
		m=${AMODES[$i]}
		run_attach "$m"
		rps[$m]=$A_RPS
		asmp[$m]=$A_SAMPLES
		apcpu[$m]=$A_PCPU
	done
	((r < WARMUP)) && { unset rps asmp apcpu; continue; }
	metric att.U.rps "${rps[U]}"
	for m in H P; do
		metric "att.$m.rps" "${rps[$m]}"
		metric "att.$m.ratio" "$(ratio "${rps[$m]}" "${rps[U]}")"
		metric "att.$m.samples" "${asmp[$m]}"
		metric "att.$m.us" "$(calc "${apcpu[$m]} * 1e6 / ${asmp[$m]}" "d = ${asmp[$m]};")"
	done
	unset rps asmp apcpu
done
kill -TERM "$httpd_pid" 2>/dev/null || true
for ((i = 0; i < 50; i++)); do
	kill -0 "$httpd_pid" 2>/dev/null || break
	sleep 0.1
done
kill -KILL "$httpd_pid" 2>/dev/null || true
wait "$httpd_pid" 2>/dev/null || true

echo "5. Attach mode: httpd (4 workers) under loadgen -c 4 -d $ATTACH_SECS, profiler at -F 999 (median [min..max])"
printf '%-22s %12s %-26s %10s %18s\n' "" "rps" "rps ratio to unprofiled" samples "profiler CPU us/smp"
printf '%-22s %12s %-26s %10s %18s\n' unprofiled "$(fmt %.0f "$(median "$(mfile att.U.rps)")")" "" "" ""
printf '%-22s %12s %-26s %10s %18s\n' "hotstack record -p" "$(fmt %.0f "$(median "$(mfile att.H.rps)")")" \
	"$(rng "$(mfile att.H.ratio)")" "$(median "$(mfile att.H.samples)")" "$(fmt %.1f "$(median "$(mfile att.H.us)")")"
printf '%-22s %12s %-26s %10s %18s\n' "perf record -p" "$(fmt %.0f "$(median "$(mfile att.P.rps)")")" \
	"$(rng "$(mfile att.P.ratio)")" "$(median "$(mfile att.P.samples)")" "$(fmt %.1f "$(median "$(mfile att.P.us)")")"
echo

# --- 6: tracing every system call: record --waits vs strace and perf trace -------

SYS_N=${BENCH_SYS_N:-50000}
SMODES=(U H S P)
declare -A SNAME=([U]="unprofiled" [H]="hotstack record --waits" [S]="strace -c -f" [P]="perf trace -s")
run_sys() {
	local f=$work/sys.out
	case $1 in
	U) must_time "sysloop" "$SAMPLES/sysloop" "$SYS_N" ;;
	H) must_time "hotstack --waits" "$HOTSTACK" record -q --waits -o "$work/sys.db" -- "$SAMPLES/sysloop" "$SYS_N"
	   rm -f "$work/sys.db" "$work/sys.db.old" ;;
	S) must_time "strace" strace -c -f -o "$f" "$SAMPLES/sysloop" "$SYS_N" ;;
	P) must_time "perf trace" "$PERF" trace -s -o "$f" -- "$SAMPLES/sysloop" "$SYS_N" ;;
	esac
}
if command -v strace >/dev/null && [ -x "$SAMPLES/sysloop" ]; then
	for ((r = 0; r < RUNS + WARMUP; r++)); do
		declare -A swall=()
		for i in $(order ${#SMODES[@]} $r); do
			m=${SMODES[$i]}
			run_sys "$m"
			swall[$m]=$T_WALL
		done
		((r < WARMUP)) && { unset swall; continue; }
		for m in H S P; do
			metric "sys.$m.ratio" "$(ratio "${swall[$m]}" "${swall[U]}")"
			metric "sys.$m.us" "$(calc "(${swall[$m]} - ${swall[U]}) * 1e6 / ($SYS_N * 2)")"
		done
		metric sys.U.wall "${swall[U]}"
		unset swall
	done
	echo "6. Tracing every system call: sysloop $SYS_N ($((SYS_N * 2)) system calls; unprofiled $(fmt %.3f "$(median "$(mfile sys.U.wall)")") s)"
	printf '%-28s %-26s %16s\n' "" "wall ratio to unprofiled" "us per syscall"
	for m in H S P; do
		printf '%-28s %-26s %16s\n' "${SNAME[$m]}" "$(rng "$(mfile "sys.$m.ratio")")" \
			"$(fmt %.2f "$(median "$(mfile "sys.$m.us")")")"
	done
	echo
else
	problem "strace or samples/sysloop missing: no system call tracing comparison"
fi

# --- 7: start-up: from `hotstack record` to a command that does nothing ----------

# The whole run of `record -- /bin/true`: the events opened, the command let
# go, the recording written and closed; hotstack's own start-up cost, which
# a short command or a 3-second job pays in full (target: 20 ms, as root
# with kernel frames). perf record runs the same for comparison.
SU_N=$((RUNS * 3))
for ((round = 0; round < SU_N; round++)); do
	rm -f "$work/su.db"* "$work/su.data"
	timed "$HOTSTACK" record -q -o "$work/su.db" -- /bin/true || true
	metric su.H.wall "$T_WALL"
	rm -f "$work/su.db"*
	timed "$HOTSTACK" record -q --user-only -o "$work/su.db" -- /bin/true || true
	metric su.U.wall "$T_WALL"
	timed "$PERF" "${PR[@]}" --call-graph dwarf -o "$work/su.data" -- /bin/true || true
	metric su.P.wall "$T_WALL"
done
rm -f "$work/su.db"* "$work/su.data"
echo "7. Start-up: record -- /bin/true, wall ms over $SU_N runs"
printf '%-40s %8s %8s %8s\n' "" median min max
for m in H U P; do
	case $m in
	H) name="hotstack record" ;;
	U) name="hotstack record --user-only" ;;
	P) name="perf record --call-graph dwarf" ;;
	esac
	read -r med lo hi < <(stat3 "$(mfile "su.$m.wall")")
	printf '%-40s %8s %8s %8s\n' "$name" "$(fmt %.0f "$(calc "$med * 1000")")" \
		"$(fmt %.0f "$(calc "$lo * 1000")")" "$(fmt %.0f "$(calc "$hi * 1000")")"
done
su_h=$(calc "$(median "$(mfile su.H.wall)") * 1000")
su_p=$(calc "$(median "$(mfile su.P.wall)") * 1000")
echo

# --- summary -------------------------------------------------------------------

echo "Summary (informative; medians from the tables above; slowdown and rps comparisons allow 1% for noise)"
printf '%-50s %12s %12s %6s\n' target hotstack perf result
for wl in "${WORKLOADS[@]}"; do
	wkey=${wl%% *}
	for hz in "${HZS[@]}"; do
		[ -s "$(mfile "$wkey.H$hz.wallratio")" ] || continue
		hw=$(median "$(mfile "$wkey.H$hz.wallratio")")
		pw=$(median "$(mfile "$wkey.P$hz.wallratio")")
		hc=$(median "$(mfile "$wkey.H$hz.cpuratio")")
		pc=$(median "$(mfile "$wkey.P$hz.cpuratio")")
		if [ "$wkey" = threads ]; then
			# fixed wall time on saturated CPUs: the CPU ratio only
			# tracks how much CPU the rest of the machine left over
			printf '%-50s %12s %12s %6s\n' "slowdown (wall) $wl -F $hz <= perf" \
				"$(fmt %.3f "$hw")" "$(fmt %.3f "$pw")" "$(verdict "$hw <= $pw * 1.01")"
			continue
		fi
		printf '%-50s %12s %12s %6s\n' "slowdown (wall/CPU) $wl -F $hz <= perf" \
			"$(fmt %.3f "$hw")/$(fmt %.3f "$hc")" "$(fmt %.3f "$pw")/$(fmt %.3f "$pc")" \
			"$(verdict "$hw <= $pw * 1.01 && $hc <= $pc * 1.01")"
	done
done
printf '%-50s %12s %12s %6s\n' "profiler CPU/sample, marginal (us) <= perf" "$(fmt %.1f "$slope_h")" "$(fmt %.1f "$slope_p")" \
	"$(verdict "$slope_h <= $slope_p")"
for wl in "${WORKLOADS[@]}"; do
	wkey=${wl%% *}
	h=$(median "$(mfile "$wkey.H999.bps")")
	p=$(median "$(mfile "$wkey.P999.bps")")
	x=$(median "$(mfile "bytes.$wkey.ratio")")
	printf '%-50s %12s %12s %6s\n' "bytes/sample $wkey >= 50x smaller ($(fmt %.0fx "$x"))" \
		"$(fmt %.1f "$h")" "$(fmt %.0f "$p")" "$(verdict "$x >= 50")"
done
printf '%-50s %12s %12s %6s\n' "report >= 10x faster than perf report ($(fmt %.1fx "$rep_ratio"))" \
	"$(fmt %.3f "$(median "$(mfile rep.hreport.wall)")")" "$(fmt %.3f "$(median "$(mfile rep.preport.wall)")")" \
	"$(verdict "$rep_ratio >= 10")"
printf '%-50s %12s %12s %6s\n' "export >= 10x faster than perf script ($(fmt %.1fx "$exp_ratio"))" \
	"$(fmt %.3f "$(median "$(mfile rep.hexport.wall)")")" "$(fmt %.3f "$(median "$(mfile rep.pscript.wall)")")" \
	"$(verdict "$exp_ratio >= 10")"
h=$(median "$(mfile att.H.ratio)")
p=$(median "$(mfile att.P.ratio)")
printf '%-50s %12s %12s %6s\n' "attach: httpd rps ratio >= perf's" "$(fmt %.3f "$h")" "$(fmt %.3f "$p")" \
	"$(verdict "$h >= $p * 0.99")"

if [ -s "$(mfile sys.H.ratio)" ]; then
	h=$(median "$(mfile sys.H.ratio)")
	st=$(median "$(mfile sys.S.ratio)")
	pt=$(median "$(mfile sys.P.ratio)")
	printf '%-50s %12s %12s %6s\n' "--waits slowdown << strace -c -f ($(fmt %.0fx "$st"))" "$(fmt %.2f "$h")" \
		"$(fmt %.2f "$st")" "$(verdict "$h * 5 <= $st")"
	printf '%-50s %12s %12s %6s\n' "--waits slowdown <= perf trace -s" "$(fmt %.2f "$h")" "$(fmt %.2f "$pt")" \
		"$(verdict "$h <= $pt * 1.01")"
fi

printf '%-50s %12s %12s %6s\n' "start-up: record -- /bin/true <= 20 ms" "$(fmt %.0f "$su_h")" "$(fmt %.0f "$su_p")" \
	"$(verdict "$su_h <= 20")"

if [ ${#problems[@]} -gt 0 ]; then
	echo
	echo "bench: some measurements could not be taken:" >&2
	printf '  - %s\n' "${problems[@]}" >&2
	exit 1
fi
exit 0
