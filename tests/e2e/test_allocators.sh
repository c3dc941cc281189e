#!/usr/bin/env bash
# The same exact-bytes check on every allocator leaktop finds: malloc in a static executable,
# musl's libc, and jemalloc and tcmalloc preloaded beside glibc; and tcmalloc's own operator new.
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

# tcmalloc's operator new does not go through malloc: leaktop probes it too, and its caller is
# the innermost frame. 32 objects of 128 bytes, counted once.
LEAKER=$BIN/leaker_cxx LEAKER_ENV="LD_PRELOAD=$lib/libtcmalloc.so.4" start_leaker tccxx
start_leaktop tccxx-lt -p "$LEAKER_PID" -i 600 --bytes --folded "$WORK/tccxx.folded"
trigger_leaker tccxx "$LEAKER_PID"
stop_leaktop INT
line=$(grep 'remember_orders' "$WORK/tccxx.folded")
[[ $line == *";main;shop::remember_orders(std::vector<shop::Order*, std::allocator<shop::Order*> >&) 4096" ]] ||
	fail "tcmalloc C++: '$line' in $(cat "$WORK/tccxx.folded")"
assert_eq "$(table_sum "$WORK/tccxx-lt.table" 'shop::remember_orders(std::vector<shop::Order*, std::allocator<shop::Order*> >&)' 3)" 32 \
	"tcmalloc C++: 32 objects"
pass "tcmalloc's operator new: 4096 bytes in 32 objects from shop::remember_orders"
