// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness: /proc/PID/maps text, which a traced process shapes (file names). */
#include <stdint.h>
#include <stdlib.h>

#include "procmaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_maps m;

	if (procmaps__parse((const char *)data, size, &m))
		return 0;
	for (size_t i = 0; i < m.n; i++) {
		const struct lt_vma *v = &m.vmas[i];

		if (v->end < v->start || !v->path)
			abort();
		procmaps__is_file(v);
		procmaps__find(&m, v->start);
	}
	procmaps__free(&m);
	return 0;
}
