#!/usr/bin/env bash
# --max-overhead (issue 14): a service whose full tracking costs it more than the budget gets a
# sparser sampling interval, until leaktop's estimate of what it adds is under the budget; once
# it calms down, every call is traced again; its leak is still estimated within a tolerance
# stated from the sparsest interval; and a process whose probes alone exceed a budget is named,
# with the budget that would hold it. The requests come 53
# frames deep (48 distinct functions), so most of what leaktop adds is the return half (the
# stack walk), which sampling removes; the entries and frees that every call pays stay well
# under the budget. The budget's first second starts at attach, and the service right after.
. "$(dirname "$0")/lib.sh"
require_root

rate=25000 budget=7 secs=8
LEAKER=$BIN/growth start_leaker svc service $rate
svc=$LEAKER_PID
start_leaktop budget-lt -p "$svc" -i 1 -v --max-overhead $budget --bytes \
	--json "$WORK/budget.json"
kill -USR1 "$svc"
sleep $secs
cp "$WORK/budget.json" "$WORK/busy.json" # the reports of the busy part
kill -USR2 "$svc" # calm: 100 requests a second
wait_for "$WORK/budget-lt.err" "^leaktop: pid $svc: .*: sampling every call, was" 15 ||
	fail "calm, the interval never came back to every call"
sleep 2
kill -USR2 "$svc"
wait_for "$WORK/svc.out" '^done' 20 || fail "the service did not stop"
kept=$(awk '/^done/ { print $2 }' "$WORK/svc.out")
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status"
ltjson "$WORK/budget.json" validate >/dev/null

# The budget's own words (-v): its first second traced every call, well over the budget, and
# the interval went up.
first=$(grep -m1 "^leaktop: pid $svc: .* of a core over .*, budget $budget%: sampling 1 in" \
	"$WORK/budget-lt.err") || fail "the budget never raised the interval"
awk -v l="$first" -v b=$budget 'BEGIN { split(l, w, " "); exit !(w[4] + 0 > 1.3 * b) }' ||
	fail "not clearly over the budget when every call was traced: $first"
[[ $first == *", was every call" ]] || fail "the first change was not from every call: $first"
pass "${first#leaktop: }"
assert_not_contains "$WORK/budget-lt.err" "over the $budget% budget (--max-overhead): sampling cannot" \
	"the entries and frees alone stay under the budget"

# The busy part's last three intervals: sampled, and what leaktop adds estimated under the
# budget.
python3 - "$WORK/busy.json" "$svc" >"$WORK/last" <<'PY' || fail "cannot read the busy part's reports"
import json, sys
lines = []
for l in open(sys.argv[1]):
    try:
        lines.append(json.loads(l))
    except ValueError:
        pass  # the line being written when it was copied
for r in lines[-3:]:
    p = [p for p in r["processes"] if p["pid"] == int(sys.argv[2])][0]
    print(p["cost"]["added_cpu_ratio"], p["cost"]["sample_bytes"])
PY
[[ $(wc -l <"$WORK/last") == 3 ]] || fail "fewer than three interval reports"
while read -r ratio n; do
	((n > 0)) || fail "an interval at the end traced every call"
	awk -v r="$ratio" -v b=$budget 'BEGIN { exit !(r <= b / 100) }' ||
		fail "at 1 in $n bytes, $ratio of a core: over the $budget% budget"
done <"$WORK/last"
n=$(tail -n 1 "$WORK/last" | awk '{ print $2 }')
pass "the last intervals at 1 in $n bytes, under $budget%: $(awk '{ printf "%.2f%% ", $1 * 100 }' "$WORK/last")"
assert_eq "$(ltjson "$WORK/budget.json" cost "$svc" at_floor)" False "not at the floor"
assert_contains "$WORK/budget-lt.table" "sampling 1 in $n to stay under the $budget% budget" \
	"the table shows the sampling in force"

# Calm: back to every call, in the log and in the last interval report.
calm=$(grep -m1 "^leaktop: pid $svc: .*: sampling every call, was" "$WORK/budget-lt.err")
pass "${calm#leaktop: }"
assert_eq "$(ltjson "$WORK/budget.json" costs "$svc" sample_bytes | tail -n 1 | awk '{ print $2 }')" \
	0 "calm: the last interval traced every call"

# The leak: 256 bytes kept per four requests. Sampled at N bytes, an estimate of B bytes has
# a standard deviation of about sqrt(N * B) (a point falls on each N bytes on average, and
# each weighs N); the tolerance is four of them, plus 2%, and must stay under 25%.
n=$(ltjson "$WORK/budget.json" costs "$svc" sample_bytes | awk '$2 > m { m = $2 } END { print m + 0 }')
want=$((kept * 256))
got=$(ltjson "$WORK/budget.json" sum heap serve_request bytes)
tol=$(awk -v n="$n" -v w="$want" 'BEGIN { printf "%.4f", 4 * sqrt(n / w) + 0.02 }')
awk -v t="$tol" 'BEGIN { exit !(t < 0.25) }' || fail "tolerance $tol: too few sample points"
awk -v g="$got" -v w="$want" -v t="$tol" 'BEGIN { d = g / w - 1; exit !(d < t && d > -t) }' ||
	fail "the leak estimated at $got bytes, want $want within $tol"
pass "the leak: $got bytes estimated, $want true (tolerance $tol, from 1 in $n bytes)"

# A process that does nothing but allocate: its entries and frees alone (a trap each) cost it
# more than a 2% budget, whatever the sampling. leaktop says so, naming it, with the budget
# that would hold it; it gets the largest interval.
LEAKER=$BIN/growth start_leaker hot busy 3000000
hot=$LEAKER_PID
start_leaktop floor-lt -p "$hot" -i 1 --max-overhead 2 --json "$WORK/floor.json"
trigger_leaker hot "$hot"
stop_leaktop INT
said=$(grep -m1 "^leaktop: warning: pid $hot (growth): leaktop's probes alone cost it .* over the 2% budget (--max-overhead): sampling cannot bring that down, every call still traps. A budget of [0-9]*% would hold it, or trace fewer processes" \
	"$WORK/floor-lt.err") || fail "the floor was not said"
pass "${said#leaktop: warning: }"
assert_eq "$(ltjson "$WORK/floor.json" cost "$hot" at_floor)" True "at the floor"
assert_eq "$(ltjson "$WORK/floor.json" cost "$hot" sample_bytes)" $((1 << 30)) "the largest interval"
assert_contains "$WORK/floor-lt.table" "its probes alone cost .* of a core, over the 2% budget: sampling cannot bring that down" \
	"the table says it too"
