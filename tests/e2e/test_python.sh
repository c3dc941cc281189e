#!/usr/bin/env bash
# leaktop on a real Debian program: /usr/bin/python3 running a script. A table with rows,
# frames in python3 named from its symbols, no errors or warnings, exit 0 at -d.
. "$(dirname "$0")/lib.sh"
require_root
py=/usr/bin/python3
[[ -x $py ]] || fail "$py is missing (make deps installs python3)"

"$py" "$TOP/tests/e2e/workloads/grow.py" >"$WORK/py.out" 2>&1 &
pypid=$!
PIDS+=("$pypid")
wait_for "$WORK/py.out" '^ready' 10 || fail "python did not start"

"$LEAKTOP" -p "$pypid" -d 3 -i 1 -n 5 >"$WORK/py.table" 2>"$WORK/py.err"
rc=$?
assert_eq "$rc" 0 "exit status"
assert_not_contains "$WORK/py.err" 'error' "no errors"
assert_not_contains "$WORK/py.err" 'warning' "no warnings"
assert_contains "$WORK/py.err" "tracing pid $pypid (python3) through .*libc.so.6" "found libc"
assert_contains "$WORK/py.table" 'final report' "final table"
# Rows named by the script's own code (their innermost Python frame), with python3's frames
# below them named from its symbols.
grep -qE '^ +1 .* [A-Za-z_<][^ ]* \([a-z_]+\.py:[0-9]+\)$' "$WORK/py.table" ||
	fail "the top stack is not named by a Python frame"
rows=$(awk '/^HEAP: STACKS BY/ { s = 1; next } /^$/ { s = 0 } s' "$WORK/py.table" |
	grep -cE '[A-Za-z_][A-Za-z0-9_]*\+0x[0-9a-f]+ \[python3')
((rows > 0)) || fail "no python3 frames named from its symbols"
tables=$(grep -c '^HEAP: STACKS BY' "$WORK/py.table")
((tables >= 3)) || fail "only $tables tables in 3 s at -i 1"
pass "python3: rows named by Python frames, $rows python3 frames named, $tables tables"
