#!/usr/bin/env bash
# Interpreters leaktop must not name wrongly keep native frames, with one line that says why:
# a corrupted copy of Debian's python3.11 (PyCode_Type's member co_firstlineno renamed, so
# the offsets it publishes do not validate), and CPython 3.7 (not supported). Their heap is
# still exact; their stacks still show the interpreter's own frames.
. "$(dirname "$0")/lib.sh"
require_root
script=$TOP/tests/e2e/workloads/pyframes.py

# run_case NAME PYTHON WHY: the workload under PYTHON; leaktop must say WHY and name no Python frame.
run_case() {
	local name=$1 py=$2 why=$3 pid heap
	LEAKER=$py start_leaker "$name" "$script"
	pid=$LEAKER_PID
	start_leaktop "$name" -p "$pid" -i 60 -n 5 --json "$WORK/$name.json"
	trigger_leaker "$name" "$pid"
	sleep 0.5
	stop_leaktop
	assert_eq "$LT_RC" 0 "$name: leaktop's exit status"
	assert_contains "$WORK/$name.err" \
		"warning: pid $pid (.*) runs Python, but its stacks keep native frames only: $why" \
		"$name: the reason"
	assert_eq "$(grep -c 'runs Python' "$WORK/$name.err")" 1 "$name: said once"
	assert_not_contains "$WORK/$name.json" '"module":"python"' "$name: no Python frame"
	grep -q '_PyEval_EvalFrameDefault' "$WORK/$name.table" || fail "$name: no interpreter frame"
	# Every leak is still counted: 9.9 MB of the workload's blocks over 512 B alone.
	heap=$("$TOP/tests/e2e/ltjson.py" "$WORK/$name.json" proc heap_bytes)
	((heap >= 9900000)) || fail "$name: heap $heap"
	pass "$name: native frames, heap $heap B, and: $(grep -o 'native frames only: .*' "$WORK/$name.err")"
}

# A copy of the static interpreter whose code type publishes no co_firstlineno.
cp /usr/bin/python3.11 "$WORK/python3.11"
python3 - "$WORK/python3.11" <<'PY'
import sys
p = sys.argv[1]
b = open(p, "rb").read()
n = b.count(b"co_firstlineno\0")
assert n >= 1, n
open(p, "wb").write(b.replace(b"co_firstlineno\0", b"co_firstlinenX\0"))
PY
LEAKER_ENV="PYTHONHOME=/usr" run_case corrupt "$WORK/python3.11" \
	'PyCode_Type has no member co_firstlineno'

dir=$(ls -d "${PYENV_ROOT:-/root/.pyenv}"/versions/3.7.* 2>/dev/null | head -1)
[[ -n $dir ]] || fail "pyenv has no CPython 3.7 (pyenv versions)"
run_case py3.7 "$dir/bin/python3.7" 'CPython 3.7 is not supported (3.8 to 3.13 are)'
