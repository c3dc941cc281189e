#!/usr/bin/env bash
# tools/bench/traps.sh LIBC HOTLOOP PAIRS ROUNDS: what each kind of trap costs a malloc on this
# kernel, for issue 14's "fewer traps" direction (a probe at a return path's emulated jcc,
# where the block and the size are live, in place of the entry+return session).
#
# Plain tracefs uprobes on malloc of LIBC (the bench's private copy, which only the hot loop
# maps), with tracing off, so that each hit costs its trap and the kernel's dispatch but
# writes nothing:
#   none     no probe
#   entry    a probe at malloc+0 (push: emulated), one trap a call
#   session  a return probe at malloc: the entry trap plus the return trampoline, as leaktop's
#            session links have it
#   jcc      a probe at malloc's first conditional jump, which every call passes (emulated)
# Each is HOTLOOP pairs PAIRS, ROUNDS times, the kinds interleaved round by round; the hits
# come from uprobe_profile. Prints one line per kind: "kind ns_per_pair hits_per_call
# ns_per_hit", the cost over `none`, then the arithmetic of the two return-site variants.
set -euo pipefail
libc=$1 hotloop=$2 pairs=$3 rounds=$4
tr=/sys/kernel/tracing
[[ -w $tr/uprobe_events ]] || tr=/sys/kernel/debug/tracing
[[ -w $tr/uprobe_events ]] || {
	echo "traps.sh: no writable uprobe_events under tracefs" >&2
	exit 1
}

# The file offset of a virtual address of the ELF file, from its LOAD segments.
file_offset() { # FILE VADDR(hex)
	local type off va fs rest
	while read -r type off va _ fs rest; do
		[[ $type == LOAD ]] || continue
		if ((16#$2 >= va && 16#$2 < va + fs)); then
			printf '0x%x\n' $((16#$2 - va + off))
			return 0
		fi
	done < <(readelf -lW "$1")
	return 1
}
malloc_va=$(readelf -Ws --dyn-syms "$libc" | awk '$8 ~ /^malloc@@/ && !f { print $2; f = 1 }')
[[ -n $malloc_va ]] || {
	echo "traps.sh: no malloc in $libc" >&2
	exit 1
}
size=$(readelf -Ws --dyn-syms "$libc" | awk '$8 ~ /^malloc@@/ && !f { print $3; f = 1 }')
# The first conditional jump in malloc (objdump prints "addr:<tab>jcc target").
jcc_va=$(objdump -d --no-show-raw-insn --start-address=0x"$malloc_va" \
	--stop-address=$(printf '0x%x' $((16#$malloc_va + size))) "$libc" |
	awk '$2 ~ /^j/ && $2 != "jmp" && !f { sub(":", "", $1); print $1; f = 1 }')
[[ -n $jcc_va ]] || {
	echo "traps.sh: no conditional jump in malloc of $libc" >&2
	exit 1
}
malloc_off=$(file_offset "$libc" "$malloc_va")
jcc_off=$(file_offset "$libc" "$jcc_va")

probes_off() {
	[[ -e $tr/events/lt_traps/enable ]] && echo 0 >"$tr/events/lt_traps/enable"
	grep -q '^[pr]:lt_traps/' "$tr/uprobe_events" 2>/dev/null &&
		sed -n 's/^[pr]:lt_traps\/\([a-z]*\) .*/-:lt_traps\/\1/p' "$tr/uprobe_events" |
		while read -r l; do echo "$l" >>"$tr/uprobe_events"; done
	return 0
}
saved_on=$(cat "$tr/tracing_on")
outf=$(mktemp)
trap 'probes_off; echo "$saved_on" > "$tr/tracing_on"; rm -f "$outf"' EXIT
echo 0 >"$tr/tracing_on"

# run KIND: the hot loop under KIND's probe; prints "ns_per_pair hits".
run() {
	local kind=$1 ns hits=0
	probes_off
	case $kind in
	entry) echo "p:lt_traps/t $libc:$malloc_off" >>"$tr/uprobe_events" ;;
	session) echo "r:lt_traps/t $libc:$malloc_off" >>"$tr/uprobe_events" ;;
	jcc) echo "p:lt_traps/t $libc:$jcc_off" >>"$tr/uprobe_events" ;;
	esac
	[[ $kind == none ]] || echo 1 >"$tr/events/lt_traps/enable"
	: >"$outf"
	LD_LIBRARY_PATH=$(dirname "$libc") "$hotloop" pairs "$pairs" >"$outf" 2>&1 </dev/null &
	pid=$!
	for ((i = 0; i < 500; i++)); do
		grep -q '^ready' "$outf" && break
		sleep 0.01
	done
	kill -USR1 $pid
	wait $pid
	ns=$(awk '/^ns_per_op/ { print $2 }' "$outf")
	[[ $kind == none ]] || hits=$(awk '$2 == "t" { print $3 }' "$tr/uprobe_profile")
	echo "$ns ${hits:-0}"
}

declare -A ns hits
kinds=(none entry session jcc)
for ((r = 0; r < rounds; r++)); do
	for k in "${kinds[@]}"; do
		read -r n h < <(run "$k")
		ns[$k]+="$n "
		hits[$k]=$h
	done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base=$(median "${ns[none]}")
echo "malloc at $malloc_off, its first jcc at $jcc_off (+0x$(printf '%x' $((16#$jcc_va - 16#$malloc_va)))) in $libc"
for k in "${kinds[@]}"; do
	m=$(median "${ns[$k]}")
	awk -v k="$k" -v m="$m" -v b="$base" -v h="${hits[$k]}" -v n="$pairs" 'BEGIN {
		hc = h / n
		printf "%-8s %8.0f ns/pair  %5.2f hits/call  %6.0f ns/hit\n", k, m, hc, hc ? (m - b) / hc : 0 }'
done
awk -v e="$(median "${ns[entry]}")" -v s="$(median "${ns[session]}")" \
	-v j="$(median "${ns[jcc]}")" -v b="$base" 'BEGIN {
	e -= b; s -= b; j -= b
	printf "return trampoline alone: %.0f ns (session %.0f less entry %.0f)\n", s - e, s, e
	printf "return sites alone (one jcc trap, where every path is covered): %.0f ns, against %.0f: %+.0f ns a call\n", j, s, j - s
	printf "entry + return sites (in place of the trampoline): %.0f ns, against %.0f: %+.0f ns a call\n", e + j, s, e + j - s }'
