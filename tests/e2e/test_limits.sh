#!/usr/bin/env bash
# Full maps: leaktop bounds its maps, and whatever does not fit is counted, with its bytes,
# never lost silently.
. "$(dirname "$0")/lib.sh"
require_root

# 5000 live blocks of 100 bytes into a 1024-entry allocation map: 1024 tracked, the rest
# counted as drops with their bytes.
start_leaker flood --flood 5000
start_leaktop flood-lt -p "$LEAKER_PID" --max-tracked 1024 -i 600 --bytes
trigger_leaker flood "$LEAKER_PID"
stop_leaktop INT
table=$WORK/flood-lt.table
tracked=$(table_sum "$table" leak_flood 3)
dropped=$(sed -n 's/^drops: \([0-9]*\) allocations not tracked (allocation map full.*/\1/p' "$table")
dropped_bytes=$(sed -n 's/^drops: .*allocation map full.*, which asked for \([0-9]*\) (how much is still held is not known).*/\1/p' "$table")
assert_eq "$tracked" 1024 "blocks tracked in a 1024-entry map"
assert_eq "$((tracked + dropped))" 5000 "tracked + dropped blocks"
assert_eq "$dropped_bytes" $((dropped * 100)) "dropped bytes"
assert_eq "$(table_sum "$table" leak_flood 2)" 102400 "tracked bytes"
# The summary's verdicts say that they come from incomplete data, and why.
assert_contains "$table" "^(from incomplete data: $dropped allocations were not tracked (--max-tracked); see the drops line)$" \
	"the summary says its data are incomplete"
pass "allocation map full: $tracked tracked, $dropped dropped ($dropped_bytes bytes)"

# 100 distinct stacks into a 64-entry stack map: the other 36 stacks' bytes stay visible
# under [stack unavailable], and the footer counts them.
start_leaker deep --deep 100
start_leaktop deep-lt -p "$LEAKER_PID" --max-stacks 64 -i 600 --bytes -n 200 \
	--folded "$WORK/deep.folded"
trigger_leaker deep "$LEAKER_PID"
stop_leaktop INT
table=$WORK/deep-lt.table
assert_eq "$(table_sum "$table" leak_deep 3)" 64 "stacks stored"
assert_contains "$table" '^drops: 36 stacks not stored (stack map full: raise --max-stacks)' \
	"stack drops counted"
assert_contains "$WORK/deep.folded" '^leaker;\[stack unavailable\] 36000$' "their bytes kept"
total=$(awk '{ s += $NF } END { print s }' "$WORK/deep.folded")
assert_eq "$total" 100000 "every byte in the folded file"
pass "stack map full: 64 stacks stored, 36 counted, all 100000 bytes shown"
