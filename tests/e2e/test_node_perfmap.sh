#!/usr/bin/env bash
# JIT code named from the process's perf map: node started with --perf-basic-prof (and
# --interpreted-frames-native-stack) writes /tmp/perf-PID.map; leaktop names its frames from
# it. leaktop says how V8's own heap shows with JavaScript frames off. A named function leaks
# 200 Buffers of 64 KiB: their bytes (at least 95% of the truth) are under a frame named after
# the function and its script.
. "$(dirname "$0")/lib.sh"
require_root
command -v node >/dev/null || fail "node is missing (node 20 from NodeSource is on this machine)"
script=$TOP/tests/e2e/workloads/jsleak.js

cd "$WORK" || fail "no work dir" # node writes its isolate log into its working directory
LEAKER=node start_leaker js --perf-basic-prof --interpreted-frames-native-stack "$script"
pid=$LEAKER_PID
# JavaScript frames off: the perf map alone names the JIT frames here.
start_leaktop js -p "$pid" -i 60 --config javascript=off --json "$WORK/js.json"
trigger_leaker js "$pid"
sleep 0.5
stop_leaktop
assert_eq "$LT_RC" 0 "leaktop's exit status"
assert_contains "$WORK/js.err" "tracing pid $pid (node) .*(node: its JS heap shows as the mappings V8 makes from now on, beside Buffers, ArrayBuffers, native memory and sockets)" \
	"says once how the JS heap shows"
[[ -s /tmp/perf-$pid.map ]] || fail "node wrote no perf map"
# Heap bytes of every stack with a JIT frame named after leakBuffer in this script.
got=$(python3 - "$WORK/js.json" "$script" <<'PY'
import json, sys
final = [json.loads(l) for l in open(sys.argv[1])][-1]
total = 0
for s in final["stacks"]:
    if s["kind"] == "heap" and any(f["module"] == "jit" and "leakBuffer " + sys.argv[2] in (f["function"] or "")
                                   for f in s["frames"]):
        total += s["bytes"]
print(total)
PY
)
want=$((200 * 65536))
((got * 100 >= want * 95)) || fail "$got bytes under leakBuffer's JIT frame, want at least 95% of $want"
((got <= want * 105 / 100)) || fail "$got bytes under leakBuffer's JIT frame, more than the truth $want"
rm -f "/tmp/perf-$pid.map"
pass "perf map: $got of $want bytes under leakBuffer ($script)"
