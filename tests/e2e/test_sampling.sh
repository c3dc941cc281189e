#!/usr/bin/env bash
# --sample-bytes: estimates land near the truth, large blocks stay exact, balanced churn
# stays at zero, and every output says the figures are estimates.
. "$(dirname "$0")/lib.sh"
require_root

# 1,000,000 blocks of 100 bytes sampled at one point per 64 KiB: about 1,526 sample points,
# so the estimates' standard deviation is about 2.6%; the tolerance, 10%, is four of them.
n=1000000 size=100 rate=65536
start_leaker flood --flood $n
start_leaktop flood-lt -p "$LEAKER_PID" --sample-bytes $rate -i 600 --bytes \
	--folded "$WORK/flood.folded"
trigger_leaker flood "$LEAKER_PID"
stop_leaktop INT
table=$WORK/flood-lt.table
est_bytes=$(table_sum "$table" leak_flood 2)
est_count=$(table_sum "$table" leak_flood 3)
want_bytes=$((n * size))
awk -v e="$est_bytes" -v w="$want_bytes" 'BEGIN { d = e / w - 1; exit !(d < 0.1 && d > -0.1) }' ||
	fail "estimated $est_bytes bytes, want $want_bytes within 10%"
awk -v e="$est_count" -v w="$n" 'BEGIN { d = e / w - 1; exit !(d < 0.1 && d > -0.1) }' ||
	fail "estimated $est_count blocks, want $n within 10%"
pass "flood: $est_bytes bytes (true $want_bytes), $est_count blocks (true $n)"
assert_contains "$table" '^sampled: one point per 65536 of allocation on average; bytes and counts are unbiased estimates' \
	"the table says so"
assert_contains "$WORK/flood.folded" '^# leaktop: sampled one point per 65536 bytes' "folded says so"
assert_eq "$(folded_bytes "$WORK/flood.folded" leak_flood)" "$est_bytes" "folded = table"

# The usual leaker: blocks of 64 KiB or more are recorded at their exact size, and churn,
# whose sampled blocks are all freed, nets exactly to zero.
start_leaker leaker 2000
start_leaktop leaker-lt -p "$LEAKER_PID" --sample-bytes $rate -i 600 --bytes -n 1000
trigger_leaker leaker "$LEAKER_PID"
stop_leaktop INT
table=$WORK/leaker-lt.table
assert_eq "$(table_sum "$table" leak_realloc_chain 2)" 400000 "a 400000-byte block is exact"
assert_eq "$(table_sum "$table" churn 2)" 0 "churn outstanding bytes"
sampled=$(table_sum "$table" churn 5)
((sampled > 0)) || fail "no churn allocation was sampled"
pass "large blocks exact; churn 0 bytes with $sampled estimated allocations"
