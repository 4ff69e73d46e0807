#!/bin/sh
# stress.sh - hotstack record under stress (make stress; not part of make check)
#
# Workloads, each recorded at the default rate and at 999 Hz:
#   churn    1,000 threads created and ended (tests/progs/churn 0 250 4)
#   prefork  a pre-forking server: 4 workers at a time, 200 in all, each
#            running ~50 ms then exiting, the parent replacing them
#   exec     a shell that loops, then execs samples/split
#   deep     recursion 10,000 frames deep (samples/deep 2 10000); report,
#            flame and export must finish, and stacks must be right: the
#            frame above leaf_deep is recurse, above recurse recurse or deep
#            (a stack cut by the stack copy ends at recurse: counted as not
#            unwound to the end, never joined to a wrong caller)
#   long     samples/httpd -t 4 under samples/loadgen for STRESS_LONG_SECS
#            (default 600) at 999 Hz only
# For each: hotstack's peak RSS (/usr/bin/time %M), lost samples as the
# recording and the summary line report them against what the kernel
# reported (record -v: kernel ring-buffer LOST records + queue drops, which
# must add up to the recorded count), `PRAGMA integrity_check`, and whether
# the target finished correctly. A table at the end; exit 1 if any check
# failed.
#
# Environment: HOTSTACK, SAMPLES, TESTPROGS (set by make stress),
# STRESS_LONG_SECS, STRESS_ONLY="churn deep ..." (a subset), STRESS_KEEP=1
# (keep the work directory).
set -u

: "${HOTSTACK:?HOTSTACK must point at the hotstack binary}"
: "${SAMPLES:?SAMPLES must point at the built samples directory}"
: "${TESTPROGS:=$(dirname "$HOTSTACK")/tests/progs}"
LONG=${STRESS_LONG_SECS:-600}
ONLY=${STRESS_ONLY:-churn prefork exec deep long}

for tool in /usr/bin/time sqlite3 timeout; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "stress: '$tool' is missing (./run.sh test installs it)" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "stress: needs root (perf events, kernel frames)" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/hotstack-stress.XXXXXX")
TABLE=$W/table
BGPIDS=""
cleanup() {
	for p in $BGPIDS; do
		kill "$p" 2>/dev/null || true
	done
	if [ "${STRESS_KEEP:-0}" = 1 ]; then
		echo "stress: work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
status=0

say() { printf '%s\n' "$*" >&2; }

wanted() {
	case " $ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}

meta() {
	sqlite3 "$1" "select value from meta where key='$2'" 2>/dev/null
}

# record NAME RATE LIMIT CMD...: records CMD under /usr/bin/time (killed
# with SIGINT after LIMIT seconds of wall time). Sets DB, OUT, ERR, RC, RSS.
record() {
	name=$1 rate=$2 limit=$3
	shift 3
	DB=$W/$name-$rate.db OUT=$W/$name-$rate.out ERR=$W/$name-$rate.err
	set -- -- "$@"
	[ "$rate" = default ] || set -- -F "$rate" "$@"
	/usr/bin/time -f %M -o "$W/$name-$rate.rss" \
		timeout -s INT -k 30 "$limit" "$HOTSTACK" record -v -o "$DB" "$@" \
		>"$OUT" 2>"$ERR"
	RC=$?
	RSS=$(tail -n 1 "$W/$name-$rate.rss")
}

# check NAME RATE PROBLEMS NOTE: integrity, lost samples; adds a table row
# (PROBLEMS: what was wrong with the target and its output, empty if none)
check() {
	name=$1 rate=$2 target=$3 note=$4
	problems=""
	integ=$(sqlite3 "$DB" 'pragma integrity_check' 2>&1 | tr '\n' ' ')
	[ "$integ" = "ok " ] || problems="$problems integrity:$integ"
	[ "$RC" -eq 0 ] || problems="$problems record-exit:$RC"
	lost=$(meta "$DB" lost)
	samples=$(meta "$DB" samples)
	uerr=$(meta "$DB" unwind_errors)
	# "lost: K in the kernel's ring buffers, Q dropped from a full queue"
	kq=$(sed -n "s/.*lost: \([0-9]*\) in the kernel's ring buffers, \([0-9]*\) dropped.*/\1 \2/p" "$ERR" | tail -n 1)
	klost=${kq% *} qlost=${kq#* }
	said=$(sed -n 's/.*wrote [0-9]* samples (\([0-9]*\) lost.*/\1/p' "$ERR" | tail -n 1)
	if [ -z "$kq" ] || [ -z "$lost" ] || [ -z "$said" ]; then
		problems="$problems lost-unknown"
		klost=? qlost=?
	elif [ $((klost + qlost)) -ne "$lost" ] || [ "$said" -ne "$lost" ]; then
		problems="$problems lost-mismatch(kernel $klost + queue $qlost, recorded $lost, said $said)"
	fi
	[ -z "$target" ] || problems="$problems target:$target"
	if [ -n "$problems" ]; then
		res=FAIL
		status=1
		say "FAIL: $name at $rate:$problems (logs: $ERR)"
		tail -n 5 "$ERR" >&2
	else
		res=ok
		say "ok: $name at $rate"
	fi
	printf '%-8s %-8s %9s %8s %8s %7s %6s %9s  %-4s %s\n' "$name" "$rate" "${RSS:-?}" \
		"${samples:-?}" "${lost:-?}" "$klost" "$qlost" "${uerr:-?}" "$res" "$note" >>"$TABLE"
}

for rate in default 999; do
	if wanted churn; then
		say "churn at $rate: 1,000 threads"
		record churn "$rate" 600 "$TESTPROGS/churn" 0 250 4
		t=
		grep -qx 'done 1000' "$OUT" || t="output:$(tail -n 1 "$OUT")"
		[ "$(meta "$DB" exit_status)" = 0 ] || t="$t exit:$(meta "$DB" exit_status)"
		check churn "$rate" "$t" "threads recorded $(sqlite3 "$DB" 'select count(*) from threads')"
	fi

	if wanted prefork; then
		say "prefork at $rate: 200 workers, 4 at a time"
		record prefork "$rate" 600 "$TESTPROGS/prefork" 4 200 50
		t=
		grep -qx 'done 200 bad 0' "$OUT" || t="output:$(tail -n 1 "$OUT")"
		[ "$(meta "$DB" exit_status)" = 0 ] || t="$t exit:$(meta "$DB" exit_status)"
		nproc=$(sqlite3 "$DB" 'select count(*) from processes')
		wsamples=$(sqlite3 "$DB" "select coalesce(sum(s.count),0) from samples_total s
			join stack_nodes n on n.id = s.node_id join frames f on f.id = n.frame_id
			where f.function in ('leaf_60','leaf_30','leaf_10')")
		[ "$wsamples" -gt 0 ] || t="$t no-worker-leaf-samples"
		check prefork "$rate" "$t" "processes $nproc, leaf samples $wsamples"
	fi

	if wanted exec; then
		say "exec at $rate: sh loops, then execs split"
		# shellcheck disable=SC2016
		record exec "$rate" 600 sh -c \
			'i=0; while [ $i -lt 200000 ]; do i=$((i + 1)); done; exec "$0" 2' \
			"$SAMPLES/split"
		t=
		ref=$("$SAMPLES/split" 0 2>&1)
		[ "$(cat "$OUT")" = "$ref" ] || t="output:$(tail -n 1 "$OUT")"
		[ "$(meta "$DB" exit_status)" = 0 ] || t="$t exit:$(meta "$DB" exit_status)"
		leaf=$("$HOTSTACK" report "$DB" -n 0 2>/dev/null | grep -c ' leaf_60 ')
		shell=$(sqlite3 "$DB" "select count(*) from modules where path like '%/dash' or path like '%/sh' or path like '%/bash'")
		[ "$leaf" -ge 1 ] || t="$t no-leaf_60-after-exec"
		[ "$shell" -ge 1 ] || t="$t no-shell-before-exec"
		check exec "$rate" "$t" "shell module $shell, leaf_60 after exec $leaf"
	fi

	if wanted deep; then
		say "deep at $rate: recursion 10,000 deep"
		record deep "$rate" 900 "$SAMPLES/deep" 2 10000
		t=
		ref=$("$SAMPLES/deep" 0 10000 2>&1)
		[ "$(cat "$OUT")" = "$ref" ] || t="output:$(tail -n 1 "$OUT")"
		[ "$(meta "$DB" exit_status)" = 0 ] || t="$t exit:$(meta "$DB" exit_status)"
		# a wrong caller anywhere under leaf_deep / recurse
		wrong=$(sqlite3 "$DB" "select count(*) from stack_nodes c
			join stack_nodes p on p.id = c.parent_id
			join frames fc on fc.id = c.frame_id join frames fp on fp.id = p.frame_id
			where (fc.function = 'leaf_deep' and fp.function <> 'recurse')
			   or (fc.function = 'recurse' and fp.function not in ('recurse', 'deep'))")
		cut=$(sqlite3 "$DB" "select count(*) from stack_nodes n join frames f on f.id = n.frame_id
			where n.parent_id = 0 and f.function = 'recurse'")
		maxd=$(sqlite3 "$DB" 'select max(depth) from stack_nodes')
		[ "$wrong" = 0 ] || t="$t wrong-callers:$wrong"
		# the cut stacks are counted, and said in the report's header
		uerr=$(meta "$DB" unwind_errors)
		[ "$cut" = 0 ] || [ "${uerr:-0}" -gt 0 ] || t="$t cut-stacks-not-counted"
		for step in "report -n 0" "report -s total" "flame -o $W/deep.svg" \
			"export -f pprof -o $W/deep.pb" "export -f speedscope -o $W/deep.json"; do
			s0=$(date +%s)
			# shellcheck disable=SC2086
			timeout 300 "$HOTSTACK" $step "$DB" >"$W/deep-step.out" 2>&1
			src=$? s1=$(date +%s)
			[ "$src" -eq 0 ] || t="$t '${step%% -o*}':exit-$src"
			say "  $step: exit $src, $((s1 - s0)) s"
		done
		"$HOTSTACK" report "$DB" 2>/dev/null | head -n 1 | grep -q "unwind errors: $uerr" ||
			t="$t report-header-without-unwind-errors"
		check deep "$rate" "$t" "max depth $maxd, cut roots $cut, wrong callers $wrong"
	fi
done

if wanted long; then
	say "long at 999: httpd -t 4 under loadgen for $LONG s"
	rm -f "$W/long.port"
	(
		record long 999 $((LONG + 300)) "$SAMPLES/httpd" -t 4 -d "$W/httpd-data"
		echo "$RC $RSS" >"$W/long.rc"
	) &
	recpid=$!
	i=0
	until grep -q '^listening' "$W/long-999.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && break
		sleep 0.1
	done
	port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/long-999.out")
	t=
	if [ -z "$port" ]; then
		t="httpd-did-not-start"
	else
		# hotstack's resident size now and then: bounded, not growing
		(
			while sleep 60; do
				p=$(pgrep -n -f "record -v -o $W/long-999.db") || break
				echo "$(date +%s) $(sed -n 's/VmRSS:[ \t]*//p' "/proc/$p/status")"
			done >"$W/long.rsslog"
		) &
		BGPIDS="$BGPIDS $!"
		"$SAMPLES/loadgen" -p "$port" -c 4 -d "$LONG" >"$W/loadgen.out" 2>&1
		lrc=$?
		"$SAMPLES/loadgen" -p "$port" -n 0 --quit >/dev/null 2>&1
		[ "$lrc" -eq 0 ] || t="loadgen-exit:$lrc"
		grep -q ' errors 0 ' "$W/loadgen.out" || t="$t $(cat "$W/loadgen.out")"
	fi
	wait "$recpid"
	read -r RC RSS <"$W/long.rc"
	DB=$W/long-999.db ERR=$W/long-999.err
	[ "$(meta "$DB" exit_status)" = 0 ] || t="$t httpd-exit:$(meta "$DB" exit_status)"
	rsslog=$(awk '{ printf "%s%s", sep, $2; sep = "," }' "$W/long.rsslog" 2>/dev/null)
	check long 999 "$t" "$(sed -n 's/^\(requests [0-9]*\).*/\1/p' "$W/loadgen.out"); RSS kB/min: $rsslog"
fi

echo
printf '%-8s %-8s %9s %8s %8s %7s %6s %9s  %-4s %s\n' workload rate "rss-kB" samples lost \
	kernel queue unwound- result note
printf '%-8s %-8s %9s %8s %8s %7s %6s %9s  %-4s %s\n' "" "" "" "" "" lost drops "-to-end" "" ""
cat "$TABLE" 2>/dev/null
exit $status
