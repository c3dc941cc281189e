// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the JIT perf-map parser on arbitrary text, as a traced process writes its
 * /tmp/perf-PID.map (any process can, and under --all any user's is read). Only whole lines
 * count, one entry at most per line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "perfmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t lines = 0, n;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	n = perfmap__parse_count((const char *)data, size);
	if (n > lines)
		abort();
	return 0;
}
