#!/usr/bin/env bash
# The man pages: leaktop(8) and leaktop-diff(8) render with man(1) without a warning, and say
# every long option `leaktop --help` and `leaktop diff --help` list, every --config key, every
# verdict and every exit code.
. "$(dirname "$0")/lib.sh"
[[ -x $LEAKTOP ]] || fail "$LEAKTOP is not built"
command -v man >/dev/null || fail "man is not installed (tools/deps.sh installs man-db)"

# render PAGE WIDTH: the page as text, warnings in $WORK/PAGE.warn.
render() {
	local page=$1 width=$2
	# U+2212 (a roff minus) and U+2010 (a hyphen) read as '-', and curly quotes as '"', whatever
	# groff's device: one character, one column.
	MANWIDTH=$width LC_ALL=C.UTF-8 man --warnings -l "$TOP/docs/$page" \
		2>"$WORK/$page.warn" | col -bx | sed 's/\xe2\x88\x92/-/g; s/\xe2\x80\x90/-/g; s/\xe2\x80\x9c/"/g; s/\xe2\x80\x9d/"/g'
}

for page in leaktop.8 leaktop-diff.8; do
	render "$page" 80 >"$WORK/$page.txt"
	[[ -s $WORK/$page.warn ]] && fail "$page: man --warnings says: $(cat "$WORK/$page.warn")"
	grep -q '^NAME' "$WORK/$page.txt" || fail "$page: no NAME section rendered"
	grep -q '^EXIT STATUS' "$WORK/$page.txt" || fail "$page: no EXIT STATUS section"
	long=$(awk 'length > 80' "$WORK/$page.txt" | head -3)
	[[ -z $long ]] || fail "$page: lines wider than MANWIDTH=80: $long"
	# A page wide enough that no option is split at a line's end.
	render "$page" 400 >"$WORK/$page.wide"
	pass "$page renders without warnings ($(wc -l <"$WORK/$page.txt") lines at 80 columns)"
done

# Every long option of --help has its entry in the page.
check_options() {
	local page=$1 n=0 o
	shift
	while read -r o; do
		# An entry of its own: a tag line that starts with it (after its short form).
		grep -qE -- "^ {7}(-[a-zA-Z], )?$o( |,|=|\$)" "$WORK/$page.wide" ||
			fail "$page has no entry for $o"
		n=$((n + 1))
	done < <("$@" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
	((n > 0)) || fail "no option found in '$* --help'"
	pass "$page documents all $n long options of '$(basename "$1")${2:+ $2} --help'"
}
check_options leaktop.8 "$LEAKTOP"
check_options leaktop-diff.8 "$LEAKTOP" diff

# --config's keys and values, as --help lists them.
n=0
while read -r kv; do
	key=${kv%%=*}
	grep -q -- "$key=" "$WORK/leaktop.8.wide" || fail "leaktop.8 does not document --config $key"
	n=$((n + 1))
done < <("$LEAKTOP" --help | grep -oE '^ {20,}[a-z-]+=' | tr -d ' ')
((n >= 7)) || fail "found only $n --config keys in --help"
pass "leaktop.8 documents all $n --config keys"

# The verdicts and the exit codes.
for v in new transient growing sawtooth steady; do
	grep -qE "^ {7}$v( |\$)" "$WORK/leaktop.8.wide" || fail "leaktop.8 does not define the trend '$v'"
done
for page in leaktop.8 leaktop-diff.8; do
	codes=$(sed -n '/^EXIT STATUS/,/^[A-Z]/p' "$WORK/$page.wide" | grep -oE '^ {7}[0-9]+( |$)' | tr -d ' ' | tr '\n' ' ')
	want="0 1 2 3 "
	[[ $page == leaktop-diff.8 ]] && want="0 1 2 "
	assert_eq "$codes" "$want" "$page: exit codes"
done
# The code --help and exitcode.h give a failed check is the page's.
"$LEAKTOP" --help | grep -q '^Exit status: 0 done, 1 error, 2 bad usage, 3 --fail-on check failed.$' ||
	fail "--help's exit status line changed: update the man page"
for s in 'HEAP: STACKS BY GROWTH RATE' 'HEAP: GROWTH SINCE THE LAST TABLE' 'MMAP: STACKS BY GROWTH RATE' \
	'SOCKETS: STACKS BY GROWTH RATE' HOST SUMMARY CHECK; do
	grep -qE -- "^ {7}$s( |\$)" "$WORK/leaktop.8.wide" || fail "leaktop.8 does not describe the table's $s"
done
pass "verdicts, exit codes and the table's sections documented"
