#!/usr/bin/env bash
# mmap regions per stack: anonymous and file-backed apart; partial and multi-region unmaps
# leave exactly what is still mapped; mremap moves and grows; malloc's own mappings count as
# heap only.
. "$(dirname "$0")/lib.sh"
require_root

run_growth mmaps mmaps 0 --frames 8
json=$WORK/mmaps.json table=$WORK/mmaps-lt.table
# FUNC KIND BYTES REGIONS (see tests/e2e/growth.c)
while read -r fn kind bytes regions; do
	assert_eq "$(ltjson "$json" sum "$kind" "$fn" bytes)" "$bytes" "$fn: $kind bytes"
	assert_eq "$(ltjson "$json" sum "$kind" "$fn" count)" "$regions" "$fn: $kind regions"
	# The table names each region's row by the program's function, through libc's mmap.
	[[ $kind == mmap ]] || assert_eq "$(table_sum "$table" "$fn" 2 MMAP)" "$bytes" "$fn: table bytes"
	pass "$fn: $bytes bytes in $regions $kind regions"
done <<'END'
leak_anon_maps anon 196608 3
leak_file_map file 8192 1
partial_region anon 49152 2
several_regions anon 16384 2
grown_region anon 49152 1
balanced_maps mmap 0 0
leak_big_malloc mmap 0 0
END
assert_eq "$(ltjson "$json" sum anon leak_file_map bytes)" 0 "a file mapping is not anonymous"
assert_eq "$(ltjson "$json" sum mmap balanced_maps total_allocs)" 100 "balanced: maps"
assert_eq "$(ltjson "$json" sum mmap balanced_maps total_frees)" 100 "balanced: unmaps"
# glibc serves the 4 MiB malloc with its own mmap: heap bytes, not a second count.
assert_eq "$(ltjson "$json" sum heap leak_big_malloc bytes)" 4194304 "big malloc: heap bytes"
held=$((196608 + 8192 + 49152 + 16384 + 49152))
assert_eq "$(ltjson "$json" proc mmap_bytes)" $held "process: mapped bytes"
assert_contains "$table" 'anon: leak_anon_maps+0x[0-9a-f]* \[growth\] via __mmap$' "table: a row named by its own frame"
pass "balanced maps 100/100 unmapped; a 4 MiB malloc is 4194304 heap bytes and no mapping"
