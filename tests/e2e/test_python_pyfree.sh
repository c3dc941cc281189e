#!/usr/bin/env bash
# pymalloc's free in a shared libpython (pyenv's, like the Docker images'): PyObject_Free and
# PyMem_Free only forward to pymalloc's _PyObject_Free through a pointer, in instructions the
# kernel single-steps, so leaktop probes _PyObject_Free itself, where the block is the second
# argument. On pyenv's 3.8, 3.11 and 3.13: the -v line that says so, no single-stepped probe
# hit at all, every block churn() frees seen freed (its lines hold 0 bytes), keep()'s 3,000
# blocks exact, and the process's whole heap no more than them and a little of the interpreter.
# Then with PYTHONMALLOC=debug, where the pointers lead to CPython's debug hooks, which hand
# _PyObject_Free another address: leaktop says so, probes the two forwarders for that process
# too, and the bytes are exact again. And on 3.13 with PYTHONMALLOC=malloc, with perf links:
# the environment asks for nothing, but the pointers read from the process's memory (through
# _PyRuntime's GOT entry) lead to another free; said, forwarders probed, exact.
. "$(dirname "$0")/lib.sh"
require_root
script=$TOP/tests/e2e/workloads/pyfree.py
pyenv_root=${PYENV_ROOT:-/root/.pyenv}
ltjson() { "$TOP/tests/e2e/ltjson.py" "$@"; }

line_of() {
	grep -n "# LEAK:$1\$" "$script" | cut -d: -f1
}

# run NAME PYTHON ENV: trace the workload; leaves $WORK/NAME.err, .json and .sites.
run() {
	local name=$1 py=$2
	[[ -x $py ]] || fail "$py is missing (pyenv's 3.8 to 3.13 are on this machine)"
	LEAKER=$py LEAKER_ENV=$3 start_leaker "$name" "$script"
	PID=$LEAKER_PID
	trace_leak "$name" "$PID" -v -p "$PID" -i 60 --json "$WORK/$name.json" ${LT_EXTRA:-}
	ltjson "$WORK/$name.json" validate >/dev/null || fail "$name: bad JSON"
	ltjson "$WORK/$name.json" python "$PID" >"$WORK/$name.sites"
}

# check NAME [SLACK]: the bytes. churn()'s lines hold nothing (but SLACK bytes), keep()'s
# exactly its blocks.
check() {
	local name=$1 slack=${2:-0} churned heap
	grep -qxF "keep pyfree.py:$(line_of keep) 699000 3000" "$WORK/$name.sites" ||
		fail "$name: keep() should hold 699000 B in 3000 blocks: $(tr '\n' ';' <"$WORK/$name.sites")"
	grep -q "^churn pyfree.py:$(line_of churn) " "$WORK/$name.sites" ||
		fail "$name: no stack at churn() (its allocations were not seen)"
	churned=$(awk '$1 ~ /^churn/ { b += $(NF - 1) } END { print b + 0 }' "$WORK/$name.sites")
	((churned <= slack)) ||
		fail "$name: $churned B still held at churn(), where it frees all (at most $slack B)"
	# What else the interpreter holds from its allocations since attach: a few KiB at most.
	heap=$(ltjson "$WORK/$name.json" proc heap_bytes)
	((heap >= 699000 && heap < 699000 + 65536)) ||
		fail "$name: the process holds $heap B, where keep() holds 699000"
}

for v in 3.8 3.11 3.13; do
	dir=$(ls -d "$pyenv_root"/versions/$v.* 2>/dev/null | head -1)
	[[ -n $dir ]] || fail "pyenv's python $v is missing (pyenv versions)"
	name=py${v/./}
	run "$name" "$dir/bin/python3" ""
	assert_contains "$WORK/$name.err" \
		"PyObject_Free and PyMem_Free forward to pymalloc's free at 0x[0-9a-f]*, probed there" \
		"$name: the forwarders found"
	assert_contains "$WORK/$name.err" "_PyObject_Free at .*libpython$v.*\.so\.1\.0+[0-9]*: j" \
		"$name: _PyObject_Free probed at its first conditional jump"
	assert_not_contains "$WORK/$name.err" 'probed at PyObject_Free and PyMem_Free too' \
		"$name: no hooks"
	# Before 3.11 a code object keeps the frame of its first call for the next one (its
	# "zombie frame"): churn() and its comprehension keep theirs, 432 + 32 + 10 B on 3.8.
	# Were its frees not seen, churn() would hold some 29 MB.
	slack=0
	[[ $v == 3.8 ]] && slack=1024
	check "$name" "$slack"
	stepped=$(ltjson "$WORK/$name.json" cost "$PID" stepped_hits)
	assert_eq "$stepped" 0 "$name: single-stepped probe hits"
done

dir=$(ls -d "$pyenv_root"/versions/3.11.* | head -1)
run debug "$dir/bin/python3" PYTHONMALLOC=debug
check debug
assert_contains "$WORK/debug.err" \
	"pid $PID (python3): PYTHONMALLOC=debug: its frees are probed at PyObject_Free and PyMem_Free too" \
	"PYTHONMALLOC=debug said"
stepped=$(ltjson "$WORK/debug.json" cost "$PID" stepped_hits)
((stepped >= 220000)) || fail "debug: $stepped single-stepped hits, where churn() alone frees 220000 blocks"
dir=$(ls -d "$pyenv_root"/versions/3.13.* | head -1)
LT_EXTRA="--config attach=perf" run malloc "$dir/bin/python3" PYTHONMALLOC=malloc
check malloc
assert_contains "$WORK/malloc.err" \
	"pid $PID (python3): PyObject_Free leads to 0x[0-9a-f]*, not to pymalloc's free: its frees are probed at PyObject_Free and PyMem_Free too" \
	"PYTHONMALLOC=malloc: the pointer read from memory"
pass "pymalloc's free probed behind its forwarders on 3.8, 3.11 and 3.13 (0 single-stepped hits, keep() 699000 B exact, churn() 0 B); PYTHONMALLOC=debug: forwarders probed too, exact; 3.13 PYTHONMALLOC=malloc (perf links): the pointer read, exact"
