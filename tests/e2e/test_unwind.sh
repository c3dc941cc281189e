#!/usr/bin/env bash
# CFI unwinding on code built as Debian builds it: -O2, no frame pointers.
#  1. A leak through eight chained functions shows every one of them, in order, down to main;
#     the frame-pointer walk, on the same binary, does not (so this test can tell them apart).
#  2. C++: the caller of operator new (in libstdc++) is in the stack.
#  3. An object dlopen'ed after attach gets its table at the next rescan.
#  4. The exact-bytes check still holds with CFI stacks.
#  5. Twelve frames of over 1 KiB each (a 13 KiB stack): the walk's 2 KiB copy of the stack
#     slides up it, then (past its 8 slides) reads word by word; every frame is there, in order.
. "$(dirname "$0")/lib.sh"
require_root

chain='main;chain_1;chain_2;chain_3;chain_4;chain_5;chain_6;chain_7;chain_8 3000'

LEAKER=$BIN/leaker_nofp start_leaker chain --chain
start_leaktop chain-lt -p "$LEAKER_PID" -i 600 --folded "$WORK/chain.folded"
trigger_leaker chain "$LEAKER_PID"
stop_leaktop INT
assert_contains "$WORK/chain.folded" "^leaker_nofp;_start;.*;$chain\$" "the whole chain, _start to chain_8"
assert_contains "$WORK/chain-lt.err" 'unwind tables: ' "tables reported"
line=$(grep 'chain_8' "$WORK/chain.folded")
pass "CFI: $line"

wide='main;wide_1;wide_2;wide_3;wide_4;wide_5;wide_6;wide_7;wide_8;wide_9;wide_10;wide_11;wide_12 3100'
LEAKER=$BIN/leaker_nofp start_leaker wide --wide-chain
start_leaktop wide-lt -p "$LEAKER_PID" -i 600 --folded "$WORK/wide.folded"
trigger_leaker wide "$LEAKER_PID"
stop_leaktop INT
assert_contains "$WORK/wide.folded" "^leaker_nofp;_start;.*;$wide\$" "the wide chain, _start to wide_12"
pass "CFI past the window: $(grep 'wide_12' "$WORK/wide.folded")"

LEAKER=$BIN/leaker_nofp start_leaker chainfp --chain
start_leaktop chainfp-lt -p "$LEAKER_PID" -i 600 --unwind fp --folded "$WORK/chainfp.folded"
trigger_leaker chainfp "$LEAKER_PID"
stop_leaktop INT
assert_eq "$LT_RC" 0 "--unwind fp: exit status"
# The block is there (3000 bytes, from chain_8), but its stack is not the chain.
assert_contains "$WORK/chainfp.folded" ';chain_8 3000$' "--unwind fp: the chain's block"
assert_not_contains "$WORK/chainfp.folded" "$chain" "frame pointers cannot find the chain"
pass "frame pointers, same binary: $(grep 3000 "$WORK/chainfp.folded")"

LEAKER=$BIN/leaker_cxx start_leaker cxx
start_leaktop cxx-lt -p "$LEAKER_PID" -i 600 --folded "$WORK/cxx.folded"
trigger_leaker cxx "$LEAKER_PID"
stop_leaktop INT
want='main;shop::remember_orders(std::vector<shop::Order\*, std::allocator<shop::Order\*> >&);operator new(unsigned long) 4096$'
assert_contains "$WORK/cxx.folded" "^leaker_cxx;_start;.*;$want" "operator new's caller"
pass "C++: $(grep 'operator new' "$WORK/cxx.folded")"

# The library is mapped two seconds after the signal and leaks at once; tables are rescanned
# every interval (0.5 s), so its frames must be walked by CFI by then.
LEAKER=$BIN/leaker_nofp start_leaker dl --dlopen "$BIN/libcfi_fixture.so"
start_leaktop dl-lt -p "$LEAKER_PID" -i 0.5 --folded "$WORK/dl.folded"
trigger_leaker dl "$LEAKER_PID"
stop_leaktop INT
assert_contains "$WORK/dl.folded" '^leaker_nofp;_start;.*;main;leak_dlopened;cfi_plt_calls 4321$' \
	"a dlopen'ed object walked by CFI"
pass "dlopen: $(grep cfi_plt_calls "$WORK/dl.folded")"

LEAKER=$BIN/leaker_nofp check_exact_leaks nofp 500
assert_contains "$WORK/nofp-lt.table" '100.0% complete' "every walk complete"
