# lib.sh - shared helpers for the CLI integration tests (sourced)
#
# Each tests/cli/tNNNN-*.sh is one automake test: exit 0 passes, 1 fails,
# 77 skips (and prints "SKIP: reason"). Families: 1xxx record, 2xxx report,
# info and export, 3xxx bad input and robustness.
# Environment (set by Makefile.am): HOTSTACK, SAMPLES (built samples),
# TESTPROGS (built tests/progs).
set -u

: "${HOTSTACK:?HOTSTACK must point at the hotstack binary}"
: "${SAMPLES:?SAMPLES must point at the built samples directory}"
: "${TESTPROGS:=$(dirname "$HOTSTACK")/tests/progs}"

T=$(mktemp -d "${TMPDIR:-/tmp}/hotstack-test.XXXXXX")
PIDS_TO_KILL=""
cleanup() {
	# a target a test left stopped (SIGSTOP) would not die of SIGTERM
	# and the wait below would hang the whole suite: continue it too
	for p in $PIDS_TO_KILL; do
		kill "$p" 2>/dev/null || true
		kill -CONT "$p" 2>/dev/null || true
	done
	for p in $PIDS_TO_KILL; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

pass() {
	echo "ok: $*"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (perf events on other users' processes, kernel frames)"
}

# Starts a background process and remembers it for cleanup; sets $BG.
bg() {
	"$@" &
	BG=$!
	PIDS_TO_KILL="$PIDS_TO_KILL $BG"
}

# Waits up to $2 seconds (default 5) until file $1 has a line matching $3.
wait_for_line() {
	i=0
	limit=$(( ${2:-5} * 20 ))
	until grep -q "${3:-.}" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $limit ] && fail "timed out waiting for '${3:-.}' in $1"
		sleep 0.05
	done
}

# Process state letter (R, S, T, t, Z...) of pid $1, or "gone".
proc_state() {
	if [ -r "/proc/$1/stat" ]; then
		sed 's/.*) \(.\).*/\1/' "/proc/$1/stat"
	else
		echo gone
	fi
}

# Fails unless pid $1 and all its threads run (not stopped, not gone).
assert_running() {
	[ -d "/proc/$1" ] || fail "target $1 is gone"
	for st in /proc/"$1"/task/*/stat; do
		s=$(sed 's/.*) \(.\).*/\1/' "$st" 2>/dev/null) || continue
		case "$s" in
		T|t) fail "target $1 thread $(basename "$(dirname "$st")") is stopped ($s)" ;;
		Z|X) fail "target $1 is a zombie" ;;
		esac
	done
}

# Runs hotstack, capturing stdout to $T/out and stderr to $T/err; sets $RC.
hs() {
	RC=0
	"$HOTSTACK" "$@" >"$T/out" 2>"$T/err" || RC=$?
}

# json_self DB FUNC: self percent of FUNC from report --format json.
json_pct() {
	"$HOTSTACK" report "$1" --format json --limit 0 |
		jq -r --arg f "$2" --arg k "${3:-self_pct}" \
			'[.functions[] | select(.name == $f) | .[$k]] | add // 0'
}

# The percentage of samples whose folded stack contains a frame matching
# the extended regex $2 (as a whole frame).
folded_share() {
	"$HOTSTACK" export "$1" --format folded >"$T/folded" || fail "export of $1 failed"
	awk -v re="$2" '{
		n = $NF; total += n
		stack = substr($0, 1, length($0) - length($NF) - 1)
		k = split(stack, f, ";")
		for (i = 1; i <= k; i++) if (f[i] ~ ("^(" re ")$")) { hit += n; break }
	} END { if (total == 0) print 0; else printf "%.2f\n", 100 * hit / total }' "$T/folded"
}

# Succeeds if |$1 - $2| <= $3 (floating point).
within() {
	awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { x = a - b; if (x < 0) x = -x; exit !(x <= d) }'
}

# Succeeds if $1 >= $2 (floating point).
at_least() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'
}

meta() {
	sqlite3 "$1" "select value from meta where key = '$2'"
}

# lossless DB: true when the recording lost no record. The sanitizer build
# unwinds several times slower than the plain one and can fall behind a
# thread that switches 16,000 times a second: there a loss is allowed if
# report shows it (the caller then skips its exact-time checks, and says
# so); the plain build must lose nothing.
lossless() {
	lost=$(meta "$1" lost)
	echo "lost: ${lost:-0}"
	[ "${lost:-0}" -gt 0 ] || return 0
	[ "${HOTSTACK_SANITIZED:-no}" = yes ] ||
		fail "$lost records lost in the plain build"
	"$HOTSTACK" report "$1" >"$T/lossless.rep" 2>&1
	grep -q "lost: $lost" "$T/lossless.rep" || fail "$lost lost records are not shown by report"
	echo "note: $lost records lost (sanitizer build) and shown by report: exact times not checked"
	return 1
}

# check_split DB: leaf_60/30/10 self shares within 5 points of 60/30/10.
check_split() {
	a=$(json_pct "$1" leaf_60)
	b=$(json_pct "$1" leaf_30)
	c=$(json_pct "$1" leaf_10)
	echo "self: leaf_60 $a%, leaf_30 $b%, leaf_10 $c%"
	if ! within "$a" 60 5 || ! within "$b" 30 5 || ! within "$c" 10 5; then
		"$HOTSTACK" report "$1" --limit 12
		uptime
	fi
	within "$a" 60 5 || fail "leaf_60 self $a% is not within 5 points of 60%"
	within "$b" 30 5 || fail "leaf_30 self $b% is not within 5 points of 30%"
	within "$c" 10 5 || fail "leaf_10 self $c% is not within 5 points of 10%"
}

# no_raw_controls FILE WHAT: fails if FILE holds a raw ESC (0x1b) or CSI
# (0x9b, alone or as the second byte of U+009B): text from the target that
# reached an output without being escaped
no_raw_controls() {
	if LC_ALL=C grep -q "$(printf '[\033\233]')" "$1"; then
		fail "$2: a raw escape character leaked: $(LC_ALL=C grep -a -m1 "$(printf '[\033\233]')" "$1" | od -c | head -3)"
	fi
}

# expect CODE PATTERN ARGS...: hotstack ARGS exits CODE, its stderr matches
# the extended regex PATTERN and is at most 2 lines (the error, and for a
# usage error where the help is)
expect() {
	code=$1
	pattern=$2
	shift 2
	hs "$@"
	[ "$RC" -eq "$code" ] || fail "'hotstack $*' exited $RC, expected $code; stderr: $(cat "$T/err")"
	grep -Eq -e "$pattern" "$T/err" || fail "'hotstack $*': stderr does not match '$pattern': $(cat "$T/err")"
	[ "$(grep -c . "$T/err")" -le 2 ] || fail "'hotstack $*' printed $(grep -c . "$T/err") lines of error"
	echo "ok: hotstack $* -> $RC: $(head -1 "$T/err")"
}

# run_as_nobody PROGRAM ARGS...: PROGRAM run as user nobody, from a copy in
# a directory nobody owns (its working directory: relative paths land
# there); sets RC, $T/out and $T/err. as_nobody ARGS...: the same for
# hotstack.
run_as_nobody() {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	nobody_prog=$(basename "$1")
	nobody_dir=$(mktemp -d /tmp/hotstack-nobody.XXXXXX)
	cp "$1" "$nobody_dir/$nobody_prog"
	shift
	chmod 755 "$nobody_dir" "$nobody_dir/$nobody_prog"
	chown nobody "$nobody_dir"
	RC=0
	(cd "$nobody_dir" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"./$nobody_prog" "$@") >"$T/out" 2>"$T/err" || RC=$?
	rm -rf "$nobody_dir"
}

as_nobody() {
	run_as_nobody "$HOTSTACK" "$@"
}

# bg_child NAME COMMAND: runs the shell COMMAND in the background (for its
# redirections) and waits up to 5 s for its child process NAME; sets BG (the
# shell) and CHILD (the process to profile)
bg_child() {
	bg sh -c "$2"
	CHILD=""
	i=0
	while [ -z "$CHILD" ]; do
		CHILD=$(pgrep -P "$BG" -x "$1" || true)
		i=$((i + 1))
		[ $i -gt 250 ] && fail "$1 did not start"
		sleep 0.02
	done
}

# spread: the coefficient of variation, in percent (one decimal), of the
# numbers on standard input, one a line
spread() {
	awk '{ s += $1; q += $1 * $1; n++ }
		END { m = s / n; v = q / n - m * m; if (v < 0) v = 0;
		      printf "%.1f", (m > 0 ? 100 * sqrt(v) / m : 0) }'
}

# need_quiet_cpu PROGRAM [ARGS...]: the statistical diff tests check
# diff's promises (false alarms at most 5%, a 20% regression caught with
# 5 runs a side), which hold where the run-to-run noise is what diff
# assumes: 3%. What they compare is the CPU time recordings measure, so
# that is what is measured: PROGRAM recorded 5 times by this build's
# hotstack, the spread of the samples taken (coefficient of variation).
# Over 3%, the test skips and says the figure: on such a machine (this
# VM measured 3.8-14% within minutes; the sanitizer build's recorder
# competes with the target for the CPUs) a program's measured time moves
# more than diff's model allows.
need_quiet_cpu() {
	: >"$T/noise"
	for i in 1 2 3 4 5; do
		"$HOTSTACK" record -q -F 733 -o "$T/noise$i.db" -- "$@" >/dev/null 2>&1 ||
			fail "record of $(basename "$1") for the noise figure failed"
		meta "$T/noise$i.db" samples >>"$T/noise"
		rm -f "$T/noise$i.db"
	done
	cv=$(spread <"$T/noise")
	echo "run-to-run noise of $(basename "$1") recorded: ${cv}% (samples, 5 runs: $(tr '\n' ' ' <"$T/noise"))"
	awk -v c="$cv" 'BEGIN { exit !(c > 3) }' &&
		skip "this machine's run-to-run noise is ${cv}% (over the 3% diff assumes): too noisy to test diff's promises"
	return 0
}
