#!/bin/sh
# a library loaded with dlopen during the recording is symbolized
. "$(dirname "$0")/lib.sh"
need_root

hs record -q -F 499 -o "$T/dl.db" -- "$SAMPLES/dlopen" 1.5 "$SAMPLES/libhsplugin.so"
[ "$RC" -eq 0 ] || fail "record exited $RC: $(cat "$T/err")"
h=$(json_pct "$T/dl.db" plugin_hot)
echo "plugin_hot self: $h%"
at_least "$h" 90 || fail "plugin_hot has only $h% self time"
mod=$("$HOTSTACK" report "$T/dl.db" --format json | jq -r '.functions[] | select(.name == "plugin_hot") | .module')
case "$mod" in
*libhsplugin.so) ;;
*) fail "plugin_hot attributed to module '$mod'" ;;
esac
m=$(folded_share "$T/dl.db" main)
at_least "$m" 99 || fail "only $m% of samples unwound to main()"
pass "dlopen'd library symbolized"
