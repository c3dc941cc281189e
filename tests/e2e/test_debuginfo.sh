#!/usr/bin/env bash
# Names for a stripped program, found where gdb and perf look: its .gnu_debugdata
# (MiniDebugInfo), a debug file by build id under /usr/lib/debug/.build-id, its
# .gnu_debuglink, and a real debuginfod server (Debian's) on 127.0.0.1, whose answer is
# cached (DEBUGINFOD_CACHE_PATH) for the next run. Every way names each leak with its exact
# bytes; a debug file of another build is refused; a silent server costs at most the timeout
# and never holds up the live table; what stays unnamed gets one line saying how to name it.
. "$(dirname "$0")/lib.sh"
require_root
command -v debuginfod >/dev/null || fail "debuginfod is missing (tools/deps.sh installs it)"
DBG=$BIN/dbg
for f in leaker.debug leaker_stripped leaker_debuglink leaker_minidebug; do
	[[ -s $DBG/$f ]] || fail "$DBG/$f is not built (make -C tests)"
done
unset DEBUGINFOD_URLS DEBUGINFOD_CACHE_PATH
id=$(readelf -n "$DBG/leaker_stripped" | awk '/Build ID:/ { print $3 }')
[[ ${#id} -ge 40 ]] || fail "no build id in $DBG/leaker_stripped"
readelf -S "$DBG/leaker_stripped" | grep -q ' \.symtab ' && fail "leaker_stripped has a .symtab"
rounds=200

# hint_count NAME PATH: leaktop's lines saying how to name PATH.
hint_count() {
	grep -c "function names in $2 (build id $id)" "$WORK/$1-lt.err"
}

# A free port on 127.0.0.1 (another test may take it before us: the server then fails to
# start, which the readiness check reports).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# 1. Nothing to name it with: addresses only, and one line saying how to name it.
LEAKER=$DBG/leaker_stripped start_leaker bare "$rounds"
start_leaktop bare-lt -p "$LEAKER_PID" -i 600 --bytes -n 100 --frames 3
trigger_leaker bare "$LEAKER_PID"
stop_leaktop INT
assert_eq "$LT_RC" 0 "bare: leaktop exit status"
assert_eq "$(table_sum "$WORK/bare-lt.table" leak_malloc 2)" 0 "bare: no name without debug info"
assert_contains "$WORK/bare-lt.table" "\[leaker_stripped+0x" "bare: frames as addresses"
assert_eq "$(hint_count bare "$DBG/leaker_stripped")" 1 "bare: one line on how to name it"
assert_contains "$WORK/bare-lt.err" "install its package's debug symbols (-dbgsym; dpkg -S $DBG/leaker_stripped names the package), or set DEBUGINFOD_URLS" \
	"bare: the line says how"
kill "$LEAKER_PID"
pass "stripped: unnamed, and one line says how to name it"

# 2. MiniDebugInfo: .gnu_debugdata's symbols, decompressed.
LEAKER=$DBG/leaker_minidebug LEAKTOP_EXTRA=-vv check_exact_leaks mini "$rounds"
assert_contains "$WORK/mini-lt.err" "names for $DBG/leaker_minidebug: gnu_debugdata" "mini: from .gnu_debugdata"
assert_not_contains "$WORK/mini-lt.err" "function names in" "mini: no line on naming it"

# 3. .gnu_debuglink: the debug file in .debug/ beside the program...
mkdir -p "$WORK/link/.debug" "$WORK/wrong/.debug"
cp "$DBG/leaker_debuglink" "$WORK/link/"
cp "$DBG/leaker.debug" "$WORK/link/.debug/"
LEAKER=$WORK/link/leaker_debuglink LEAKTOP_EXTRA=-vv check_exact_leaks link "$rounds"
assert_contains "$WORK/link-lt.err" "names for $WORK/link/leaker_debuglink: debuglink $WORK/link/.debug/leaker.debug" \
	"link: from the debuglink file"
# ... and one of another build under the same name is not taken for it.
cp "$DBG/leaker_debuglink" "$WORK/wrong/"
objcopy --only-keep-debug "$BIN/leaker_nofp" "$WORK/wrong/.debug/leaker.debug"
LEAKER=$WORK/wrong/leaker_debuglink start_leaker wrong "$rounds"
start_leaktop wrong-lt -p "$LEAKER_PID" -i 600 --bytes -n 100
trigger_leaker wrong "$LEAKER_PID"
stop_leaktop INT
assert_eq "$(table_sum "$WORK/wrong-lt.table" leak_malloc 2)" 0 "wrong: another build's debug file is refused"
assert_eq "$(hint_count wrong "$WORK/wrong/leaker_debuglink")" 1 "wrong: the line on naming it"
kill "$LEAKER_PID"
pass "debuglink: the right build's file names it, another build's is refused"

# 4. /usr/lib/debug/.build-id: a file this test puts there and removes.
byid=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
[[ -e $byid ]] && fail "$byid exists already: not this test's to replace"
cleanup_byid() {
	rm -f "$byid"
	rmdir "$(dirname "$byid")" 2>/dev/null
}
trap 'cleanup_byid; cleanup' EXIT
mkdir -p "$(dirname "$byid")"
cp "$DBG/leaker.debug" "$byid"
LEAKER=$DBG/leaker_stripped LEAKTOP_EXTRA=-vv check_exact_leaks byid "$rounds"
assert_contains "$WORK/byid-lt.err" "names for $DBG/leaker_stripped: build-id $byid" "byid: from the build-id path"
cleanup_byid

# 5. debuginfod: a real server, on a free port of 127.0.0.1, serving the debug file.
mkdir -p "$WORK/srv"
cp "$DBG/leaker.debug" "$WORK/srv/"
port=$(free_port)
debuginfod -F -p "$port" -d "$WORK/srv.sqlite" -t 0 -g 0 "$WORK/srv" >"$WORK/debuginfod.log" 2>&1 &
srv=$!
PIDS+=("$srv")
# Ready once it serves this build id (it scans the directory first).
python3 - "$port" "$id" <<'PY' || fail "debuginfod did not serve $id on port $port: $(tail -5 "$WORK/debuginfod.log")"
import sys, time, urllib.request
url = "http://127.0.0.1:%s/buildid/%s/debuginfo" % (sys.argv[1], sys.argv[2])
for _ in range(600):
    try:
        if urllib.request.urlopen(url, timeout=5).status == 200:
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit(1)
PY
export DEBUGINFOD_URLS=http://127.0.0.1:$port DEBUGINFOD_CACHE_PATH=$WORK/cache
LEAKER=$DBG/leaker_stripped LEAKTOP_EXTRA=-v check_exact_leaks dfd "$rounds"
assert_contains "$WORK/dfd-lt.err" "names for $DBG/leaker_stripped from debuginfod ($WORK/cache/$id/debuginfo)" \
	"dfd: from the server, into the cache"
assert_eq "$(hint_count dfd "$DBG/leaker_stripped")" 0 "dfd: no line on naming it"
cmp -s "$WORK/cache/$id/debuginfo" "$DBG/leaker.debug" || fail "dfd: the cached file is not the debug file"

# 6. The cache: the server gone, the next run still names it.
kill "$srv"
wait "$srv" 2>/dev/null
python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 2)" 2>/dev/null &&
	fail "the server still answers on $port"
LEAKER=$DBG/leaker_stripped LEAKTOP_EXTRA=-v check_exact_leaks cached "$rounds"
assert_contains "$WORK/cached-lt.err" "names for $DBG/leaker_stripped from debuginfod ($WORK/cache/$id/debuginfo)" \
	"cached: from the cache, the server stopped"

# The same under valgrind: the worker thread, the client and the table it read leave nothing
# behind (libcurl's global state, which libdebuginfod never frees, is suppressed by name).
LEAKTOP_WRAP="valgrind --leak-check=full --show-leak-kinds=all
	--suppressions=$TOP/tests/e2e/valgrind.supp" LEAKTOP_EXTRA=-v \
	LEAKER=$DBG/leaker_stripped check_exact_leaks vg "$rounds"
assert_contains "$WORK/vg-lt.err" "names for $DBG/leaker_stripped from debuginfod" "valgrind: named from the cache"
for kind in "definitely lost" "indirectly lost" "possibly lost" "still reachable"; do
	grep -q "$kind: 0 bytes in 0 blocks" "$WORK/vg-lt.err" ||
		grep -q 'All heap blocks were freed' "$WORK/vg-lt.err" ||
		fail "valgrind: $(grep -E 'lost:|reachable:' "$WORK/vg-lt.err")"
done
grep -q 'ERROR SUMMARY: 0 errors from 0 contexts' "$WORK/vg-lt.err" ||
	fail "valgrind found errors: $(grep -E -B2 -A12 '^==[0-9]+== [A-Z][a-z]' "$WORK/vg-lt.err" | head -60)"
pass "valgrind: a session with debuginfod leaves no block and no error"

# 7. A stopped server (connection refused): said at once, the one line says so.
export DEBUGINFOD_CACHE_PATH=$WORK/cache-refused
LEAKER=$DBG/leaker_stripped start_leaker refused "$rounds"
start_leaktop refused-lt -p "$LEAKER_PID" -i 600 --bytes -n 100
trigger_leaker refused "$LEAKER_PID"
stop_leaktop INT
assert_eq "$LT_RC" 0 "refused: leaktop exit status"
assert_eq "$(hint_count refused "$DBG/leaker_stripped")" 1 "refused: one line on naming it"
assert_contains "$WORK/refused-lt.err" "and debuginfod has no debug file for it: Connection refused" "refused: says why"
kill "$LEAKER_PID"

# 8. A silent server: it accepts connections and never answers.
bh_port=$(free_port)
python3 -c "
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $bh_port)); s.listen(64); print('listening', flush=True)
time.sleep(3600)" >"$WORK/silent.out" 2>&1 &
PIDS+=("$!")
wait_for "$WORK/silent.out" '^listening' 10 || fail "the silent server did not start: $(cat "$WORK/silent.out")"
export DEBUGINFOD_URLS=http://127.0.0.1:$bh_port

# The live table keeps its pace while a question hangs (timeout 60 s: a table that waited for
# it would come a minute late).
export DEBUGINFOD_CACHE_PATH=$WORK/cache-live
LEAKER=$DBG/leaker_stripped start_leaker live "$rounds"
start_leaktop live-lt -p "$LEAKER_PID" -i 1 --bytes -n 100 --config debuginfod-timeout=60
trigger_leaker live "$LEAKER_PID"
for ((i = 0; i < 400; i++)); do
	(($(grep -c '^leaktop  elapsed' "$WORK/live-lt.table") >= 4)) && break
	sleep 0.05
done
tables=$(grep -c '^leaktop  elapsed' "$WORK/live-lt.table")
((tables >= 4)) || fail "live: $tables tables in 20 s at -i 1 while debuginfod was silent"
assert_contains "$WORK/live-lt.table" "\[leaker_stripped+0x" "live: unnamed meanwhile"
kill -KILL "$LT_PID"
wait "$LT_PID" 2>/dev/null
kill "$LEAKER_PID"
pass "live: $tables tables at -i 1 while debuginfod was silent"

# At exit, the final report waits for it at most the timeout, then says it did not answer.
export DEBUGINFOD_CACHE_PATH=$WORK/cache-silent
timeout=2
LEAKER=$DBG/leaker_stripped start_leaker silent "$rounds"
start_leaktop silent-lt -p "$LEAKER_PID" -i 600 --bytes -n 100 --config debuginfod-timeout=$timeout
trigger_leaker silent "$LEAKER_PID"
t0=$(date +%s.%N)
stop_leaktop INT
t1=$(date +%s.%N)
assert_eq "$LT_RC" 0 "silent: leaktop exit status"
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
# Generous: the timeout, plus a second of libdebuginfod's poll, plus a loaded machine.
awk -v s="$secs" -v t="$timeout" 'BEGIN { exit !(s <= t + 6) }' ||
	fail "silent: the final report took $secs s with a debuginfod timeout of $timeout s"
assert_eq "$(hint_count silent "$DBG/leaker_stripped")" 1 "silent: one line on naming it"
assert_contains "$WORK/silent-lt.err" "and debuginfod did not answer within $timeout s" "silent: says it timed out"
assert_contains "$WORK/silent-lt.table" "\[leaker_stripped+0x" "silent: frames as addresses"
kill "$LEAKER_PID"
pass "silent server: the final report came $secs s after the stop (timeout $timeout s)"
