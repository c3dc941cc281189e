#!/usr/bin/env bash
# make install and make uninstall, into a DESTDIR with PREFIX=/usr: the binary in sbin, the two
# man pages, bash completion, and nothing else; then the installed completion, run as bash
# runs it: options, option values, pids for -p, files.
. "$(dirname "$0")/lib.sh"
[[ -x $LEAKTOP ]] || fail "$LEAKTOP is not built"
BC=/usr/share/bash-completion/bash_completion
[[ -r $BC ]] || fail "bash-completion is not installed (tools/deps.sh installs it)"

dest=$WORK/dest
make -s -C "$TOP" install DESTDIR="$dest" PREFIX=/usr >"$WORK/install.log" 2>&1 ||
	fail "make install: $(cat "$WORK/install.log")"
want="usr/sbin/leaktop
usr/share/bash-completion/completions/leaktop
usr/share/man/man8/leaktop-diff.8
usr/share/man/man8/leaktop.8"
assert_eq "$(cd "$dest" && find . -type f | sed 's|^\./||' | sort)" "$want" "installed files"
assert_eq "$(stat -c %a "$dest/usr/sbin/leaktop")" 755 "the binary's mode"
assert_eq "$(stat -c %a "$dest/usr/share/man/man8/leaktop.8")" 644 "a man page's mode"
cmp -s "$dest/usr/sbin/leaktop" "$LEAKTOP" || fail "the installed binary is not the built one"
"$dest/usr/sbin/leaktop" --version | grep -q '^leaktop ' || fail "the installed binary does not run"
MANWIDTH=80 man --warnings -l "$dest/usr/share/man/man8/leaktop.8" 2>&1 >/dev/null | grep . &&
	fail "the installed man page has warnings"
pass "make install DESTDIR=... PREFIX=/usr: $(echo $want | wc -w) files"

# complete WORDS...: what the installed completion offers for the last word, one per line,
# sorted. The command word is the installed binary, as a user's PATH would find it.
complete_words() {
	COMP_TEST_BIN=$dest/usr/sbin/leaktop bash -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=("$COMP_TEST_BIN" "$@"); COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
		_leaktop "$COMP_TEST_BIN" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' x "$BC" \
		"$dest/usr/share/bash-completion/completions/leaktop" "$@" | sort
}

assert_eq "$(complete_words --fai)" "--fail-on" "--fai"
assert_eq "$(complete_words --fail-on '')" "$(printf 'growing\nleak')" "--fail-on's values"
assert_eq "$(complete_words --sort o)" "outstanding" "--sort's values"
assert_eq "$(complete_words --unwind '')" "$(printf 'auto\ndwarf\nfp')" "--unwind's values"
assert_eq "$(complete_words d)" "diff" "the diff subcommand"
# Every long option of --help is offered after '--'.
assert_eq "$(complete_words -- --)" "$("$LEAKTOP" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)" \
	"every long option"
assert_eq "$(complete_words diff --)" "$(printf -- '--bytes\n--folded\n--help\n--top')" \
	"diff's options"

# -p: pids, also after a comma.
sleep 300 &
spid=$!
PIDS+=("$spid")
complete_words -p "$spid" | grep -qx "$spid" || fail "-p $spid: not offered: $(complete_words -p "$spid" | head)"
complete_words -p "1,$spid" | grep -qx "1,$spid" || fail "-p 1,$spid: not offered"
complete_words -p '' | grep -qx 1 || fail "-p: pid 1 not offered"
complete_words -p '' | grep -qv '^[0-9]*$' && fail "-p: offers something not a pid"
# Files: --json, and the folded files of diff.
mkdir -p "$WORK/files/sub"
: >"$WORK/files/run.json"
: >"$WORK/files/a.folded"
: >"$WORK/files/b.txt"
assert_eq "$(complete_words --json "$WORK/files/r")" "$WORK/files/run.json" "--json FILE"
assert_eq "$(complete_words --pprof-dir "$WORK/files/")" "$WORK/files/sub" "--pprof-dir DIR"
assert_eq "$(complete_words diff "$WORK/files/")" "$(printf '%s\n' "$WORK/files/a.folded" "$WORK/files/sub")" \
	"diff: folded files and directories"
pass "bash completion: options, their values, pids for -p, files"

make -s -C "$TOP" uninstall DESTDIR="$dest" PREFIX=/usr >>"$WORK/install.log" 2>&1 ||
	fail "make uninstall: $(cat "$WORK/install.log")"
left=$(cd "$dest" && find . -type f)
assert_eq "$left" "" "files left after uninstall"
pass "make uninstall removes every file install wrote"
