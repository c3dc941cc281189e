#!/usr/bin/env bash
# A node process's memory in parts, from a node started with no flags: a service that keeps
# Buffers (external memory grows, its JS heap does not) gets the external verdict, with its
# external memory at the bytes of Buffers it kept (within 5%); a service that keeps plain
# objects (its JS heap grows) gets the JS heap verdict, with its JS heap near the growth V8
# itself reports. The table's node line, the summary and the JSON say so.
. "$(dirname "$0")/lib.sh"
require_root
command -v node >/dev/null || fail "node is missing (node 20 from NodeSource is on this machine)"
script=$TOP/tests/e2e/workloads/jsratios.js

cd "$WORK" || fail "no work dir" # node writes its isolate logs into its working directory

# reports FILE: the JSON reports written so far.
reports() {
	wc -l <"$1" 2>/dev/null || echo 0
}

# run NAME MODE BYTES: the workload keeps MODE's memory from after leaktop attached, until it
# kept BYTES and leaktop wrote 16 reports (8 s) of it, whatever the machine's load: then it
# stops, and leaktop's final report follows. Sets DONE_BYTES and DONE_HEAP ("done" line).
run() {
	local name=$1 mode=$2 bytes=$3 from i
	LEAKER=node start_leaker "$name" "$script" "$mode" "$bytes"
	start_leaktop "$name" -p "$LEAKER_PID" -i 0.5 --json "$WORK/$name.json"
	from=$(reports "$WORK/$name.json")
	kill -USR1 "$LEAKER_PID"
	wait_for "$WORK/$name.out" '^enough' 120 || fail "$name: the workload did not keep $bytes bytes"
	for ((i = 0; i < 2400 && $(reports "$WORK/$name.json") < from + 16; i++)); do
		sleep 0.05
	done
	(($(reports "$WORK/$name.json") >= from + 16)) || fail "$name: leaktop wrote no 16 reports in 120 s"
	kill -USR2 "$LEAKER_PID"
	wait_for "$WORK/$name.out" '^done' 20 || fail "$name: the workload did not stop"
	stop_leaktop
	assert_eq "$LT_RC" 0 "$name: leaktop's exit status"
	ltjson "$WORK/$name.json" validate >/dev/null
	read -r DONE_BYTES DONE_HEAP < <(awk '/^done/ { print $2, $3 }' "$WORK/$name.out")
	kill "$LEAKER_PID"
	wait "$LEAKER_PID" 2>/dev/null
}

# node NAME PID: the final report's node object of process PID, as "FIELD VALUE" lines.
node_of() {
	python3 - "$WORK/$1.json" "$2" <<'PY'
import json, sys
final = [json.loads(l) for l in open(sys.argv[1])][-1]
p = [p for p in final["processes"] if p["pid"] == int(sys.argv[2])][0]
n = p["node"]
print("verdict", n["verdict"])
for part in ("js_heap", "external", "native", "sockets"):
    for k, v in n[part].items():
        print(f"{part}.{k}", v)
PY
}

# field LINES NAME: a field's value from node_of's lines.
field() {
	awk -v f="$2" '$1 == f { print $2 }' <<<"$1"
}

# Buffers: 64 KiB each, 16 MiB at least.
run buffers buffers $((16 << 20))
pid=$LEAKER_PID
got=$(node_of buffers "$pid") || fail "no node object for pid $pid"
echo "$got"
echo "Buffers kept: $DONE_BYTES bytes; V8's heap grew $DONE_HEAP bytes"
assert_eq "$(field "$got" verdict)" external_grows "buffers: the verdict"
assert_eq "$(field "$got" external.trend)" growing "buffers: external memory's trend"
[[ $(field "$got" js_heap.trend) != growing ]] || fail "buffers: the JS heap is called growing"
ext=$(field "$got" external.bytes)
within 5 "$ext" "$DONE_BYTES" || fail "buffers: external memory $ext bytes, the Buffers kept $DONE_BYTES"
assert_contains "$WORK/buffers.table" "^pid $pid (node): JS heap .*, external .* (+[0-9.]* [MG]iB/h), native malloc .*, 0 sockets (+0.0/h); external memory grows while the JS heap is flat: buffers kept from JavaScript$" \
	"buffers: the node line"
assert_contains "$WORK/buffers.table" "^  node: external memory grows +[0-9.]* [MG]iB/h while the JS heap is flat: buffers kept from JavaScript\.$" \
	"buffers: the summary's verdict"
pass "Buffers kept: external memory grows while the JS heap is flat; $ext bytes of $DONE_BYTES kept"

# Objects: V8's heap grows by 16 MiB at least.
run objects objects $((16 << 20))
pid=$LEAKER_PID
got=$(node_of objects "$pid") || fail "no node object for pid $pid"
echo "$got"
echo "V8's heap grew $DONE_HEAP bytes"
assert_eq "$(field "$got" verdict)" js_heap_grows "objects: the verdict"
assert_eq "$(field "$got" js_heap.trend)" growing "objects: the JS heap's trend"
ext=$(field "$got" external.bytes) js=$(field "$got" js_heap.bytes)
((ext < 1 << 20)) || fail "objects: external memory $ext bytes, when no Buffer is kept"
# The JS heap is the pages V8 mapped since attach: near what V8 says its heap grew.
within 10 "$js" "$DONE_HEAP" || fail "objects: the JS heap $js bytes, V8's heap grew $DONE_HEAP"
assert_contains "$WORK/objects.table" "^pid $pid (node): JS heap .* (+[0-9.]* [MG]iB/h), external .*; the JS heap grows: objects kept in JavaScript (use a heap snapshot)$" \
	"objects: the node line"
assert_contains "$WORK/objects.table" "^  node: the JS heap grows +[0-9.]* [MG]iB/h: objects kept in JavaScript (use a heap snapshot)\.$" \
	"objects: the summary's verdict"
pass "objects kept: the JS heap grows ($js bytes; V8's heap grew $DONE_HEAP)"
