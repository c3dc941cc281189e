#!/usr/bin/env bash
# --fail-on, the check for CI: exit 3 (LT_EXIT_CHECK) with the failing stacks printed after
# the final report when a stack grows (growing) or when a process exits still holding heap
# blocks (leak); exit 0 with "passed" otherwise. With -p (the final report has the exited
# process) and with --cgroup (the process is purged before the final report).
. "$(dirname "$0")/lib.sh"
require_root

# intervals JSON N: wait until leaktop wrote N interval reports (samples) to JSON.
intervals() {
	local i
	for ((i = 0; i < 600; i++)); do
		(($(grep -c '"type": *"interval"' "$1" 2>/dev/null) >= $2)) && return 0
		sleep 0.1
	done
	fail "leaktop wrote fewer than $2 interval reports to $1 in 60 s"
}

# check_section TABLE: the CHECK section (the verdict line and the stacks under it).
check_section() {
	sed -n '/^CHECK --fail-on/,$p' "$1"
}

# held_at_exit TABLE FUNC: "BYTES COUNT" of the held-at-exit stack whose first frame is FUNC.
held_at_exit() {
	awk -v fn="$2" '
		/^  held at exit: / { split($0, a, ", "); held = a[2]; want = 1; next }
		want { want = 0; sub(/^ +/, ""); if (index($0, fn "+") == 1) {
			split(held, h, " "); print h[1], h[4]; exit } }' "$1"
}

# 1. -p, leak: the leaker leaks, then exits; every leak is listed with its exact bytes.
start_leaker leak 100
start_leaktop leak-lt -p "$LEAKER_PID" -i 600 --bytes -n 50 --fail-on leak
trigger_leaker leak "$LEAKER_PID"
kill -TERM "$LEAKER_PID"
wait "$LT_PID"
rc=$?
table=$WORK/leak-lt.table
assert_eq "$rc" 3 "-p leak: exit status"
assert_contains "$table" '^CHECK --fail-on leak: FAILED; 0 stacks growing; 10 stacks held 450820 bytes in 25 blocks at a process.s exit' \
	"-p leak: the verdict line"
assert_contains "$WORK/leak-lt.err" '^leaktop: --fail-on leak failed: 0 stacks growing, 10 held at a process.s exit' \
	"-p leak: the line on stderr"
while read -r fn bytes count; do
	got=$(held_at_exit "$table" "$fn")
	# leak_aligned_alloc leaks from two call sites, two stacks of 2560 bytes each.
	[[ $fn == leak_aligned_alloc ]] && got=$(check_section "$table" |
		awk '/^  held at exit: /{ split($0, a, ", "); split(a[2], h, " "); b = h[1]; c = h[4]; w = 1; next }
		     w { w = 0; if ($1 ~ /^leak_aligned_alloc\+/) { sb += b; sc += c } } END { print sb, sc }')
	assert_eq "$got" "$bytes $count" "-p leak: $fn held at exit"
done < <("$BIN/leaker" --expect)
pass "-p leak: exit 3, every leak of the leaker listed with its bytes and blocks"

# 2. -p, leak, nothing leaked: the leaker exits holding nothing it allocated since attach
# (killed: before its signal it blocks SIGTERM).
start_leaker clean 100
start_leaktop clean-lt -p "$LEAKER_PID" -i 600 --bytes --fail-on leak
kill -KILL "$LEAKER_PID"
wait "$LT_PID"
rc=$?
assert_eq "$rc" 0 "-p leak, nothing leaked: exit status"
assert_contains "$WORK/clean-lt.table" '^CHECK --fail-on leak: passed; 0 stacks growing; 0 stacks held 0 bytes in 0 blocks' \
	"-p leak, nothing leaked: the verdict line"
pass "-p leak, nothing leaked: exit 0, passed"

# 3. -p, growing: a steady leak, judged over 8 samples, ended by -d's stand-in (SIGINT).
LEAKER=$BIN/growth start_leaker steady steady
start_leaktop steady-lt -p "$LEAKER_PID" -i 0.3 --bytes --json "$WORK/steady.json" \
	--fail-on growing
kill -USR1 "$LEAKER_PID"
intervals "$WORK/steady.json" 8
stop_leaktop INT
table=$WORK/steady-lt.table
assert_eq "$LT_RC" 3 "-p growing: exit status"
assert_contains "$table" '^CHECK --fail-on growing: FAILED; 1 stack growing$' "-p growing: verdict"
check_section "$table" | grep -A1 '^  growing: heap +[0-9]*/h in pid [0-9]* (growth), [0-9]* bytes in' |
	grep -q '^      leak_steady+0x' || fail "-p growing: leak_steady not listed: $(check_section "$table")"
assert_not_contains "$table" 'too few samples' "-p growing: samples enough"
pass "-p growing: exit 3, leak_steady listed"

# 4. -p, growing, nothing grows: the idle leaker over 8 samples passes.
start_leaker idle 100
start_leaktop idle-lt -p "$LEAKER_PID" -i 0.3 --json "$WORK/idle.json" --fail-on growing
intervals "$WORK/idle.json" 7
stop_leaktop INT
assert_eq "$LT_RC" 0 "-p growing, nothing grows: exit status"
assert_contains "$WORK/idle-lt.table" '^CHECK --fail-on growing: passed; 0 stacks growing$' \
	"-p growing, nothing grows: verdict"
assert_not_contains "$WORK/idle-lt.table" 'too few samples' "-p growing, idle: samples enough"
kill "$LEAKER_PID"
pass "-p growing, nothing grows: exit 0, passed"

# 5. Too few samples for a trend: said, on stdout and stderr, and not a failure.
start_leaker early 100
start_leaktop early-lt -p "$LEAKER_PID" -i 600 --fail-on growing
stop_leaktop INT
assert_eq "$LT_RC" 0 "too early: exit status"
assert_contains "$WORK/early-lt.table" '^  too few samples for any trend (fewer than 6)' "too early: said"
assert_contains "$WORK/early-lt.err" 'too few samples to judge growth' "too early: warned"
kill "$LEAKER_PID"
pass "too few samples: said, exit 0"

# 6. --cgroup, leak: the process exits and is purged before the final report; what it held
# was named at its purge.
make_cgroup "ci.scope"
: >"$WORK/cg.out"
# shellcheck disable=SC2016
sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" 100' x "$CG_PATH" "$BIN/leaker" >"$WORK/cg.out" 2>&1 &
cg_pid=$!
PIDS+=("$cg_pid")
wait_for "$WORK/cg.out" '^ready' 10 || fail "the cgroup's leaker did not start"
start_leaktop cg-lt --cgroup "$CG_PATH" -i 600 --bytes -n 50 --fail-on leak -v
trigger_leaker cg "$cg_pid"
kill -TERM "$cg_pid"
wait_for "$WORK/cg-lt.err" "pid $cg_pid (leaker) is gone: its entries are purged" 20 ||
	fail "--cgroup: the leaker was not purged: $(cat "$WORK/cg-lt.err")"
stop_leaktop INT
table=$WORK/cg-lt.table
assert_eq "$LT_RC" 3 "--cgroup leak: exit status"
assert_contains "$table" '^CHECK --fail-on leak: FAILED; 0 stacks growing; 10 stacks held 450820 bytes in 25 blocks at a process.s exit' \
	"--cgroup leak: verdict"
assert_eq "$(held_at_exit "$table" leak_malloc)" "10000 10" "--cgroup leak: leak_malloc held at exit"
assert_eq "$(held_at_exit "$table" leak_realloc_chain)" "400000 1" "--cgroup leak: leak_realloc_chain"
check_section "$table" | grep -q "^  held at exit: pid $cg_pid (leaker), 400000 bytes in 1 block:" ||
	fail "--cgroup leak: the purged process is not named: $(check_section "$table")"
pass "--cgroup leak: exit 3, the purged process's leaks named"

# 7. --quiet still prints the verdict: a CI log needs the stacks.
start_leaker quiet 100
start_leaktop quiet-lt -p "$LEAKER_PID" -i 600 --bytes --quiet --fail-on leak
trigger_leaker quiet "$LEAKER_PID"
kill -TERM "$LEAKER_PID"
wait "$LT_PID"
assert_eq "$?" 3 "--quiet: exit status"
assert_not_contains "$WORK/quiet-lt.table" '^SUMMARY' "--quiet: no table"
assert_eq "$(held_at_exit "$WORK/quiet-lt.table" leak_calloc)" "15000 5" "--quiet: leak_calloc listed"
pass "--quiet: no table, the check's verdict and stacks"
