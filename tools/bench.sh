#!/usr/bin/env bash
# make bench: the cost leaktop adds to every malloc+free pair, on a C hot loop and on python3
# running a dict/JSON workload, for each way of probing:
#   a  untraced
#   b  empty programs at +0 with uprobe+uretprobe (perf links): the naive floor
#   c  empty programs at leaktop's planned offsets (session links): the floor
#   c1 the same with no return half (the session's entry says so): one trap per call, the
#      floor of a sampled trace, where calls not sampled take no return probe
#   d0 leaktop tracking everything, without the stack walk: probes + maps
#   d  leaktop tracking everything, frame-pointer stacks (--unwind fp)
#   dc leaktop tracking everything, CFI stacks (the default)
#   e  leaktop --sample-bytes 524288
# Then the stack walks by depth: the C loop 8, 24 and 64 frames deep, with no stack, with
# frame pointers (--unwind fp) and with CFI (--unwind dwarf), and the depth distribution and
# error rate of CFI walks on python3. Then the syscall tracepoints, which fire in every
# process: close(-1), socket+close and mmap+munmap, untraced, in a process leaktop does not
# trace while it traces another, and in the traced process. Then scopes: the C loop in a
# process outside a --cgroup scope while leaktop traces a process inside, and under --all;
# and leaktop --all's own CPU, memory and BPF memory on this idle host.
# Then Python (issue 12), python3 only: today's row dc and e without Python frames and
# pymalloc (p0, pe0), with Python frames but not pymalloc (pf), against dc and e (both on):
# the cost per Python frame and per pymalloc call.
# Then issue 14: a node service loop (tools/bench/node_service.js) untraced, in full, sampled
# and with --config javascript=off (the cost per JavaScript frame); redis-server under
# redis-benchmark (SET, pipelined by 8) untraced, with empty probes, in full, sampled and under
# a budget (--max-overhead 5); leaktop's estimate of the CPU it added to each workload against
# the truth (the workload's CPU traced minus untraced); each goal of issue 14, met or missed,
# with its figures; and the trap kinds on malloc (tools/bench/traps.sh): entry, the return
# trampoline and an emulated jcc, for the return-site probes issue 14 asks to measure.
# Each figure is the median of ROUNDS (5) runs, the configurations interleaved round by round,
# and every ratio is computed within this one invocation. The workloads use a private copy
# of libc (a different inode), so no other tracing of the system libc touches them.
# It prints a table and appends it, with the command, kernel and CPU, to docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
rounds=${ROUNDS:-5}
pairs=${PAIRS:-300000}
frees=${FREES:-200000}
syscalls=${SYSCALLS:-200000}
py_rounds=${PY_ROUNDS:-300}
node_requests=${NODE_REQUESTS:-30000}
redis_n=${REDIS_N:-100000}
out=$top/.output/bench
mkdir -p "$out/lib"

if [[ $(id -u) != 0 ]]; then
	echo "make bench: leaktop needs root (or CAP_BPF and CAP_PERFMON)" >&2
	exit 1
fi
cc -O2 -g -fno-omit-frame-pointer -Wall -o "$out/hotloop" tools/bench/hotloop.c
cp -f "$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)" "$out/lib/libc.so.6"
export LD_LIBRARY_PATH=$out/lib

declare -A args=(
	[a]=""
	[b]="--config attach=perf --config offsets=entry --config probes=empty"
	[c]="--config probes=empty"
	[c1]="--config probes=empty-entry"
	[d0]="--config stacks=off"
	[d]="--unwind fp"
	[dc]=""
	[e]="--sample-bytes 524288"
	[nostack]="--config stacks=off"
	[fp]="--unwind fp"
	[dwarf]="--unwind dwarf"
	[all]="--all --max-overhead off" # as it was before --all had a budget: comparable rows
	[p0]="--config python=off --config pymalloc=off"
	[pf]="--config pymalloc=off"
	[pe0]="--sample-bytes 524288 --config python=off --config pymalloc=off"
	[nj]="--config javascript=off"
	[rb]="--max-overhead 5"
)
# ALLOCS summed over every table of the run just made: the allocator calls it recorded.
table_allocs() {
	awk '/^HEAP: STACKS BY/ { f = 1; next } /^HEAP: GROWTH SINCE/ { f = 0 }
		f && $1 ~ /^[0-9]+$/ && NF >= 9 { s += $5 } END { print s + 0 }' "$out/lt.table"
}
depths=(8 24 64)
configs=(a b c c1 d0 d dc e)

wait_for() { # FILE PATTERN
	for ((i = 0; i < 600; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "bench: timed out waiting for '$2' in $1" >&2
	cat "$1" >&2
	exit 1
}

cpu_ticks() { # PID: utime + stime
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# est_of PID: leaktop's estimate of the CPU seconds it added to PID, since attach, and the
# JavaScript frames its walks found, from the final report of $out/lt.json.
est_of() {
	python3 - "$out/lt.json" "$1" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
final = json.loads(lines[-1]) if lines else {"processes": [], "javascript": {}}
cost = [p["cost"] for p in final["processes"] if p["pid"] == int(sys.argv[2]) and p["cost"]]
print(cost[0]["added_cpu_s"] if cost else 0, final.get("javascript", {}).get("frames", 0))
PY
}

# run CONFIG CMD...: run the workload under the configuration (leaktop at its default
# interval); prints its figure, and "cpu_pct rss_kb" of leaktop into $out/lt.usage, the
# workload's own CPU (ns) into $out/wl.cpu, and "added_cpu_s js_frames" (leaktop's estimate)
# into $out/lt.est.
run() {
	local cfg=$1 wl lt=0 t0 t1 c0 c1 figure
	shift
	# Truncate here, not in the background child, or the last run's lines could be read.
	: >"$out/wl.out"
	: >"$out/lt.err"
	: >"$out/lt.json"
	"$@" >"$out/wl.out" 2>&1 &
	wl=$!
	wait_for "$out/wl.out" '^ready'
	if [[ $cfg != a ]]; then
		local target=(-p "$wl")
		[[ ${args[$cfg]} == *--all* ]] && target=() # the workload is one of every process
		# shellcheck disable=SC2086
		./leaktop "${target[@]}" --bytes -n 100000 --frames 127 --json "$out/lt.json" \
			${args[$cfg]} >"$out/lt.table" 2>"$out/lt.err" &
		lt=$!
		wait_for "$out/lt.err" '^leaktop: attached'
		c0=$(cpu_ticks "$lt")
	fi
	t0=$(date +%s%N)
	kill -USR1 "$wl"
	wait "$wl"
	t1=$(date +%s%N)
	figure=$(awk '/^(ns_per_op|elapsed_ns)/ { print $2 }' "$out/wl.out")
	if ((lt)); then
		c1=$(cpu_ticks "$lt")
		awk -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v ns=$((t1 - t0)) \
			-v rss="$(awk '/^VmHWM/ { print $2 }' "/proc/$lt/status")" \
			'BEGIN { printf "%.2f %d\n", 100 * c / hz / (ns / 1e9), rss }' >"$out/lt.usage"
		kill -INT "$lt"
		wait "$lt"
		est_of "$wl" >"$out/lt.est"
	else
		echo "0 0" >"$out/lt.est"
	fi
	awk '/^cpu_ns/ { print $2 }' "$out/wl.out" >"$out/wl.cpu"
	echo "$figure"
}

# The last run's workload CPU (ns), and leaktop's estimate of what it added (ns).
last_cpu() { cat "$out/wl.cpu"; }
last_est() { awk '{ printf "%.0f", $1 * 1e9 }' "$out/lt.est"; }

median() {
	tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A hot py fr deep frames sys scope node redis pyenv
# wcpu[W.CFG]: the workload's CPU (ns) in each run; est[W.CFG]: leaktop's estimate of what it
# added (ns); jsf[CFG]: the JavaScript frames node's walks found.
declare -A wcpu est jsf
# The workloads leaktop's estimate is checked on, by configuration.
est_rows=(dc e)
have_node=0
command -v node >/dev/null && have_node=1
# pyenv's python3.11, built with --enable-shared as the Docker images are: a shared libpython,
# whose PyObject_Free and PyMem_Free forward to pymalloc's free (probed there since 6dcea39).
pyenv_py=$(ls -d "${PYENV_ROOT:-/root/.pyenv}"/versions/3.11.*/bin/python3 2>/dev/null | head -1 || true)
pyenv_rounds=${PYENV_ROUNDS:-100}
have_redis=0
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null && have_redis=1

# A free TCP port on 127.0.0.1, for redis (others run tests on this machine at the same time).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The CPU time (ns) of every thread of PID.
task_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'
}

# redis_run CONFIG: a fresh redis-server on a free port, leaktop on it (but for "a"),
# redis-benchmark's SETs; prints "SET/s redis-CPU-ns leaktop-estimate-ns", the CPU and the
# estimate per REDIS_N requests. Under a budget (rb), twice as many SETs first, not timed: the
# budget acts on a load two seconds long, and the row is what it settles at.
redis_run() {
	local cfg=$1 port rp lt=0 c0 c1 rps runs=1
	port=$(free_port)
	: >"$out/redis.log"
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
		--dir "$out" --logfile "$out/redis.log" >/dev/null 2>&1 &
	rp=$!
	for ((i = 0; i < 200; i++)); do
		redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
		sleep 0.05
	done
	redis-cli -p "$port" ping 2>/dev/null | grep -q PONG ||
		{ echo "bench: redis-server did not start on port $port" >&2; cat "$out/redis.log" >&2; exit 1; }
	: >"$out/lt.json"
	if [[ $cfg != a ]]; then
		: >"$out/lt.err"
		# shellcheck disable=SC2086
		./leaktop -p "$rp" -i 600 --json "$out/lt.json" ${args[$cfg]} >"$out/lt.table" \
			2>"$out/lt.err" &
		lt=$!
		wait_for "$out/lt.err" '^leaktop: attached'
	fi
	c0=$(task_ns "$rp")
	if [[ $cfg == rb ]]; then
		redis-benchmark -p "$port" -t set -n $((2 * redis_n)) -P 8 -r 100000 -q >/dev/null 2>&1
		runs=3
	fi
	rps=$(redis-benchmark -p "$port" -t set -n "$redis_n" -P 8 -r 100000 -q 2>/dev/null |
		tr '\r' '\n' | awk '/^SET: [0-9.]+ requests per second/ { print $2 }' | tail -1)
	c1=$(task_ns "$rp")
	if ((lt)); then
		kill -INT "$lt"
		wait "$lt"
		# The budget's words on redis, for the report: at its floor, or not.
		[[ $cfg == rb ]] && { grep -m1 'probes alone cost' "$out/lt.err" || true; } >"$out/redis_rb.note"
	fi
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$rp"
	wait "$rp" 2>/dev/null || true
	[[ -n $rps ]] || { echo "bench: redis-benchmark gave no figure" >&2; exit 1; }
	awk -v r="$rps" -v c=$((c1 - c0)) -v e="$(est_of "$rp" | cut -d' ' -f1)" -v n=$runs \
		'BEGIN { printf "%s %.0f %.0f\n", r, c / n, e * 1e9 / n }'
}
cg_mount=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
echo "make bench: $rounds rounds; C hot loop of $pairs pairs, $frees free hits, python3 x$py_rounds, node x$node_requests, redis x$redis_n" >&2
for ((r = 1; r <= rounds; r++)); do
	for cfg in "${configs[@]}"; do
		hot[$cfg]+="$(run "$cfg" "$out/hotloop" pairs "$pairs") "
		wcpu[hot.$cfg]+="$(last_cpu) " est[hot.$cfg]+="$(last_est) "
		py[$cfg]+="$(run "$cfg" /usr/bin/python3 tools/bench/json_work.py "$py_rounds") "
		wcpu[py.$cfg]+="$(last_cpu) " est[py.$cfg]+="$(last_est) "
		if [[ $cfg == dc ]]; then
			# Each table lists every stack with its ALLOCS in that interval: their sum
			# over all the tables is the calls made.
			py_allocs=$(awk '/^HEAP: STACKS BY/ { f = 1; next } /^HEAP: GROWTH SINCE/ { f = 0 }
				f && $1 ~ /^[0-9]+$/ && NF >= 9 { s += $5 } END { print s }' "$out/lt.table")
			py[allocs]+="$py_allocs "
			cp "$out/lt.table" "$out/py_d.table"
		fi
	done
	for cfg in p0 pf pe0; do
		py[$cfg]+="$(run "$cfg" /usr/bin/python3 tools/bench/json_work.py "$py_rounds") "
		py[$cfg.allocs]+="$(table_allocs) "
		if [[ $cfg == pf ]]; then
			# "python: N stacks walked for Python frames, X on average"
			py[pf.frames]+="$(awk '/^python:/ { print $2 * $8 }' "$out/lt.table" | tail -1) "
		fi
	done
	for cfg in a b c; do
		fr[$cfg]+="$(run "$cfg" "$out/hotloop" free "$frees") "
	done
	for depth in "${depths[@]}"; do
		for cfg in nostack fp dwarf; do
			deep[$cfg.$depth]+="$(run "$cfg" "$out/hotloop" deep "$depth" $((pairs / 2))) "
			[[ $cfg == dwarf ]] && frames[$depth]=$(awk '/^unwind:/ { print $5 }' "$out/lt.table" | tail -1)
		done
	done
	for m in close socket mmap; do
		sys[$m.a]+="$(run a "$out/hotloop" "$m" "$syscalls") "
		sys[$m.t]+="$(run dc "$out/hotloop" "$m" "$syscalls") "
		# leaktop tracing a sleeping process; the workload is not traced.
		sleep 1000 &
		other=$!
		./leaktop -p "$other" -i 600 >/dev/null 2>"$out/other.err" &
		lt=$!
		wait_for "$out/other.err" '^leaktop: attached'
		sys[$m.o]+="$(run a "$out/hotloop" "$m" "$syscalls") "
		kill -INT "$lt"
		wait "$lt" || true
		kill "$other"
		wait "$other" 2>/dev/null || true
	done
	# Scopes. A sleeping process in a cgroup of its own, traced with --cgroup; the loop runs
	# outside it. Then the loop under --all.
	scope[a]+="$(run a "$out/hotloop" pairs "$pairs") "
	if [[ -n $cg_mount ]]; then
		cg=$cg_mount/leaktop-bench-$$
		mkdir -p "$cg"
		sh -c 'echo $$ > "$1/cgroup.procs" && exec sleep 1000' sh "$cg" &
		inside=$!
		./leaktop --cgroup "$cg" -i 600 >/dev/null 2>"$out/scope.err" &
		lt=$!
		wait_for "$out/scope.err" '^leaktop: attached'
		scope[outside]+="$(run a "$out/hotloop" pairs "$pairs") "
		kill -INT "$lt"
		wait "$lt" || true
		kill "$inside"
		wait "$inside" 2>/dev/null || true
		rmdir "$cg"
	fi
	scope[all]+="$(run all "$out/hotloop" pairs "$pairs") "
	# pyenv's python3.11 (shared libpython): untraced, in full, sampled.
	for cfg in a dc e; do
		[[ -n $pyenv_py ]] || break
		pyenv[$cfg]+="$(run "$cfg" "$pyenv_py" tools/bench/json_work.py "$pyenv_rounds") "
	done
	# node: untraced, its floors (empty probes: both halves, the entry alone), in full, sampled,
	# and without JavaScript frames.
	for cfg in a c c1 dc e nj; do
		((have_node)) || break
		node[$cfg]+="$(run "$cfg" node tools/bench/node_service.js "$node_requests") "
		wcpu[node.$cfg]+="$(last_cpu) " est[node.$cfg]+="$(last_est) "
		jsf[$cfg]+="$(awk '{ print $2 }' "$out/lt.est") "
	done
	# redis: untraced, empty probes, in full, sampled, under a budget.
	for cfg in a c dc e rb; do
		((have_redis)) || break
		read -r rps rcpu rest < <(redis_run "$cfg")
		redis[$cfg]+="$rps " wcpu[redis.$cfg]+="$rcpu " est[redis.$cfg]+="$rest "
	done
	echo "  round $r of $rounds done" >&2
done

# leaktop's own CPU and memory while it tracks a busy target: a hot loop of about ten
# seconds, tables every second.
busy() { # ARGS...: prints "cpu% rss_kb"
	local lt_args=("$@")
	args[busy]="-i 1 ${lt_args[*]}"
	run busy "$out/hotloop" pairs $((pairs * 15)) >/dev/null
	cat "$out/lt.usage"
}
busy_d=$(busy)
busy_e=$(busy --sample-bytes 524288)

# leaktop_idle NAME ARGS...: leaktop's own CPU (% of a core) and peak RSS (KiB) over 20 s at
# -i 1, with its table in $out/NAME.table; sets COST_CPU and COST_RSS.
leaktop_idle() {
	local name=$1 lt c0 c1
	shift
	./leaktop "$@" -i 1 >"$out/$name.table" 2>"$out/$name.err" &
	lt=$!
	wait_for "$out/$name.err" '^leaktop: attached'
	c0=$(cpu_ticks "$lt")
	sleep 20
	c1=$(cpu_ticks "$lt")
	COST_RSS=$(awk '/^VmHWM/ { print $2 }' "/proc/$lt/status")
	kill -INT "$lt"
	wait "$lt" || true
	COST_CPU=$(awk -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", 100 * c / hz / 20 }')
}

# Idle: against a process that does nothing.
sleep 1000 &
idle=$!
leaktop_idle idle -p "$idle"
idle_cpu=$COST_CPU idle_rss=$COST_RSS
kill "$idle"

# leaktop --all on this host, idle but for itself.
leaktop_idle all_idle --all --bytes
all_cpu=$COST_CPU all_rss=$COST_RSS
all_foot=$(grep '^leaktop: .* of a core' "$out/all_idle.table" | tail -1)
all_bpf=$(sed -n 's/.*BPF maps \([0-9]*\);.*/\1/p' <<<"$all_foot")
all_procs=$(sed -n 's/.*; \([0-9]*\) processes in scope.*/\1/p' <<<"$all_foot")
all_files=$(sed -n 's/.*, \([0-9]*\) allocator files probed.*/\1/p' <<<"$all_foot")
[[ -n $all_bpf && -n $all_procs && -n $all_files ]] ||
	{ echo "bench: cannot read leaktop --all's footer: '$all_foot'" >&2; exit 1; }

declare -A H P F
for cfg in "${configs[@]}"; do
	H[$cfg]=$(median <<<"${hot[$cfg]}")
	P[$cfg]=$(median <<<"${py[$cfg]}")
done
for cfg in a b c; do
	F[$cfg]=$(median <<<"${fr[$cfg]}")
done
py_pairs=$(median <<<"${py[allocs]}")
for cfg in p0 pf pe0 pf.frames p0.allocs pf.allocs; do
	P[$cfg]=$(median <<<"${py[$cfg]}")
done
python_report=$(awk -v a="${P[a]}" -v p0="${P[p0]}" -v pf="${P[pf]}" -v dc="${P[dc]}" \
	-v pe0="${P[pe0]}" -v e="${P[e]}" -v frames="${P[pf.frames]}" -v c0="${P[p0.allocs]}" \
	-v cf="${P[pf.allocs]}" -v cdc="$py_pairs" '
	function row(name, what, t) { printf "| %s | %s | %.2f s | %.2fx |\n", name, what, t / 1e9, t / a }
	BEGIN {
		print "| row | python3 (issue 12) | time | slowdown |"
		print "|---|---|---|---|"
		row("a", "untraced", a)
		row("p0", "full, no Python frames, no pymalloc (before issue 12)", p0)
		row("pf", "full, Python frames, no pymalloc", pf)
		row("dc", "full, Python frames and pymalloc (the default)", dc)
		row("pe0", "sampled, no Python frames, no pymalloc (before)", pe0)
		row("e", "sampled, Python frames and pymalloc (the default)", e)
		printf "\n"
		printf "Python frames: %d walked in row pf; %.0f ns per Python frame ((pf - p0) / frames)\n", frames, frames ? (pf - p0) / frames : 0
		printf "pymalloc: %d allocator calls recorded in row dc against %d in pf: %.0f ns per added call ((dc - pf) / calls)\n", cdc, cf, (cdc > cf ? (dc - pf) / (cdc - cf) : 0)
		printf "against before: full %.2fx, sampled %.2fx (target: at most 1.5x; frames alone: %.2fx)\n", dc / p0, e / pe0, pf / p0
	}')
scope_report=$(
	sa=$(median <<<"${scope[a]}") so=$(median <<<"${scope[outside]}") sl=$(median <<<"${scope[all]}")
	echo "| C loop, ns per malloc+free pair | untraced | outside a --cgroup scope | under --all |"
	echo "|---|---|---|---|"
	awk -v a="$sa" -v o="$so" -v l="$sl" \
		'BEGIN { printf "| hotloop pairs | %.0f | %.0f (%+.0f) | %.0f (%+.0f) |\n", a, o, o - a, l, l - a }'
	echo
	awk -v c="$all_cpu" -v r="$all_rss" -v b="$all_bpf" -v p="$all_procs" -v f="$all_files" 'BEGIN {
		printf "leaktop --all, idle host, -i 1 for 20 s: %s%% of a core, peak RSS %.1f MiB, BPF maps %.1f MiB; %d processes in scope, %d allocator files probed\n", c, r / 1024, b / 1048576, p, f }'
)
sys_report=$(
	echo "| syscalls (ns per op) | untraced | another process traced | traced, CFI stacks |"
	echo "|---|---|---|---|"
	for m in close socket mmap; do
		a=$(median <<<"${sys[$m.a]}") o=$(median <<<"${sys[$m.o]}") t=$(median <<<"${sys[$m.t]}")
		case $m in
		close) what="close(-1)" ;;
		socket) what="socket + close" ;;
		mmap) what="mmap + munmap, 1 page" ;;
		esac
		awk -v w="$what" -v a="$a" -v o="$o" -v t="$t" \
			'BEGIN { printf "| %s | %.0f | %.0f (+%.0f) | %.0f (+%.0f) |\n", w, a, o, o - a, t, t - a }'
	done
)

# Stack walks by depth: each walk's cost over the no-stack run, fitted to a + b * frames.
walks=""
for depth in "${depths[@]}"; do
	ns=$(median <<<"${deep[nostack.$depth]}")
	nf=$(median <<<"${deep[fp.$depth]}")
	nd=$(median <<<"${deep[dwarf.$depth]}")
	walks+="${frames[$depth]} $ns $nf $nd"$'\n'
done
walk_report=$(awk '
	NF == 4 { n++; f[n] = $1; fp[n] = $3 - $2; dw[n] = $4 - $2 }
	function fit(y, name,    i, sx, sy, sxx, sxy, b, a) {
		for (i = 1; i <= n; i++) { sx += f[i]; sy += y[i]; sxx += f[i] * f[i]; sxy += f[i] * y[i] }
		b = (n * sxy - sx * sy) / (n * sxx - sx * sx); a = (sy - b * sx) / n
		printf "%s stacks: %.0f ns per frame + %.0f ns fixed (least squares over %d depths)\n", name, b, a, n
	}
	END {
		print "| frames | frame-pointer walk, ns | CFI walk, ns |"
		print "|---|---|---|"
		for (i = 1; i <= n; i++) printf "| %d | %.0f | %.0f |\n", f[i], fp[i], dw[i]
		print ""
		fit(fp, "frame-pointer"); fit(dw, "CFI")
		print "target for CFI: at most 120 ns per frame + 300 ns fixed"
	}' <<<"$walks")
# The CFI fit alone, "per-frame fixed", for issue 14's goal.
cfi_fit=$(awk 'NF == 4 { n++; x = $1; y = $4 - $2; sx += x; sy += y; sxx += x * x; sxy += x * y }
	END { b = (n * sxy - sx * sy) / (n * sxx - sx * sx); printf "%.0f %.0f\n", b, (sy - b * sx) / n }' \
	<<<"$walks")

# node (issue 14): the service loop's time in each configuration, and what a JavaScript frame
# costs: the full row less the one without JavaScript frames, over the frames found.
declare -A N
if ((have_node)); then
	for cfg in a c c1 dc e nj; do
		N[$cfg]=$(median <<<"${node[$cfg]}")
	done
	N[frames]=$(median <<<"${jsf[dc]}")
	node_report=$(awk -v a="${N[a]}" -v c="${N[c]}" -v c1="${N[c1]}" -v d="${N[dc]}" -v e="${N[e]}" -v j="${N[nj]}" \
		-v fr="${N[frames]}" -v req="$node_requests" '
		function row(name, what, t) { printf "| %s | %s | %.2f s | %.2fx |\n", name, what, t / 1e9, t / a }
		BEGIN {
			printf "| row | node service loop (%d requests) | time | slowdown |\n", req
			print "|---|---|---|---|"
			row("a", "untraced", a)
			row("c", "empty probes at leaktop'"'"'s offsets (the floor of full tracking)", c)
			row("c1", "the same, entry alone (the floor of a sampled trace)", c1)
			row("dc", "full tracking (the default)", d)
			row("e", "--sample-bytes 524288", e)
			row("nj", "full, --config javascript=off", j)
			printf "\nJavaScript frames: %d found in row dc; %.0f ns per JavaScript frame ((dc - nj) / frames)\n",
				fr, fr ? (d - j) / fr : 0
		}')
else
	node_report="node: not installed, so the node rows did not run (node 20 is what leaktop's JavaScript frames know)"
fi

# pyenv's python3.11, a shared libpython.
if [[ -n $pyenv_py ]]; then
	pyenv_report=$(awk -v a="$(median <<<"${pyenv[a]}")" -v d="$(median <<<"${pyenv[dc]}")" \
		-v e="$(median <<<"${pyenv[e]}")" -v n="$pyenv_rounds" -v py="$pyenv_py" '
		function row(name, what, t) { printf "| %s | %s | %.2f s | %.2fx |\n", name, what, t / 1e9, t / a }
		BEGIN {
			printf "| row | %s (shared libpython), json_work.py x%d | time | slowdown |\n", py, n
			print "|---|---|---|---|"
			row("a", "untraced", a)
			row("dc", "full tracking (the default)", d)
			row("e", "--sample-bytes 524288", e)
		}')
else
	pyenv_report="pyenv's python3.11: not installed, so its rows did not run"
fi

# redis (issue 14): SET/s in each configuration.
declare -A R
if ((have_redis)); then
	for cfg in a c dc e rb; do
		R[$cfg]=$(median <<<"${redis[$cfg]}")
	done
	redis_report=$(awk -v a="${R[a]}" -v c="${R[c]}" -v d="${R[dc]}" -v e="${R[e]}" -v b="${R[rb]}" \
		-v n="$redis_n" -v v="$(redis-server --version | awk '{ print $3 }')" '
		function row(name, what, r) { printf "| %s | %s | %.0f | %.2fx |\n", name, what, r, a / r }
		BEGIN {
			printf "| row | redis-server %s, redis-benchmark -t set -P 8 -n %d | SET/s | slowdown |\n", substr(v, 3), n
			print "|---|---|---|---|"
			row("a", "untraced", a)
			row("c", "empty probes at leaktop'"'"'s offsets", c)
			row("dc", "full tracking (the default)", d)
			row("e", "--sample-bytes 524288", e)
			row("rb", "--max-overhead 5 (after 2 x REDIS_N SETs, not timed)", b)
		}')
	[[ -s $out/redis_rb.note ]] &&
		redis_report+=$'\n\n'"Under --max-overhead 5: $(sed 's/^leaktop: warning: //' "$out/redis_rb.note")"
else
	redis_report="redis: redis-server or redis-benchmark missing, so the redis rows did not run (make deps installs them)"
fi

# leaktop's estimate of the CPU it added, against the truth: the workload's CPU traced less
# untraced (medians), per workload and configuration (redis: per REDIS_N SETs).
est_report=$(
	echo "| workload | row | measured added CPU | leaktop's estimate | estimate / measured | within ±30% |"
	echo "|---|---|---|---|---|---|"
	for w in hot py node redis; do
		rows=("${est_rows[@]}")
		case $w in
		hot) what="C hot loop" ;;
		py) what=python3 ;;
		node) what="node service loop"; ((have_node)) || continue ;;
		redis) what="redis-server"; rows+=(rb); ((have_redis)) || continue ;;
		esac
		base=$(median <<<"${wcpu[$w.a]}")
		for cfg in "${rows[@]}"; do
			awk -v w="$what" -v c="$cfg" -v t="$(median <<<"${wcpu[$w.$cfg]}")" -v b="$base" \
				-v e="$(median <<<"${est[$w.$cfg]}")" 'BEGIN {
				m = t - b; r = m > 0 ? e / m : 0
				printf "| %s | %s | %.3f s | %.3f s | %.2f | %s |\n", w, c, m / 1e9, e / 1e9, r,
					(r >= 0.7 && r <= 1.3) ? "yes" : "no"
			}'
		done
	done
)

# Issue 14's goals, each met or missed, with its figures.
goals_report=$(
	echo "Issue 14 goals:"
	awk -v ha="${H[a]}" -v hc="${H[c]}" -v hd="${H[dc]}" -v he="${H[e]}" -v hc1="${H[c1]}" \
		-v fit="$cfi_fit" 'BEGIN {
		split(fit, f, " ")
		r = hd / hc
		printf "- full tracking <= 1.3x empty probes at leaktop'"'"'s offsets (hot loop): %.0f / %.0f ns = %.2fx: %s\n",
			hd, hc, r, r <= 1.3 ? "met" : "missed"
		t = hc1 - ha
		printf "- sampled <= 1.1x one trap per call (hot loop, two calls a pair): (e-a) %.0f ns vs 1.1 x (c1-a) %.0f ns (empty programs, entry alone) = %.0f ns: %.2fx: %s\n",
			he - ha, t, 1.1 * t, (he - ha) / t, he - ha <= 1.1 * t ? "met" : "missed"
		printf "- CFI walk <= 150 ns fixed + 40 ns per frame: %.0f ns fixed + %.0f ns per frame: %s\n",
			f[2], f[1], f[2] <= 150 && f[1] <= 40 ? "met" : "missed"
	}'
	if ((have_node)); then
		awk -v a="${N[a]}" -v d="${N[dc]}" -v c="${N[c]}" 'BEGIN {
			printf "- node <= 3x untraced in full mode: %.2fx (its floor, empty probes, alone %.2fx): %s\n", d / a, c / a, d / a <= 3 ? "met" : "missed" }'
	else
		echo "- node <= 3x untraced in full mode: not measured (node missing)"
	fi
	awk -F'|' 'NR > 2 { n++; if ($7 ~ /yes/) k++; else miss = miss " " $2 $3 }
		END { printf "- leaktop'"'"'s estimate within ±30%% of the measured added CPU: %d of %d rows%s: %s\n",
			k, n, miss ? " (missed:" miss ")" : "", k == n ? "met" : "missed" }' <<<"$est_report"
)

# Issue 14's "fewer traps" direction: the trap kinds on the hot loop's malloc (plain tracefs
# probes, nothing recorded), and what a probe at a return path's emulated jcc would save or add.
traps_report=$(
	echo "Trap kinds on malloc (tools/bench/traps.sh: tracefs probes, tracing off, hot loop):"
	tools/bench/traps.sh "$out/lib/libc.so.6" "$out/hotloop" "$pairs" "$rounds"
)

# Depth distribution of python3's CFI stacks (row dc), weighted by the allocations made.
depth_report=$(awk '
	/^HEAP: STACKS BY/ { f = 1; next }
	/^HEAP: GROWTH SINCE/ { if (f && rows) { d[bucket(nfr)] += w } f = 0; rows = 0 }
	function bucket(k) { return k <= 8 ? "1-8" : k <= 16 ? "9-16" : k <= 32 ? "17-32" : k <= 64 ? "33-64" : "65-127" }
	f && $1 ~ /^[0-9]+$/ && NF >= 9 { if (rows) d[bucket(nfr)] += w; rows++; w = $5; nfr = 1; next }
	f && rows && length($0) > 94 && substr($0, 1, 94) ~ /^ +$/ { nfr++ }
	/^unwind:/ { u = $0 }
	END {
		total = d["1-8"] + d["9-16"] + d["17-32"] + d["33-64"] + d["65-127"]
		printf "python3 CFI stack depths, weighted by allocations:"
		split("1-8 9-16 17-32 33-64 65-127", b, " ")
		for (i = 1; i <= 5; i++) printf " %s: %.1f%%", b[i], total ? 100 * d[b[i]] / total : 0
		printf "\npython3 %s\n", u
	}' "$out/py_d.table")
usage() { # "cpu rss" -> words
	awk '{ printf "%s%% of a core, peak RSS %.1f MiB", $1, $2 / 1024 }' <<<"$1"
}
ud=$(usage "$busy_d")
ue=$(usage "$busy_e")

report=$(
	awk -v ha="${H[a]}" -v hb="${H[b]}" -v hc="${H[c]}" -v hd0="${H[d0]}" -v hd="${H[d]}" -v he="${H[e]}" \
		-v pa="${P[a]}" -v pb="${P[b]}" -v pc="${P[c]}" -v pd0="${P[d0]}" -v pd="${P[d]}" -v pe="${P[e]}" \
		-v hc1="${H[c1]}" -v pc1="${P[c1]}" \
		-v hdc="${H[dc]}" -v pdc="${P[dc]}" \
		-v np="$py_pairs" -v fa="${F[a]}" -v fb="${F[b]}" -v fc="${F[c]}" \
		-v ud="$ud" -v ue="$ue" -v idle="$idle_cpu" -v idle_rss="$idle_rss" '
	function row(name, what, h, p) {
		printf "| %s | %s | %.0f | %.0f | %.2f s | %.2fx | %.0f |\n", name, what, h, h - ha, p / 1e9, p / pa, (p - pa) / np
	}
	BEGIN {
		print "| row | configuration | C ns/pair | C added ns/pair | python3 time | python3 slowdown | python3 added ns/call |"
		print "|---|---|---|---|---|---|---|"
		row("a", "untraced", ha, pa)
		row("b", "naive floor: empty, +0, uprobe+uretprobe", hb, pb)
		row("c", "floor: empty, planned offsets, session", hc, pc)
		row("c1", "one trap per call: the same, entry alone", hc1, pc1)
		row("d0", "tracking, no stack walk", hd0, pd0)
		row("d", "full tracking, frame-pointer stacks", hd, pd)
		row("dc", "full tracking, CFI stacks (the default)", hdc, pdc)
		row("e", "--sample-bytes 524288", he, pe)
		printf "\n"
		printf "free, per probe hit: naive +0 %.0f ns, planned +3 %.0f ns: %.1fx cheaper (target >= 10x)\n", fb - fa, fc - fa, (fb - fa) / (fc - fa)
		printf "split of full tracking on the C loop: probes %.0f ns, maps %.0f ns, stack %.0f ns\n", hc - ha, hd0 - hc, hd - hd0
		printf "(d-a) = %.0f ns vs 1.5 x (c-a) + stack = %.0f ns (target: at most)\n", hd - ha, 1.5 * (hc - ha) + (hd - hd0)
		printf "(e-a) = %.0f ns vs 1.2 x (c-a) = %.0f ns (target: at most)\n", he - ha, 1.2 * (hc - ha)
		printf "python3: %d allocator calls per run (counted by row dc)\n", np
		printf "leaktop itself while tracking the C loop for ~10 s, -i 1: full tracking %s; sampled %s\n", ud, ue
		printf "leaktop itself with the target idle, -i 1 for 20 s: %s%% of a core, peak RSS %.1f MiB (target < 1%%)\n", idle, idle_rss / 1024
	}'
	echo
	echo "$walk_report"
	echo
	echo "$depth_report"
	echo
	echo "$python_report"
	echo
	echo "$sys_report"
	echo
	echo "$scope_report"
	echo
	echo "$node_report"
	echo
	echo "$pyenv_report"
	echo
	echo "$redis_report"
	echo
	echo "$est_report"
	echo
	echo "$goals_report"
	echo
	echo "$traps_report"
)

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo
	echo "## $(date -u +%Y-%m-%d) $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo
	echo "Command: \`make bench\` (ROUNDS=$rounds PAIRS=$pairs FREES=$frees PY_ROUNDS=$py_rounds SYSCALLS=$syscalls NODE_REQUESTS=$node_requests REDIS_N=$redis_n)."
	echo "Kernel $(uname -r), $cpu, $(nproc) CPUs. Medians of $rounds interleaved runs."
	echo
	echo "$report"
} | tee -a docs/BENCHMARKS.md
