#!/bin/sh
# on a terminal, record shows one status line refreshed in place; samples
# the kernel drops are counted and reported, never hidden
. "$(dirname "$0")/lib.sh"
need_root
command -v script >/dev/null || skip "script (bsdutils) is not installed"

# a pseudo-terminal from script(1): attached to running processes, the
# status line must appear there (stdin from /dev/null: with no stdin at
# all, as in CI, script gives the command no terminal)
"$SAMPLES/spin" 30 >/dev/null &
spin=$!
script -qec "'$HOTSTACK' record -F 499 -d 1.2 -o '$T/tty.db' -p $spin" "$T/typescript" </dev/null >/dev/null
kill "$spin" 2>/dev/null
grep -q "samples" "$T/typescript" || fail "no status line on a terminal: $(cat "$T/typescript")"
grep -q "$(printf '\r')" "$T/typescript" || fail "the status line is not refreshed in place"
# a launched command owns the terminal: no line refreshed in place runs
# into its output, only the closing summary
script -qec "'$HOTSTACK' record -F 499 -o '$T/tty2.db' -- '$SAMPLES/split' 0.5" "$T/typescript2" </dev/null >/dev/null
grep -q "checksum" "$T/typescript2" || fail "the command's output is missing: $(cat "$T/typescript2")"
grep -q "wrote .* samples" "$T/typescript2" || fail "no summary: $(cat "$T/typescript2")"
grep -q "$(printf '\r\033')" "$T/typescript2" && fail "a status line ran into the command's output"
# not a terminal: quiet but for the closing summary
hs record -F 499 -o "$T/notty.db" -- "$SAMPLES/split" 0.5
[ "$RC" -eq 0 ] || fail "record exited $RC"
grep -q "$(printf '\r')" "$T/err" && fail "status line written to a non-terminal stderr"

# a one-page ring buffer cannot hold a 64 KiB stack copy: every sample is lost
hs record -q -F 999 -m 1 --stack-size 65528 -o "$T/lost.db" -- "$SAMPLES/split" 0.5
# no sample at all: exit 1 with a warning saying why
[ "$RC" -eq 1 ] || fail "record exited $RC, expected 1: $(cat "$T/err")"
grep -q "dropped them all" "$T/err" || fail "no warning about the dropped samples: $(cat "$T/err")"
lost=$(meta "$T/lost.db" lost)
echo "lost: $lost"
[ "$lost" -gt 100 ] || fail "expected the kernel to drop samples, lost=$lost"
hs report "$T/lost.db" --format json
[ "$(jq .lost "$T/out")" = "$lost" ] || fail "report --format json does not show lost=$lost"
hs report "$T/lost.db"
grep -qi "lost" "$T/out" || fail "the text report does not mention lost samples"
pass "status line and lost samples"
