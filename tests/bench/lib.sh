# lib.sh - helpers of the benchmarks (bench.sh, live.sh): messages, paths,
# numbers, series of per-round figures and the rotated order of the rounds
#
# Sourced by bash after BENCH_NAME (the prefix of messages) is set; the
# series live in $work, the caller's temporary directory.

die() {
	printf '%s: %s\n' "$BENCH_NAME" "$*" >&2
	exit 2
}

problems=()
problem() {
	printf '%s: warning: %s\n' "$BENCH_NAME" "$*" >&2
	problems+=("$*")
}

abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "${1#./}" ;;
	esac
}

# --- small numeric helpers (awk does the floating point) --------------------

# calc EXPR: prints EXPR evaluated by awk, or "nan" when it divides by zero
calc() {
	awk "BEGIN { d = 1; ${2:-} if (d == 0) print \"nan\"; else printf \"%.6g\\n\", $1 }" </dev/null
}
# ratio A B: A/B
ratio() { calc "$1 / ($2)" "d = ($2);"; }

# stat3 FILE: "median min max" of the numbers in FILE, one a line ("nan"s
# and missing files give "nan nan nan")
stat3() {
	if [ ! -s "$1" ]; then
		echo "nan nan nan"
		return
	fi
	grep -v nan "$1" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan nan nan"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR]
		}'
}
median() { stat3 "$1" | awk '{ print $1 }'; }

# fmt FORMAT VALUE: printf that prints "n/a" for nan
fmt() {
	case $2 in
	nan | '') printf '%s' n/a ;;
	*) awk -v f="$1" -v v="$2" 'BEGIN { printf f, v }' ;;
	esac
}
# rng FILE [MFMT RFMT]: "median [min..max]" of a series, by default as
# "1.234 [1.10..1.30]"
rng() {
	local m lo hi
	read -r m lo hi < <(stat3 "$1")
	if [ "$m" = nan ]; then
		printf 'n/a'
	else
		awk -v m="$m" -v l="$lo" -v h="$hi" -v mf="${2:-%.3f}" -v rf="${3:-%.2f}" \
			'BEGIN { printf mf " [" rf ".." rf "]", m, l, h }'
	fi
}
# metric KEY VALUE: appends one per-round value to the series KEY
metric() { printf '%s\n' "$2" >>"$work/m.$1"; }
mfile() { printf '%s\n' "$work/m.$1"; }

# order N ROUND: the indexes 0..N-1 rotated by ROUND, reversed on odd rounds
order() {
	local n=$1 r=$2 i idx=()
	for ((i = 0; i < n; i++)); do
		idx+=($(((i + r) % n)))
	done
	if ((r % 2)); then
		for ((i = n - 1; i >= 0; i--)); do printf '%s ' "${idx[$i]}"; done
	else
		printf '%s ' "${idx[@]}"
	fi
}

# verdict OK: PASS, MISS or n/a from an awk condition over numbers
verdict() {
	case "$*" in
	*nan*) echo n/a ;;
	*) awk "BEGIN { print ($*) ? \"PASS\" : \"MISS\" }" </dev/null ;;
	esac
}
