#!/usr/bin/env bash
# Processes that exit during a --cgroup trace are in its final report: a scope purges an
# exited process from the kernel maps at once, so what it still held at exit, with its stacks
# named, is kept for the end. Three processes in a cgroup v2 directory each leak a known number
# of bytes from leak_before_exit and exit; once leaktop has purged them (an interval table
# says so, and lists none of them), the final report lists each as exited, with its exit time,
# the exact bytes and blocks at leak_before_exit: in the table, the summary, the JSON, the
# folded stacks and the pprof profile (labelled exited).
. "$(dirname "$0")/lib.sh"
require_root

make_cgroup "leaktop-exited.scope"
start_leaktop lt --cgroup "$CG_PATH" -i 0.5 --bytes -n 20 --json "$WORK/lt.json" \
	--folded "$WORK/lt.folded" --pprof "$WORK/lt.pb.gz"
assert_contains "$WORK/lt.err" "has no process yet" "an empty cgroup: leaktop waits"

# name blocks size, for each process.
specs=("x1 5 1000" "x2 7 2048" "x3 11 333")
pids=() total=0
for spec in "${specs[@]}"; do
	read -r name n size <<<"$spec"
	LEAKER=$BIN/growth start_leaker "$name" exitleak "$n" "$size"
	echo "$LEAKER_PID" >"$CG_PATH/cgroup.procs" || fail "cannot move $name into $CG_PATH"
	pids+=("$LEAKER_PID")
	total=$((total + n * size))
done
# Each is traced once leaktop's rescan finds it in the cgroup (every 2 s).
for pid in "${pids[@]}"; do
	wait_for "$WORK/lt.err" "tracing pid $pid (growth), new in " 20 ||
		fail "pid $pid not traced: $(cat "$WORK/lt.err")"
done
kill -USR1 "${pids[@]}"
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || fail "${specs[$i]%% *} exited with status $?"
	assert_contains "$WORK/${specs[$i]%% *}.out" '^done ' "${specs[$i]%% *} leaked"
done
# Purged from the kernel maps: a later interval table says so.
wait_for "$WORK/lt.table" "purged 3 exited processes" 20 ||
	fail "the exited processes were not purged: $(tail -5 "$WORK/lt.table")"
sleep 0.6 # one more interval table, after the purge
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status"
json=$WORK/lt.json table=$WORK/lt.table
ltjson "$json" validate >/dev/null

# The last interval report: purged, nothing of theirs. The final one: each of them, exited.
python3 - "$json" "${pids[@]}" <<'EOF' || fail "JSON: $(tail -c 800 "$json")"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
pids = {int(p) for p in sys.argv[2:]}
last = rs[-2]
assert last["type"] == "interval", last["type"]
assert not [p for p in last["processes"] if p["pid"] in pids], "an interval after the purge lists them"
assert not [s for s in last["stacks"] if s["pid"] in pids], "an interval after the purge has their stacks"
final = rs[-1]
procs = {p["pid"]: p for p in final["processes"] if p["pid"] in pids}
assert set(procs) == pids, "the final report lacks %s" % (pids - set(procs))
for p in procs.values():
    assert p["exited"] is True, p
    assert 0 < p["exit_s"] < final["elapsed_s"], (p, final["elapsed_s"])
    assert p["rss"] == 0, p
assert final["drops"]["exited_not_kept"] == 0, final["drops"]
assert final["drops"]["exited_stacks_not_kept"] == 0, final["drops"]
EOF
sed -n '/^SUMMARY/,$p' "$table" >"$WORK/summary.txt"
for i in "${!pids[@]}"; do
	read -r name n size <<<"${specs[$i]}"
	pid=${pids[$i]} bytes=$((n * size))
	assert_eq "$(ltjson "$json" leaks "$pid")" "leak_before_exit $bytes $n" "$name: JSON, pid $pid"
	assert_contains "$WORK/summary.txt" \
		"^pid $pid (growth): exited [0-9.]*s after attach, holding $bytes bytes of heap, 0 bytes of mappings and 0 open sockets\.$" \
		"$name: summary"
	awk -v p="pid $pid " 'index($0, p) == 1 { f = 1; next } f && /^[^ ]/ { f = 0 } f' \
		"$WORK/summary.txt" >"$WORK/$name.block"
	assert_contains "$WORK/$name.block" '^  held at exit:$' "$name: heading"
	assert_contains "$WORK/$name.block" \
		"^    heap $bytes bytes in $n blocks at leak_before_exit+0x[0-9a-f]* \[growth\] <- main" \
		"$name: held at exit, named"
	pass "$name: pid $pid exited holding $bytes bytes in $n blocks at leak_before_exit: JSON, summary"
done
assert_contains "$WORK/summary.txt" "^SUMMARY of cgroup .*/leaktop-exited.scope: 3 processes with something traced$" \
	"summary heading"
assert_eq "$(table_sum "$table" leak_before_exit 2)" "$total" "table: HEAP rows"
assert_eq "$(folded_bytes "$WORK/lt.folded" leak_before_exit)" "$total" "folded"
export GOCACHE=$WORK/go-cache HOME=$WORK
go tool pprof -top -nodefraction=0 -sample_index=inuse_space -unit=B -symbolize=none \
	-tagfocus=exited=true "$WORK/lt.pb.gz" >"$WORK/pprof.top" 2>"$WORK/pprof.err" ||
	fail "go tool pprof failed: $(cat "$WORK/pprof.err")"
assert_eq "$(sed -n 's/^Showing nodes accounting for .* of \([0-9]*\)B total$/\1/p' "$WORK/pprof.top")" \
	"$total" "pprof: inuse_space of the samples labelled exited"
assert_eq "$(awk '/^ *flat/ { getline; print $NF; exit }' "$WORK/pprof.top")" leak_before_exit \
	"pprof: top function of those"
pass "three exited processes in the final report: $total bytes at leak_before_exit in the table, folded and pprof"
