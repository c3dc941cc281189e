#!/usr/bin/env bash
# A node whose V8 release leaktop has not read the layouts of (tools/node-versions' "refused"
# releases: node 26, V8 14.6) keeps native frames, with exact bytes, and one line that says
# which release it runs and which leaktop supports. Each runs a named function leaking 200
# Buffers of 64 KiB, started with no flags.
. "$(dirname "$0")/lib.sh"
require_root
node_releases refused
script=$TOP/tests/e2e/workloads/jsleak.js
want=$((200 * 65536))

cd "$WORK" || fail "no work dir"
ran=()
for i in "${!NODE_BINS[@]}"; do
	node=${NODE_BINS[$i]} version=${NODE_VERSIONS[$i]}
	v8=$("$node" -p 'process.versions.v8.split(".").slice(0, 2).join(".")') ||
		fail "$node does not run"
	n=node${version%%.*}
	echo "=== node $version (V8 $v8): $node"
	LEAKER=$node start_leaker "$n" "$script"
	start_leaktop "$n" -p "$LEAKER_PID" -i 60 --json "$WORK/$n.json"
	trigger_leaker "$n" "$LEAKER_PID"
	stop_leaktop
	assert_eq "$LT_RC" 0 "leaktop's exit status ($n)"
	# The process's name is its main thread's: "node", or "node-MainThread" (node 26).
	line=") runs node, but its stacks keep native frames only: V8 $v8 is not supported (V8 10.2, 11.3, 12.4 and 13.6, of node 18, 20, 22 and 24, are)"
	awk -v p="leaktop: warning: pid $LEAKER_PID (" -v s="$line" \
		'index($0, p) == 1 && substr($0, length($0) - length(s) + 1) == s { ok = 1 } END { exit !ok }' \
		"$WORK/$n.err" || fail "the reason, in one line ($n): '$line' not in $WORK/$n.err"
	[[ $(grep -c "native frames only" "$WORK/$n.err") == 1 ]] || fail "the reason is said more than once ($n)"
	got=$(python3 - "$WORK/$n.json" <<'PY'
import json, sys
final = [json.loads(l) for l in open(sys.argv[1])][-1]
assert not any(f["module"] == "js" for s in final["stacks"] for f in s["frames"]), "a JavaScript frame"
assert final.get("javascript", {}).get("frames", 0) == 0, "JavaScript frames counted"
print(sum(s["bytes"] for s in final["stacks"] if s["kind"] == "heap" and
          "NodeArrayBufferAllocator" in (s["frames"][0]["function"] or "")))
PY
	) || fail "JavaScript frames in a refused release ($n): $got"
	assert_eq "$got" "$want" "Buffer bytes under native frames ($n)"
	kill "$LEAKER_PID" 2>/dev/null
	wait "$LEAKER_PID" 2>/dev/null
	ran+=("node $version (V8 $v8, $node: $got bytes exact)")
done
pass "refused releases keep native frames, exact bytes and one line: $(IFS=';'; echo "${ran[*]}" | sed 's/;/, /g')"
