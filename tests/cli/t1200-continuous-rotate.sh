#!/bin/sh
# record --continuous: a 10 s run with --rotate 2s --keep 3 leaves 3 files
# that each open, finished, whose time ranges join without a gap; latest
# points at the last; report DIR --since over them equals the sum of the
# parts; SIGHUP rotates at once (unique names within a second); SIGTERM
# finishes the file
. "$(dirname "$0")/lib.sh"
need_root

bg "$SAMPLES/split" 60
split=$BG
sleep 0.2
D=$T/dir
hs record --continuous "$D" -p "$split" --rotate 2s --keep 3 -d 10 -q
[ "$RC" -eq 0 ] || fail "record --continuous exited $RC: $(cat "$T/err")"
assert_running "$split"
ls "$D" >"$T/ls"
n=$(grep -c '^hotstack-.*\.db$' "$T/ls")
[ "$n" -eq 3 ] || fail "$n files left, not 3: $(cat "$T/ls")"
grep -q -- '-wal$\|-shm$' "$T/ls" && fail "-wal/-shm files left: $(cat "$T/ls")"
last=$(grep '^hotstack-.*\.db$' "$T/ls" | tail -1)
[ "$(readlink "$D/latest")" = "$last" ] || fail "latest -> $(readlink "$D/latest"), not $last"

prev_end=""
sum=0
for f in $(grep '^hotstack-.*\.db$' "$T/ls"); do
	db=$D/$f
	hs report "$db" --format json --limit 0
	[ "$RC" -eq 0 ] || fail "report $f: $(cat "$T/err")"
	cp "$T/out" "$T/$f.json"
	[ "$(meta "$db" finished)" = 1 ] || fail "$f is not marked finished"
	start=$(meta "$db" start_time)
	dur=$(meta "$db" duration_ns)
	s=$(jq .samples "$T/out")
	echo "$f: start $start duration $dur samples $s"
	[ "$s" -gt 0 ] || fail "$f has no samples"
	if [ -n "$prev_end" ]; then
		gap=$((start - prev_end))
		[ "$gap" -eq 0 ] || fail "$f starts $gap ns after the previous file ends"
	fi
	prev_end=$((start + dur))
	sum=$((sum + s))
done

hs report "$D" --since -1h --format json --limit 0
[ "$RC" -eq 0 ] || fail "report DIR --since: $(cat "$T/err")"
all=$(jq .samples "$T/out")
echo "report DIR --since -1h: $all samples, the parts: $sum"
[ "$all" -eq "$sum" ] || fail "report over the directory has $all samples, the files $sum"
for fn in leaf_60 leaf_30 leaf_10; do
	whole=$(jq --arg f "$fn" '[.functions[] | select(.name == $f) | .self] | add // 0' "$T/out")
	parts=$(cat "$T"/hotstack-*.json |
		jq -s --arg f "$fn" '[.[].functions[] | select(.name == $f) | .self] | add // 0')
	[ "$whole" -eq "$parts" ] || fail "$fn: $whole self samples over the directory, $parts in the files"
done
# export reads the directory the same way
hs export "$D" --since -1h --format folded
[ "$RC" -eq 0 ] || fail "export DIR --since: $(cat "$T/err")"
folded=$(awk '{ n += $NF } END { print n + 0 }' "$T/out")
[ "$folded" -eq "$sum" ] || fail "export over the directory has $folded samples, the files $sum"
# and flame
hs flame "$D" --since -1h -o "$T/dir.svg"
[ "$RC" -eq 0 ] || fail "flame DIR --since: $(cat "$T/err")"
grep -q leaf_60 "$T/dir.svg" || fail "the flame graph of the directory has no leaf_60"
# a range inside the last file only
hs report "$D" --since "@$(( $(meta "$D/$last" start_time) / 1000000000 + 1 ))" --format json
[ "$RC" -eq 0 ] || fail "report DIR --since inside the last file: $(cat "$T/err")"
part=$(jq .samples "$T/out")
[ "$part" -gt 0 ] && [ "$part" -lt "$sum" ] || fail "a range in the last file has $part samples (all: $sum)"
hs report "$D" --since "not a time"
[ "$RC" -eq 64 ] || fail "a bad --since exited $RC, not 64"

# SIGHUP: a new file at once, even within the same second; SIGTERM: finished
D2=$T/dir2
"$HOTSTACK" record --continuous "$D2" -p "$split" -q 2>"$T/err2" &
rec=$!
PIDS_TO_KILL="$PIDS_TO_KILL $rec"
i=0
until [ -L "$D2/latest" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "no recording started: $(cat "$T/err2")"
	sleep 0.05
done
sleep 0.5
kill -HUP "$rec"; sleep 0.1; kill -HUP "$rec"; sleep 0.1; kill -HUP "$rec"
# each SIGHUP makes a file (a SIGTERM before they are done would stop first)
i=0
until [ "$(ls "$D2" | grep -c '^hotstack-.*\.db$')" -ge 4 ]; do
	i=$((i + 1)); [ $i -gt 200 ] && break
	sleep 0.05
done
kill -TERM "$rec"
wait "$rec" || fail "record --continuous exited $? on SIGTERM: $(cat "$T/err2")"
ls "$D2" >"$T/ls2"
n=$(grep -c '^hotstack-.*\.db$' "$T/ls2")
[ "$n" -eq 4 ] || fail "3 SIGHUPs left $n files, not 4: $(cat "$T/ls2")"
for f in $(grep '^hotstack-.*\.db$' "$T/ls2"); do
	[ "$(meta "$D2/$f" finished)" = 1 ] || fail "$f is not finished after SIGHUP/SIGTERM"
done
assert_running "$split"
pass "rotation, retention, latest, ranges and signals"
