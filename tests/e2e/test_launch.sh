#!/usr/bin/env bash
# Launch mode (issue 17): leaktop [options] -- COMMAND [ARGS...] starts the command with its
# probes in place before its first instruction, traces it and the processes it starts until it
# exits, prints the final report, and exits with the command's status.
#   A command that leaks at the first call of main and exits 3 at once: its 12000 bytes in 8
#     blocks, named leak_at_start, and leaktop exits 3.
#   Exit 0 gives 0; a command killed by SIGKILL gives 128 + 9; one that cannot run gives
#     127, with the reason.
#   A shell that starts 3 children, each leaking at once: every child exact, kept in the
#     final report after it exited; the shell's own status (5) is leaktop's.
. "$(dirname "$0")/lib.sh"
require_root

SL=$BIN/startleak
[[ -x $SL ]] || fail "$SL is not built (make -C tests)"

# launch NAME ARGS...: run leaktop ARGS in the foreground; sets RC. Its table and stderr are
# $WORK/NAME.table and $WORK/NAME.err.
launch() {
	local name=$1
	shift
	timeout 120 "$LEAKTOP" "$@" >"$WORK/$name.table" 2>"$WORK/$name.err"
	RC=$?
}

# pid_of JSON COMM: the pid of the final report's process named COMM.
pid_of() {
	python3 - "$@" <<'PY' || fail "cannot read $1"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
print(" ".join(str(p["pid"]) for p in r["processes"] if p["comm"] == sys.argv[2]))
PY
}

launch exit3 --bytes -i 600 --json "$WORK/exit3.json" -- "$SL" --exit 3
assert_eq "$RC" 3 "exit 3: leaktop's exit status"
ltjson "$WORK/exit3.json" validate >/dev/null
pid=$(pid_of "$WORK/exit3.json" startleak)
[[ -n $pid ]] || fail "exit 3: no startleak process in the report: $(cat "$WORK/exit3.err")"
assert_json_leaks "$WORK/exit3.json" "$pid" "exit 3: the command" "$SL"
assert_contains "$WORK/exit3.err" "pid $pid exited with status 3" "exit 3: said"
assert_eq "$(python3 -c "
import json
r = [json.loads(l) for l in open('$WORK/exit3.json')][-1]
print(r['scope']['kind'], r['drops']['started_unprobed'])")" "command 0" "exit 3: the scope"
assert_contains "$WORK/exit3.table" "leak_at_start+" "exit 3: the table names the function"
pass "-- startleak --exit 3: 12000 bytes in 8 blocks from leak_at_start, made at its first call; exit status 3"

launch exit0 -i 600 -- "$SL" --exit 0
assert_eq "$RC" 0 "exit 0: leaktop's exit status"
launch killed -i 600 -- "$SL" --signal 9
assert_eq "$RC" 137 "killed by SIGKILL: leaktop's exit status"
assert_contains "$WORK/killed.err" "was killed by signal 9" "killed: said"
launch missing -i 600 -- "$WORK/no-such-command"
assert_eq "$RC" 127 "a command that cannot run: leaktop's exit status"
assert_contains "$WORK/missing.err" "cannot run $WORK/no-such-command: No such file or directory" \
	"a command that cannot run: said"
pass "exit statuses: 0 gives 0, SIGKILL gives 137, a missing command 127"

# A shell and its 3 children. It writes their pids, then waits on a FIFO, so that the test
# knows when leaktop has looked at each child; then it ends them and exits 5.
mkfifo "$WORK/go"
# shellcheck disable=SC2016
script='for i in 1 2 3; do "$0" > "$1.$i" & echo $! >> "$1.pids"; done; read x < "$2"; kill $(cat "$1.pids"); wait; exit 5'
"$LEAKTOP" -v --bytes -i 600 -n 100 --json "$WORK/tree.json" -- sh -c "$script" "$SL" "$WORK/kid" "$WORK/go" \
	>"$WORK/tree.table" 2>"$WORK/tree.err" &
LT_PID=$!
PIDS+=("$LT_PID")
for ((i = 0; i < 200 && $(wc -l <"$WORK/kid.pids" 2>/dev/null || echo 0) < 3; i++)); do
	sleep 0.05
done
kids=$(cat "$WORK/kid.pids" 2>/dev/null)
(($(wc -w <<<"$kids") == 3)) || fail "the shell did not start 3 children: $(cat "$WORK/tree.err")"
for k in $kids; do
	# -v: said once leaktop has looked at it running startleak.
	wait_for "$WORK/tree.err" "pid $k ran a new program (startleak\|tracing pid $k (startleak)" 20 ||
		fail "child $k not looked at: $(cat "$WORK/tree.err")"
done
for i in 1 2 3; do
	wait_for "$WORK/kid.$i" "^done" 20 || fail "child $i did not leak"
done
echo go >"$WORK/go"
wait "$LT_PID"
assert_eq "$?" 5 "the shell's exit status"
for k in $kids; do
	assert_json_leaks "$WORK/tree.json" "$k" "child $k, exited" "$SL"
done
assert_eq "$(python3 -c "
import json
r = [json.loads(l) for l in open('$WORK/tree.json')][-1]
print(sorted(p['exited'] for p in r['processes'] if p['pid'] in [$(tr ' \n' ',,' <<<"$kids")]))")" \
	"[True, True, True]" "the children, marked exited"
pass "-- sh starting 3 children: each child exact in the final report after it exited; exit status 5"
