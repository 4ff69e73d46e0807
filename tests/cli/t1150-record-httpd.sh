#!/bin/sh
# the README's main job: a backend under load, attached with -p; its
# request handlers are the hotspots and the server keeps serving afterwards
. "$(dirname "$0")/lib.sh"
need_root

"$SAMPLES/httpd" -t 2 -d "$T/data" >"$T/port" &
httpd=$!
PIDS_TO_KILL="$PIDS_TO_KILL $httpd"
wait_for_line "$T/port" 5 '^listening'
port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/port")
"$SAMPLES/loadgen" -p "$port" -c 4 -d 3 >"$T/load" &
load=$!
sleep 0.3
hs record -q -F 499 -d 2 -p "$httpd" -o "$T/h.db"
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
wait "$load" || fail "loadgen under profiling failed: $(cat "$T/load")"
echo "load: $(cat "$T/load")"
assert_running "$httpd"
hs report "$T/h.db" --format json --limit 0
top=$(jq -r '[.functions[] | select(.module | test("httpd$"))][0].name' "$T/out")
echo "hottest httpd function: $top"
[ "$top" = hash_payload ] || fail "expected hash_payload as the hottest httpd function"
for f in parse_request store_body send_response; do
	jq -e --arg f "$f" '[.functions[].name] | index($f) != null' "$T/out" >/dev/null ||
		fail "$f does not appear in the profile"
done
threads=$(sqlite3 "$T/h.db" "select count(distinct tid) from samples")
[ "$threads" -ge 2 ] || fail "samples from only $threads thread(s)"
# the server still serves, then stops cleanly
"$SAMPLES/loadgen" -p "$port" -c 1 -n 20 --quit >"$T/load2" || fail "httpd stopped serving: $(cat "$T/load2")"
wait "$httpd" || fail "httpd did not exit 0 after /quit"
pass "httpd profiled under load"
