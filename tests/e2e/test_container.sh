#!/usr/bin/env bash
# Containers built by hand (no docker): new mount and pid namespaces, a private root holding
# copies of the leaker and its libc (another inode than the host's), and a cgroup v2
# directory named as docker names its scopes. Then:
#   --all finds the leaker in it, names its container, resolves its symbols inside its root;
#   --container (and --cgroup) leave out a leaker outside;
#   a leaker started after leaktop is traced without a restart;
#   an exiting process's entries are purged.
. "$(dirname "$0")/lib.sh"
require_root
command -v unshare >/dev/null || fail "unshare is missing (util-linux)"

id=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
short=${id:0:12}
make_cgroup "system.slice/docker-$id.scope"
cg=$CG_PATH
root=$WORK/root
make_root "$root" "$BIN/leaker"
host_libc=$(stat -c %i /lib/x86_64-linux-gnu/libc.so.6)
[[ $(stat -c %i "$root/lib/x86_64-linux-gnu/libc.so.6") != "$host_libc" ]] ||
	fail "the container's libc is the host's inode"

# --all: the leaker in the container, named by its container, exact, symbols resolved.
start_container c1 "$cg" "$root" 100
cpid=$LEAKER_PID
start_leaktop all-lt --all -i 600 --bytes -n 1000 --group-by container --json "$WORK/all.json"
trigger_leaker c1 "$cpid"
stop_leaktop INT
assert_eq "$LT_RC" 0 "--all: exit status"
json=$WORK/all.json table=$WORK/all-lt.table
ltjson "$json" validate >/dev/null
assert_json_leaks "$json" "$cpid" "--all: in the container" "$BIN/leaker"
container=$(python3 -c "
import json
r = [json.loads(l) for l in open('$json')][-1]
print([p['container'] for p in r['processes'] if p['pid'] == $cpid][0])")
assert_eq "$container" "docker:$short" "--all: the process's container"
assert_contains "$table" "^HEAP: CONTAINERS BY GROWTH RATE" "--all: grouped by container"
assert_contains "$table" "  docker:$short ([0-9]* stacks)\$" "--all: the container's row"
assert_contains "$table" "^HOST: CONTAINERS BY GROWTH" "--all: host summary"
assert_contains "$table" " docker:$short\$" "--all: the container in the host summary"
assert_contains "$table" "pid $cpid (leaker) in docker:$short\$" "--all: the process in the host summary"
pass "--all: the container's leaker exact for 9 functions, named docker:$short, symbols from its own root"
kill -KILL "$cpid"

# The uprobe_multi and session links leaktop holds (links of a leaktop that exited before
# may still be in the kernel for a while: count this one's own).
uprobe_links() {
	cat /proc/"$LT_PID"/fdinfo/* 2>/dev/null | grep -c '^link_type:[[:space:]]*uprobe_multi$'
}

# --container: only the scope's processes; a leaker outside is not seen.
start_container c2 "$cg" "$root" 100
cpid=$LEAKER_PID
start_leaker outside 100
opid=$LEAKER_PID
start_leaktop scope-lt --container "${id:0:8}" -i 600 --bytes -n 1000 --json "$WORK/scope.json"
# The container's two processes: unshare, and the leaker it forked.
assert_contains "$WORK/scope-lt.err" "tracing docker:$short at $cg: 2 processes" "--container: the scope"
trigger_leaker c2 "$cpid"
trigger_leaker outside "$opid"
# leaktop looks at its processes again every 10 s (for libraries loaded since): what it had
# probed stays as it was, with no second set of links.
links=$(uprobe_links)
sleep 11
assert_eq "$(uprobe_links)" "$links" "--container: uprobe links after a second look"
stop_leaktop INT
assert_eq "$(python3 -c "
import json
r = [json.loads(l) for l in open('$WORK/scope.json')][-1]
print(sorted({s['pid'] for s in r['stacks']}))")" "[$cpid]" "--container: only the container's process"
assert_eq "$(table_sum "$WORK/scope-lt.table" leak_realloc_chain 2)" 400000 "--container: its leaks"
pass "--container ${id:0:8}: pid $cpid traced, pid $opid outside left out"
kill -KILL "$cpid" "$opid"
wait "$opid" 2>/dev/null || true # reaped here: no "Killed" line in the log

# --cgroup, before the process exists: found without a restart, then purged when it exits
# (what it held is kept for the final report: test_exited.sh).
rel=${cg#"$CG_MOUNT"}
start_leaktop late-lt --cgroup "$rel" -i 0.5 --bytes -n 1000 --json "$WORK/late.json"
assert_contains "$WORK/late-lt.err" "has no process yet" "--cgroup: an empty scope waits"
start_container c3 "$cg" "$root" 100
cpid=$LEAKER_PID
# Found at its fork or exec; said once its probes are in.
wait_for "$WORK/late-lt.err" "pid $cpid \((leaker), new\|ran a new program (leaker)\)" 20 ||
	fail "--cgroup: the new leaker was not picked up: $(cat "$WORK/late-lt.err")"
trigger_leaker c3 "$cpid"
# A table with its leaks (tables come every 0.5 s, later on a loaded machine).
for ((i = 0; i < 150; i++)); do
	[[ $(ltjson "$WORK/late.json" sum heap leak_realloc_chain bytes 2>/dev/null) == 400000 ]] && break
	sleep 0.2
done
assert_eq "$(ltjson "$WORK/late.json" sum heap leak_realloc_chain bytes)" 400000 \
	"--cgroup: a process started after leaktop"
kill -TERM "$cpid"
# The leaker, and unshare with it: two processes.
wait_for "$WORK/late.json" '"purged_processes":2' 20 || fail "--cgroup: the exits were not purged"
# Nothing of it is left in the kernel's allocation map (while leaktop still holds it).
# Another leaktop on the machine has an allocs map too: bpftool then dumps each map, with raw keys.
left=$(bpftool -j map dump name allocs | python3 -c "
import json, sys
d = json.load(sys.stdin)
es = [e for m in d for e in m['elements']] if d and 'elements' in d[0] else d
def tgid(e):
    if 'formatted' in e:
        return e['formatted']['key']['tgid']
    return int.from_bytes(bytes(int(b, 16) for b in e['key'][:4]), 'little')
print(sum(1 for e in es if tgid(e) == $cpid))") ||
	fail "--cgroup: cannot read the allocs map with bpftool"
assert_eq "$left" 0 "--cgroup: its entries in the allocs map"
sleep 0.6 # one more table
stop_leaktop INT
held=$("$BIN/leaker" --expect | awk '{ n += $3 } END { print n }') # blocks it leaked
python3 - "$WORK/late.json" "$cpid" "$held" <<'PY' || fail "--cgroup: purge: $(tail -c 600 "$WORK/late.json")"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
pid = int(sys.argv[2])
last = rs[-1]
assert last["self"]["purged_processes"] == 2, last["self"]
assert last["self"]["purged_allocations"] == int(sys.argv[3]), last["self"]  # the blocks it held
# Purged: the interval reports after its exit have nothing of it ...
after = rs[-2]
assert after["type"] == "interval" and after["self"]["purged_processes"] == 2, after["self"]
assert not [s for s in after["stacks"] if s["pid"] == pid], "its stacks are gone"
assert not [p for p in after["processes"] if p["pid"] == pid], "and the process"
# ... and the final report keeps it, exited, with what it held at exit.
assert [p for p in last["processes"] if p["pid"] == pid and p["exited"]], "the final report keeps it"
assert sum(s["count"] for s in last["stacks"] if s["pid"] == pid and s["kind"] == "heap") == \
    int(sys.argv[3]), "with the blocks it held"
PY
assert_contains "$WORK/late-lt.table" "purged 2 exited processes ($held live blocks, [0-9]* stacks)" "--cgroup: footer"
pass "--cgroup $rel: a leaker started later traced exactly; its exit purged its $held blocks"

# --all, before the container exists: its libc, a file no process mapped before, is probed
# when the container starts, without a restart.
start_leaktop late-all-lt --all -i 600 --bytes -n 1000 --json "$WORK/late-all.json"
start_container c4 "$cg" "$root" 100
cpid=$LEAKER_PID
wait_for "$WORK/late-all-lt.err" "probing glibc allocator $root/lib/x86_64-linux-gnu/libc.so.6, found in pid $cpid (leaker)" 20 ||
	fail "--all: the container's libc was not probed: $(cat "$WORK/late-all-lt.err")"
trigger_leaker c4 "$cpid"
stop_leaktop INT
assert_json_leaks "$WORK/late-all.json" "$cpid" "--all: a container started after leaktop" \
	"$BIN/leaker"
pass "--all: a container started later: its own libc probed on sight, leaks exact"
