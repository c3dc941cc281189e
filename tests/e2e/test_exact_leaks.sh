#!/usr/bin/env bash
# The leaker leaks known byte counts through one function per allocator entry point, then
# churns. leaktop must report each function's exact outstanding bytes and count, in the table
# and in the folded file, and zero bytes for every churn stack.
. "$(dirname "$0")/lib.sh"
require_root

rounds=2000
check_exact_leaks glibc "$rounds"
# Churn makes six allocating calls and six frees a round: every one of them is seen.
assert_eq "$CHURN_ALLOCS" $((6 * rounds)) "churn allocations seen"
assert_eq "$CHURN_FREES" $((6 * rounds)) "churn frees seen"
pass "churn: $CHURN_ALLOCS allocations and $CHURN_FREES frees, 0 bytes outstanding"

# Each folded stack goes outermost first, from main down to the leaking function.
assert_contains "$WORK/glibc.folded" '^leaker;.*;main;leak_malloc 10000$' "folded stack order"
assert_eq "$(leaktop_progs_loaded)" 0 "programs unloaded at exit"
