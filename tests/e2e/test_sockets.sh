#!/usr/bin/env bash
# Sockets per stack and kind: a growing TCP leak beside balanced socket pairs, sockets closed
# by dup2 and close_range, and the --no-sockets and --no-heap switches.
. "$(dirname "$0")/lib.sh"
require_root

run_growth sockets sockets 4
json=$WORK/sockets.json table=$WORK/sockets-lt.table
n=$DONE
((n >= 20)) || fail "only $n rounds in 4 s"
assert_eq "$(ltjson "$json" sum tcp leak_tcp count)" "$n" "leak_tcp: open TCP sockets"
assert_eq "$(ltjson "$json" stack tcp leak_tcp trend)" growing "leak_tcp: trend"
rate=$(ltjson "$json" stack tcp leak_tcp rate_per_s)
within 15 "$rate" 10 || fail "leak_tcp: $rate sockets/s, want 10"
assert_eq "$(ltjson "$json" sum udp leak_udp count)" 3 "leak_udp: open UDP sockets"
assert_eq "$(ltjson "$json" sum unix balanced_pairs count)" 0 "balanced pairs: open"
assert_eq "$(ltjson "$json" sum unix balanced_pairs total_allocs)" $((4 * n)) "balanced pairs: opened"
assert_eq "$(ltjson "$json" sum unix balanced_pairs total_frees)" $((4 * n)) "balanced pairs: closed"
for kind in tcp udp; do
	assert_eq "$(ltjson "$json" sum $kind closed_otherwise count)" 0 "dup2/close_range: open $kind"
done
assert_eq "$(ltjson "$json" sum tcp closed_otherwise total_frees)" 1 "dup2 closed one TCP socket"
assert_eq "$(ltjson "$json" sum udp closed_otherwise total_frees)" 4 "close_range closed four"
assert_eq "$(ltjson "$json" proc sockets)" $((n + 3)) "process: open sockets"
# Rows and summary lines are named by the program's function that opened the socket, through
# libc's wrapper.
assert_eq "$(table_sum "$table" leak_tcp 2 SOCKETS)" "$n" "table: open TCP sockets under leak_tcp"
assert_eq "$(table_sum "$table" leak_udp 2 SOCKETS)" 3 "table: open UDP sockets under leak_udp"
assert_contains "$table" '  leak_tcp+0x[0-9a-f]* \[growth\] via __socket$' "table: leak_tcp's row, via libc"
assert_contains "$table" '^    tcp +3[0-9]*/h at leak_tcp+0x[0-9a-f]* \[growth\] via __socket <- main' "summary: tcp leak"
pass "sockets: $n TCP growing at $rate/s, 3 UDP, $((4 * n)) unix opened and closed, dup2/close_range"

run_growth nosock sockets 1 --no-sockets
assert_contains "$WORK/nosock-lt.table" '^SOCKETS: not traced (--no-sockets)' "--no-sockets: says so"
# One second at -i 0.5: too few samples for any verdict, and the words say so, with what it holds.
assert_contains "$WORK/nosock-lt.table" \
	'^  too early to tell whether anything leaks: fewer than 6 samples; it holds [0-9]* bytes of heap and [0-9]* bytes of mappings\.$' \
	"--no-sockets: summary"
assert_eq "$(ltjson "$WORK/nosock.json" sum tcp leak_tcp count)" 0 "--no-sockets: nothing counted"
run_growth noheap percall 1 --no-heap
assert_eq "$(ltjson "$WORK/noheap.json" sum heap handle_event count)" 0 "--no-heap: no heap rows"
assert_contains "$WORK/noheap-lt.table" '^HEAP: not traced (--no-heap), nor mappings' "--no-heap: says so"
assert_contains "$WORK/noheap-lt.table" 'heap and mappings not traced, 0 sockets' "--no-heap: process line"
pass "--no-sockets and --no-heap turn each side off"
