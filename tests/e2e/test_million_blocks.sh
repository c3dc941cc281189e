#!/usr/bin/env bash
# A million live blocks (issue 16, defect 5).
#  1. With the default options every one of them is tracked: the table holds exactly
#     1,000,000 blocks and 100,000,000 bytes, and nothing is dropped. (The old default map of
#     262,144 entries tracked a quarter of them.)
#  2. With --max-tracked 100000 and 1,000 bytes allocated and freed after each leaked block,
#     the map fills: the 100,000 blocks tracked hold exactly 10,000,000 bytes, and that is
#     the heap leaktop reports, never the 990,001,000 bytes the untracked allocations asked
#     for (most of them freed since); the drops line counts them and says how much they still
#     hold is not known; the summary says its data are incomplete, and that the process holds
#     at least the tracked bytes.
. "$(dirname "$0")/lib.sh"
require_root

N=1000000

start_leaker million --flood "$N"
start_leaktop million-lt -p "$LEAKER_PID" -i 600 --bytes
trigger_leaker million "$LEAKER_PID"
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status"
table=$WORK/million-lt.table
assert_eq "$(table_sum "$table" leak_flood 3)" "$N" "blocks held, default options"
assert_eq "$(table_sum "$table" leak_flood 2)" $((N * 100)) "bytes held, default options"
assert_contains "$table" '^drops: none$' "nothing dropped"
assert_contains "$table" "^pid $LEAKER_PID (leaker): .*, tracked heap $((N * 100)) + mmap 0," \
	"the process's tracked heap"
assert_not_contains "$table" 'incomplete data' "the summary's data are complete"
assert_contains "$table" "; it holds $((N * 100)) bytes of heap," "the summary's figure"
pass "default options: $N blocks, $((N * 100)) bytes held, exact"

K=100000
start_leaker capped --flood-churn "$N"
start_leaktop capped-lt -p "$LEAKER_PID" -i 600 --bytes --max-tracked "$K"
trigger_leaker capped "$LEAKER_PID"
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status, --max-tracked $K"
table=$WORK/capped-lt.table
# Round i leaks, then churns. The map holds the first K leaked blocks; the churn of rounds
# 0 to K-2 is tracked and freed; everything after is not tracked.
dropped=$((2 * N - 2 * K + 1))
asked=$(((N - K) * 100 + (N - K + 1) * 1000))
assert_eq "$(table_sum "$table" leak_flood_churn 3)" "$K" "blocks tracked in a $K-entry map"
assert_eq "$(table_sum "$table" leak_flood_churn 2)" $((K * 100)) "their bytes"
assert_eq "$(table_sum "$table" flood_churn 2)" 0 "the tracked churn holds nothing"
assert_eq "$(table_sum "$table" flood_churn 5)" $((K - 1)) "churn tracked"
assert_contains "$table" "^pid $LEAKER_PID (leaker): .*, tracked heap $((K * 100)) + mmap 0," \
	"the heap reported: the tracked blocks' bytes, not what untracked ones asked for"
assert_contains "$table" "^drops: $dropped allocations not tracked (allocation map full: raise --max-tracked), which asked for $asked (how much is still held is not known)$" \
	"the drops line: how many, what they asked for, and that what they hold is unknown"
assert_contains "$table" "^(from incomplete data: $dropped allocations were not tracked (--max-tracked); see the drops line)$" \
	"the summary says its data are incomplete"
assert_contains "$table" "; it holds at least $((K * 100)) bytes of heap," \
	"the summary's figure: a floor, not what the untracked allocations asked for"
assert_not_contains "$table" "holding" "no figure claims untracked bytes are held"
pass "--max-tracked $K: $K blocks ($((K * 100)) bytes) tracked of $N held; $dropped dropped, which asked for $asked"
