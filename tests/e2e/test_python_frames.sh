#!/usr/bin/env bash
# Python frames on every CPython from 3.8 to 3.13 on this machine: Debian's python3.11 (the
# interpreter linked into the executable, stripped) and pyenv's 3.8 to 3.13 (a shared
# libpython). One workload leaks under a method, a nested function, a lambda, a generator, a
# class body, a callback from json's C accelerator, small objects (pymalloc), and two
# threads, one of them allocating inside a GIL-released ctypes call. For each interpreter:
# the exact bytes and blocks at each leaking Python function and line, the callers, the C
# extension between Python frames, and the summary naming the Python function.
. "$(dirname "$0")/lib.sh"
require_root
script=$TOP/tests/e2e/workloads/pyframes.py
export GOCACHE=$WORK/go-cache HOME=$WORK
pyenv_root=${PYENV_ROOT:-/root/.pyenv}

# Each site: its function's qualified name, blocks and bytes per block (33 + the bytes' size).
sites=(
	"SessionStore.remember remember 500 10033"
	"outer.<locals>.inner inner 300 6033"
	"<lambda> lambda 200 7033"
	"gen gen 100 8033"
	"main.<locals>.Holder Holder 50 9033"
	"json_default json_default 40 5033"
	"make_small make_small 3000 133"
	"thread_a thread_a 60 4033"
	"native_b native_b 70 3000"
)

line_of() {
	grep -n "# LEAK:$1\$" "$script" | cut -d: -f1
}

# check_python NAME PYTHON: one interpreter.
check_python() {
	local name=$1 py=$2 minor pid got want qual short n size line chain
	[[ -x $py ]] || fail "$py is missing (pyenv's 3.8 to 3.13 are on this machine)"
	minor=$("$py" -c 'import sys; print(sys.version_info[1])')
	LEAKER=$py start_leaker "$name" "$script"
	pid=$LEAKER_PID
	start_leaktop "$name" -p "$pid" -i 60 -n 10 --json "$WORK/$name.json" \
		--folded "$WORK/$name.folded" --svg "$WORK/$name.svg" --pprof "$WORK/$name.pb.gz"
	trigger_leaker "$name" "$pid"
	sleep 0.5
	stop_leaktop
	assert_eq "$LT_RC" 0 "$name: leaktop's exit status"
	assert_not_contains "$WORK/$name.err" 'warning\|error' "$name: no warnings"
	"$TOP/tests/e2e/ltjson.py" "$WORK/$name.json" validate >/dev/null || fail "$name: bad JSON"
	"$TOP/tests/e2e/ltjson.py" "$WORK/$name.json" python "$pid" >"$WORK/$name.sites"
	for site in "${sites[@]}"; do
		read -r qual short n size <<<"$site"
		# Before 3.11, code objects have no qualified name: the function's own name.
		((minor >= 11)) || qual=${qual##*.}
		line=$(line_of "$short")
		want="$qual pyframes.py:$line $((n * size)) $n"
		grep -qxF -- "$want" "$WORK/$name.sites" ||
			fail "$name: want '$want'; the workload's sites: $(grep pyframes "$WORK/$name.sites" | grep -v ' 0 0$' | tr '\n' ';')"
	done
	# The callers, innermost first, with the C accelerator between Python frames (before 3.11
	# the interpreter's own native frames come between every two Python frames too).
	chain=$("$TOP/tests/e2e/ltjson.py" "$WORK/$name.json" pychain "$pid" json_default | tr '\n' ';')
	[[ $chain =~ json_default\ \(pyframes.py:$(line_of json_default)\)\;[^\;]*\;.*\[_json\.cpython-3$minor[^\;]*\;.*iterencode\ \(encoder\.py:[0-9]+\)\;.*dumps\ \(__init__\.py:[0-9]+\)\;.*main\ \(pyframes\.py:[0-9]+\)\;.*\<module\>\ \(pyframes\.py:[0-9]+\)\; ]] ||
		fail "$name: json_default's stack: $chain"
	qual=SessionStore.remember
	((minor >= 11)) || qual=remember
	chain=$("$TOP/tests/e2e/ltjson.py" "$WORK/$name.json" pychain "$pid" "$qual" | tr '\n' ';')
	[[ $chain =~ ^[^\;]*\;$qual\ \(pyframes.py:[0-9]+\)\;.*handle_request\ \(pyframes.py:[0-9]+\)\;.*main\ \(pyframes.py:[0-9]+\)\;.*\<module\>\ \(pyframes.py:[0-9]+\)\;.*_start ]] ||
		fail "$name: remember's stack: $chain"
	chain=$("$TOP/tests/e2e/ltjson.py" "$WORK/$name.json" pychain "$pid" native_b | tr '\n' ';')
	[[ $chain =~ ffi_call.*\;native_b\ \(pyframes.py:[0-9]+\)\;.*Thread.run\ \(threading.py ]] ||
		[[ $chain =~ ffi_call.*\;native_b\ \(pyframes.py:[0-9]+\)\;.*run\ \(threading.py ]] ||
		fail "$name: native_b's stack (a GIL-released call): $chain"
	# The table names the Python function, not the allocator's caller.
	grep -qE "^ +[0-9]+ +\+[0-9.]+ MiB +[0-9.]+ MiB +$qual \(pyframes.py:$(line_of remember)\)" \
		"$WORK/$name.table" || fail "$name: the growth section does not name $qual"
	# The folded stacks and the flame graph carry them too (outermost first in folded).
	line=$(line_of remember)
	awk -v q="$qual (pyframes.py:$line)" '{ st = substr($0, 1, length($0) - length($NF) - 1) ";"
		if (index(st, ";" q ";")) s += $NF } END { exit !(s == 5016500) }' "$WORK/$name.folded" ||
		fail "$name: $qual's bytes are not in the folded stacks"
	grep -qF "$qual (pyframes.py:$line)" "$WORK/$name.svg" || fail "$name: not in the flame graph"
	# pprof: the function, its file and line, as go tool pprof reads them.
	go tool pprof -top -lines -nodefraction=0 -symbolize=none -unit=B -sample_index=inuse_space \
		"$WORK/$name.pb.gz" >"$WORK/$name.top" 2>&1 ||
		fail "$name: go tool pprof cannot read the profile: $(tail -3 "$WORK/$name.top")"
	grep -qE "^ +0 +0% +[0-9.]+% +5016500B +[0-9.]+% +$qual $script:$line\$" "$WORK/$name.top" ||
		fail "$name: go tool pprof: $(grep -F "$qual" "$WORK/$name.top")"
	pass "$name (CPython 3.$minor): ${#sites[@]} sites exact at their Python function and line, in the table, JSON, folded, SVG and pprof"
}

check_python debian /usr/bin/python3.11
for v in 3.8 3.9 3.10 3.11 3.12 3.13; do
	dir=$(ls -d "$pyenv_root/versions/$v".* 2>/dev/null | head -1)
	[[ -n $dir ]] || fail "pyenv has no CPython $v (pyenv versions)"
	check_python "py$v" "$dir/bin/python$v"
done
