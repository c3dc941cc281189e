#!/usr/bin/env bash
# --cgroup: children forked in the scope that allocate at once, before leaktop can have heard
# of them (issue 16, defect 4).
#   A container's own libc, which no process outside maps: probed once for every process that
#     maps it, the cgroup checked in BPF, so each child is exact by default.
#   The host's libc, which processes outside map too: by default probed for each process of
#     the scope (processes outside take no trap), so a child runs unprobed until leaktop
#     attaches to it: each child is said to have started unprobed, in the drops line and the
#     JSON, never silently lost. With --config links=shared, each child is exact.
. "$(dirname "$0")/lib.sh"
require_root
command -v unshare >/dev/null || fail "unshare is missing (util-linux)"

SL=$BIN/startleak
[[ -x $SL ]] || fail "$SL is not built (make -C tests)"
NCHILD=5

# children PARENT: the pids of PARENT's children once all NCHILD are there.
children() {
	local i kids
	for ((i = 0; i < 100; i++)); do
		kids=$(pgrep -P "$1" | sort -n)
		(($(wc -w <<<"$kids") == NCHILD)) && break
		sleep 0.1
	done
	(($(wc -w <<<"$kids") == NCHILD)) || fail "pid $1 has $(wc -w <<<"$kids") children, not $NCHILD"
	echo $kids
}

# unprobed JSON PID: whether the final report says PID ran before its allocator was probed.
unprobed() {
	python3 - "$@" <<'PY' || fail "cannot read $1"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
print([p["started_unprobed"] for p in r["processes"] if p["pid"] == int(sys.argv[2])][0])
PY
}

id=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
make_cgroup "system.slice/docker-$id.scope"
cg=$CG_PATH
rel=${cg#"$CG_MOUNT"}

# 1. A container with its own libc: the default probes it for every process that maps it.
root=$WORK/root
make_root "$root" "$SL"
: >"$WORK/ctr.out"
# shellcheck disable=SC2016
sh -c 'echo $$ > "$1/cgroup.procs" && exec unshare --mount --pid --fork chroot "$0" /leaker --fork "$2"' \
	"$root" "$cg" "$NCHILD" >"$WORK/ctr.out" 2>&1 &
PIDS+=("$!")
wait_for "$WORK/ctr.out" '^ready' 20 || fail "container: did not start: $(cat "$WORK/ctr.out")"
LEAKER_PID=$(pgrep -P "$!" | head -1)
[[ -n $LEAKER_PID ]] || fail "container: no process under unshare $!"
PIDS+=("$LEAKER_PID")
start_leaktop ctr-lt --cgroup "$rel" -v -i 600 --bytes -n 1000 --json "$WORK/ctr.json"
kill -USR1 "$LEAKER_PID"
wait_for "$WORK/ctr.out" '^done' 20 || fail "container: the parent did not fork: $(cat "$WORK/ctr.out")"
kids=$(children "$LEAKER_PID")
stop_leaktop INT
assert_eq "$LT_RC" 0 "container: exit status"
assert_contains "$WORK/ctr-lt.err" "$root/lib/x86_64-linux-gnu/libc.so.6: mapped in the scope only" \
	"container: its libc probed once for all"
for k in $kids; do
	assert_json_leaks "$WORK/ctr.json" "$k" "container: child $k" "$SL" --expect-child
	assert_eq "$(unprobed "$WORK/ctr.json" "$k")" False "container: child $k started probed"
done
pass "--cgroup, a container's own libc: $NCHILD children leaking at once after fork, each exact"
kill -KILL "$LEAKER_PID" $kids

# 2. The host's libc, per process by default: each child counted, not silently lost.
# start_in_cgroup NAME: startleak --fork in the scope's cgroup, ready before leaktop starts.
start_in_cgroup() {
	: >"$WORK/$1.out"
	# shellcheck disable=SC2016
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$SL" --fork "$NCHILD" \
		>"$WORK/$1.out" 2>&1 &
	LEAKER_PID=$!
	PIDS+=("$LEAKER_PID")
	wait_for "$WORK/$1.out" '^ready' 20 || fail "$1: did not start: $(cat "$WORK/$1.out")"
}

# fork_children NAME: let it fork, and wait until it has.
fork_children() {
	kill -USR1 "$LEAKER_PID"
	wait_for "$WORK/$1.out" '^done' 20 || fail "$1: the parent did not fork: $(cat "$WORK/$1.out")"
}
start_in_cgroup host
start_leaktop host-lt --cgroup "$rel" -v -i 600 --bytes -n 1000 --json "$WORK/host.json"
fork_children host
kids=$(children "$LEAKER_PID")
for k in $kids; do
	wait_for "$WORK/host-lt.err" "pid $k (startleak) ran before its allocator" 20 ||
		fail "host libc: child $k not said to have started unprobed: $(cat "$WORK/host-lt.err")"
done
stop_leaktop INT
assert_contains "$WORK/host-lt.err" "/libc.so.6: mapped outside the scope too" \
	"host libc: probed for each process"
for k in $kids; do
	assert_eq "$(unprobed "$WORK/host.json" "$k")" True "host libc: child $k in the JSON"
done
assert_contains "$WORK/host-lt.table" "^drops:.* $NCHILD processes ran before their allocator was probed" \
	"host libc: the drops line"
pass "--cgroup, the host's libc per process: the $NCHILD children said to have started unprobed"
kill -KILL "$LEAKER_PID" $kids

# 3. The host's libc with links=shared: every child exact.
start_in_cgroup shared
start_leaktop shared-lt --cgroup "$rel" --config links=shared -i 600 --bytes -n 1000 \
	--json "$WORK/shared.json"
fork_children shared
kids=$(children "$LEAKER_PID")
stop_leaktop INT
assert_eq "$LT_RC" 0 "links=shared: exit status"
for k in $kids; do
	assert_json_leaks "$WORK/shared.json" "$k" "links=shared: child $k" "$SL" --expect-child
done
assert_eq "$(python3 -c "
import json
print([json.loads(l) for l in open('$WORK/shared.json')][-1]['drops']['started_unprobed'])")" 0 \
	"links=shared: nothing started unprobed"
pass "--cgroup --config links=shared, the host's libc: $NCHILD children leaking at once after fork, each exact"
kill -KILL "$LEAKER_PID" $kids
