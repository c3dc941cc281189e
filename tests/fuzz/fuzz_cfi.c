// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the unwind-row builder on arbitrary ELF bytes, as a traced process (or
 * the image of a container) could present them, as the object and as its own debug file (its
 * .debug_frame, compressed or not). Rows must come out sorted and within the bound; run.sh's
 * -rss_limit_mb and -timeout catch a build that costs too much.
 */
#include <gelf.h>
#include <stdint.h>
#include <stdlib.h>

#include "cfi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_unwind_row *rows;
	struct lt_cfi_stats st;
	size_t n;
	Elf *elf;

	elf_version(EV_CURRENT);
	elf = elf_memory((char *)data, size);
	if (!elf)
		return 0;
	if (elf_kind(elf) == ELF_K_ELF && !cfi__build_rows(elf, elf, NULL, &rows, &n, &st)) {
		if (n > LT_CFI_MAX_ROWS)
			abort();
		for (size_t i = 1; i < n; i++) {
			if (rows[i].pc <= rows[i - 1].pc)
				abort();
		}
		free(rows);
	}
	elf_end(elf);
	return 0;
}
