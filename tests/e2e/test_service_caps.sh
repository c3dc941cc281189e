#!/usr/bin/env bash
# The systemd unit (tools/leaktop.service): systemd-analyze accepts it; its ExecStart, run with
# exactly its CapabilityBoundingSet, traces a service that belongs to another user and whose
# program only that user may read, names the leaking function, and serves /metrics; and
# without any one of those capabilities it cannot: each is needed.
. "$(dirname "$0")/lib.sh"
require_root
unit=$TOP/tools/leaktop.service
command -v setpriv >/dev/null || fail "setpriv is missing (make deps installs util-linux)"

# systemd-analyze checks the unit, with leaktop's path here in place of the installed one.
sed "s|/usr/local/sbin/leaktop|$LEAKTOP|" "$unit" >"$WORK/leaktop.service"
systemd-analyze verify "$WORK/leaktop.service" >"$WORK/verify.out" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$WORK/verify.out")"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
ambient=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
assert_eq "$ambient" "$caps" "ambient capabilities are the bounding set"

# A service run by nobody from a program only nobody may read.
svc=$(mktemp -d /tmp/leaktop-svc.XXXXXX)
chmod 755 "$svc"
cp "$BIN/growth" "$svc/growth"
chown nobody:nogroup "$svc/growth"
chmod 700 "$svc/growth"
trap 'rm -rf "$svc"; cleanup' EXIT

# setpriv's form of a capability list: -all,+bpf,+perfmon,...
bounding() {
	local out=-all c
	for c in "$@"; do
		c=${c,,}
		out+=",+${c#cap_}"
	done
	echo "$out"
}

# run_with NAME CAP...: the unit's ExecStart, with -p instead of --all, under exactly CAP...
run_with() {
	local name=$1 port
	shift
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	: >"$WORK/$name.out"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$svc/growth" steady >"$WORK/$name.out" 2>&1 &
	SVC=$!
	PIDS+=("$SVC")
	wait_for "$WORK/$name.out" '^ready' 10 || fail "$name: the service did not start"
	mkdir -p "$WORK/$name.profiles"
	# The unit's own options, with its paths here and a duration.
	# shellcheck disable=SC2046
	setpriv --bounding-set="$(bounding "$@")" --inh-caps=-all -- \
		"$LEAKTOP" -p "$SVC" --quiet --prometheus "127.0.0.1:$port" -i 1 -d 60 \
		--pprof-dir "$WORK/$name.profiles" --pprof-every 60 --pprof-keep 60 \
		--json "$WORK/$name.json" >"$WORK/$name.table" 2>"$WORK/$name.err" &
	LT=$!
	# Readiness, not sleeps: attached, then leaking, then a scrape that has the service.
	# (Without a capability it needs, leaktop exits instead: RC says so below.)
	for ((i = 0; i < 300; i++)); do
		grep -q '^leaktop: attached' "$WORK/$name.err" && break
		kill -0 "$LT" 2>/dev/null || break
		sleep 0.1
	done
	kill -USR1 "$SVC"
	for ((i = 0; i < 150; i++)); do
		curl -sf -m 2 "http://127.0.0.1:$port/metrics" -o "$WORK/$name.metrics" &&
			grep -q "leaktop_heap_outstanding_bytes{pid=\"$SVC\"" "$WORK/$name.metrics" && break
		kill -0 "$LT" 2>/dev/null || break
		sleep 0.2
	done
	kill -INT "$LT" 2>/dev/null
	wait "$LT"
	RC=$?
	kill "$SVC"
}

read -ra all <<<"$caps"
run_with full "${all[@]}"
assert_eq "$RC" 0 "with the unit's capabilities: exit status ($(tail -2 "$WORK/full.err"))"
grep -q "leaktop_heap_outstanding_bytes{pid=\"$SVC\",comm=\"growth\"" "$WORK/full.metrics" ||
	fail "with the unit's capabilities: no metrics for the service"
grep -q '"function":"leak_steady"' "$WORK/full.json" ||
	fail "with the unit's capabilities: leak_steady is not named"
pass "the unit's capabilities ($caps): the service traced, leak_steady named, /metrics served"

for drop in "${all[@]}"; do
	keep=()
	for c in "${all[@]}"; do
		[[ $c == "$drop" ]] || keep+=("$c")
	done
	run_with "no-$drop" "${keep[@]}"
	if ((RC == 0)) && grep -q '"function":"leak_steady"' "$WORK/no-$drop.json"; then
		fail "without $drop everything still works: the unit asks for more than it needs"
	fi
	pass "without $drop: $( ((RC)) && tail -1 "$WORK/no-$drop.err" | cut -c1-150 || echo "leak_steady unnamed")"
done
