#!/usr/bin/env bash
# Output behaviour: piped, tables append (no escape codes) and -d ends the run by itself; on a
# terminal, the interactive view redraws in place and the final report follows it.
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

# A pseudo-terminal through script(1): the interactive view (test_top_view has its keys) on the
# alternate screen, redrawn in place by cursor moves, then the final report after it, on the
# normal screen.
script -qec "$LEAKTOP -p $LEAKER_PID -d 1.7 -i 0.5" /dev/null >"$WORK/tty.table" 2>&1
assert_eq "$?" 0 "exit status on a terminal"
assert_eq "$(grep -o $'\033\[?1049h' "$WORK/tty.table" | wc -l)" 1 "the view entered once"
assert_eq "$(grep -o $'\033\[?1049l' "$WORK/tty.table" | wc -l)" 1 "and left once"
n=$(grep -o $'\033\[1;1H\033\[Kleaktop - ' "$WORK/tty.table" | wc -l)
((n >= 3)) || fail "$n views drawn in 1.7 s at -i 0.5, want one per sample and the first"
view_end=$(grep -bo $'\033\[?1049l' "$WORK/tty.table" | cut -d: -f1)
final_at=$(grep -bo 'leaktop final report' "$WORK/tty.table" | cut -d: -f1)
((final_at > view_end)) || fail "the final report is not after the view ($final_at, $view_end)"
assert_eq "$(grep -c '^HEAP: STACKS BY' "$WORK/tty.table")" 1 "one table: the final one"
pass "terminal: $n views drawn in place, then the final report on the normal screen"
