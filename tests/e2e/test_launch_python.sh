#!/usr/bin/env bash
# leaktop -- PYTHON SCRIPT with pyenv's 3.11, whose pymalloc is in a shared libpython named by
# the executable's DT_NEEDED and found through its DT_RUNPATH: probed before the command runs,
# so a script that keeps its blocks in its first instructions and exits at once has them all,
# exact, and leaktop does not say the process ran before its allocator was probed.
. "$(dirname "$0")/lib.sh"
require_root
script=$TOP/tests/e2e/workloads/pystart.py
pyenv_root=${PYENV_ROOT:-/root/.pyenv}
dir=$(ls -d "$pyenv_root"/versions/3.11.* 2>/dev/null | head -1)
[[ -n $dir ]] || fail "pyenv's python 3.11 is missing (pyenv versions)"
line=$(grep -n '# LEAK:keep$' "$script" | cut -d: -f1)

"$LEAKTOP" -i 1 --json "$WORK/launch.json" -- "$dir/bin/python3" "$script" \
	>"$WORK/launch.table" 2>"$WORK/launch.err" &
lt=$!
PIDS+=("$lt")
wait_for "$WORK/launch.err" '^kept' 60 || fail "the script did not run: $(cat "$WORK/launch.err")"
# Two reports after its blocks were kept: its Python frames are named while it lives.
n=$(wc -l <"$WORK/launch.json")
for ((i = 0; i < 300; i++)); do
	(($(wc -l <"$WORK/launch.json") >= n + 2)) && break
	sleep 0.1
done
# The script by its command line (the test may run in a pid namespace of its own, where
# leaktop's pids are not the shell's).
pkill -USR1 -f "^$dir/bin/python3 $script" || fail "the script is gone before its time"
wait "$lt"
rc=$?
assert_eq "$rc" 0 "the command's exit status"
assert_contains "$WORK/launch.err" \
	"probing pymalloc allocator $dir/lib/libpython3.11.so.1.0 before it runs" \
	"libpython found through DT_RUNPATH and probed before the run"
assert_not_contains "$WORK/launch.err" 'ran before its allocator' "nothing ran unprobed"
pid=$("$TOP/tests/e2e/ltjson.py" "$WORK/launch.json" proc pid)
"$TOP/tests/e2e/ltjson.py" "$WORK/launch.json" python "$pid" >"$WORK/launch.sites"
grep -qxF "<module> pystart.py:$line 699000 3000" "$WORK/launch.sites" ||
	fail "want '<module> pystart.py:$line 699000 3000': $(tr '\n' ';' <"$WORK/launch.sites")"
pass "leaktop -- python3.11 (shared libpython): probed before it ran, 699000 B in 3000 blocks exact at the script's first lines"
