// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: V8's source position tables and a script's line ends, as leaktop reads
 * them from a node process's memory, with the bytecode offset the BPF walk read from its stack.
 * Input: the offset (8 bytes), the table's length (2 bytes), the table, then the line ends
 * (4 bytes each, in any order: a hostile process writes what it likes). A position is -1 or a
 * script offset (30 bits); a line is 0 (none) or 1..the number of ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "v8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t *ends = NULL;
	int64_t offset, pos;
	uint16_t tlen;
	size_t nends;
	uint32_t line;

	if (size < 10)
		return 0;
	memcpy(&offset, data, 8);
	memcpy(&tlen, data + 8, 2);
	data += 10, size -= 10;
	if (tlen > size)
		tlen = (uint16_t)size;
	pos = v8__position(data, tlen, offset);
	if (pos < -1 || pos >= (1LL << 30))
		abort();
	nends = (size - tlen) / 4;
	if (nends) {
		ends = malloc(nends * sizeof(*ends));
		if (!ends)
			return 0;
		memcpy(ends, data + tlen, nends * sizeof(*ends));
	}
	line = v8__line(ends, nends, pos);
	if (line > nends || (pos < 0 && line))
		abort();
	/* Any position, not only a table's. */
	line = v8__line(ends, nends, offset);
	if (line > nends)
		abort();
	free(ends);
	return 0;
}
