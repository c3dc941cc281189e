#!/usr/bin/env bash
# No false alarm on a warm-up: a service whose heap and RSS rise by a few MB over its first
# seconds (a cache filled, pages of a preallocated arena touched), then stay flat, is neither
# a leak nor "RSS grows" in the final report: its stack is steady and its RSS verdict is
# steady. A leaker traced beside it, in the same session, is still a leak, named.
# Before the verdicts needed the rise to go on to the end of the window, the warm-up's stack
# was "growing" and its process "RSS grows ... while the tracked heap is flat".
. "$(dirname "$0")/lib.sh"
require_root

LEAKER=$BIN/growth start_leaker warm warmup
wpid=$LEAKER_PID
LEAKER=$BIN/growth start_leaker leak steady
lpid=$LEAKER_PID
start_leaktop lt -p "$wpid,$lpid" -i 0.5 --bytes --json "$WORK/lt.json"
# The first report before the warm-up starts: the samples see all of it.
wait_for "$WORK/lt.json" '"type":"interval"' 20 || fail "no first report"
t0=$(date +%s%N)
kill -USR1 "$wpid" "$lpid"
wait_for "$WORK/warm.out" '^warm ' 30 || fail "the warm-up did not end"
ramp_ms=$((($(date +%s%N) - t0) / 1000000))
# Flat for longer than the warm-up took: the warm-up ends in the first half of the trace.
sleep "$(awk -v m="$ramp_ms" 'BEGIN { printf "%.3f", (m + 1500) / 1000 }')"
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status"
json=$WORK/lt.json table=$WORK/lt.table
ltjson "$json" validate >/dev/null
rounds=$(awk '/^warm / { print $2 }' "$WORK/warm.out")

# The warm-up: exact, and what it did to RSS (at least 2.5 MB: the test is what it says).
assert_eq "$(ltjson "$json" leaks "$wpid" | awk '$1 == "warmup_cache" { print $2, $3 }')" \
	"$((rounds * 30000)) $rounds" "warm-up: warmup_cache's bytes and blocks"
read -r rss_rise trend verdict < <(python3 - "$json" "$wpid" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[0].rsplit("/", 1)[0])
rs = [json.loads(l) for l in open(sys.argv[1])]
pid = int(sys.argv[2])
rss = [p["rss"] for r in rs for p in r["processes"] if p["pid"] == pid]
final = [p for p in rs[-1]["processes"] if p["pid"] == pid][0]
hits = [s for s in rs[-1]["stacks"] if s["pid"] == pid and s["kind"] == "heap" and
        any(f["function"] == "warmup_cache" for f in s["frames"][:2])]
print(max(rss) - min(rss), hits[0]["trend"] if hits else "none", final["verdict"])
EOF
)
((rss_rise >= 2500000)) || fail "warm-up: RSS rose only $rss_rise bytes: not the case tested"
assert_eq "$trend" steady "warm-up: warmup_cache's final trend"
assert_eq "$verdict" rss_steady "warm-up: the process verdict"
sed -n '/^SUMMARY/,$p' "$table" >"$WORK/summary.txt"
block() {
	awk -v p="pid $1 " 'index($0, p) == 1 { f = 1; print; next } f && /^pid / { f = 0 } f' \
		"$WORK/summary.txt"
}
block "$wpid" >"$WORK/warm.block"
assert_contains "$WORK/warm.block" "^pid $wpid (growth): RSS is steady\.$" "warm-up: summary verdict"
assert_contains "$WORK/warm.block" '^  no leak found\.$' "warm-up: no leak found"
assert_not_contains "$WORK/warm.block" 'growing' "warm-up: nothing growing"
assert_not_contains "$WORK/warm.block" 'RSS grows' "warm-up: no RSS alarm"
pass "warm-up: $((rounds * 30000)) bytes in $rounds blocks and RSS +$rss_rise over ${ramp_ms} ms, then flat: steady, no leak found"

# The leak beside it: still a leak, by name, and its RSS growth explained.
assert_eq "$(ltjson "$json" stack heap leak_steady trend)" growing "leak: final trend"
block "$lpid" >"$WORK/leak.block"
assert_contains "$WORK/leak.block" '^  growing, likely leaks:$' "leak: the heading"
assert_contains "$WORK/leak.block" '^    heap +[0-9]*/h at leak_steady+0x[0-9a-f]* \[growth\] <- main' \
	"leak: named in the summary"
assert_contains "$WORK/leak.block" "^pid $lpid (growth): RSS grows .* they explain the growth\.$" \
	"leak: RSS verdict"
pass "leak beside it: leak_steady growing, named, its RSS growth explained"
