# Helpers for the end-to-end tests: start the leaker and leaktop, wait for them, assert.
# Each test sources this file. Exit codes: 0 pass, 1 fail, 2 skip (reason on the last line).
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# LEAKTOP_BIN: another build of leaktop to test (make asan: .output/asan/leaktop).
LEAKTOP=${LEAKTOP_BIN:-$TOP/leaktop}
BIN=$TOP/.output/tests
WORK=$(mktemp -d /tmp/leaktop-e2e.XXXXXX)
PIDS=()

# A sanitized leaktop (LEAKTOP_SANITIZED=1, set by tests/run.sh asan) writes its reports to
# files here, leaks checked at exit; cleanup fails the test if there is any. The directory is
# open to all: some tests run leaktop as another user.
SAN_LOGS=
if [[ ${LEAKTOP_SANITIZED:-0} == 1 ]]; then
	SAN_LOGS=$(mktemp -d /tmp/leaktop-san.XXXXXX)
	chmod 1777 "$SAN_LOGS"
	export ASAN_OPTIONS="detect_leaks=1:log_path=$SAN_LOGS/report:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$SAN_LOGS/report"
fi

# Any sanitizer report fails the test, whatever it asserted.
check_sanitizers() {
	local f found=0
	[[ -n $SAN_LOGS ]] || return 0
	for f in "$SAN_LOGS"/*; do
		[[ -s $f ]] || continue
		echo "FAIL: sanitizer report $(basename "$f"):"
		head -n 60 "$f"
		found=1
	done
	rm -rf "$SAN_LOGS"
	return $found
}

cleanup() {
	local p san=0
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	declare -F cleanup_cgroups >/dev/null && cleanup_cgroups
	check_sanitizers || san=1
	if [[ ${KEEP_WORK:-0} == 1 ]]; then
		echo "work files kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	((san == 0)) || exit 1
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	for f in "$WORK"/*.err "$WORK"/*.table; do
		[[ -s $f ]] || continue
		echo "--- $f"
		tail -n 40 "$f"
	done
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 2
}

pass() {
	echo "PASS: $*"
}

require_root() {
	[[ $(id -u) == 0 ]] || skip "needs root to load BPF and attach uprobes (running as uid $(id -u))"
	[[ -x $LEAKTOP ]] || fail "$LEAKTOP is not built"
}

# wait_for FILE PATTERN [SECONDS]: until grep finds PATTERN in FILE.
wait_for() {
	local file=$1 pattern=$2 secs=${3:-20} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# start_leaker NAME [ARGS...]: start the leaker; sets LEAKER_PID. NAME names its files.
# LEAKER (default $BIN/leaker) and LEAKER_ENV (env assignments) choose the build and its
# environment.
start_leaker() {
	local name=$1
	shift
	: >"$WORK/$name.out" # truncated before the child runs, so no old line is read
	env ${LEAKER_ENV:-} "${LEAKER:-$BIN/leaker}" "$@" >"$WORK/$name.out" 2>&1 &
	LEAKER_PID=$!
	PIDS+=("$LEAKER_PID")
	wait_for "$WORK/$name.out" '^ready' 10 || fail "leaker $name did not start"
}

# trigger_leaker NAME PID: make the leaker leak, and wait until it is done.
trigger_leaker() {
	kill -USR1 "$2"
	wait_for "$WORK/$1.out" '^done' 60 || fail "leaker $1 did not finish"
}

# trace_leak NAME PID ARGS...: leaktop ARGS on the started leaker PID through one leak (its
# trigger, then half a second), stopped; fails unless it exits 0. Leaves $WORK/NAME.err.
trace_leak() {
	local name=$1 pid=$2
	shift 2
	start_leaktop "$name" "$@"
	trigger_leaker "$name" "$pid"
	sleep 0.5
	stop_leaktop
	assert_eq "$LT_RC" 0 "$name: leaktop's exit status"
}

# start_leaktop NAME ARGS...: run leaktop in the background; sets LT_PID. Waits for attach.
# LEAKTOP_WRAP (a command such as valgrind) runs leaktop under it.
start_leaktop() {
	local name=$1
	shift
	: >"$WORK/$name.err"
	${LEAKTOP_WRAP:-} "$LEAKTOP" "$@" >"$WORK/$name.table" 2>"$WORK/$name.err" &
	LT_PID=$!
	PIDS+=("$LT_PID")
	if ! wait_for "$WORK/$name.err" '^leaktop: attached' 60; then
		fail "leaktop did not attach: $(cat "$WORK/$name.err")"
	fi
}

# stop_leaktop [SIGNAL]: end leaktop and wait for it; sets LT_RC.
stop_leaktop() {
	kill "-${1:-INT}" "$LT_PID"
	wait "$LT_PID"
	LT_RC=$?
}

assert_eq() {
	[[ "$1" == "$2" ]] || fail "$3: got '$1', want '$2'"
}

assert_contains() {
	grep -q -- "$2" "$1" || fail "$3: '$2' not in $1"
}

assert_not_contains() {
	! grep -q -- "$2" "$1" || fail "$3: '$2' found in $1: $(grep -- "$2" "$1" | head -3)"
}

# folded_bytes FILE FUNC: bytes of the folded lines whose innermost frame is FUNC.
folded_bytes() {
	awk -v fn="$2" '{
		n = split($0, parts, " "); bytes = parts[n];
		stack = substr($0, 1, length($0) - length(bytes) - 1);
		k = split(stack, frames, ";");
		if (frames[k] == fn) sum += bytes
	} END { print sum + 0 }' "$1"
}

# Table layout: every section's rows put their first frame at column STACK_COL + 1.
STACK_COL=94

# table_sum FILE FUNC FIELD [SECTION]: sum a column over the rows of the last table section
# named SECTION (HEAP, MMAP or SOCKETS; default HEAP) whose first frame is in FUNC. Columns:
# 2 outstanding (bytes, or open sockets), 3 count (blocks, regions; the kind for sockets),
# 5 allocs (maps, opened), 6 frees (unmaps, closed). Needs --bytes for byte columns.
table_sum() {
	awk -v fn="$2" -v col="$3" -v sec="${4:-HEAP}" -v sc="$STACK_COL" '
		index($0, sec ": STACKS BY") == 1 { f = 1; sum = 0; next }
		f && /^$/ { f = 0 }
		f && $1 ~ /^[0-9]+$/ && NF >= 9 {
			fr = substr($0, sc + 1); sub(/^pid [0-9]+ \([^)]*\)( in .*)?: /, "", fr)
			sub(/^(anon|file): /, "", fr)
			if (index(fr, fn "+") == 1) sum += $col
		}
		END { print sum + 0 }' "$1"
}

# final_top_frame FILE: the first frame of the top heap stack in the final table.
final_top_frame() {
	awk -v sc="$STACK_COL" '/final report/ { f = 1 }
		f && /^HEAP: STACKS BY/ { h = 1; next }
		h && $1 == "1" { print substr($0, sc + 1); exit }' "$1"
}

# check_exact_leaks NAME ROUNDS: run the leaker (LEAKER, LEAKER_ENV) under leaktop (with
# LEAKTOP_EXTRA options) and
# assert every leaking function's exact bytes and count in the table and the folded file,
# and that churn holds nothing.
check_exact_leaks() {
	local name=$1 rounds=$2 fn bytes count
	start_leaker "$name" "$rounds"
	start_leaktop "$name-lt" -p "$LEAKER_PID" -i 600 --bytes -n 1000 --frames 4 \
		--folded "$WORK/$name.folded" ${LEAKTOP_EXTRA:-}
	trigger_leaker "$name" "$LEAKER_PID"
	stop_leaktop INT
	assert_eq "$LT_RC" 0 "$name: leaktop exit status"
	[[ -s $WORK/$name.folded ]] || fail "$name: no folded file written"
	local table=$WORK/$name-lt.table rows=0
	while read -r fn bytes count; do
		assert_eq "$(folded_bytes "$WORK/$name.folded" "$fn")" "$bytes" "$name $fn: folded bytes"
		assert_eq "$(table_sum "$table" "$fn" 2)" "$bytes" "$name $fn: table bytes"
		assert_eq "$(table_sum "$table" "$fn" 3)" "$count" "$name $fn: table count"
		pass "$name $fn: $bytes bytes in $count blocks"
		rows=$((rows + 1))
	done < <(env ${LEAKER_ENV:-} "${LEAKER:-$BIN/leaker}" --expect)
	((rows > 0)) || fail "$name: the leaker's --expect listed no leak"
	assert_eq "$(table_sum "$table" churn 2)" 0 "$name churn: outstanding bytes"
	assert_eq "$(table_sum "$table" churn 3)" 0 "$name churn: outstanding count"
	assert_eq "$(folded_bytes "$WORK/$name.folded" churn)" 0 "$name churn: folded"
	((CHURN_ALLOCS = $(table_sum "$table" churn 5), CHURN_FREES = $(table_sum "$table" churn 6)))
	((CHURN_ALLOCS > 0 && CHURN_FREES == CHURN_ALLOCS)) ||
		fail "$name churn: $CHURN_ALLOCS allocations, $CHURN_FREES frees seen"
	assert_contains "$table" '^drops: none' "$name: nothing dropped"
	kill "$LEAKER_PID"
}

# assert_json_leaks JSON PID LABEL CMD...: each leak `CMD --expect` lists is exact (bytes and
# blocks, by innermost frame) in the final report's heap stacks of process PID.
assert_json_leaks() {
	local json=$1 pid=$2 label=$3 got fn bytes count rows=0
	shift 3
	got=$(ltjson "$json" leaks "$pid")
	while read -r fn bytes count; do
		[[ $(awk -v f="$fn" '$1 == f { print $2, $3 }' <<<"$got") == "$bytes $count" ]] ||
			fail "$label: $fn (bytes, blocks): got '$(awk -v f="$fn" '$1 == f { print $2, $3 }' <<<"$got")', want '$bytes $count'; the final report's heap rows of pid $pid:
$(ltjson "$json" rows "$pid" 2>&1 | head -40)"
		rows=$((rows + 1))
	done < <("$@" --expect)
	((rows > 0)) || fail "$label: '$* --expect' listed no leak"
}

# Programs leaktop loads, still in the kernel: none may remain after leaktop exits.
# The kernel frees a program once its last link is released, which for uprobe_multi links
# waits for an RCU grace period after leaktop has exited: allow it 3 s to reach 0.
leaktop_progs_loaded() {
	# leaktop's programs that no process holds (through a program or link fd): what a leaktop
	# that exited left behind. Programs of other leaktops running on the machine are held by
	# them, and not counted. The kernel frees a program some time after its last fd closes.
	local n i
	for ((i = 0; i < 30; i++)); do
		n=$(bpftool -j prog show 2>/dev/null | python3 -c '
import glob, json, re, sys
held = set()
for path in glob.glob("/proc/[0-9]*/fdinfo/*"):
    try:
        for m in re.finditer(r"^prog_id:\s*(\d+)", open(path).read(), re.M):
            held.add(int(m.group(1)))
    except OSError:
        pass
names = {"malloc_enter", "free_enter", "alloc_exit", "alloc_session", "alloc_enter"}
print(sum(1 for p in json.load(sys.stdin) if p.get("name") in names and p["id"] not in held))')
		((n == 0)) && break
		sleep 0.1
	done
	echo "$n"
}

# Queries over --json output (see tests/e2e/ltjson.py).
ltjson() {
	python3 "$TOP/tests/e2e/ltjson.py" "$@" || fail "ltjson.py $* failed"
}

# run_growth NAME MODE SECONDS [LEAKTOP ARGS...]: run `growth MODE` under leaktop -i 0.5,
# JSON in $WORK/NAME.json and the table in $WORK/NAME-lt.table. The continuous modes run for
# SECONDS; the sockets and percall modes run SECONDS and then get SIGUSR2; the mmaps mode runs
# once. Then leaktop is stopped: its final report reads everything done so far. Sets DONE to
# the number after "done", if any.
run_growth() {
	local name=$1 mode=$2 secs=$3
	shift 3
	LEAKER=$BIN/growth start_leaker "$name" "$mode"
	start_leaktop "$name-lt" -p "$LEAKER_PID" -i 0.5 --bytes --json "$WORK/$name.json" "$@"
	kill -USR1 "$LEAKER_PID"
	DONE=
	case $mode in
	steady | sawtooth | fragment) sleep "$secs" ;;
	mmaps) wait_for "$WORK/$name.out" '^done' 20 || fail "growth $mode did not finish" ;;
	*)
		sleep "$secs"
		kill -USR2 "$LEAKER_PID"
		wait_for "$WORK/$name.out" '^done' 20 || fail "growth $mode did not finish"
		;;
	esac
	DONE=$(awk '/^done/ { print $2 }' "$WORK/$name.out")
	stop_leaktop INT
	assert_eq "$LT_RC" 0 "$name: leaktop exit status"
	ltjson "$WORK/$name.json" validate >/dev/null
	kill "$LEAKER_PID"
}

# within PCT GOT WANT: |GOT / WANT - 1| <= PCT%.
within() {
	awk -v p="$1" -v g="$2" -v w="$3" 'BEGIN { d = g / w - 1; exit !(d <= p / 100 && d >= -p / 100) }'
}

# --- Containers made by hand: namespaces, a private root, a cgroup v2 directory. ---

CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CG_DIRS=()

# make_root DIR BINARY: a root directory holding a copy of BINARY (as /leaker) and of every
# library it needs: the container's own libc, a different inode from the host's.
make_root() {
	local dir=$1 bin=$2 lib
	mkdir -p "$dir"
	cp "$bin" "$dir/leaker"
	for lib in $(ldd "$bin" | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p "$dir$(dirname "$lib")"
		cp -L "$lib" "$dir$lib"
	done
}

# make_cgroup NAME: a new cgroup v2 directory, as a container runtime would name it (NAME is
# its path under a per-test parent); sets CG_PATH to its absolute path.
make_cgroup() {
	[[ -n $CG_MOUNT ]] || skip "no cgroup2 file system is mounted"
	local parent=$CG_MOUNT/leaktop-e2e-$$ d
	mkdir -p "$parent/$1" || fail "cannot create a cgroup under $parent"
	CG_PATH=$parent/$1
	# Removed deepest first, at exit.
	d=$CG_PATH
	while [[ $d != "$CG_MOUNT" && $d != / ]]; do
		CG_DIRS+=("$d")
		d=$(dirname "$d")
	done
}

# start_container NAME CGROUP ROOT ARGS...: run /leaker ARGS in new mount and pid namespaces,
# chrooted into ROOT, in cgroup CGROUP; sets LEAKER_PID to its pid as seen from here.
start_container() {
	local name=$1 cg=$2 root=$3 i
	shift 3
	: >"$WORK/$name.out"
	# shellcheck disable=SC2016
	sh -c 'echo $$ > "$1/cgroup.procs" && shift 2 && exec unshare --mount --pid --fork chroot "$0" /leaker "$@"' \
		"$root" "$cg" x "$@" >"$WORK/$name.out" 2>&1 &
	PIDS+=("$!")
	wait_for "$WORK/$name.out" '^ready' 10 || fail "container $name did not start: $(cat "$WORK/$name.out")"
	for ((i = 0; i < 50; i++)); do
		LEAKER_PID=$(pgrep -P "$!" | head -1)
		[[ -n $LEAKER_PID ]] && break
		sleep 0.1
	done
	[[ -n $LEAKER_PID ]] || fail "container $name: no leaker under unshare $!"
	PIDS+=("$LEAKER_PID")
}

# Containers' cgroups go once their processes have.
cleanup_cgroups() {
	local d i
	for d in "${CG_DIRS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			rmdir "$d" 2>/dev/null && break
			[[ -d $d ]] || break
			sleep 0.1
		done
	done
}

# node_releases WHAT: the Node.js releases of tools/node-versions marked WHAT (frames or
# refused), which tools/deps.sh installs in /opt/leaktop/node-MAJOR: sets NODE_VERSIONS and
# NODE_BINS. Fails when one is missing or is not the release it should be.
NODE_DIR=${LEAKTOP_NODE_DIR:-/opt/leaktop}
node_releases() {
	local version what bin got
	NODE_VERSIONS=() NODE_BINS=()
	while read -r version what _; do
		[[ -z $version || $version == '#'* || $what != "$1" ]] && continue
		bin=$NODE_DIR/node-${version%%.*}/bin/node
		[[ -x $bin ]] || fail "node $version is missing ($bin): 'make deps' (tools/deps.sh) installs it"
		got=$("$bin" --version 2>&1)
		[[ $got == "v$version" ]] || fail "$bin is not node $version: it says '$got'; run 'make deps'"
		NODE_VERSIONS+=("$version")
		NODE_BINS+=("$bin")
	done <"$TOP/tools/node-versions"
	((${#NODE_BINS[@]})) || fail "tools/node-versions lists no release marked $1"
}
