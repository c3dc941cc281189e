#!/usr/bin/env bash
# The final SUMMARY lists every process's leak under its "growing, likely leaks:" heading, by
# name, even when the table shows only the top stack (-n 1): the summary lists every growing
# stack, so each must be named, not "[stack unavailable]". And no heading is ever printed
# without an item under it.
. "$(dirname "$0")/lib.sh"
require_root

# Four processes, each with one growing stack: two leak 1 MB/s from leak_steady, two 150 KB/s
# from handle_event. With -n 1 leaktop names the top heap stack by value, by rate and by
# growth since the last table: three at most, so at least one of the four leaks is not in the
# table, and the summary must name it anyway.
pids=() names=() fns=()
for who in fast1:steady:leak_steady fast2:steady:leak_steady slow1:percall:handle_event \
	slow2:percall:handle_event; do
	IFS=: read -r name mode fn <<<"$who"
	LEAKER=$BIN/growth start_leaker "$name" "$mode"
	pids+=("$LEAKER_PID") names+=("$name") fns+=("$fn")
done
start_leaktop lt -p "$(IFS=,; echo "${pids[*]}")" -i 0.5 -n 1 --bytes
kill -USR1 "${pids[@]}"
sleep 4
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status"
table=$WORK/lt.table
sed -n '/^leaktop final report/,$p' "$table" >"$WORK/final.txt"
sed -n '/^SUMMARY/,$p' "$WORK/final.txt" >"$WORK/summary.txt"
[[ -s $WORK/summary.txt ]] || fail "no SUMMARY in the final report"
assert_contains "$WORK/final.txt" '^drops: none' "nothing dropped: every stack was stored"

# The lines under process PID's summary line, up to the next process's.
proc_block() {
	awk -v p="pid $1 " 'index($0, p) == 1 { f = 1; print; next } f && /^pid / { f = 0 } f' \
		"$WORK/summary.txt"
}
for i in "${!pids[@]}"; do
	name=${names[$i]} pid=${pids[$i]} fn=${fns[$i]}
	proc_block "$pid" >"$WORK/$name.block"
	[[ -s $WORK/$name.block ]] || fail "$name: no summary for pid $pid: $(cat "$WORK/summary.txt")"
	assert_contains "$WORK/$name.block" '^  growing, likely leaks:$' "$name: the heading"
	assert_contains "$WORK/$name.block" "^    heap .* at $fn+0x[0-9a-f]* \[growth\]" \
		"$name: its leak listed by name under it"
	assert_not_contains "$WORK/$name.block" 'stack unavailable' "$name: no unnamed leak"
done
# Every heading is followed by at least one item (four spaces in).
empty=$(awk '/^  [a-z].*:$/ { if (h) print h; h = $0; next }
	h && /^    / { h = ""; next } { if (h) print h; h = "" } END { if (h) print h }' "$WORK/summary.txt")
[[ -z $empty ]] || fail "headings without items: $empty"
pass "each of the four processes' leaks is listed by name under its heading: $(grep -c '^    heap' "$WORK/summary.txt") items"
