#!/usr/bin/env bash
# Output behaviour: piped, tables append (no escape codes) and -d ends the run by itself; on a
# terminal, each table redraws in place.
. "$(dirname "$0")/lib.sh"
require_root

start_leaker leaker 10
"$LEAKTOP" -p "$LEAKER_PID" -d 2.2 -i 0.5 >"$WORK/pipe.table" 2>"$WORK/pipe.err"
assert_eq "$?" 0 "-d exit status"
n=$(grep -c '^HEAP: STACKS BY' "$WORK/pipe.table")
((n >= 4 && n <= 6)) || fail "$n tables in 2.2 s at -i 0.5, want 4 to 6 (the last one final)"
assert_eq "$(grep -c 'final report' "$WORK/pipe.table")" 1 "one final table"
assert_not_contains "$WORK/pipe.table" $'\033' "no escape codes when piped"
pass "piped: $n tables appended, ended by -d"

# A pseudo-terminal through script(1): the table clears the screen before each redraw.
script -qec "$LEAKTOP -p $LEAKER_PID -d 1.2 -i 0.5" /dev/null >"$WORK/tty.table" 2>&1
assert_eq "$?" 0 "exit status on a terminal"
n=$(grep -o $'\033\[H\033\[2J' "$WORK/tty.table" | wc -l)
((n >= 2)) || fail "$n screen clears on a terminal, want one per table"
pass "terminal: $n redraws in place"
