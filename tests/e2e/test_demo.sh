#!/usr/bin/env bash
# make demo's script, shortened: the demo's leaking function is the top stack and the
# heaviest line of the folded file, its socket leak is in the sockets section, and it writes a
# flame graph and a pprof profile.
. "$(dirname "$0")/lib.sh"
require_root

DEMO_SECONDS=3 DEMO_OUT="$WORK/demo" "$TOP/tools/demo.sh" >"$WORK/demo.table" 2>"$WORK/demo.err"
assert_eq "$?" 0 "demo exit status"
top=$(final_top_frame "$WORK/demo.table")
[[ $top == write_jsonl+* ]] || fail "top stack of the final table is '$top', want write_jsonl"
heaviest=$(sort -t' ' -k2 -nr "$WORK/demo.folded" | head -1)
[[ $heaviest == *";handle_event;write_jsonl "* ]] || fail "heaviest folded line: $heaviest"
# The socket row is named by the service's own function, through libc's socket().
sockets=$(awk -v sc="$STACK_COL" '/final report/ { f = 1 } f && /^SOCKETS: STACKS BY/ { s = 1; next }
	s && $1 == "1" { print substr($0, sc + 1); exit }' "$WORK/demo.table")
[[ $sockets == "connect_upstream+"*" [leaky_service] via __socket" ]] ||
	fail "the final table's socket stack is '$sockets', want connect_upstream via __socket"
for f in demo.svg demo.pb.gz; do
	[[ -s $WORK/$f ]] || fail "the demo did not write $f"
done
xmllint --noout "$WORK/demo.svg" || fail "the demo's flame graph is not well-formed XML"
grep -q 'data-name="write_jsonl"' "$WORK/demo.svg" || fail "no write_jsonl frame in the flame graph"
pass "demo: write_jsonl on top ($heaviest); sockets from connect_upstream; flame graph and pprof written"
