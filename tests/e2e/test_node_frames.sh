#!/usr/bin/env bash
# JavaScript frames in node's stacks, from a node started with no flags: Buffers leaked from a
# named function, a class method, an arrow function, an async function after an await, a
# timer callback and a function whose source positions V8 built, each at its own size, and
# Unix sockets kept open by net.connect in a named function. Each kind's bytes (at least 95% of
# the truth, and no more than it), or its socket count, are under a JavaScript frame named
# after its function, in this script, at a line inside the function (the allocating line
# itself where V8 built the positions: from the frame's bytecode offset). The summary names
# the JavaScript frame first. Then the same with a perf map written (--perf-basic-prof): the
# frames V8's own metadata names stay named so. All of it on every Node.js release of
# tools/node-versions (node 18, 20, 22 and 24: V8 10.2, 11.3, 12.4 and 13.6), side by side in
# /opt/leaktop (tools/deps.sh); a missing one fails the test.
. "$(dirname "$0")/lib.sh"
require_root
node_releases frames
script=$TOP/tests/e2e/workloads/jsframes.js
N=40 SOCKS=25

cd "$WORK" || fail "no work dir" # node writes its isolate logs into its working directory

check() { # check NAME JSON EXACT: every kind under its function (EXACT: kinds at their leaking line)
	python3 - "$2" "$script" "$N" "$SOCKS" "$3" <<'PY' || fail "$1: JavaScript frames wrong (above)"
import json, re, sys
path, script, n, socks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
exact = set(sys.argv[5].split())
lines = open(script).read().split("\n")
first = {m.group(1): i + 1 for i, l in enumerate(lines) for m in [re.search(r"FN:(\w+)", l)] if m}
leak = {m.group(1): i + 1 for i, l in enumerate(lines) for m in [re.search(r"LEAK:(\w+)", l)] if m}
names = {"named": "leakNamed", "method": "store", "arrow": "leakArrow", "async": "leakAsync",
         "timer": "(anonymous)", "line": "leakAtLine", "socket": "openSockets"}
sizes = {"named": 64, "method": 68, "arrow": 72, "async": 76, "timer": 80, "line": 84}
final = [json.loads(l) for l in open(path)][-1]
bad = []

def js_frames(s):
    return [f for f in s["frames"] if f["module"] == "js"]

def under(s, kind):
    # Its function's frame, in this script, at a line from its first to its leaking one.
    lo = leak[kind] if kind in exact else first[kind]
    for f in js_frames(s):
        if f["function"] == names[kind] and f.get("file") == script and \
           lo <= f["line"] <= leak[kind]:
            return True
    return False

for kind, kb in sizes.items():
    want = n * kb * 1024
    # The Buffers' own bytes: blocks from node's ArrayBuffer allocator (their C++ bookkeeping,
    # also under the function, is not what the workload counts).
    got = sum(s["bytes"] for s in final["stacks"] if s["kind"] == "heap" and under(s, kind) and
              "NodeArrayBufferAllocator" in (s["frames"][0]["function"] or ""))
    ok = want * 95 // 100 <= got <= want
    lines = f"{leak[kind]}" if kind in exact else f"{first[kind]}..{leak[kind]}"
    print(f"{kind}: {got} of {want} bytes under {names[kind]} "
          f"({script}:{lines}){'' if ok else '  <-- WRONG'}")
    if not ok:
        bad.append(kind)
got = sum(s["count"] for s in final["stacks"] if s["kind"] == "unix" and under(s, "socket"))
print(f"socket: {got} of {socks} Unix sockets under openSockets{'' if got == socks else '  <-- WRONG'}")
if got != socks:
    bad.append("socket")
js = final.get("javascript", {})
print(f"javascript: {js}")
# Every function above named (and node's own), none left native.
if not js.get("frames") or js.get("functions_named", 0) < 7 or js.get("frames_unnamed") != 0:
    bad.append("javascript counters")
if bad:
    for s in sorted(final["stacks"], key=lambda s: -s["bytes"])[:6]:
        print(s["kind"], s["bytes"], s["count"], [(f["function"], f.get("file"), f.get("line"))
                                                  for f in js_frames(s)][:4])
    sys.exit(1)
PY
}

run() { # run NAME NODE V8 INTERVAL EXACT [node flags...]
	local name=$1 node=$2 v8=$3 interval=$4 exact=$5
	shift 5
	rm -f "$WORK/jsframes.sock"
	LEAKER=$node start_leaker "$name" "$@" "$script" "$WORK"
	# Room for every kind's stacks (a function's interpreted and baseline frames are two).
	start_leaktop "$name" -v -n 30 -p "$LEAKER_PID" -i "$interval" --json "$WORK/$name.json"
	trigger_leaker "$name" "$LEAKER_PID"
	# A table after the leaks: its growth section names each stack by one frame.
	((interval < 5)) && sleep $((interval + 1))
	stop_leaktop
	assert_eq "$LT_RC" 0 "leaktop's exit status ($name)"
	assert_not_contains "$WORK/$name.err" "native frames only" "node's metadata validated ($name)"
	assert_contains "$WORK/$name.err" "pid $LEAKER_PID: V8 $v8, JavaScript frames in its stacks" \
		"leaktop follows V8 $v8 ($name)"
	check "$name" "$WORK/$name.json" "$exact"
	kill "$LEAKER_PID" 2>/dev/null
	wait "$LEAKER_PID" 2>/dev/null
}

ran=()
for i in "${!NODE_BINS[@]}"; do
	node=${NODE_BINS[$i]} version=${NODE_VERSIONS[$i]}
	v8=$("$node" -p 'process.versions.v8.split(".").slice(0, 2).join(".")') ||
		fail "$node does not run"
	n=node${version%%.*}
	echo "=== node $version (V8 $v8): $node"
	# The function whose source positions V8 built is at its leaking line: its frame is the
	# interpreter's (with a perf map, V8 gives each function its own copy of the interpreter,
	# and the frame does not say its offset: it is at a line of the function).
	run "$n-plain" "$node" "$v8" 1 line
	# The growth section (as the summary) leads with the program's own innermost JavaScript
	# frame: each kind's function, at a line inside it (its first where the frame did not say
	# its offset, a baseline or optimized frame; else the allocating one).
	sed -n '/^HEAP: GROWTH SINCE/,/^$/p' "$WORK/$n-plain.table" | grep '^ *[0-9]* *+' >"$WORK/$n.growth"
	for f in leakNamed:named store:method leakArrow:arrow leakAtLine:line leakAsync:async \
		"(anonymous):timer"; do
		fn=${f%:*} kind=${f##*:}
		lines=$(awk -v k="$kind" '$0 ~ "FN:" k "$" { a = NR } $0 ~ "LEAK:" k "$" { b = NR }
			END { for (i = a; i <= b; i++) printf "%s%d", (i > a ? "|" : ""), i }' "$script")
		re=$(sed 's/[()]/\\&/g' <<<"$fn")
		grep -qE " $re \(jsframes\.js:($lines)\)  \(#[0-9]+ above\)$" "$WORK/$n.growth" ||
			fail "the growth section does not lead with $fn at a line of jsframes.js's $lines ($n)"
	done
	assert_contains "$WORK/$n-plain.table" "^javascript: [0-9]* stacks walked, [0-9.]* JavaScript frames on average" \
		"the footer's javascript line ($n)"

	run "$n-perfmap" "$node" "$v8" 60 "" --perf-basic-prof --interpreted-frames-native-stack
	rm -f "/tmp/perf-$LEAKER_PID.map"
	ran+=("node $version (V8 $v8, $node)")
done
pass "JavaScript frames: six kinds of function and a socket leak under their functions, with and without a perf map, on $(IFS=';'; echo "${ran[*]}" | sed 's/;/, /g')"
