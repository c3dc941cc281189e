#!/usr/bin/env bash
# Run one fuzzer for a bounded time from its seed corpus: tests/fuzz/run.sh NAME [SECONDS].
#
# Limits: one input may run 10 s (-timeout) and the process may use 1024 MB (-rss_limit_mb,
# which also caps any single malloc); going over either is a finding, as is a crash, a leak or
# a sanitizer report (ASan, UBSan). The inputs found are kept in .output/tests/fuzz/corpus-NAME
# (runs go on from there), a failing one as .output/tests/fuzz/NAME-{crash,oom,timeout,leak}-*.
#
# Prints libFuzzer's output, then one summary line:
#   fuzz NAME: ok: 0 crashes, 0 OOMs, 0 timeouts; RUNS runs in SECS s, CORPUS inputs, peak RSS MB MB, slowest input S s
# Exit 0 when nothing was found, 1 otherwise.
set -u
name=$1 secs=${2:-15}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/.output/tests/fuzz
bin=$out/fuzz_$name
corpus=$out/corpus-$name
log=$out/$name.log
[[ -x $bin ]] || { echo "fuzz $name: $bin is not built (make -C tests)"; exit 1; }
mkdir -p "$corpus"
cp "$top"/tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null
# ELF seeds are built, not committed: the fixture library, the leaker and libc.
if [[ $name == elfobj || $name == cfi ]]; then
	cp "$top/.output/tests/libfixture.so" "$top/.output/tests/libcfi_fixture.so" \
		"$top/.output/tests/nolibc" "$corpus"/
	# Stripped, with MiniDebugInfo, and a .gnu_debuglink (test_debuginfo's binaries).
	[[ $name == elfobj ]] && cp "$top/.output/tests/dbg/leaker_minidebug" \
		"$top/.output/tests/dbg/leaker_debuglink" "$corpus"/
fi
cd "$out" || exit 1
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	-artifact_prefix="$out/$name-" "$corpus" >"$log" 2>&1
rc=$?
cat "$log"

stat() {
	sed -n "s/^stat::$1: *\([0-9.]*\).*/\1/p" "$log" | tail -1
}
kind=$(sed -n 's/.*ERROR: libFuzzer: \([a-z-]*\).*/\1/p; s/.*ERROR: \(AddressSanitizer\|LeakSanitizer\).*/\1/p; s/.*\(runtime error\):.*/UBSan \1/p' "$log" | head -1)
if ((rc == 0)); then
	result="ok: 0 crashes, 0 OOMs, 0 timeouts"
else
	result="FOUND: ${kind:-exit $rc} (input: $(ls -t "$out/$name"-* 2>/dev/null | head -1))"
fi
took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
echo "fuzz $name: $result; $(stat number_of_executed_units) runs in ${took:-?} s," \
	"$(find "$corpus" -type f | wc -l) inputs, peak RSS $(stat peak_rss_mb) MB," \
	"slowest input $(stat slowest_unit_time_sec) s"
exit $((rc != 0))
