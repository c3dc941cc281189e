#!/usr/bin/env bash
# A traced process maps objects whose .eh_frame is crafted against the unwind-table builder
# (tests/e2e/craft_cfi.py): one past the rows bound, one with an FDE of 300,000 rows, one with
# 1,000,000 nested DW_CFA_remember_state, one whose FDE names a hidden CIE with register
# 100,000,000. With libdw building the rows these cost minutes and gigabytes before leaktop
# attached. leaktop must attach, say once per object what it refused and why (the file and
# the bound), stay small, and still trace the process.
. "$(dirname "$0")/lib.sh"
require_root

objs=()
for kind in rows many-rows remember hidden-cie; do
	python3 "$TOP/tests/e2e/craft_cfi.py" "$kind" "$WORK/$kind.so" || fail "craft_cfi.py $kind"
	objs+=("$WORK/$kind.so")
done

# The target: python3 maps the four objects executable, then allocates on demand.
cat >"$WORK/target.py" <<'PY'
import mmap, os, signal, sys
maps = [mmap.mmap(os.open(p, os.O_RDONLY), 0, prot=mmap.PROT_READ | mmap.PROT_EXEC)
        for p in sys.argv[1:]]
kept = []
def leak(*_):
    kept.extend(bytearray(100000) for _ in range(10))
    print("done", flush=True)
signal.signal(signal.SIGUSR1, leak)
print("ready", flush=True)
while True:
    signal.pause()
PY
LEAKER=python3 start_leaker hostile "$WORK/target.py" "${objs[@]}"
for o in "${objs[@]}"; do
	grep -q " $o\$" "/proc/$LEAKER_PID/maps" || fail "$o is not mapped by the target"
done

# start_leaktop allows 60 s to attach; libdw's builder needed minutes for many-rows alone.
start_leaktop hostile-lt -p "$LEAKER_PID" -i 600 --bytes
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$LT_PID/status")
trigger_leaker hostile "$LEAKER_PID"
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status"
err=$WORK/hostile-lt.err

want="leaktop: warning: $WORK/rows.so: its CFI has more than 4194304 unwind rows, leaktop's bound per object (corrupt or crafted?): walked by frame pointers there"
assert_eq "$(grep -cxF "$want" "$err")" 1 "the object past the rows bound: said once, with the file and the bound"
for kind in remember hidden-cie; do
	want="leaktop: warning: $WORK/$kind.so: 1 of its FDEs are malformed or name a CIE that is not there (corrupt or crafted?): walked by frame pointers there"
	assert_eq "$(grep -cxF "$want" "$err")" 1 "$kind: its malformed FDE said once"
done
assert_not_contains "$err" "$WORK/many-rows.so" "300,000 rows are within the bounds: nothing to say"
assert_eq "$(grep -c "$WORK/" "$err")" 3 "no other line names the objects"
pass "refused and said: $(grep -c 'warning: ' "$err") warnings"

# The rows bound's 64 MiB is the most any object may cost while it is built; libdw took
# 1.5 GB for hidden-cie alone.
((hwm < 200 * 1024)) || fail "leaktop's peak RSS at attach: $hwm KiB (want under 200 MiB)"
pass "leaktop's peak RSS at attach: $hwm KiB"

# And the process is traced: its ten bytearrays of 100,000 bytes are held.
held=$(sed -n 's/^pid [0-9]* (python3): .*tracked heap \([0-9]*\) .*/\1/p' "$WORK/hostile-lt.table" | tail -1)
[[ -n $held ]] || fail "no tracked heap figure for the target"
((held >= 1000000)) || fail "the target's 1,000,000 bytes are not all held: $held"
pass "the target is traced: it holds $held bytes"

# Rows wait in memory until they are in the kernel, never more than the rows map can hold:
# with a map of 500,000 rows, python3's own objects (about 110,000 rows) and one object of
# 300,002 rows fit; a second such object is refused on sight, named, and its rows freed.
cp "$WORK/many-rows.so" "$WORK/many-rows-2.so"
LEAKER=python3 start_leaker budget "$WORK/target.py" "$WORK/many-rows.so" "$WORK/many-rows-2.so"
start_leaktop budget-lt -p "$LEAKER_PID" -i 600 --bytes --config unwind-rows=500000
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status, a 500,000-row map"
err=$WORK/budget-lt.err
assert_eq "$(grep -cE "^leaktop: warning: $WORK/many-rows(-2)?\.so: its 300002 unwind rows do not fit with the [0-9]+ built before it \(the rows map holds 500000\): walked by frame pointers there$" "$err")" 1 \
	"one of the two large objects refused, said once, with its size and the map's"
rows=$(sed -n 's/^leaktop: unwind tables: .* objects (.*), \([0-9]*\) rows, .*/\1/p' "$err")
((rows > 300002 && rows <= 500000)) || fail "rows in the kernel: $rows (want the other large object's and python3's, within 500000)"
pass "a second large object past the rows map refused: $rows rows kept"
