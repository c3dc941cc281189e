#!/usr/bin/env bash
# Output paths that are not plain files. A device or a FIFO is written in place, never replaced
# by a regular file; a write error there fails the run, named. A symbolic link's target is
# replaced, the link kept. A path leaktop cannot write is refused at start, before attaching.
# A full stdout is said. The devices are this test's own (mknod in its work directory): the
# real /dev/null is never an output here.
. "$(dirname "$0")/lib.sh"
require_root

mknod "$WORK/full" c 1 7 || skip "cannot make device nodes in $WORK"
mknod "$WORK/null" c 1 3
mkdir "$WORK/dir"
echo old >"$WORK/target.svg"
ln -s target.svg "$WORK/link.svg"
ln -s "$WORK/absent.folded" "$WORK/dangling.folded"

# is_device PATH MAJOR,MINOR: still the character device it was made as.
is_device() {
	[[ $(stat -c '%F %t,%T' "$1") == "character special file $(printf '%x,%x' "${2%,*}" "${2#*,}")" ]] ||
		fail "$1 is no longer a character device $2: $(stat -c '%F' "$1")"
}

# lines_matching FILE PATTERN: how many lines match.
lines_matching() {
	grep -c -- "$2" "$1"
}

start_leaker leaker 50

# One run, four outputs: a null device, a symlink to a file, a dangling symlink, a FIFO with
# a reader. All written, none replaced.
mkfifo "$WORK/fifo"
timeout 60 cat "$WORK/fifo" >"$WORK/fifo.got" &
reader=$!
PIDS+=("$reader")
start_leaktop good -p "$LEAKER_PID" -i 600 --bytes --folded "$WORK/null" \
	--svg "$WORK/link.svg" --pprof "$WORK/fifo"
trigger_leaker leaker "$LEAKER_PID"
stop_leaktop INT
assert_eq "$LT_RC" 0 "devices, links, FIFO: exit status"
is_device "$WORK/null" 1,3
[[ -L $WORK/link.svg && $(readlink "$WORK/link.svg") == target.svg ]] ||
	fail "link.svg is no longer the link to target.svg: $(stat -c '%F' "$WORK/link.svg")"
assert_contains "$WORK/target.svg" '^<svg' "the link's target holds the flame graph"
[[ -p $WORK/fifo ]] || fail "the FIFO was replaced: $(stat -c '%F' "$WORK/fifo")"
wait "$reader"
assert_eq "$(od -An -tx1 -N2 "$WORK/fifo.got" | tr -d ' ')" 1f8b "the FIFO's reader got the gzipped pprof"
ls "$WORK" | grep -q '\.tmp\.' && fail "temporary files left: $(ls "$WORK")"
pass "folded to a null device, SVG through a symlink, pprof into a FIFO: written, none replaced"

start_leaktop dangling -p "$LEAKER_PID" -i 600 --bytes --folded "$WORK/dangling.folded"
stop_leaktop INT
assert_eq "$LT_RC" 0 "dangling link: exit status"
[[ -L $WORK/dangling.folded ]] || fail "the dangling link was replaced"
[[ -f $WORK/absent.folded && ! -L $WORK/absent.folded ]] || fail "the file the link names was not created"
pass "a dangling symlink: the file it names is created, the link kept"

# A full device: the write error fails the run, with the path and the reason; the other files
# are still written, and the device stays a device. (Nothing leaks in this session: a flame
# graph and a pprof profile have bytes even then, an empty folded file would not.)
start_leaktop full -p "$LEAKER_PID" -i 600 --bytes --pprof "$WORK/full" --svg "$WORK/after-full.svg"
stop_leaktop INT
assert_eq "$LT_RC" 1 "--pprof onto a full device: exit status"
assert_contains "$WORK/full.err" "error: failed to write $WORK/full: No space left on device" \
	"--pprof onto a full device: message"
is_device "$WORK/full" 1,7
assert_contains "$WORK/after-full.svg" '^<svg' "the SVG beside the failed file"
pass "--pprof onto a full device: $(grep error: "$WORK/full.err")"

start_leaktop json-full -p "$LEAKER_PID" -i 600 --json "$WORK/full"
stop_leaktop INT
assert_eq "$LT_RC" 1 "--json onto a full device: exit status"
assert_contains "$WORK/json-full.err" "error: failed to write $WORK/full: No space left on device" \
	"--json onto a full device: message"
is_device "$WORK/full" 1,7
pass "--json onto a full device: $(grep error: "$WORK/json-full.err")"

# Refused at start: each file option onto a directory, --pprof-dir onto a file. One error
# line, exit 1, and nothing attached (the trace would have been lost at exit).
for opt in --folded --svg --pprof --json; do
	timeout 20 "$LEAKTOP" -p "$LEAKER_PID" -i 600 "$opt" "$WORK/dir" >"$WORK/start.out" 2>"$WORK/start.err"
	rc=$?
	assert_eq "$rc" 1 "$opt onto a directory: exit status"
	assert_contains "$WORK/start.err" "error: cannot write $WORK/dir: Is a directory" "$opt onto a directory: message"
	assert_not_contains "$WORK/start.err" 'attached' "$opt onto a directory: refused before attaching"
	assert_eq "$(lines_matching "$WORK/start.err" .)" 1 "$opt onto a directory: one line"
	[[ -d $WORK/dir ]] || fail "$opt: the directory was replaced"
done
timeout 20 "$LEAKTOP" -p "$LEAKER_PID" -i 600 --pprof-dir "$WORK/target.svg" >"$WORK/start.out" 2>"$WORK/start.err"
assert_eq "$?" 1 "--pprof-dir onto a file: exit status"
assert_contains "$WORK/start.err" "error: --pprof-dir $WORK/target.svg: not a directory" "--pprof-dir onto a file"
assert_not_contains "$WORK/start.err" 'attached' "--pprof-dir onto a file: refused before attaching"
pass "a directory for --folded, --svg, --pprof or --json, or a file for --pprof-dir: refused at start"

# stdout onto a full device: one line says what failed.
timeout 30 "$LEAKTOP" -p "$LEAKER_PID" -d 1 >"$WORK/full" 2>"$WORK/stdout.err"
assert_eq "$?" 1 "stdout onto a full device: exit status"
assert_contains "$WORK/stdout.err" "error: cannot write the table to stdout: No space left on device" \
	"stdout onto a full device: message"
assert_eq "$(lines_matching "$WORK/stdout.err" error:)" 1 "stdout onto a full device: one error line"
is_device "$WORK/full" 1,7
"$LEAKTOP" --help >"$WORK/full" 2>"$WORK/help.err"
assert_eq "$?" 1 "--help onto a full device: exit status"
assert_contains "$WORK/help.err" "error: cannot write to stdout: No space left on device" "--help onto a full device"
pass "stdout onto a full device: $(grep error: "$WORK/stdout.err")"
kill "$LEAKER_PID"

# leaktop diff --folded: the same rules.
printf 'main;a 10\n' >"$WORK/before.folded"
printf 'main;a 30\n' >"$WORK/after.folded"
"$LEAKTOP" diff --folded "$WORK/full" "$WORK/before.folded" "$WORK/after.folded" \
	>"$WORK/diff.out" 2>"$WORK/diff.err"
assert_eq "$?" 1 "diff --folded onto a full device: exit status"
assert_contains "$WORK/diff.err" "error: cannot write $WORK/full: No space left on device" \
	"diff --folded onto a full device: message"
is_device "$WORK/full" 1,7
"$LEAKTOP" diff --folded "$WORK/null" "$WORK/before.folded" "$WORK/after.folded" \
	>"$WORK/diff.out" 2>"$WORK/diff.err"
assert_eq "$?" 0 "diff --folded onto a null device: exit status"
is_device "$WORK/null" 1,3
ln -s diff-target.folded "$WORK/diff-link.folded"
"$LEAKTOP" diff --folded "$WORK/diff-link.folded" "$WORK/before.folded" "$WORK/after.folded" \
	>"$WORK/diff.out" 2>"$WORK/diff.err"
assert_eq "$?" 0 "diff --folded through a symlink: exit status"
[[ -L $WORK/diff-link.folded ]] || fail "diff --folded replaced the symlink"
assert_eq "$(cat "$WORK/diff-target.folded")" "main;a 10 30" "diff --folded: the link's target"
"$LEAKTOP" diff --folded "$WORK/dir" "$WORK/before.folded" "$WORK/after.folded" \
	>"$WORK/diff.out" 2>"$WORK/diff.err"
assert_eq "$?" 1 "diff --folded onto a directory: exit status"
assert_contains "$WORK/diff.err" "error: cannot write $WORK/dir: Is a directory" "diff --folded onto a directory"
[[ -s $WORK/diff.out ]] && fail "diff --folded onto a directory: the table was printed before the refusal"
pass "leaktop diff --folded: a full device fails, a null device and a symlink's target are written, a directory is refused first"
