#!/usr/bin/env bash
# The leaker leaks known byte counts through one function per allocator entry point, then
# churns. leaktop must report each function's exact outstanding bytes and count, in the table
# and in the folded file, and zero bytes for every churn stack.
. "$(dirname "$0")/lib.sh"
require_root

rounds=2000
start_leaker leaker "$rounds"
start_leaktop lt -p "$LEAKER_PID" -i 600 --bytes -n 1000 --frames 4 --folded "$WORK/out.folded"
trigger_leaker leaker "$LEAKER_PID"
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status"
[[ -s $WORK/out.folded ]] || fail "no folded file written"

while read -r fn bytes count; do
	assert_eq "$(folded_bytes "$WORK/out.folded" "$fn")" "$bytes" "$fn: folded bytes"
	assert_eq "$(table_sum "$WORK/lt.table" "$fn" 2)" "$bytes" "$fn: table outstanding bytes"
	assert_eq "$(table_sum "$WORK/lt.table" "$fn" 3)" "$count" "$fn: table outstanding count"
	pass "$fn: $bytes bytes in $count blocks"
done < <("$BIN/leaker" --expect)

# Each folded stack goes outermost first, from main down to the leaking function.
assert_contains "$WORK/out.folded" '^leaker;.*;main;leak_malloc 10000$' "folded stack order"

# Churn: six allocating calls and six frees a round, all balanced.
assert_eq "$(table_sum "$WORK/lt.table" churn 2)" 0 "churn outstanding bytes"
assert_eq "$(table_sum "$WORK/lt.table" churn 3)" 0 "churn outstanding count"
assert_eq "$(table_sum "$WORK/lt.table" churn 5)" $((6 * rounds)) "churn allocations seen"
assert_eq "$(table_sum "$WORK/lt.table" churn 6)" $((6 * rounds)) "churn frees seen"
assert_eq "$(folded_bytes "$WORK/out.folded" churn)" 0 "churn in the folded file"
pass "churn: $((6 * rounds)) allocations and frees, 0 bytes outstanding"

assert_contains "$WORK/lt.table" '^drops: none' "nothing dropped"
assert_eq "$(leaktop_progs_loaded)" 0 "programs unloaded at exit"
