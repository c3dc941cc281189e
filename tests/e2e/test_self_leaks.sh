#!/usr/bin/env bash
# leaktop never leaks itself: a full session under valgrind (attach, several tables, a
# target's leaks named, the final table, the folded, SVG, pprof and JSON files, detach) ends
# with every heap block freed, and with no invalid reads or writes in leaktop's own code.
. "$(dirname "$0")/lib.sh"
require_root
command -v valgrind >/dev/null || fail "valgrind is missing (make deps installs it)"

start_leaker leaker 50
LEAKTOP_WRAP="valgrind --leak-check=full --show-leak-kinds=all
	--suppressions=$TOP/tests/e2e/valgrind.supp" \
	start_leaktop lt -p "$LEAKER_PID" -i 1 --bytes -n 20 --folded "$WORK/out.folded" \
	--svg "$WORK/out.svg" --svg-of growth --pprof "$WORK/out.pb.gz" --json "$WORK/out.json"
trigger_leaker leaker "$LEAKER_PID"
sleep 2.5 # at least two interval tables after the leaks
stop_leaktop INT
assert_eq "$LT_RC" 0 "exit status under valgrind"

err=$WORK/lt.err
assert_eq "$(folded_bytes "$WORK/out.folded" leak_malloc)" 10000 "still exact under valgrind"
for f in out.svg out.pb.gz out.json; do
	[[ -s $WORK/$f ]] || fail "$f not written under valgrind"
done
assert_contains "$err" 'All heap blocks were freed -- no leaks are possible' "no heap left at exit"
# No memory errors at all, but the two libbpf ones valgrind.supp names.
grep -q 'ERROR SUMMARY: 0 errors from 0 contexts' "$err" ||
	fail "valgrind found errors: $(grep -E -B2 -A12 '^==[0-9]+== [A-Z][a-z]' "$err" | head -60)"
pass "valgrind: no leaks, no memory errors"
