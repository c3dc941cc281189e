/* SPDX-License-Identifier: GPL-2.0 */
/* A hand-built report shared by the writers' golden-file tests. */
#ifndef LEAKTOP_REPORT_FIXTURE_H
#define LEAKTOP_REPORT_FIXTURE_H

#include "report.h"

static struct lt_frame fx_write_jsonl[] = {
	{ 0x401136, "write_jsonl", 0x26, "service" },
	{ 0x4011f0, "handle_event", 0x40, "service" },
	{ 0x401240, "main", 0x3a, "service" },
	{ 0x7f0000029d90, "__libc_start_call_main", 0x80, "libc.so.6" },
};
/* The same function as above reached from another call site: folds into the same line. */
static struct lt_frame fx_write_jsonl2[] = {
	{ 0x401150, "write_jsonl", 0x40, "service" },
	{ 0x4011f0, "handle_event", 0x40, "service" },
	{ 0x401240, "main", 0x3a, "service" },
	{ 0x7f0000029d90, "__libc_start_call_main", 0x80, "libc.so.6" },
};
static struct lt_frame fx_cpp[] = {
	{ 0x7f0000100010, "operator new(unsigned long)", 0x1c, "libstdc++.so.6" },
	{ 0x401300, "cache::Store<int; long>::put(int)", 0x12, "service" },
	{ 0x401240, "main", 0x3a, "service" },
};
static struct lt_frame fx_stripped[] = {
	{ 0x5a3b21, NULL, 0x5a3b21, "python3.11" },
	{ 0xdeadbeef, NULL, 0, NULL },
};

static struct lt_row fx_rows[] = {
	{ .pid = 4242, .comm = "service", .stack_id = 11, .bytes = 31457280, .count = 480,
	  .delta_bytes = 1048576, .allocs = 16, .frees = 0, .nframes = 4,
	  .frames = fx_write_jsonl },
	{ .pid = 4242, .comm = "service", .stack_id = 12, .bytes = 65536, .count = 1,
	  .delta_bytes = 0, .allocs = 0, .frees = 0, .nframes = 4, .frames = fx_write_jsonl2 },
	{ .pid = 4242, .comm = "service", .stack_id = 13, .bytes = 2000, .count = 20,
	  .delta_bytes = 2000, .allocs = 20, .frees = 0, .nframes = 3, .frames = fx_cpp },
	{ .pid = 4242, .comm = "service", .stack_id = 14, .bytes = 0, .count = 0,
	  .delta_bytes = -4096, .allocs = 100, .frees = 101, .nframes = 2,
	  .frames = fx_stripped },
	{ .pid = 4242, .comm = "service", .stack_id = LT_STACK_NONE, .bytes = 512, .count = 2,
	  .delta_bytes = 512, .allocs = 2, .frees = 0, .nframes = 0, .frames = NULL },
};

static struct lt_proc fx_procs[] = {
	{ .pid = 4242, .comm = "service", .rss = 48 << 20, .exited = false },
};

static const struct lt_report fx_report = {
	.elapsed_s = 15.0,
	.interval_s = 5.0,
	.procs = fx_procs,
	.nprocs = 1,
	.rows = fx_rows,
	.nrows = sizeof(fx_rows) / sizeof(fx_rows[0]),
	.stats = { [LT_STAT_ALLOC_MAP_FULL] = 3, [LT_STAT_ALLOC_MAP_FULL_BYTES] = 3072,
		   [LT_STAT_STACK_FAILED] = 2, [LT_STAT_NESTED_CALLS] = 9 },
	.total_bytes = 31457280 + 65536 + 2000 + 512,
	.total_count = 503,
};

#endif /* LEAKTOP_REPORT_FIXTURE_H */
