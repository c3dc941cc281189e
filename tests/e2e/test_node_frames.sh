#!/usr/bin/env bash
# JavaScript frames in node's stacks, from a node started with no flags: Buffers leaked from a
# named function, a class method, an arrow function, an async function after an await and a
# timer callback, each at its own size, and Unix sockets kept open by net.connect in a named
# function. Each kind's bytes (at least 95% of the truth, and no more than it), or its socket
# count, are under a JavaScript frame named after its function, in this script, at a line
# inside the function. The summary names the JavaScript frame first. Then the same with a perf
# map written (--perf-basic-prof): the frames V8's own metadata names stay named so.
. "$(dirname "$0")/lib.sh"
require_root
command -v node >/dev/null || fail "node is missing (node 20 from NodeSource is on this machine)"
script=$TOP/tests/e2e/workloads/jsframes.js
N=40 SOCKS=25

cd "$WORK" || fail "no work dir" # node writes its isolate logs into its working directory

check() { # check NAME JSON: every kind under its function
	python3 - "$2" "$script" "$N" "$SOCKS" <<'PY' || fail "$1: JavaScript frames wrong (above)"
import json, re, sys
path, script, n, socks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines = open(script).read().split("\n")
first = {m.group(1): i + 1 for i, l in enumerate(lines) for m in [re.search(r"FN:(\w+)", l)] if m}
leak = {m.group(1): i + 1 for i, l in enumerate(lines) for m in [re.search(r"LEAK:(\w+)", l)] if m}
names = {"named": "leakNamed", "method": "store", "arrow": "leakArrow", "async": "leakAsync",
         "timer": "(anonymous)", "socket": "openSockets"}
sizes = {"named": 64, "method": 68, "arrow": 72, "async": 76, "timer": 80}
final = [json.loads(l) for l in open(path)][-1]
bad = []

def js_frames(s):
    return [f for f in s["frames"] if f["module"] == "js"]

def under(s, kind):
    # Its function's frame, in this script, at a line from its first to its leaking one.
    for f in js_frames(s):
        if f["function"] == names[kind] and f.get("file") == script and \
           first[kind] <= f["line"] <= leak[kind]:
            return True
    return False

for kind, kb in sizes.items():
    want = n * kb * 1024
    # The Buffers' own bytes: blocks from node's ArrayBuffer allocator (their C++ bookkeeping,
    # also under the function, is not what the workload counts).
    got = sum(s["bytes"] for s in final["stacks"] if s["kind"] == "heap" and under(s, kind) and
              "NodeArrayBufferAllocator" in (s["frames"][0]["function"] or ""))
    ok = want * 95 // 100 <= got <= want
    print(f"{kind}: {got} of {want} bytes under {names[kind]} "
          f"({script}:{first[kind]}..{leak[kind]}){'' if ok else '  <-- WRONG'}")
    if not ok:
        bad.append(kind)
got = sum(s["count"] for s in final["stacks"] if s["kind"] == "unix" and under(s, "socket"))
print(f"socket: {got} of {socks} Unix sockets under openSockets{'' if got == socks else '  <-- WRONG'}")
if got != socks:
    bad.append("socket")
js = final.get("javascript", {})
print(f"javascript: {js}")
# Every function above named (and node's own), none left native.
if not js.get("frames") or js.get("functions_named", 0) < 6 or js.get("frames_unnamed") != 0:
    bad.append("javascript counters")
if bad:
    for s in sorted(final["stacks"], key=lambda s: -s["bytes"])[:6]:
        print(s["kind"], s["bytes"], s["count"], [(f["function"], f.get("file"), f.get("line"))
                                                  for f in js_frames(s)][:4])
    sys.exit(1)
PY
}

run() { # run NAME INTERVAL [node flags...]
	local name=$1 interval=$2
	shift 2
	rm -f "$WORK/jsframes.sock"
	LEAKER=node start_leaker "$name" "$@" "$script" "$WORK"
	start_leaktop "$name" -p "$LEAKER_PID" -i "$interval" --json "$WORK/$name.json"
	trigger_leaker "$name" "$LEAKER_PID"
	# A table after the leaks: its growth section names each stack by one frame.
	((interval < 5)) && sleep $((interval + 1))
	stop_leaktop
	assert_eq "$LT_RC" 0 "leaktop's exit status ($name)"
	assert_not_contains "$WORK/$name.err" "native frames only" "node's metadata validated ($name)"
	check "$name" "$WORK/$name.json"
	kill "$LEAKER_PID" 2>/dev/null
	wait "$LEAKER_PID" 2>/dev/null
}

run plain 1
# The growth section (as the summary) leads with the program's own innermost JavaScript frame.
sed -n '/^HEAP: GROWTH SINCE/,/^$/p' "$WORK/plain.table" | grep '^ *[0-9]* *+' >"$WORK/growth"
for f in "leakNamed (jsframes.js:13)" "store (jsframes.js:18)" "leakArrow (jsframes.js:24)" \
	"leakAsync (jsframes.js:28)" "(anonymous) (jsframes.js:51)"; do
	assert_contains "$WORK/growth" " $f  (#[0-9]* above)$" "the growth section leads with $f"
done
assert_contains "$WORK/plain.table" "^javascript: [0-9]* stacks walked, [0-9.]* JavaScript frames on average" \
	"the footer's javascript line"

run perfmap 60 --perf-basic-prof --interpreted-frames-native-stack
rm -f "/tmp/perf-$LEAKER_PID.map"
pass "JavaScript frames: five kinds of function and a socket leak under their functions, with and without a perf map"
