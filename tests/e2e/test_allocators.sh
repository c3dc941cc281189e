#!/usr/bin/env bash
# The same exact-bytes check on every allocator leaktop finds: malloc in a static executable,
# musl's libc, and jemalloc and tcmalloc preloaded beside glibc.
. "$(dirname "$0")/lib.sh"
require_root

LEAKER=$BIN/leaker_static check_exact_leaks static 200
assert_contains "$WORK/static-lt.err" "through $BIN/leaker_static\$" "static: the executable"

musl_dir=/usr/lib/x86_64-linux-musl
[[ -e $musl_dir/libc.so ]] || fail "musl is not installed (make deps installs musl-tools)"
LEAKER=$BIN/leaker_musl LEAKER_ENV="LD_LIBRARY_PATH=$musl_dir" check_exact_leaks musl 200
assert_contains "$WORK/musl-lt.err" "through $musl_dir/libc.so" "musl: its libc"

lib=/usr/lib/x86_64-linux-gnu
for a in jemalloc:libjemalloc.so.2 tcmalloc:libtcmalloc.so.4; do
	name=${a%%:*} so=$lib/${a#*:}
	[[ -e $so ]] || fail "$so is not installed (make deps installs it)"
	LEAKER_ENV="LD_PRELOAD=$so" check_exact_leaks "$name" 200
	assert_contains "$WORK/$name-lt.err" "through .*lib$name" "$name: probed"
done
