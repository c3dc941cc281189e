/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call frame information into unwind rows. For one ELF object: every FDE of its .eh_frame, and
 * of the .debug_frame of its debug file for code .eh_frame does not cover, run by leaktop's own
 * CFA interpreter into rows {pc, CFA rule, rbp rule} that the BPF walker searches. The input
 * comes from traced processes, possibly from inside containers: nothing in it is trusted
 * (tests/fuzz/). Building one object's rows takes time linear in its CFI's size and memory
 * bounded by struct lt_cfi_limits, whatever the bytes say.
 */
#ifndef LEAKTOP_CFI_H
#define LEAKTOP_CFI_H

#include <gelf.h>
#include <linux/types.h>
#include <stddef.h>

#include "leaktop.h"

/*
 * Bounds per object. Debian's node (99 MB) has a 2.7 MB .eh_frame with 14 CIEs, 75,922 FDEs
 * and 371,987 rows; the bounds are 10 times that or more. At the bounds an object costs at
 * most 64 MiB of rows, 40 MiB of FDE ranges and 6 MiB of CIEs while it is built (plus a
 * compressed .debug_frame's 64 MiB once decompressed).
 */
#define LT_CFI_MAX_SECTION_BYTES (64UL << 20) /* .eh_frame or .debug_frame, decompressed */
#define LT_CFI_MAX_CIES (1UL << 16)
#define LT_CFI_MAX_FDES (1UL << 20)
#define LT_CFI_MAX_ROWS (1UL << 22)

/*
 * DW_CFA_remember_state nesting an FDE may reach (compilers use 1 or 2). Deeper, that FDE is
 * malformed: its code gets no rows.
 */
#define LT_CFI_MAX_DEPTH 32

struct lt_cfi_limits {
	size_t max_section_bytes;
	size_t max_cies;
	size_t max_fdes;
	size_t max_rows;
};

/* Which bound an object exceeded (cfi__build_rows returned -E2BIG). */
enum lt_cfi_bound {
	LT_CFI_BOUND_NONE,
	LT_CFI_BOUND_SECTION,
	LT_CFI_BOUND_CIES,
	LT_CFI_BOUND_FDES,
	LT_CFI_BOUND_ROWS,
};

struct lt_cfi_stats {
	size_t fdes;		/* FDEs turned into rows */
	size_t debug_frame_fdes; /* of which from .debug_frame */
	size_t rows;
	size_t unsupported;	/* rows with a rule the walker cannot follow */
	size_t bad_fdes;	/* FDEs left without rows: malformed program, CIE missing or bad */
	enum lt_cfi_bound exceeded; /* with -E2BIG: which bound */
	size_t limit;		/* ... and its value */
};

/*
 * Build the rows of `elf`, taking .debug_frame from `debug` (NULL when there is no debug
 * file), within `lim` (NULL: the LT_CFI_MAX_* defaults). Rows come sorted by pc; consecutive
 * equal rows are merged, and the end of each FDE that the next does not start at gets an
 * LT_CFA_NONE row, so no pc between functions borrows a rule. Returns 0 (with *rows to free;
 * *n may be 0 for an object without CFI) or -errno: -E2BIG when the object exceeds a bound
 * (stats->exceeded and stats->limit say which), -ENOMEM.
 */
int cfi__build_rows(Elf *elf, Elf *debug, const struct lt_cfi_limits *lim,
		    struct lt_unwind_row **rows, size_t *n, struct lt_cfi_stats *stats);

/* What stats->exceeded counts, in words: "unwind rows", "bytes of .eh_frame"... */
const char *cfi__bound_name(enum lt_cfi_bound b);

/* The row in force at `pc` in sorted rows, or NULL: the last row starting at or below it. */
const struct lt_unwind_row *cfi__lookup(const struct lt_unwind_row *rows, size_t n, uint64_t pc);

#endif /* LEAKTOP_CFI_H */
