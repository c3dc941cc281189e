#!/usr/bin/env bash
# Debian's python3, stripped and without frame pointers, running a dict/JSON workload: at
# least 95% of the stacks leaktop records must reach the entry function (_start), counted
# over the walks (the walker's own tally) and over the distinct stacks (the final table).
. "$(dirname "$0")/lib.sh"
require_root

/usr/bin/python3 "$TOP/tools/bench/json_work.py" 40 >"$WORK/py.out" 2>&1 &
pypid=$!
PIDS+=("$pypid")
wait_for "$WORK/py.out" '^ready' 10 || fail "python did not start"
start_leaktop py -p "$pypid" -i 600 --bytes -n 100000 --frames 127
kill -USR1 "$pypid"
wait "$pypid"
wait "$LT_PID" || fail "leaktop failed: $(cat "$WORK/py.err")"

line=$(grep '^unwind: ' "$WORK/py.table" | tail -1)
walks=$(sed -E 's/^unwind: ([0-9]+) stack walks.*/\1/' <<<"$line")
complete=$(sed -E 's/.* ([0-9.]+)% complete.*/\1/' <<<"$line")
((walks > 1000)) || fail "only $walks stack walks: $line"
awk -v c="$complete" 'BEGIN { exit !(c >= 95) }' || fail "only $complete% of walks complete: $line"

# Each row of the final table is a distinct stack; its last frame line is the outermost one.
read -r stacks at_start < <(awk -v sc="$STACK_COL" '
	/final report/ { f = 1 }
	f && /^HEAP: GROWTH SINCE/ { if (last != "") { n++; if (last ~ /^_start\+/) s++ } exit }
	f && $1 ~ /^[0-9]+$/ && NF >= 9 { if (last != "") { n++; if (last ~ /^_start\+/) s++ } last = substr($0, sc + 1); next }
	f && last != "" && length($0) > sc && substr($0, 1, sc) ~ /^ +$/ { last = substr($0, sc + 1) }
	END { print n + 0, s + 0 }' "$WORK/py.table")
((stacks >= 20)) || fail "only $stacks distinct stacks in the final table"
share=$(awk -v a="$at_start" -v t="$stacks" 'BEGIN { printf "%.1f", 100 * a / t }')
awk -v s="$share" 'BEGIN { exit !(s >= 95) }' || fail "only $at_start of $stacks stacks reach _start"
pass "python3: $complete% of $walks walks complete; $at_start of $stacks distinct stacks ($share%) end at _start"
echo "$line"
