#!/usr/bin/env bash
# leaktop diff on two real captures: the same leak at 1000 and at 3000 blocks of 100 bytes.
. "$(dirname "$0")/lib.sh"
require_root

capture() { # NAME BLOCKS
	start_leaker "$1" --flood "$2"
	start_leaktop "$1-lt" -p "$LEAKER_PID" -i 600 --folded "$WORK/$1.folded"
	trigger_leaker "$1" "$LEAKER_PID"
	stop_leaktop INT
	assert_eq "$LT_RC" 0 "$1: leaktop exit status"
	kill "$LEAKER_PID"
}
capture before 1000
capture after 3000
assert_eq "$(folded_bytes "$WORK/before.folded" leak_flood)" 100000 "before: leak_flood"
assert_eq "$(folded_bytes "$WORK/after.folded" leak_flood)" 300000 "after: leak_flood"

"$LEAKTOP" diff --bytes --folded "$WORK/diff.folded" "$WORK/before.folded" "$WORK/after.folded" \
	>"$WORK/diff.out" 2>"$WORK/diff.err" || fail "leaktop diff failed: $(cat "$WORK/diff.err")"
# The first row is the stack that grew most: leak_flood, by 200000 bytes.
row=$(grep -m1 -E '^ *\+[0-9]+ ' "$WORK/diff.out")
[[ $row =~ ^\ *\+200000\ +100000\ +300000\ +leak_flood\ \<-\ main ]] ||
	fail "first row: '$row' in $(cat "$WORK/diff.out")"
# The differential folded file: "stack BEFORE AFTER", as flamegraph.pl reads it.
line=$(grep ';leak_flood ' "$WORK/diff.folded")
[[ $line == *";main;leak_flood 100000 300000" ]] || fail "diff.folded: '$line'"
pass "leaktop diff: leak_flood +200000 bytes (100000 -> 300000), and the differential folded file"

# Errors: a missing file and a broken line, each one line, exit 1.
"$LEAKTOP" diff "$WORK/nope.folded" "$WORK/after.folded" >/dev/null 2>"$WORK/e1.err"
assert_eq "$?" 1 "missing file: exit status"
assert_contains "$WORK/e1.err" "cannot read $WORK/nope.folded" "missing file: message"
printf 'a;b 10\nnot a folded line\n' >"$WORK/bad.folded"
"$LEAKTOP" diff "$WORK/bad.folded" "$WORK/after.folded" >/dev/null 2>"$WORK/e2.err"
assert_eq "$?" 1 "bad line: exit status"
assert_contains "$WORK/e2.err" "bad.folded:2:" "bad line: file and line named"
"$LEAKTOP" diff "$WORK/before.folded" >/dev/null 2>"$WORK/e3.err"
assert_eq "$?" 2 "one file: usage exit status"
pass "leaktop diff errors: missing file, broken line, usage"
