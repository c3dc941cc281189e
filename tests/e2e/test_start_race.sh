#!/usr/bin/env bash
# Processes that allocate the moment they start, while leaktop runs (issue 16, defect 4):
#   --all: 20 processes, each run (fork, then exec) after leaktop attached, leak at the first
#     call of main: every one exact, by the function that leaked (built without frame
#     pointers: their first blocks are made before their unwind tables can be loaded);
#   --all: 3 more on jemalloc (LD_PRELOAD), a library no process mapped before: probed at
#     start, so exact too;
#   none of them said to have run before its probes, and each holds only what its own program
#     made: what the shell's fork and env held went with their exec, however late leaktop read
#     of the exec (the old programs' entries are purged, never the new one's);
#   --all: a static executable (its own malloc) run for the first time: leaktop can only probe
#     it once it runs, so it is counted as having run before its allocator was probed (drops
#     line, JSON); run again, the same file is probed in place, and it is exact.
. "$(dirname "$0")/lib.sh"
require_root

SL=$BIN/startleak
[[ -x $SL ]] || fail "$SL is not built (make -C tests)"
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
[[ -e $jemalloc ]] || fail "$jemalloc is not installed (make deps installs it)"

# start_many PREFIX N [ENV...]: run N startleaks (SL) at once, each forked and exec'd by this
# shell; waits until each has leaked ("done PID"), and sets STARTED to their pids.
start_many() {
	local prefix=$1 n=$2 i pid
	shift 2
	STARTED=()
	for ((i = 0; i < n; i++)); do
		: >"$WORK/$prefix$i.out"
		env "$@" "${SL_BIN:-$SL}" >"$WORK/$prefix$i.out" 2>&1 &
		PIDS+=("$!")
	done
	for ((i = 0; i < n; i++)); do
		wait_for "$WORK/$prefix$i.out" '^done' 20 || fail "$prefix$i did not start: $(cat "$WORK/$prefix$i.out")"
		pid=$(awk '/^done/ { print $2 }' "$WORK/$prefix$i.out")
		STARTED+=("$pid")
	done
}

# only_own JSON PID LABEL: process PID's heap holds what its program made and nothing else: what
# the executable made itself (its leak; a static one's loader), its stdout's buffer and, with
# jemalloc (which links libstdc++), libstdc++'s exception pool. Each was exec'd by env, exec'd by a shell's fork: what those two programs held went
# with their exec, however late leaktop read of it.
only_own() {
	local other
	other=$(python3 - "$1" "$2" <<'PY' || fail "cannot read $1"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
pid, own = int(sys.argv[2]), {"_IO_file_doallocate"}
exe = open("/proc/%d/comm" % pid).read().strip()
def mine(f):
    return (f["function"] in own or f["module"] == exe
            or (f["module"] or "").startswith("libstdc++.so"))
print(sum(s["bytes"] for s in r["stacks"] if s["pid"] == pid and s["kind"] == "heap"
          and not (s["frames"] and mine(s["frames"][0]))))
PY
)
	assert_eq "$other" 0 "$3: heap bytes from other programs than its own"
}

start_leaktop all-lt --all -i 600 --bytes -n 5000 --max-stacks 262144 --json "$WORK/all.json"
start_many glibc 20
glibc_pids=("${STARTED[@]}")
start_many jemalloc 3 "LD_PRELOAD=$jemalloc"
jemalloc_pids=("${STARTED[@]}")
stop_leaktop INT
assert_eq "$LT_RC" 0 "--all: exit status"
ltjson "$WORK/all.json" validate >/dev/null
for pid in "${glibc_pids[@]}"; do
	assert_json_leaks "$WORK/all.json" "$pid" "--all: pid $pid, leaking at its start" "$SL"
	only_own "$WORK/all.json" "$pid" "--all: pid $pid"
done
pass "--all: 20 processes leaking at their first call, each exact (12000 bytes in 8 blocks), none holding what env or the shell held before its exec"
for pid in "${jemalloc_pids[@]}"; do
	assert_json_leaks "$WORK/all.json" "$pid" "--all: jemalloc pid $pid" "$SL"
	only_own "$WORK/all.json" "$pid" "--all: jemalloc pid $pid"
done
assert_contains "$WORK/all-lt.err" "probed for the programs yet to start:.* jemalloc $jemalloc" "--all: jemalloc probed at start"
pass "--all: 3 processes on jemalloc, a library new to the trace, each exact"
# unprobed JSON [PID]: the final report's count of processes that ran before their allocator
# was probed, or whether process PID did.
unprobed() {
	python3 - "$@" <<'PY' || fail "cannot read $1"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
if len(sys.argv) > 2:
    print([p["started_unprobed"] for p in r["processes"] if p["pid"] == int(sys.argv[2])][0])
else:
    print(r["drops"]["started_unprobed"])
PY
}
# Other processes of the host may start unprobed meanwhile (a static executable): these may not.
for pid in "${glibc_pids[@]}" "${jemalloc_pids[@]}"; do
	assert_eq "$(unprobed "$WORK/all.json" "$pid")" False "--all: pid $pid said to have started unprobed"
	assert_not_contains "$WORK/all-lt.err" "pid $pid .* ran before" "--all: pid $pid said late"
done
pass "--all: none of them said to have run before its probes"

static=$BIN/startleak_static
cp "$static" "$WORK/sleak" # a file no process has run yet
start_leaktop static-lt --all -i 600 --bytes -n 5000 --max-stacks 262144 --json "$WORK/static.json"
SL_BIN=$WORK/sleak start_many first 1
first=${STARTED[0]}
wait_for "$WORK/static-lt.err" "pid $first (sleak) ran before its allocator" 20 ||
	fail "--all: the first static run was not said late: $(cat "$WORK/static-lt.err")"
SL_BIN=$WORK/sleak start_many again 1
again=${STARTED[0]}
stop_leaktop INT
assert_eq "$(unprobed "$WORK/static.json" "$first")" True "--all: the first static run, in the JSON"
assert_eq "$(unprobed "$WORK/static.json" "$again")" False "--all: the second static run"
assert_contains "$WORK/static-lt.table" "^drops:.* [0-9]* process\(es\)\? ran before \(its\|their\) allocator was probed (\(its\|their\) first allocations may be missing)" \
	"--all: the drops line"
assert_json_leaks "$WORK/static.json" "$again" "--all: the second static run" "$static"
only_own "$WORK/static.json" "$again" "--all: the second static run"
pass "--all: a static executable's first run counted as started unprobed; its second exact"
