#!/usr/bin/env bash
# Run one fuzzer for a bounded time from its seed corpus: tests/fuzz/run.sh NAME [SECONDS].
# Exit 0 when no crash, leak or sanitizer report was found, 1 otherwise (the crashing input
# is kept in .output/tests/fuzz/).
set -u
name=$1 secs=${2:-15}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/.output/tests/fuzz
bin=$out/fuzz_$name
corpus=$out/corpus-$name
mkdir -p "$corpus"
cp "$top"/tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null
# ELF seeds are built, not committed: the fixture library, the leaker and libc.
if [[ $name == elfobj || $name == cfi ]]; then
	cp "$top/.output/tests/libfixture.so" "$top/.output/tests/libcfi_fixture.so" \
		"$top/.output/tests/nolibc" "$corpus"/
fi
cd "$out" || exit 1
exec "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	-artifact_prefix="$out/crash-$name-" "$corpus"
