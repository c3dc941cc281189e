#!/usr/bin/env bash
# make demo's script, shortened: the demo's leaking function is the top stack and the
# heaviest line of the folded file.
. "$(dirname "$0")/lib.sh"
require_root

DEMO_SECONDS=3 DEMO_OUT="$WORK/demo" "$TOP/tools/demo.sh" >"$WORK/demo.table" 2>"$WORK/demo.err"
assert_eq "$?" 0 "demo exit status"
top=$(final_top_frame "$WORK/demo.table")
[[ $top == write_jsonl+* ]] || fail "top stack of the final table is '$top', want write_jsonl"
heaviest=$(sort -t' ' -k2 -nr "$WORK/demo.folded" | head -1)
[[ $heaviest == *";handle_event;write_jsonl "* ]] || fail "heaviest folded line: $heaviest"
pass "demo: write_jsonl on top ($heaviest)"
