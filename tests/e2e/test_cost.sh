#!/usr/bin/env bash
# What leaktop costs each process it traces (issue 14): a busy process's probe hits are counted
# exactly, and leaktop estimates the CPU they add to it; an idle process traced beside it gets
# no hit and no cost. The trap's cost is measured at start, on functions of leaktop's own.
. "$(dirname "$0")/lib.sh"
require_root

n=200000
LEAKER=$BIN/growth start_leaker busy busy $n
busy=$LEAKER_PID
LEAKER=$BIN/growth start_leaker idle idle
idle=$LEAKER_PID
start_leaktop cost-lt -p "$busy,$idle" -i 1 --json "$WORK/cost.json"
trigger_leaker busy "$busy"
trigger_leaker idle "$idle"
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status"
ltjson "$WORK/cost.json" validate >/dev/null

cost() { ltjson "$WORK/cost.json" cost "$@"; }
# n mallocs, each followed to its return (no sampling), and n frees: one hit each.
assert_eq "$(cost "$busy" probe_hits)" $((3 * n)) "busy: probe hits (n entries, n returns, n frees)"
ratio=$(cost "$busy" added_cpu_ratio)
added=$(cost "$busy" added_cpu_s)
awk -v r="$ratio" -v s="$added" -v h=$((3 * n)) 'BEGIN {
	exit !(r > 0.01 && s / h > 100e-9 && s / h < 20e-6) }' ||
	fail "busy: $ratio of a core, $added s for $((3 * n)) hits (want over 1%, 0.1 to 20 us a hit)"
pass "busy: $((3 * n)) hits, $added s of CPU added, $ratio of a core since attach"
assert_eq "$(cost "$busy" sample_bytes)" 0 "busy: every allocation traced"
assert_eq "$(cost "$idle" probe_hits)" 0 "idle: no hit"
assert_eq "$(cost "$idle" added_cpu_ratio)" 0 "idle: nothing added"
pass "idle: 0 hits, 0 of a core"

# The calibrated trap: a return costs something on top of an entry, and a single-stepped
# instruction costs more than an emulated one.
entry=$(cost 0 trap.entry) ret=$(cost 0 trap.return) stepped=$(cost 0 trap.stepped)
awk -v e="$entry" -v r="$ret" -v s="$stepped" 'BEGIN { exit !(e > 50 && r > 0 && s > e) }' ||
	fail "calibration: entry $entry ns, return $ret ns, single-stepped +$stepped ns"
pass "a trap costs $entry ns at entry, $ret ns more at return, $stepped ns more single-stepped"

# The table says it for each process.
table=$WORK/cost-lt.table
assert_contains "$table" "^  leaktop's cost to it: [1-9][0-9]* probe hits/s, about [0-9.]*% of a core" \
	"busy: the table's cost line"
assert_contains "$table" "^  leaktop's cost to it: 0 probe hits/s, about 0% of a core (0.00 s of CPU since attach); every allocation traced" \
	"idle: the table's cost line"
