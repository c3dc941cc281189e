#!/usr/bin/env bash
# Growth rates, trends and the process verdict on three workloads (tests/e2e/growth.c): a
# steady leak, a sawtooth that frees what it allocates, and heap fragmentation.
. "$(dirname "$0")/lib.sh"
require_root

# A steady leak: 102400 bytes every 100 ms from leak_steady, 1,024,000 bytes/s. 8 s: RSS must
# rise by 4 MiB in its floor (docs/VERDICTS.md) before it counts as growing.
run_growth steady steady 8
json=$WORK/steady.json table=$WORK/steady-lt.table
rate=$(ltjson "$json" stack heap leak_steady rate_per_s)
within 10 "$rate" 1024000 || fail "steady: rate $rate B/s, want 1024000 within 10%"
assert_eq "$(ltjson "$json" stack heap leak_steady trend)" growing "steady: final trend"
trends=$(ltjson "$json" trends heap leak_steady)
[[ $trends =~ ^(new )+growing( growing)*$ ]] || fail "steady: trends '$trends', want new, then growing"
age=$(ltjson "$json" stack heap leak_steady age_s)
elapsed=$(python3 -c "import json; print([json.loads(l) for l in open('$json')][-1]['elapsed_s'])")
awk -v a="$age" -v e="$elapsed" 'BEGIN { exit !(a > e - 1.5 && a <= e + 0.1) }' ||
	fail "steady: oldest block $age s old after $elapsed s"
# The leak is the process's RSS growth (every leaked page is written).
assert_eq "$(ltjson "$json" proc verdict)" tracked_explains "steady: process verdict"
assert_contains "$table" '^  growing, likely leaks:' "steady: summary"
per_h=$(sed -n 's|^    heap +\([0-9]*\)/h at leak_steady+0x.*|\1|p' "$table")
[[ -n $per_h ]] || fail "steady: the summary does not name leak_steady: $(sed -n '/^SUMMARY/,$p' "$table")"
within 10 "$per_h" $((1024000 * 3600)) || fail "steady: summary rate $per_h/h"
pass "steady: $rate B/s (true 1024000), trends: $trends; oldest $age s; RSS explained"

# A sawtooth: 13 steps of 200 KiB, then all freed, over and over.
run_growth sawtooth sawtooth 7
json=$WORK/sawtooth.json table=$WORK/sawtooth-lt.table
trends=$(ltjson "$json" trends heap sawtooth_step)
[[ $trends != *growing* ]] || fail "sawtooth: called growing: $trends"
assert_eq "$(ltjson "$json" stack heap sawtooth_step trend)" sawtooth "sawtooth: final trend"
[[ $(ltjson "$json" stack heap sawtooth_step total_frees) -gt 12 ]] || fail "sawtooth: no frees seen"
assert_contains "$table" 'not leaks: 1 stack rises and falls back (sawtooth)' "sawtooth: summary"
assert_contains "$table" '^  no leak found\.' "sawtooth: summary"
pass "sawtooth: trends $trends; no leak found"

# Fragmentation: freed tails the allocator cannot reuse. RSS grows ~15 MB/s, the heap 32 KB/s.
run_growth fragment fragment 5
json=$WORK/fragment.json table=$WORK/fragment-lt.table
assert_eq "$(ltjson "$json" proc verdict)" untracked_growth "fragment: process verdict"
rss_rate=$(ltjson "$json" proc rss_rate)
tracked_rate=$(ltjson "$json" proc tracked_rate)
awk -v r="$rss_rate" -v t="$tracked_rate" 'BEGIN { exit !(r > 5e6 && t < r / 10) }' ||
	fail "fragment: RSS $rss_rate B/s, tracked $tracked_rate B/s"
assert_contains "$table" 'while the tracked heap is flat (.*): allocator retention or fragmentation, or memory not from malloc/mmap\.$' \
	"fragment: summary"
pass "fragment: RSS $rss_rate B/s, tracked $tracked_rate B/s: untracked growth"
