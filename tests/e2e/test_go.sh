#!/usr/bin/env bash
# A Go program has no malloc: leaktop says plainly that its heap is not traced, attaches
# anyway, and traces its sockets, with the Go function that opened them in the stack.
. "$(dirname "$0")/lib.sh"
require_root

LEAKER=$BIN/goleaker start_leaker go
start_leaktop go-lt -p "$LEAKER_PID" -i 600 --json "$WORK/go.json"
assert_contains "$WORK/go-lt.err" "pid $LEAKER_PID (goleaker) is a Go program: Go's heap is its own, not malloc's, so leaktop does not trace it; its sockets and mappings are traced" \
	"says the heap is not traced"
trigger_leaker go "$LEAKER_PID"
stop_leaktop INT
assert_eq "$LT_RC" 0 "exit status"
json=$WORK/go.json
ltjson "$json" validate >/dev/null
assert_eq "$(ltjson "$json" proc go)" True "the process is marked a Go program"
python3 - "$json" <<'PY' || fail "the Go sockets: $(tail -c 800 "$json")"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
tcp = [s for s in r["stacks"] if s["kind"] == "tcp"]
assert sum(s["count"] for s in tcp) == 7, tcp
assert all(any(f["function"] == "main.leakSockets" for f in s["frames"]) for s in tcp), tcp
assert not [s for s in r["stacks"] if s["kind"] == "heap"], "no heap rows"
PY
assert_contains "$WORK/go-lt.table" "a Go program: its heap is Go's own, not traced" "the summary says so"
pass "Go: heap not traced, said; 7 TCP sockets traced to main.leakSockets"
