#!/usr/bin/env bash
# The interactive view in a real pseudo-terminal: leaktop runs in a 160x45 tmux pane on a
# leaker with 60 stacks, and the screen is read back with capture-pane. The header is on top,
# no line is wider than the pane (-J joins what the terminal wrapped, so a wrapped line would
# show), one row per stack; the keys work; a resize is followed; q ends with the final
# report on the normal screen.
. "$(dirname "$0")/lib.sh"
require_root
command -v tmux >/dev/null || fail "tmux is not installed (tools/deps.sh installs it)"

SOCK=leaktop-e2e-$$
tm() { tmux -L "$SOCK" "$@"; }
cleanup_tmux() { tm kill-server 2>/dev/null; }
trap 'cleanup_tmux; cleanup' EXIT

# screen: the pane as it shows now, wrapped lines joined.
screen() { tm capture-pane -p -J -t view; }

# wait_screen PATTERN [SECONDS]: until the screen shows PATTERN (an extended regex).
wait_screen() {
	local i
	for ((i = 0; i < ${2:-20} * 10; i++)); do
		screen | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	fail "the screen never showed '$1'; it shows:
$(screen)"
}

# key KEY... then wait until the screen shows PATTERN.
key() {
	local pattern=$1
	shift
	tm send-keys -t view "$@"
	wait_screen "$pattern" 10
}

# fits COLS LINES: every line of the screen within COLS columns, at most LINES lines.
fits() {
	local wide n
	wide=$(screen | awk -v c="$1" 'length > c { print length ": " $0 }' | head -3)
	[[ -z $wide ]] || fail "lines wider than $1 columns: $wide"
	n=$(screen | wc -l)
	((n <= $2)) || fail "$n lines on a $2-line screen"
}

start_leaker leaker --deep 60
tm new-session -d -s view -x 160 -y 45 \
	"$LEAKTOP -p $LEAKER_PID -i 0.5 2>$WORK/lt.err; echo \"exit \$?\" >$WORK/lt.rc; sleep 600" ||
	fail "tmux cannot start a session"
tm set-option -t view remain-on-exit on >/dev/null
wait_for "$WORK/lt.err" '^leaktop: attached' 60 || fail "leaktop did not attach: $(cat "$WORK/lt.err")"
trigger_leaker leaker "$LEAKER_PID"

# The 60 stacks, the header on top, the rows under it.
wait_screen '^HEAP by growth rate, 60 stacks, rows 40 \|'
fits 160 45
screen >"$WORK/first.screen"
assert_eq "$(sed -n 1p "$WORK/first.screen" | grep -cE "^leaktop - 0:00:[0-9]{2} elapsed, every 0.5s, window [0-9]+s - pid $LEAKER_PID \(leaker\)$")" 1 \
	"the header's first line"
grep -qE '^Heap: 60000 B in 60 blocks, 6[0-9] stacks|^Heap: 58\.[0-9] KiB in 6[0-9] blocks' "$WORK/first.screen" ||
	fail "the totals line: $(sed -n 2p "$WORK/first.screen")"
grep -qE '^Drops: 0 \| leaktop: [0-9.]+% CPU, RSS ' "$WORK/first.screen" || fail "the drops and cost line"
# One line per stack: rows 1 to 40, numbered in order, each named by its frame.
rows=$(awk '$1 ~ /^[0-9]+$/ && /leak_deep\+0x/ { print $1 }' "$WORK/first.screen" | tr '\n' ' ')
assert_eq "$rows" "$(seq -s ' ' 1 40) " "rows 1 to 40, one line each"
assert_eq "$(wc -l <"$WORK/first.screen")" 45 "the screen is full, not scrolled"
pass "160x45: the header on top, 40 rows of 60 stacks, one line each, none wider than 160"

# s: the sort's label changes.
key '^HEAP by outstanding, 60 stacks' s
fits 160 45
# Down twice, Enter: the third stack in full; Esc: back.
tm send-keys -t view Down Down
key '^Stack #3 of 60 in HEAP *$' Enter
screen | grep -qE '^ +0  leak_deep\+0x[0-9a-f]+ \[leaker\]$' || fail "the stack view: $(screen)"
# The stack whole, or what it leaves out said: #3 of stacks of equal size is any of depths
# 1 to 60, and a shallow one fits the window whole, down to the C runtime's start.
screen | grep -qE '^  \.\.\. [0-9]+ more frames \(a taller window shows them\)$' ||
	screen | grep -qE '^ +[0-9]+  (_start|__libc_start_main|__libc_start_call_main)' ||
	fail "the stack is cut without saying what it left out: $(screen | tail -3)"
fits 160 45
key '^ +1 +1000 B +1 ' Escape
# m and k: the other sections; h back.
key '^MMAP by outstanding, [0-9]+ stacks' m
key '^SOCKETS by outstanding, [0-9]+ stacks' k
key '^HEAP by outstanding, 60 stacks, rows 40 ' h
# - and +: the row count.
key '^HEAP by outstanding, 60 stacks, rows 37 ' - - -
assert_eq "$(screen | awk '$1 ~ /^[0-9]+$/ && /leak_deep/' | wc -l)" 37 "37 rows after three -"
key '^HEAP by outstanding, 60 stacks, rows 38 ' +
# space: paused, the elapsed time stops.
key '\| PAUSED \|' Space
t1=$(screen | sed -n 1p)
sleep 1.2
assert_eq "$(screen | sed -n 1p)" "$t1" "paused: the header does not move"
key '^HEAP by outstanding, 60 stacks, rows 38 \|' Space
pass "keys: s sorts, arrows and Enter show a stack, Esc, m/k/h, +/-, space pauses"

# A resize (SIGWINCH): the view fits the new size.
tm resize-window -t view -x 90 -y 20
wait_screen '^HEAP by outstanding, 60 stacks, rows 15 '
fits 90 20
assert_eq "$(screen | awk '$1 ~ /^[0-9]+$/ && /leak_deep/' | wc -l)" 15 "15 rows at 90x20"
pass "resized to 90x20: 15 rows, none wider than 90"

# q: the trace ends with the final report, on the normal screen.
tm resize-window -t view -x 160 -y 45
tm send-keys -t view q
for ((i = 0; i < 200; i++)); do
	[[ -s $WORK/lt.rc ]] && break
	sleep 0.1
done
assert_eq "$(cat "$WORK/lt.rc" 2>/dev/null)" "exit 0" "leaktop's exit after q"
tm capture-pane -p -J -t view -S -2000 >"$WORK/final.screen"
assert_contains "$WORK/final.screen" '^leaktop final report  elapsed' "the final report"
assert_contains "$WORK/final.screen" '^SUMMARY' "the summary"
assert_contains "$WORK/final.screen" "^pid $LEAKER_PID (leaker): " "the process in the summary"
assert_not_contains "$WORK/final.screen" 'keys: arrows' "the view is gone"
pass "q: exit 0, the final report and its summary on the normal screen"
