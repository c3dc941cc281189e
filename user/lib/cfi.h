/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call frame information into unwind rows. For one ELF object: every FDE of its .eh_frame, and
 * of the .debug_frame of its debug file for code .eh_frame does not cover, interpreted by libdw
 * into rows {pc, CFA rule, rbp rule} that the BPF walker searches. The input comes from traced
 * processes, possibly from inside containers: nothing in it is trusted (tests/fuzz/).
 */
#ifndef LEAKTOP_CFI_H
#define LEAKTOP_CFI_H

#include <gelf.h>
#include <linux/types.h>
#include <stddef.h>

#include "leaktop.h"

struct lt_cfi_stats {
	size_t fdes;		/* FDEs turned into rows */
	size_t debug_frame_fdes; /* of which from .debug_frame */
	size_t rows;
	size_t unsupported;	/* rows with a rule the walker cannot follow */
};

/*
 * Build the rows of `elf`, taking .debug_frame from `debug` (NULL when there is no debug
 * file). Rows come sorted by pc; consecutive equal rows are merged, and the end of each FDE
 * that the next does not start at gets an LT_CFA_NONE row, so no pc between functions
 * borrows a rule. Returns 0 (with *rows to free; *n may be 0 for an object without CFI) or
 * -errno: -E2BIG when a CIE or FDE program names a register past any x86-64 one, or an
 * opcode leaktop does not run (libdw would size its frame state by such a register: a
 * crafted file could cost gigabytes).
 */
int cfi__build_rows(Elf *elf, Elf *debug, struct lt_unwind_row **rows, size_t *n,
		    struct lt_cfi_stats *stats);

/* The row in force at `pc` in sorted rows, or NULL: the last row starting at or below it. */
const struct lt_unwind_row *cfi__lookup(const struct lt_unwind_row *rows, size_t n, uint64_t pc);

#endif /* LEAKTOP_CFI_H */
