#!/usr/bin/env bash
# make demo: start the bundled leaky service, trace it with leaktop for DEMO_SECONDS (15) with
# the live table, then write a flame graph, a pprof profile and folded stacks of what it still
# holds.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${DEMO_SECONDS:-15}
out=${DEMO_OUT:-demo}
mkdir -p .output/demo
# Built as distributions build: -O2, no frame pointers. leaktop walks it by its CFI.
${CC:-gcc} -O2 -g -o .output/demo/leaky_service tools/demo/leaky_service.c

if [[ $(id -u) != 0 ]]; then
	echo "make demo: leaktop needs root (or CAP_BPF and CAP_PERFMON); run it as root" >&2
	exit 1
fi

.output/demo/leaky_service >/dev/null &
svc=$!
trap 'kill $svc 2>/dev/null; wait $svc 2>/dev/null || true' EXIT
sleep 0.5

echo "== leaktop -p $svc -d $seconds -i 2 --per-call leaky_service:handle_event --svg $out.svg --pprof $out.pb.gz --folded $out.folded"
./leaktop -p "$svc" -d "$seconds" -i 2 -n 5 --frames 6 --per-call leaky_service:handle_event \
	--svg "$out.svg" --pprof "$out.pb.gz" --folded "$out.folded"

echo
echo "== $out.folded: outstanding bytes per stack, heaviest first"
sort -t' ' -k2 -nr "$out.folded" | head -5
echo
echo "Open $out.svg in a browser: click to zoom, Ctrl-F to search."
echo "go tool pprof -top $out.pb.gz reads the profile; docs/PROFILES.md shows other viewers."
