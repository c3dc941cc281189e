#!/usr/bin/env bash
# A/B of two leaktop builds on the C hot loop under full tracking, runs interleaved:
#   [DEPTHS="0 24"] tools/bench/ab.sh OLD_LEAKTOP NEW_LEAKTOP [ROUNDS]
# Prints, per build and stack depth (DEPTHS: frames added below the loop; the loop as is, and
# 24 frames deeper, by default), each run's
# ns per malloc+free pair and the BPF run time per pair (kernel.bpf_stats_enabled, the
# programs alloc_session and free_enter), then their medians.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 OLD_LEAKTOP NEW_LEAKTOP [ROUNDS]" >&2; exit 2; }
old=$(readlink -f "$1") new=$(readlink -f "$2") rounds=${3:-5}
cd "$(dirname "$0")/../.."
out=.output/bench/ab
mkdir -p "$out/lib"
cc -O2 -g -fno-omit-frame-pointer -o "$out/hotloop" tools/bench/hotloop.c
cp -f "$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)" "$out/lib/libc.so.6"
export LD_LIBRARY_PATH=$out/lib
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$stats_was' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

bpf_ns() {
	bpftool -j prog show | python3 -c 'import json, sys
print(sum(p.get("run_time_ns", 0) for p in json.load(sys.stdin)
          if p.get("name") in ("alloc_session", "free_enter")))'
}
wait_line() { # FILE PATTERN
	for ((i = 0; i < 600; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	echo "ab: no '$2' in $1" >&2
	exit 1
}
run() { # LEAKTOP DEPTH: "ns_per_pair bpf_ns_per_pair"
	local lt wl b a n=300000 args=(pairs 300000)
	((${2} > 0)) && n=150000 args=(deep "$2" 150000)
	: >"$out/wl.out"
	: >"$out/lt.err"
	"$out/hotloop" "${args[@]}" >"$out/wl.out" 2>&1 &
	wl=$!
	wait_line "$out/wl.out" ready
	"$1" -p "$wl" --bytes -n 10 >/dev/null 2>"$out/lt.err" &
	lt=$!
	wait_line "$out/lt.err" '^leaktop: attached'
	b=$(bpf_ns)
	kill -USR1 "$wl"
	wait "$wl"
	a=$(bpf_ns)
	kill -INT "$lt"
	wait "$lt"
	echo "$(awk '/^ns_per_op/ { print $2 }' "$out/wl.out") $(((a - b) / n))"
}
for depth in ${DEPTHS:-0 24}; do
	for ((r = 0; r < rounds; r++)); do
		echo "depth+$depth old $(run "$old" $depth)"
		echo "depth+$depth new $(run "$new" $depth)"
	done
done >"$out/runs"
python3 - "$out/runs" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    depth, build, ns, bpf = line.split()
    rows.setdefault((depth, build), []).append((float(ns), float(bpf)))
for (depth, build), v in sorted(rows.items()):
    print("%s %s: ns/pair %s (median %.0f); BPF ns/pair %s (median %.0f)" % (
        depth, build, " ".join("%.0f" % x for x, _ in v), statistics.median(x for x, _ in v),
        " ".join("%.0f" % y for _, y in v), statistics.median(y for _, y in v)))
PY
