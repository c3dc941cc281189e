#!/usr/bin/env bash
# A -p process that exits while leaktop attaches: leaktop says that it exited, naming it, and
# exits 1; never a raw attach error ("failed to attach alloc_session ... No such file or
# directory"), never silently. Deterministic: exit_on_open.py holds leaktop's Nth open of the
# target's executable (a fanotify permission event) until the target is dead, for N = 1, 2, ...
# until the Nth open comes only after leaktop has attached. That walks the exit through every
# step that opens the file: the first look at the process, the attach of each function, the
# look after attaching. Each with the target reaped and left a zombie, a static and a dynamic
# target, and the three link kinds.
. "$(dirname "$0")/lib.sh"
require_root

# run_case LABEL ZOMBIE BINARY [LEAKTOP ARGS...]: N = 1, 2, ... as above; asserts every run.
run_case() {
	local label=$1 zombie=$2 bin=$3 n rc when pid errors early=0 late=0
	shift 3
	cp "$bin" "$WORK/exitee"
	for ((n = 1; n <= 40; n++)); do
		rm -f "$WORK/rc" "$WORK/when" "$WORK/pid"
		python3 "$TOP/tests/e2e/exit_on_open.py" $zombie "$n" "$WORK" "$WORK/exitee" -- \
			"$LEAKTOP" -p '{pid}' -i 600 "$@" 2>"$WORK/helper.err"
		case $? in
		0) ;;
		4) skip "fanotify permission events unavailable: $(cat "$WORK/helper.err")" ;;
		*) fail "$label N=$n: exit_on_open.py failed: $(cat "$WORK/helper.err")" ;;
		esac
		rc=$(cat "$WORK/rc") when=$(cat "$WORK/when") pid=$(cat "$WORK/pid")
		errors=$(grep -c 'error' "$WORK/lt.err")
		if [[ $rc == 1 ]]; then
			[[ $when == "before-attached $n" ]] ||
				fail "$label N=$n: exit 1, but the target was killed $when: $(cat "$WORK/lt.err")"
			((late == 0)) ||
				fail "$label N=$n: exit 1 after an earlier N attached: $(cat "$WORK/lt.err")"
			grep -qx "leaktop: error: pid $pid (exitee) exited before leaktop could attach" \
				"$WORK/lt.err" ||
				fail "$label N=$n: not said that pid $pid exited: $(cat "$WORK/lt.err")"
			assert_eq "$errors" 1 "$label N=$n: error lines"
			early=$((early + 1))
		elif [[ $rc == 0 ]]; then
			# The probes were attached before the exit: a trace of a process that ended.
			assert_contains "$WORK/lt.err" '^leaktop: attached' "$label N=$n: attached"
			assert_contains "$WORK/lt.err" 'every traced process has exited' "$label N=$n: the end"
			assert_eq "$errors" 0 "$label N=$n: error lines"
			late=$((late + 1))
			[[ $when == after-attached ]] && break
		else
			fail "$label N=$n: leaktop exit status $rc: $(cat "$WORK/lt.err")"
		fi
	done
	[[ $when == after-attached ]] || fail "$label: leaktop still had not attached after 40 opens"
	# Opens 1 and 2 are the first look at the process, before the BPF programs load.
	((early >= 2)) || fail "$label: only $early exits were caught before the attach"
	pass "$label: an exit at any of the first $early opens is said (pid exited before leaktop could attach), exit 1; after attaching, exit 0"
}

run_case "static, reaped" "" "$BIN/leaker_static"
run_case "static, zombie" --zombie "$BIN/leaker_static"
run_case "dynamic, reaped" "" "$BIN/leaker"
run_case "dynamic, zombie" --zombie "$BIN/leaker"
run_case "static, uprobe_multi links" "" "$BIN/leaker_static" --config attach=multi
run_case "static, perf links" --zombie "$BIN/leaker_static" --config attach=perf
run_case "dynamic, --per-call" "" "$BIN/leaker" --per-call exitee:leak_malloc
assert_eq "$(leaktop_progs_loaded)" 0 "nothing left loaded"
