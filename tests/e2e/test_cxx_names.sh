#!/usr/bin/env bash
# A C++ program that leaks through libstdc++: Logger::write_jsonl formats each event with a
# std::ostringstream and keeps the std::string, so operator new is five frames inside
# libstdc++ below the program's own code. The table's row and the summary's line name
# Logger::write_jsonl first, with the exact bytes the program says it keeps, the library
# call it went through after "via", and short names: no template arguments, no inline
# namespaces, no line wider than it needs. --full-names shows the names whole; the folded
# file keeps every frame, in full.
. "$(dirname "$0")/lib.sh"
require_root

# run NAME [LEAKTOP ARGS...]: the logger leaks for 3 s under leaktop -i 0.5; sets EVENTS and
# BYTES to what the program says it keeps.
run() {
	local name=$1
	shift
	LEAKER=$BIN/leaker_cxx start_leaker "$name" --logger
	start_leaktop "$name-lt" -p "$LEAKER_PID" -i 0.5 --bytes --folded "$WORK/$name.folded" "$@"
	kill -USR1 "$LEAKER_PID"
	sleep 3
	kill -USR2 "$LEAKER_PID"
	wait_for "$WORK/$name.out" '^done' 20 || fail "$name: the logger did not finish"
	read -r _ EVENTS BYTES < <(grep '^done' "$WORK/$name.out")
	stop_leaktop INT
	assert_eq "$LT_RC" 0 "$name: leaktop exit status"
	((EVENTS > 100 && BYTES > 0)) || fail "$name: the logger wrote $EVENTS events ($BYTES bytes)"
	kill "$LEAKER_PID"
}

run short
table=$WORK/short-lt.table
sed -n '/^leaktop final report/,$p' "$table" >"$WORK/final.txt"
sed -n '/^SUMMARY/,$p' "$WORK/final.txt" >"$WORK/summary.txt"

# The summary: Logger::write_jsonl first, its exact bytes.
line=$(grep -E '^    heap \+[0-9]+/h at ' "$WORK/summary.txt" | head -1)
[[ -n $line ]] || fail "no growing heap stack in the summary: $(cat "$WORK/summary.txt")"
want="^    heap \+[0-9]+/h at Logger::write_jsonl\+0x[0-9a-f]+ \[leaker_cxx\] via std::[^ <]+( <…>)? <- main <- [^ ]+: $BYTES held, oldest [0-9]+s$"
[[ $line =~ $want ]] || fail "the summary's leak line: got '$line', want /$want/"
pass "summary: $line"

# The table: the row is named by Logger::write_jsonl, with exactly those bytes.
assert_eq "$(table_sum "$WORK/final.txt" Logger::write_jsonl 2)" "$BYTES" "table: bytes under Logger::write_jsonl"
row=$(awk -v sc="$STACK_COL" '/^HEAP: STACKS BY/ { h = 1; next } h && $1 == "1" { print substr($0, sc + 1); exit }' "$WORK/final.txt")
[[ $row =~ ^Logger::write_jsonl\+0x[0-9a-f]+\ \[leaker_cxx\]\ via\ std:: ]] ||
	fail "table: the top heap row starts '$row'"
pass "table: $row"

# Short names everywhere in the report: nothing of a template's arguments or an inline
# namespace, one line per frame, and no frame wider than its name needs: at most 80 columns
# past the stack column (a libstdc++ frame in full takes 150 to 300).
for noise in '__cxx11' 'char_traits' 'allocator<' 'basic_string<' '(unsigned long)'; do
	assert_not_contains "$WORK/final.txt" "$noise" "short names: no '$noise'"
done
stack_lines() {
	awk '/^(HEAP|MMAP|SOCKETS): STACKS BY/ { s = 1; next } /^$/ { s = 0 } s && !/^  #/' "$1"
}
widest=$(stack_lines "$WORK/final.txt" | wc -L)
((widest <= STACK_COL + 80)) || fail "a table line of $widest columns: $(stack_lines "$WORK/final.txt" | awk -v w="$widest" 'length($0) >= w' | head -2)"
sumwide=$(wc -L <"$WORK/summary.txt")
((sumwide <= 200)) || fail "a summary line of $sumwide columns: $(awk -v w="$sumwide" 'length($0) >= w' "$WORK/summary.txt" | head -1)"
pass "short names: table lines at most $widest columns, summary lines $sumwide"

# The files keep every frame, in full: operator new's callers inside libstdc++ included.
awk -v fn="Logger::write_jsonl(char const*, int, int)" '{ if (index($0, ";" fn ";")) print }' \
	"$WORK/short.folded" >"$WORK/logger.folded"
[[ -s $WORK/logger.folded ]] || fail "folded: no stack through Logger::write_jsonl(char const*, int, int): $(head -3 "$WORK/short.folded")"
assert_contains "$WORK/logger.folded" ';operator new(unsigned long) [0-9]*$' "folded: down to operator new"
assert_contains "$WORK/logger.folded" 'std::__cxx11::basic_' "folded: libstdc++'s frames, in full"

# --full-names: the same row, its names whole.
run full --full-names
sed -n '/^leaktop final report/,$p' "$WORK/full-lt.table" >"$WORK/final-full.txt"
assert_contains "$WORK/final-full.txt" "Logger::write_jsonl(char const\*, int, int)+0x[0-9a-f]* \[leaker_cxx\] via std::" \
	"--full-names: the own frame whole"
assert_contains "$WORK/final-full.txt" 'std::__cxx11::basic_\|std::basic_' "--full-names: libstdc++'s names whole"
fullwide=$(stack_lines "$WORK/final-full.txt" | wc -L)
((fullwide > widest)) || fail "--full-names: lines of $fullwide columns, no wider than the short ones ($widest)"
pass "--full-names: names whole in the table, lines up to $fullwide columns"
