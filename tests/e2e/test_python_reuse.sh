#!/usr/bin/env bash
# A code object freed and another made at its address must not lend it its name. Twenty
# functions, made and deleted one after the other, each keep one block of its own size; most
# of their code objects share an address. Every block leaktop names must be named after the
# function that made it ([python code freed] when that one is gone before leaktop read it).
. "$(dirname "$0")/lib.sh"
require_root
script=$TOP/tests/e2e/workloads/pyreuse.py

for py in /usr/bin/python3.11 "$(ls -d "${PYENV_ROOT:-/root/.pyenv}"/versions/3.12.* | head -1)/bin/python3.12"; do
	name=$(basename "$py")
	LEAKER=$py start_leaker "$name" "$script"
	pid=$LEAKER_PID
	trace_leak "$name" "$pid" -p "$pid" -i 60 --json "$WORK/$name.json"
	addrs=$(awk '$1 == "code" { print $3 }' "$WORK/$name.out" | sort -u | wc -l)
	((addrs < 20)) || fail "$name: the 20 code objects had 20 addresses: nothing to test"
	"$TOP/tests/e2e/ltjson.py" "$WORK/$name.json" python "$pid" >"$WORK/$name.sites"
	freed=$(awk '/^\[python code freed\] / { n += $NF } END { print n + 0 }' "$WORK/$name.sites")
	named=0
	while read -r func where bytes count; do
		[[ $where == '<gen-'* ]] || continue
		k=${func#gen_}
		assert_eq "$where" "<gen-$k>:2" "$func's file and line"
		assert_eq "$bytes $count" "$((33 + 1000 + 100 * k)) 1" "$func's block"
		named=$((named + 1))
	done <"$WORK/$name.sites"
	((named + freed == 20)) || fail "$name: $named named and $freed freed, of 20 blocks"
	assert_eq "$(grep -c '^gen_19 ' "$WORK/$name.sites")" 1 "$name: the last function, which lives, named"
	pass "$name: 20 code objects on $addrs addresses: $named blocks named right, $freed as freed code, none wrong"
done
