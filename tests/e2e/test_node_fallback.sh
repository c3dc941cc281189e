#!/usr/bin/env bash
# A node whose V8 metadata does not validate keeps native frames, exact bytes, and one clear
# line saying why: a copy of node with one v8dbg_* symbol renamed in its dynamic string table.
# Its memory in parts does not need JavaScript frames: its Buffers are external memory, exact.
. "$(dirname "$0")/lib.sh"
require_root
command -v node >/dev/null || fail "node is missing (node 20 from NodeSource is on this machine)"
script=$TOP/tests/e2e/workloads/jsleak.js
sym=v8dbg_class_JSFunction__shared__SharedFunctionInfo

cd "$WORK" || fail "no work dir"
python3 - "$(command -v node)" "$WORK/node" "$sym" <<'PY' || fail "cannot make the patched node"
import sys
data = open(sys.argv[1], "rb").read()
old = sys.argv[3].encode() + b"\0"
assert data.count(old) >= 1  # .dynstr, and .strtab
open(sys.argv[2], "wb").write(data.replace(old, old[:-2] + b"X\0"))
PY
chmod +x "$WORK/node"
LEAKER=$WORK/node start_leaker js "$script"
start_leaktop js -p "$LEAKER_PID" -i 60 --json "$WORK/js.json"
trigger_leaker js "$LEAKER_PID"
stop_leaktop
assert_eq "$LT_RC" 0 "leaktop's exit status"
assert_contains "$WORK/js.err" "pid $LEAKER_PID (node) runs node, but its stacks keep native frames only: its V8 metadata has no $sym$" \
	"one line says why"
[[ $(grep -c "native frames only" "$WORK/js.err") == 1 ]] || fail "the reason is said more than once"
got=$(python3 - "$WORK/js.json" <<'PY'
import json, sys
final = [json.loads(l) for l in open(sys.argv[1])][-1]
assert not any(f["module"] == "js" for s in final["stacks"] for f in s["frames"]), "a JavaScript frame"
print(sum(s["bytes"] for s in final["stacks"] if s["kind"] == "heap" and
          "NodeArrayBufferAllocator" in (s["frames"][0]["function"] or "")))
PY
) || fail "JavaScript frames despite the metadata: $got"
want=$((200 * 65536))
assert_eq "$got" "$want" "Buffer bytes under native frames"
ext=$(python3 - "$WORK/js.json" "$LEAKER_PID" <<'PY'
import json, sys
final = [json.loads(l) for l in open(sys.argv[1])][-1]
print([p for p in final["processes"] if p["pid"] == int(sys.argv[2])][0]["node"]["external"]["bytes"])
PY
) || fail "no node object for a node whose frames stay native"
assert_eq "$ext" "$want" "its external memory: the Buffers"
assert_contains "$WORK/js.table" "^pid $LEAKER_PID (node): JS heap .*, external 12.5 MiB " "its node line"
pass "unvalidated metadata: native frames, $got bytes exact, one line: $(grep 'native frames only' "$WORK/js.err")"
