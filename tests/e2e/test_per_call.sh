#!/usr/bin/env bash
# --per-call: bytes held per call of a user function, exact for a program that leaks the same
# amount on every call.
. "$(dirname "$0")/lib.sh"
require_root

run_growth percall percall 4 --per-call "$BIN/growth:handle_event"
json=$WORK/percall.json table=$WORK/percall-lt.table
n=$DONE
((n >= 50)) || fail "only $n calls in 4 s"
assert_eq "$(ltjson "$json" proc calls)" "$n" "calls counted"
assert_eq "$(ltjson "$json" sum heap handle_event count)" "$n" "blocks held"
assert_eq "$(ltjson "$json" stack heap handle_event trend)" growing "trend"
assert_eq "$(ltjson "$json" stack heap handle_event per_call)" 3000 "bytes per call"
assert_contains "$table" "(3000 per handle_event call)" "table note"
pass "per call: 3000 bytes exactly over $n calls"

# The binary named by its file name alone.
run_growth percall2 percall 4 --per-call growth:handle_event
assert_eq "$(ltjson "$WORK/percall2.json" stack heap handle_event per_call)" 3000 "by name"
pass "--per-call growth:handle_event finds the binary by name"
