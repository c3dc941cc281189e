#!/usr/bin/env bash
# Each bad input gives a clear one-line error and a non-zero exit, and leaves nothing
# attached or loaded behind.
. "$(dirname "$0")/lib.sh"
require_root

# expect_error NAME WANT_RC PATTERN CMD...: run CMD, check its exit code and its one line.
expect_error() {
	local name=$1 want_rc=$2 pattern=$3 rc lines
	shift 3
	"$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	rc=$?
	[[ $rc == "$want_rc" ]] || fail "$name: exit $rc, want $want_rc: $(cat "$WORK/$name.err")"
	grep -q -- "$pattern" "$WORK/$name.err" ||
		fail "$name: stderr lacks '$pattern': $(cat "$WORK/$name.err")"
	lines=$(grep -c . "$WORK/$name.err")
	[[ $lines == 1 ]] || fail "$name: $lines lines of errors, want one: $(cat "$WORK/$name.err")"
	[[ ! -s $WORK/$name.out ]] || fail "$name: wrote to stdout: $(cat "$WORK/$name.out")"
	assert_eq "$(leaktop_progs_loaded)" 0 "$name: nothing left loaded"
	pass "$name: $(cat "$WORK/$name.err")"
}

start_leaker leaker 10
"$BIN/nolibc" &
nolibc=$!
PIDS+=("$nolibc")

# A pid that is not in use: the highest one not in /proc.
gone=$(($(cat /proc/sys/kernel/pid_max) - 1))
while [[ -e /proc/$gone ]]; do gone=$((gone - 1)); done

expect_error no_such_pid 1 "no such process: $gone" "$LEAKTOP" -p "$gone"
expect_error kernel_thread 1 'pid 2 (kthreadd) is a kernel thread' "$LEAKTOP" -p 2
expect_error no_allocator 1 "no allocator found in pid $nolibc (nolibc)" "$LEAKTOP" -p "$nolibc"
# One good pid beside a bad one: still nothing attached to the good one.
expect_error mixed_pids 1 "no allocator found in pid $nolibc" \
	"$LEAKTOP" -p "$LEAKER_PID,$nolibc"
expect_error bad_interval 2 "bad interval '0'" "$LEAKTOP" -p "$LEAKER_PID" -i 0
expect_error bad_top 2 "bad --top 'many'" "$LEAKTOP" -p "$LEAKER_PID" -n many
expect_error bad_pid 2 "bad pid 'self'" "$LEAKTOP" -p self
expect_error no_target 2 'nothing to trace' "$LEAKTOP"
expect_error bad_fail_on 2 "bad --fail-on 'never' (growing or leak)" "$LEAKTOP" -p 1 --fail-on never
expect_error bad_prometheus_port 2 "bad --prometheus 'localhost:web'" \
	"$LEAKTOP" -p 1 --prometheus localhost:web
expect_error diff_usage 2 'want two files' "$LEAKTOP" diff only-one.folded
expect_error diff_missing_file 1 'cannot read /nonexistent/a.folded' \
	"$LEAKTOP" diff /nonexistent/a.folded /nonexistent/b.folded
expect_error unknown_option 2 "unknown option '--frobnicate'" "$LEAKTOP" -p 1 --frobnicate
expect_error command_and_scope 2 'give one of -p, --all, --cgroup, --container and -- COMMAND' \
	"$LEAKTOP" --all -- true
expect_error dashdash_alone 2 "'--' needs a command to run after it" "$LEAKTOP" -i 1 --
expect_error command_no_dashdash 2 "unexpected argument 'true' (to run a command: leaktop" \
	"$LEAKTOP" -i 1 true
expect_error links_pid_all 2 '--config links=pid is for --cgroup and --container' \
	"$LEAKTOP" --all --config links=pid
expect_error links_with_p 2 '--config links= is for --all, --cgroup' \
	"$LEAKTOP" -p 1 --config links=shared
expect_error per_call_no_function 1 "--per-call: $BIN/leaker has no function no_such_fn" \
	"$LEAKTOP" -p "$LEAKER_PID" --per-call leaker:no_such_fn
expect_error per_call_not_mapped 1 '--per-call: no traced process maps libnothere.so' \
	"$LEAKTOP" -p "$LEAKER_PID" --per-call libnothere.so:f
expect_error json_unwritable 1 'cannot write /nonexistent/x.json: No such file or directory' \
	"$LEAKTOP" -p "$LEAKER_PID" --json /nonexistent/x.json

# Not root: an unprivileged user without capabilities.
expect_error not_root 1 'permission denied: leaktop needs root, or CAP_BPF and CAP_PERFMON' \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$LEAKTOP" -p "$LEAKER_PID"

# A kernel without BTF: hide it in a private mount namespace.
expect_error no_btf 1 'no usable BTF' \
	unshare -m sh -c "mount --bind /dev/null /sys/kernel/btf/vmlinux && exec $LEAKTOP -p $LEAKER_PID"

# The leaker is untouched by all of this: it still runs.
kill -0 "$LEAKER_PID" || fail "the leaker died"
