#!/usr/bin/env bash
# Stacks of processes that exited are freed: a cgroup's 100 short children each leak from a
# stack of their own and exit, with room for only 64 stacks. While they churn, stacks that do
# not fit are counted as dropped (stack_map_full); once they are gone their stacks are freed,
# and a leak made after them is attributed, exactly, to its function. Freed as they exit, not
# when a table is due: with -i 600 no table comes before the final report.
. "$(dirname "$0")/lib.sh"
require_root

make_cgroup "leaktop-churn.scope"
for interval in 0.5 600; do
	: >"$WORK/churn.out"
	LEAKER=$BIN/growth start_leaker churn churn 100
	echo "$LEAKER_PID" >"$CG_PATH/cgroup.procs" || fail "cannot move the workload into $CG_PATH"
	start_leaktop churn --cgroup "$CG_PATH" --max-stacks 64 -i "$interval" --json "$WORK/churn.json"
	kill -USR1 "$LEAKER_PID"
	wait_for "$WORK/churn.out" '^done' 60 || fail "the workload did not finish"
	sleep 1.5
	stop_leaktop INT
	assert_eq "$LT_RC" 0 "-i $interval: leaktop's exit status"
	got=$(ltjson "$WORK/churn.json" sum heap final_leak bytes)
	count=$(ltjson "$WORK/churn.json" sum heap final_leak count)
	assert_eq "$got $count" "10000 10" "-i $interval: final_leak's bytes and blocks, after the churn"
	read -r purged full tables < <(python3 - "$WORK/churn.json" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
print(rs[-1]["self"]["purged_stacks"], rs[-1]["drops"]["stack_map_full"], len(rs) - 1)
PY
)
	((purged > 32)) || fail "-i $interval: only $purged stacks freed for 100 exited processes"
	[[ $interval != 600 ]] || assert_eq "$tables" 0 "-i 600: tables before the final report"
	pass "-i $interval: 100 children churned through 64 stack slots: $purged stacks freed, $full stacks dropped while full; final_leak exact (10000 B in 10 blocks)"
	kill "$LEAKER_PID" 2>/dev/null
	wait "$LEAKER_PID" 2>/dev/null
done
