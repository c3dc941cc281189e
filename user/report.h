/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report model: one interval's view of every traced process and stack, symbolized. The
 * writers (out_*.c) only read this model; nothing here prints.
 */
#ifndef LEAKTOP_REPORT_H
#define LEAKTOP_REPORT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "leaktop.h"

struct lt_collector;
struct lt_symbolizer;
struct lt_target;

struct lt_frame {
	uint64_t ip;
	const char *func;	/* NULL when unknown */
	uint64_t offset;	/* from func, or from the module's base when func is NULL */
	const char *module;	/* object basename, NULL when unknown */
};

struct lt_row {
	pid_t pid;
	const char *comm;
	uint64_t stack_id;
	int64_t bytes;		/* outstanding */
	int64_t count;		/* outstanding */
	int64_t delta_bytes;	/* change in outstanding bytes since the previous report */
	uint64_t allocs, frees; /* in the interval */
	uint64_t total_allocs, total_frees, total_alloc_bytes; /* since attach */
	size_t nframes;
	struct lt_frame *frames; /* innermost first: frames[0] called the allocator */
};

struct lt_proc {
	pid_t pid;
	char comm[17];
	uint64_t rss;		/* bytes; 0 once exited */
	bool exited;
};

struct lt_report {
	double elapsed_s;	/* since attach */
	double interval_s;	/* since the previous report */
	bool final;
	uint64_t sample_bytes;	/* non-zero: the figures are estimates from sampling */
	struct lt_proc *procs;
	size_t nprocs;
	struct lt_row *rows;	/* every stack with outstanding bytes or activity */
	size_t nrows;
	uint64_t stats[LT_STAT__COUNT];
	int64_t total_bytes, total_count; /* outstanding, over every stack */
	size_t unwind_rows, unwind_bytes;  /* CFI unwind tables in the kernel; 0 without */
};

/* How each drop counter reads in a footer; NULL for counters that are not drops. */
extern const char *const lt_stat_desc[LT_STAT__COUNT];

/*
 * Build a report from the collector's latest sample. Frames are symbolized for every row when
 * `all_frames`, else only for the top `top_n` rows by bytes and by growth, which is all the
 * table shows.
 */
int report__build(struct lt_report *r, struct lt_collector *c, struct lt_symbolizer *sym,
		  const struct lt_target *targets, size_t ntargets, size_t top_n, bool all_frames);
void report__free(struct lt_report *r);

/* Row order: by outstanding bytes, or by growth, both descending with stable ties. */
int report__cmp_bytes(const void *a, const void *b);
int report__cmp_growth(const void *a, const void *b);

/* Pointers to the rows in `cmp` order; free() the array. NULL on ENOMEM. */
const struct lt_row **report__sorted(const struct lt_report *r,
				     int (*cmp)(const void *, const void *));

/* The process a row belongs to, or NULL. */
const struct lt_proc *report__proc(const struct lt_report *r, pid_t pid);

/*
 * Write a frame as "func+0x1f [module]" (the table) or "func" (folded, where offsets would
 * split one function into many). Returns the number of characters written, as snprintf.
 */
int report__frame_str(char *buf, size_t len, const struct lt_frame *f, bool with_offset);

#endif /* LEAKTOP_REPORT_H */
