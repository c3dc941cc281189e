#!/usr/bin/env bash
# The offset planner, end to end.
#  1. Where libc's free starts with an instruction the kernel single-steps, leaktop probes past
#     it, at an instruction the kernel emulates (read independently with objdump).
#  2. The arguments read at the planned offsets are the real ones, for every probed function:
#     the leaker passes each function distinct sizes (and free and realloc real pointers),
#     and leaktop's per-function bytes and counts come out exact, and churn nets to zero,
#     through each kind of link and at +0 alike.
. "$(dirname "$0")/lib.sh"
require_root

libc=$(ldd "$BIN/leaker" | awk '/libc.so.6/ { print $3 }')
libc=$(readlink -f "$libc")
start=$(nm -D --defined-only "$libc" | awk '$3 == "free" || $3 ~ /^free@@/ { print $1; exit }')
first=$(objdump -d --no-show-raw-insn --start-address=0x$start --stop-address=$((0x$start + 16)) \
	"$libc" | awk -F'\t' '/^ +[0-9a-f]+:/ { print $2; exit }')
[[ -n $first ]] || fail "cannot disassemble free in $libc"
emulated='^(push|nop|jmp|je|jne|jz|jnz|call|j[a-z]+) '

start_leaker plan 10
start_leaktop plan-lt -p "$LEAKER_PID" -v -i 600
stop_leaktop INT
line=$(grep -E ": free at .*\+[0-9]+" "$WORK/plan-lt.err") || fail "no plan line for free"
delta=$(sed -E 's/.*\+([0-9]+): .*/\1/' <<<"$line")
insn=$(sed -E 's/.*\+[0-9]+: ([^(]*) \(.*/\1/' <<<"$line")
if [[ "$first " =~ $emulated ]]; then
	assert_eq "$delta" 0 "free starts with emulated '$first': probe at +0"
else
	((delta > 0)) || fail "free starts with '$first', single-stepped, yet is probed at +0"
	[[ "$insn " =~ $emulated ]] || fail "free probed at +$delta on '$insn', not an emulated insn"
fi
pass "free starts with '$first'; probed at +$delta on '$insn'"
# Every function the planner could not place is named, with the reason.
grep -E 'probed at \+0, single-stepped' "$WORK/plan-lt.err" | sed 's/^/note: /'

for mode in session multi perf; do
	LEAKTOP_EXTRA="--config attach=$mode" check_exact_leaks "$mode" 500
	assert_contains "$WORK/$mode-lt.err" "($mode links" "$mode: the link kind used"
done
LEAKTOP_EXTRA="--config offsets=entry" check_exact_leaks entry 500
assert_contains "$WORK/entry-lt.err" ', at +0' "naive offsets in use"
