#!/usr/bin/env bash
# The same exact-bytes check on every allocator leaktop finds: malloc in a static executable,
# musl's libc, and jemalloc and tcmalloc preloaded beside glibc; and tcmalloc's own operator new.
# Then the same four under --all, each started after leaktop: found without a restart, exact.
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
# The table shortens C++ names: no parameters.
assert_eq "$(table_sum "$WORK/tccxx-lt.table" 'shop::remember_orders' 3)" 32 \
	"tcmalloc C++: 32 objects"
pass "tcmalloc's operator new: 4096 bytes in 32 objects from shop::remember_orders"

# --all, started before any of them: each allocator is found in the process that brings it,
# without a restart, and each process's leaks are exact (the static executable's own malloc,
# musl's, jemalloc's and tcmalloc's beside the host's glibc).
# -v: leaktop says when it has attached to a new process (or re-attached after its exec).
start_leaktop all-lt --all -v -i 600 --bytes -n 1000 --json "$WORK/all.json"
declare -A apid abin aenv
abin=([static]=$BIN/leaker_static [musl]=$BIN/leaker_musl [jemalloc]=$BIN/leaker [tcmalloc]=$BIN/leaker)
aenv=([static]= [musl]="LD_LIBRARY_PATH=$musl_dir" [jemalloc]="LD_PRELOAD=$lib/libjemalloc.so.2"
	[tcmalloc]="LD_PRELOAD=$lib/libtcmalloc.so.4")
for name in static musl jemalloc tcmalloc; do
	LEAKER=${abin[$name]} LEAKER_ENV=${aenv[$name]} start_leaker "a-$name" 100
	apid[$name]=$LEAKER_PID
done
for name in static musl jemalloc tcmalloc; do
	p=${apid[$name]}
	wait_for "$WORK/all-lt.err" "pid $p ran a new program (leaker\|tracing pid $p (leaker" 20 ||
		fail "--all: $name: pid $p not attached: $(grep -v " at /.*+[0-9]*: " "$WORK/all-lt.err")"
done
for name in static musl jemalloc tcmalloc; do
	trigger_leaker "a-$name" "${apid[$name]}"
done
stop_leaktop INT
assert_eq "$LT_RC" 0 "--all: exit status"
for name in static musl jemalloc tcmalloc; do
	# musl's leaker has no pvalloc: each build lists its own leaks.
	assert_json_leaks "$WORK/all.json" "${apid[$name]}" "--all: $name" env ${aenv[$name]} "${abin[$name]}"
	pass "--all: $name, started after leaktop, found and exact for every leaking function"
done
