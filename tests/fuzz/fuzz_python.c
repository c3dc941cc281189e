// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: CPython's line tables (co_lnotab, 3.10's co_linetable, the 3.11+
 * location table) as leaktop reads them from a traced process's memory, with the position the
 * BPF walk read from the same process. Input: the minor version (8 + byte % 6), the first line
 * (4 bytes), the position (8 bytes), then the table. A line is 1..INT_MAX or -1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "python.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int32_t first;
	int64_t at;
	int line;

	if (size < 13)
		return 0;
	memcpy(&first, data + 1, 4);
	memcpy(&at, data + 5, 8);
	line = python__line(8 + data[0] % 6, data + 13, size - 13, first, at);
	if (line == 0 || line < -1)
		abort();
	return 0;
}
