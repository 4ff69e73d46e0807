#!/bin/sh
# every bad input gets one clear line on stderr and the documented exit
# code: 2 for errors, 64 for usage; nothing crashes
. "$(dirname "$0")/lib.sh"

cd "$T" || fail "cd"
# a pid that does not exist (pid_max is at most 4194304)
expect 2 "no process with pid 4194304" record -q -p 4194304 -o "$T/x.db"
expect 64 "not a process id" record -p abc -o "$T/x.db"
expect 2 "cannot run 'no-such-command-hs'.*not found" record -q -o "$T/x.db" -- no-such-command-hs
# a command that cannot run leaves no recording (nor its -wal/-shm)
ls "$T" | grep -q '^x\.db' && fail "a recording was left after a failed exec: $(ls "$T" | grep x.db)"
mkdir -p "$T/ro"
chmod 555 "$T/ro"
if [ "$(id -u)" -eq 0 ]; then
	# root ignores directory permissions: use a path under a file instead
	: >"$T/file"
	expect 2 "cannot (write|create).*'$T/file" record -q -o "$T/file/x.db" -- true
else
	expect 2 "cannot (write|create)" record -q -o "$T/ro/x.db" -- true
fi
expect 64 "frequency" record -F 0 -- true
expect 64 "frequency" record -F -5 -- true
expect 64 "perf_event_max_sample_rate" record -F 100000000 -- true
expect 64 "frequency" record -F abc -- true
expect 64 "seconds" record -d 0 -- true
expect 64 "seconds" record -d -1 -- true
expect 64 "unknown event" record -e bogus -- true
expect 64 "nothing to record" record
expect 64 "give one of -p PID, --cgroup PATH and a command" record -p 1 -- true
expect 64 "unknown option" record --bogus -- true
expect 64 "not a hotstack command" bogus

: >"$T/empty.db"
expect 2 "empty" report "$T/empty.db"
printf 'this is not a database\n%.0s' $(seq 1 200) >"$T/text.db"
expect 2 "not a SQLite database" report "$T/text.db"
expect 2 "No such file" report "$T/missing.db"
expect 2 "directory|not a (regular )?file|no recordings in" report "$T"
sqlite3 "$T/other.db" "create table t(x); insert into t values (1);"
expect 2 "not a hotstack recording" report "$T/other.db"
pass "bad input handled"
