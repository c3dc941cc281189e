#!/usr/bin/env bash
# Debian's python3 is built with link-time optimization, which compiles PyObject_Malloc into
# some 160 of its callers: objects allocated there (dicts, tuples, str...) take no probe.
# leaktop says so once, with the count of sites and the way out (PYTHONMALLOC=malloc), and the
# arenas their memory comes from show as mappings under the Python function that made them.
# With PYTHONMALLOC=malloc every object is a malloc'd block, traced, and leaktop says nothing.
# pyenv's 3.11 (no link-time optimization) says nothing either.
. "$(dirname "$0")/lib.sh"
require_root
script=$TOP/tests/e2e/workloads/pydicts.py
py=/usr/bin/python3
[[ -x $py ]] || fail "$py is missing (make deps installs python3)"
pyenv_root=${PYENV_ROOT:-/root/.pyenv}
ltjson() { "$TOP/tests/e2e/ltjson.py" "$@"; }
line=$(grep -n '# LEAK:keep$' "$script" | cut -d: -f1)

# run NAME PYTHON ENV: trace the workload; leaves $WORK/NAME.err and .json, and $PID.
run() {
	LEAKER=$2 LEAKER_ENV=$3 start_leaker "$1" "$script"
	PID=$LEAKER_PID
	trace_leak "$1" "$PID" -p "$PID" -i 60 --json "$WORK/$1.json"
	ltjson "$WORK/$1.json" validate >/dev/null || fail "$1: bad JSON"
}

# site NAME KIND: "bytes blocks" at keep()'s line, in stacks of KIND.
site() {
	ltjson "$WORK/$1.json" python "$PID" "$2" | awk -v k="keep pydicts.py:$line" \
		'$1 " " $2 == k { print $3, $4; f = 1 } END { if (!f) print 0, 0 }'
}

run lto "$py" ""
msg=$(grep "compiles CPython's PyObject_Malloc into" "$WORK/lto.err") ||
	fail "lto: not said: $(head -c 600 "$WORK/lto.err")"
sites=$(sed -n "s/.*into \([0-9]*\) of its callers.*/\1/p" <<<"$msg")
((sites >= 100)) || fail "lto: $sites inlined sites, where Debian's 3.11 has some 160: $msg"
frees=$(sed -n "s/.* and PyObject_Free into \([0-9]*\) (link-time.*/\1/p" <<<"$msg")
((frees >= 10)) || fail "lto: '$frees' inlined frees, where Debian's 3.11 has some 20: $msg"
assert_contains "$WORK/lto.err" "pid $PID (python3): .*PYTHONMALLOC=malloc" "lto: the way out"
assert_eq "$(grep -c "compiles CPython's" "$WORK/lto.err")" 1 "lto: said once"
read -r heap blocks <<<"$(site lto heap)"
((blocks < 1000)) || fail "lto: $blocks blocks at keep(): the dicts were seen (inlined allocation?)"
read -r mapped maps <<<"$(site lto anon)"
((mapped >= 16 << 20)) || fail "lto: $mapped B of arenas mapped at keep(), where 100000 dicts take some 22 MiB"

run malloc "$py" PYTHONMALLOC=malloc
assert_not_contains "$WORK/malloc.err" "compiles CPython's" "PYTHONMALLOC=malloc: nothing to say"
read -r heap blocks <<<"$(site malloc heap)"
# A dict and its keys each, less the dicts the free list gives back (80 at most in 3.11).
((blocks >= 199900 && blocks <= 200000)) ||
	fail "PYTHONMALLOC=malloc: $blocks blocks at keep(), where 100000 dicts make 200000"

dir=$(ls -d "$pyenv_root"/versions/3.11.* | head -1)
run pyenv "$dir/bin/python3" ""
assert_not_contains "$WORK/pyenv.err" "compiles CPython's" "pyenv 3.11: no link-time optimization"
read -r heap blocks <<<"$(site pyenv heap)"
((blocks >= 199900 && blocks <= 200000)) ||
	fail "pyenv 3.11: $blocks blocks at keep(), where 100000 dicts make 200000"
pass "python3 (LTO): $sites inlined allocation sites and $frees free sites said once, $mapped B of arenas at keep(); PYTHONMALLOC=malloc and pyenv 3.11: every dict traced, nothing said"
