#!/usr/bin/env bash
# JavaScript frames when V8's garbage collector reuses addresses: 14 rounds of 250 functions of
# one shape (same length, parameter count and token offset), each alone in its own script and
# leaking one Buffer of its round's size, each round dropped before the next is made, so that
# later functions and scripts land where earlier ones were. No Buffer may be counted under a
# function of another round (a stack keyed by the function's address and a checksum of its shape
# merged them), and no function may be shown in another function's script (scripts were cached
# by address). Functions freed before leaktop named them keep their native frames, as they
# should; the last round's, alive at the end, must each be exact, in its own script. And a
# function made by eval (a script with no name) leads its rows as <anonymous>'s, not passed
# over as one of V8's builtins ("(native)").
. "$(dirname "$0")/lib.sh"
require_root
command -v node >/dev/null || fail "node is missing (node 20 from NodeSource is on this machine)"
script=$TOP/tests/e2e/workloads/jsreuse.js
K=250 R=14

cd "$WORK" || fail "no work dir"
LEAKER=node start_leaker reuse --expose-gc "$script" "$K" "$R"
start_leaktop reuse -p "$LEAKER_PID" -i 1 --max-stacks 65536 --json "$WORK/reuse.json"
trigger_leaker reuse "$LEAKER_PID"
# A table's growth section (rank, growth, held, lead frame): leakEval's row leads with its own.
row='^ *[0-9]* *+[0-9.]* [KMG]\{0,1\}i\{0,1\}B *[0-9.]* [KMG]\{0,1\}i\{0,1\}B  '
wait_for "$WORK/reuse.table" "${row}leakEval (<anonymous>:1)" 60 ||
	fail "the growth section does not lead with the function made by eval: $(grep "${row}.*leakEval\|${row}Uint8Array" "$WORK/reuse.table" | head -n 1)"
stop_leaktop
assert_eq "$LT_RC" 0 "leaktop's exit status"
assert_contains "$WORK/reuse.table" "^drops: none" "nothing dropped"
python3 - "$WORK/reuse.json" "$K" "$R" <<'PY' || fail "JavaScript frames misattributed (above)"
import json, re, sys
path, k, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
final = [json.loads(l) for l in open(path)][-1]
KB = 1024
wrong_round = wrong_file = last = last_bytes = native = 0
for s in final["stacks"]:
    if s["kind"] != "heap" or s["count"] <= 0 or s["bytes"] < s["count"] * 64 * KB:
        continue  # the Buffers only: every one is 64 KiB or more
    own = [f for f in s["frames"] if f["module"] == "js" and re.fullmatch(r"r\d\d_\d{5}", f["function"] or "")]
    if not own:
        native += s["count"]  # freed before it was named, or leakEval's
        continue
    f = own[0]
    r = int(f["function"][1:3])
    if s["bytes"] != s["count"] * (64 + r) * KB:
        wrong_round += s["count"]
        if wrong_round < 5:
            print(f"{f['function']}: {s['bytes']} bytes in {s['count']} blocks, not all of round {r}")
    elif f.get("file") != "?" and f["file"].rsplit("/", 1)[-1] != f["function"] + ".js":
        wrong_file += s["count"]
        if wrong_file < 5:
            print(f"{f['function']} said to be in {f['file']}")
    elif r == rounds - 1 and f.get("file", "").rsplit("/", 1)[-1] == f["function"] + ".js":
        last += s["count"]
        last_bytes += s["bytes"]
print(f"blocks under another round's function: {wrong_round}; in another function's script: "
      f"{wrong_file}; the last round's, exact: {last} of {k} ({last_bytes} bytes); not named: {native}")
want = k * (64 + rounds - 1) * KB
sys.exit(0 if wrong_round == 0 and wrong_file == 0 and last == k and last_bytes == want else 1)
PY
pass "JavaScript frames under address reuse: no block under another function, no function in another's script, the last $K exact; eval's function leads as <anonymous>'s"
