#!/usr/bin/env bash
# When the traced process exits mid-trace, leaktop prints the final table, names the leaking
# functions although the process is gone, writes the folded file, and exits 0.
. "$(dirname "$0")/lib.sh"
require_root

start_leaker leaker 100
start_leaktop lt -p "$LEAKER_PID" -i 600 --bytes -n 50 --folded "$WORK/out.folded"
trigger_leaker leaker "$LEAKER_PID"
kill -TERM "$LEAKER_PID"

# leaktop notices within its one-second poll and ends by itself.
for ((i = 0; i < 100; i++)); do
	kill -0 "$LT_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$LT_PID" 2>/dev/null && fail "leaktop still running 10 s after the target exited"
wait "$LT_PID"
assert_eq "$?" 0 "exit status after the target exited"
assert_contains "$WORK/lt.err" 'every traced process has exited' "says why it stopped"
assert_contains "$WORK/lt.table" 'final report' "final table printed"
assert_contains "$WORK/lt.table" "^pid $LEAKER_PID (leaker): exited" "target shown as exited"
assert_eq "$(table_sum "$WORK/lt.table" leak_malloc 2)" 10000 "leak_malloc named after exit"
assert_eq "$(folded_bytes "$WORK/out.folded" leak_realloc_chain)" 400000 "folded after exit"
pass "final table and folded file after the target exited"
