#!/bin/sh
# Prometheus metrics: record --continuous --metrics on the sample HTTP
# server under load; promtool accepts the endpoint's output, and a real
# Prometheus (Debian's, started here on 127.0.0.1 with a 1 s scrape
# interval) returns the server's hot function among the hotstack_ series
. "$(dirname "$0")/lib.sh"
need_root
command -v prometheus >/dev/null || skip "prometheus is not installed (apt-get install prometheus)"
command -v promtool >/dev/null || skip "promtool is not installed (apt-get install prometheus)"
command -v curl >/dev/null || skip "curl is not installed"

"$SAMPLES/httpd" -t 2 -d "$T/data" >"$T/port" &
httpd=$!
PIDS_TO_KILL="$PIDS_TO_KILL $httpd"
wait_for_line "$T/port" 5 '^listening'
port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/port")
"$SAMPLES/loadgen" -p "$port" -c 4 -d 60 >"$T/load" &
load=$!
PIDS_TO_KILL="$PIDS_TO_KILL $load"

"$HOTSTACK" record --continuous "$T/d" -p "$httpd" --metrics 127.0.0.1:0 2>"$T/rec.err" &
rec=$!
PIDS_TO_KILL="$PIDS_TO_KILL $rec"
wait_for_line "$T/rec.err" 10 'metrics on http://'
url=$(sed -n 's/.*metrics on \(http:[^ ]*\).*/\1/p' "$T/rec.err")
hsport=$(echo "$url" | sed 's/.*:\([0-9]*\)\/metrics/\1/')
echo "hotstack serves $url"

# non-loopback addresses are refused
hs record --continuous "$T/d2" -p "$httpd" --metrics 0.0.0.0:0 -d 1
[ "$RC" -eq 64 ] || fail "--metrics 0.0.0.0:0 exited $RC, not 64"
grep -q 'not a loopback address' "$T/err" || fail "no reason given: $(cat "$T/err")"

# a few seconds of data, then the exposition as promtool sees it
sleep 4
curl -sf -o "$T/m1.txt" -w '%{time_total}\n' "$url" >"$T/time" || fail "GET $url failed"
echo "scrape took $(cat "$T/time") s, $(wc -c <"$T/m1.txt") bytes"
promtool check metrics <"$T/m1.txt" >"$T/promtool" 2>&1 ||
	fail "promtool check metrics: $(cat "$T/promtool")"
grep -q '^hotstack_cpu_seconds_total{comm="httpd"} ' "$T/m1.txt" ||
	fail "no CPU seconds for comm httpd: $(head -20 "$T/m1.txt")"
grep -q 'pid=' "$T/m1.txt" && fail "a pid label in the metrics"
grep -q '^process_resident_memory_bytes ' "$T/m1.txt" || fail "no process_resident_memory_bytes"

# a real Prometheus, on a port of its own
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: hotstack
    static_configs:
      - targets: ['127.0.0.1:$hsport']
EOF
promport=""
for try in 1 2 3 4 5; do
	p=$(shuf -i 20000-59999 -n 1)
	prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
		--web.listen-address="127.0.0.1:$p" >"$T/prom.log" 2>&1 &
	prom=$!
	PIDS_TO_KILL="$PIDS_TO_KILL $prom"
	i=0
	while [ $i -lt 100 ] && kill -0 "$prom" 2>/dev/null; do
		if curl -sf "http://127.0.0.1:$p/-/ready" >/dev/null 2>&1; then
			promport=$p
			break 2
		fi
		i=$((i + 1))
		sleep 0.1
	done
	kill "$prom" 2>/dev/null
	wait "$prom" 2>/dev/null
done
[ -n "$promport" ] || fail "prometheus did not start: $(tail -5 "$T/prom.log")"
echo "prometheus on 127.0.0.1:$promport"

api="http://127.0.0.1:$promport/api/v1/query"
found=""
i=0
while [ $i -lt 30 ]; do
	curl -sf -G "$api" --data-urlencode 'query=hotstack_function_cpu_seconds_total{module="httpd"}' \
		>"$T/q.json" || true
	if jq -e '[.data.result[].metric.function] | index("hash_payload") != null' "$T/q.json" \
		>/dev/null 2>&1; then
		found=yes
		break
	fi
	i=$((i + 1))
	sleep 1
done
jq -c '[.data.result[] | [.metric.function, .value[1]]]' "$T/q.json"
[ -n "$found" ] || fail "prometheus has no hotstack_ series for hash_payload: $(cat "$T/q.json")"
curl -sf -G "$api" --data-urlencode 'query=up{job="hotstack"}' >"$T/up.json" ||
	fail "prometheus query failed"
[ "$(jq -r '.data.result[0].value[1]' "$T/up.json")" = 1 ] || fail "the target is not up: $(cat "$T/up.json")"
curl -sf -G "$api" --data-urlencode 'query=hotstack_samples_total' >"$T/s.json"
s=$(jq -r '.data.result[0].value[1]' "$T/s.json")
echo "hotstack_samples_total in prometheus: $s"
at_least "$s" 1 || fail "no samples counted"

kill -TERM "$rec"
wait "$rec" || fail "record --continuous exited $? on SIGTERM: $(cat "$T/rec.err")"
assert_running "$httpd"
pass "metrics scraped by prometheus"
