#!/usr/bin/env bash
# make soak: leaktop traces a target that keeps 1,000,000 blocks live and replaces 100,000 of
# them a second, for SOAK_MINUTES (60). Every minute it records leaktop's RSS and CPU time.
# It asserts that leaktop's RSS stays within +-2 MiB after the first 5 minutes (SOAK_SETTLE),
# that the target's own check of every live block's contents passes, and that the final
# report holds exactly the target's live blocks under the function that made them. The run is
# appended to docs/SOAK.md with the command that reproduces it.
#   SOAK_MINUTES=60 SOAK_LIVE=1000000 SOAK_RATE=100000 make soak
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
minutes=${SOAK_MINUTES:-60}
settle=${SOAK_SETTLE:-5}
live=${SOAK_LIVE:-1000000}
rate=${SOAK_RATE:-100000}
out=$top/.output/soak
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown) # the build the run starts with
mkdir -p "$out"
[[ $(id -u) == 0 ]] || { echo "make soak: leaktop needs root" >&2; exit 1; }
cc -O2 -g -Wall -o "$out/soaker" tools/soak/soaker.c

"$out/soaker" "$live" "$rate" >"$out/soaker.out" 2>&1 &
target=$!
for _ in $(seq 100); do grep -q '^started' "$out/soaker.out" && break; sleep 0.1; done
# Room for every live block, twice over: nothing is dropped.
./leaktop -p "$target" -i 10 --quiet --max-tracked $((live * 2)) --json "$out/soak.json" \
	2>"$out/leaktop.err" &
lt=$!
for _ in $(seq 600); do grep -q '^leaktop: attached' "$out/leaktop.err" && break; sleep 0.1; done
grep -q '^leaktop: attached' "$out/leaktop.err" || { cat "$out/leaktop.err"; kill $target $lt; exit 1; }
# Its blocks are allocated once leaktop is attached: every one is seen.
kill -USR2 $target
for _ in $(seq 600); do grep -q '^ready' "$out/soaker.out" && break; sleep 0.1; done
grep -q '^ready' "$out/soaker.out" || { echo "soaker did not allocate" >&2; kill $target $lt; exit 1; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_s() { awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$1/stat"; }
: >"$out/minutes"
for m in $(seq 1 "$minutes"); do
	sleep 60
	kill -0 $lt 2>/dev/null || { echo "leaktop exited early:"; cat "$out/leaktop.err"; exit 1; }
	echo "$m $(rss_kb $lt) $(cpu_s $lt) $(rss_kb $target)" | tee -a "$out/minutes"
done
# The target stops replacing blocks, so the final report sees exactly its live blocks (a
# replacement in flight, freed and not yet allocated again, would be one short).
kill -USR1 $target
for _ in $(seq 100); do grep -q '^paused' "$out/soaker.out" && break; sleep 0.1; done
sleep 11 # one more interval, so the last sample is after the pause too
kill -INT $lt
rc=0
wait $lt || rc=$?
kill -TERM $target
wait $target || true
check=$(grep '^checksum' "$out/soaker.out" || echo "checksum missing")
held=$(python3 - "$out/soak.json" <<'PY'
import json, sys
last = None
for line in open(sys.argv[1]):
    if line.strip():
        last = line
final = json.loads(last)
print(sum(s["count"] for s in final["stacks"] if s["kind"] == "heap" and
          any(f["function"] == "fill" for f in s["frames"])))
PY
)
verdict=$(awk -v settle="$settle" '$1 > settle { if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2 }
	END { printf "%d %d %d", min, max, max - min }' "$out/minutes")
read -r min max spread <<<"$verdict"
ok=1
((rc == 0)) || { echo "FAIL: leaktop exited $rc"; ok=0; }
((spread <= 2048)) || { echo "FAIL: leaktop's RSS moved $spread KiB after minute $settle"; ok=0; }
[[ $check == "checksum ok"* ]] || { echo "FAIL: the target's blocks: $check"; ok=0; }
((held == live)) || { echo "FAIL: the final report holds $held blocks under fill, want $live"; ok=0; }
{
	echo
	echo "## $(date -u +%F) $rev"
	echo
	echo "\`SOAK_MINUTES=$minutes SOAK_LIVE=$live SOAK_RATE=$rate make soak\` on $(uname -r),"
	echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores."
	echo
	echo "Result: $([[ $ok == 1 ]] && echo passed || echo FAILED). leaktop's RSS after minute $settle: $min-$max KiB (spread $spread KiB, limit 2048);"
	echo "target: $check; final report: $held blocks under \`fill\` (want $live); leaktop's exit status $rc."
	echo
	echo "| minute | leaktop RSS (KiB) | leaktop CPU (s, cumulative) | target RSS (KiB) |"
	echo "|---|---|---|---|"
	awk '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$out/minutes"
} >>docs/SOAK.md
echo "soak: RSS spread $spread KiB after minute $settle; $check; $held blocks held"
((ok == 1))
