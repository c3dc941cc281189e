#!/usr/bin/env bash
# -p A,B traces both processes through one set of maps: each leak is counted once per
# process, rows name their pid, and the folded file sums the two (same comm). A third leaker
# on the same libc, not traced, adds nothing: the probes are filtered by process.
. "$(dirname "$0")/lib.sh"
require_root

start_leaker a 50
a=$LEAKER_PID
start_leaker b 50
b=$LEAKER_PID
start_leaker c 50
c=$LEAKER_PID
start_leaktop lt -p "$a,$b" -i 600 --bytes -n 100 --folded "$WORK/out.folded"
assert_contains "$WORK/lt.err" "tracing pid $a (leaker)" "first target"
assert_contains "$WORK/lt.err" "tracing pid $b (leaker)" "second target"
trigger_leaker a "$a"
trigger_leaker b "$b"
# c maps the same libc, but is not traced: its leaks must not count.
trigger_leaker c "$c"
stop_leaktop TERM
assert_eq "$LT_RC" 0 "exit status after SIGTERM"

assert_eq "$(folded_bytes "$WORK/out.folded" leak_malloc)" 20000 "leak_malloc over a and b only"
assert_eq "$(folded_bytes "$WORK/out.folded" leak_realloc_chain)" 800000 "realloc over both"
for p in $a $b; do
	n=$(grep -c "pid $p (leaker): leak_malloc+" "$WORK/lt.table")
	((n >= 1)) || fail "no leak_malloc row labelled with pid $p"
done
assert_not_contains "$WORK/lt.table" "pid $c " "untraced process absent"
pass "two processes, each leak counted once per process; the untraced third is not seen"
