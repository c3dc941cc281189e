/* SPDX-License-Identifier: GPL-2.0 */
/* A hand-built report shared by the writers' golden-file tests. */
#ifndef LEAKTOP_REPORT_FIXTURE_H
#define LEAKTOP_REPORT_FIXTURE_H

#include "report.h"
#include "symbolizer.h"

/* The objects the frames are in, as the symbolizer describes them. */
static const struct lt_module fx_service = {
	.path = "/opt/svc/bin/service", .base = "service",
	.build_id = "5d41402abc4b2a76b9719d911017c592", .start = 0x400000, .end = 0x403000,
	.offset = 0, .is_exe = true,
};
static const struct lt_module fx_libc = {
	.path = "/usr/lib/x86_64-linux-gnu/libc.so.6", .base = "libc.so.6",
	.build_id = "7e1b4f2c9a8d3e6f0b5c4d3e2f1a0b9c8d7e6f5a", .start = 0x7f0000000000,
	.end = 0x7f00001d0000, .offset = 0,
};
static const struct lt_module fx_libstdcxx = {
	.path = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", .base = "libstdc++.so.6",
	.start = 0x7f0000100000, .end = 0x7f0000200000, .offset = 0,
};
static const struct lt_module fx_python = {
	.path = "/usr/bin/python3.11", .base = "python3.11", .start = 0x500000,
	.end = 0x900000, .offset = 0,
};

static struct lt_frame fx_write_jsonl[] = {
	{ 0x401136, "write_jsonl", 0x26, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
	{ 0x4011f0, "handle_event", 0x40, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
	{ 0x401240, "main", 0x3a, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
	{ 0x7f0000029d90, "__libc_start_call_main", 0x80, "libc.so.6", &fx_libc, LT_FRAME_LIB, 0, NULL, 0, true },
};
/* The same function as above reached from another call site: folds into the same line. */
static struct lt_frame fx_write_jsonl2[] = {
	{ 0x401150, "write_jsonl", 0x40, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
	{ 0x4011f0, "handle_event", 0x40, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
	{ 0x401240, "main", 0x3a, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
	{ 0x7f0000029d90, "__libc_start_call_main", 0x80, "libc.so.6", &fx_libc, LT_FRAME_LIB, 0, NULL, 0, true },
};
static struct lt_frame fx_cpp[] = {
	{ 0x7f0000100010, "operator new(unsigned long)", 0x1c, "libstdc++.so.6", &fx_libstdcxx,
	  LT_FRAME_ALLOC, 0, NULL, 0, true },
	{ 0x401300, "cache::Store<int; long>::put(int)", 0x12, "service", &fx_service,
	  LT_FRAME_APP, 0, NULL, 0, false },
	{ 0x401240, "main", 0x3a, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
};
/* A stripped interpreter's frame, a Python frame in place of its evaluation loop, and junk. */
static struct lt_frame fx_stripped[] = {
	{ 0x5a3b21, NULL, 0x5a3b21, "python3.11", &fx_python, LT_FRAME_LIB, 0, NULL, 0, false },
	{ 0xc100000000a0b0c0, "Pipeline.run", 0, "python", NULL, LT_FRAME_PYTHON,
	  0xc280123400000042, "/srv/app/pipeline.py", 42, false },
	{ 0xdeadbeef, NULL, 0, NULL, NULL, LT_FRAME_UNKNOWN, 0, NULL, 0, false },
};
static struct lt_frame fx_mmap[] = {
	{ 0x7f0000110020, "mmap64", 0x2a, "libc.so.6", &fx_libc, LT_FRAME_LIB, 0, NULL, 0, true },
	{ 0x401400, "grow_arena", 0x31, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
};
static struct lt_frame fx_socket[] = {
	{ 0x7f0000120030, "socket", 0xb, "libc.so.6", &fx_libc, LT_FRAME_LIB, 0, NULL, 0, true },
	{ 0x401500, "graphql_connect \"pool\"", 0x44, "service", &fx_service, LT_FRAME_APP, 0, NULL, 0, false },
};

static struct lt_row fx_rows[] = {
	{ .kind = LT_ROW_HEAP, .pid = 4242, .comm = "service", .stack_id = 11, .bytes = 31457280,
	  .count = 480, .delta = 1048576, .allocs = 16, .frees = 0, .total_allocs = 480, .total_frees = 0,
	  .total_alloc_bytes = 31457280, .growth = 20971520,
	  .rate = 31.2e6 / 3600,
	  .trend = LT_TREND_GROWING, .age_s = 723, .per_call = 65536, .nframes = 4,
	  .frames = fx_write_jsonl },
	{ .kind = LT_ROW_HEAP, .pid = 4242, .comm = "service", .stack_id = 12, .bytes = 65536,
	  .count = 1, .delta = 0, .allocs = 0, .frees = 0, .total_allocs = 1, .rate = 0,
	  .total_alloc_bytes = 65536, .growth = 0,
	  .trend = LT_TREND_STEADY,
	  .age_s = 4000, .per_call = -1, .nframes = 4, .frames = fx_write_jsonl2 },
	{ .kind = LT_ROW_HEAP, .pid = 4242, .comm = "service", .stack_id = 13, .bytes = 2000,
	  .count = 20, .delta = 2000, .allocs = 20, .frees = 0, .rate = 10, .total_allocs = 120,
	  .total_frees = 100, .total_alloc_bytes = 12000, .growth = 1500,
	  .trend = LT_TREND_SAWTOOTH, .age_s = 3, .per_call = -1, .nframes = 3, .frames = fx_cpp },
	{ .kind = LT_ROW_HEAP, .pid = 4242, .comm = "service", .stack_id = 14, .bytes = 0,
	  .count = 0, .delta = -4096, .allocs = 100, .frees = 101, .total_allocs = 300,
	  .total_frees = 301, .total_alloc_bytes = 1228800, .growth = -4096, .rate = -50,
	  .trend = LT_TREND_TRANSIENT, .age_s = -1, .per_call = -1, .nframes = 3,
	  .frames = fx_stripped },
	{ .kind = LT_ROW_HEAP, .pid = 4242, .comm = "service", .stack_id = LT_STACK_NONE,
	  .bytes = 512, .count = 2, .delta = 512, .allocs = 2, .frees = 0, .rate = 0,
	  .total_allocs = 2, .total_alloc_bytes = 512, .growth = 512,
	  .trend = LT_TREND_NEW, .age_s = 100000, .per_call = -1 },
	{ .kind = LT_ROW_MMAP_ANON, .pid = 4242, .comm = "service", .stack_id = 15,
	  .bytes = 8 << 20, .count = 2, .delta = 4 << 20, .allocs = 1, .frees = 0, .growth = 4 << 20,
	  .rate = 4.0 * (1 << 20) / 60, .trend = LT_TREND_GROWING, .age_s = 90, .per_call = -1,
	  .nframes = 2, .frames = fx_mmap },
	{ .kind = LT_ROW_SOCK + LT_SOCK_TCP, .pid = 4242, .comm = "service", .stack_id = 16,
	  .count = 987, .delta = 12, .allocs = 12, .frees = 0, .total_allocs = 1200, .growth = 40,
	  .total_frees = 213, .rate = 0.33,
	  .trend = LT_TREND_GROWING, .age_s = 7300, .per_call = 0.5, .nframes = 2,
	  .frames = fx_socket },
};

static struct lt_proc fx_procs[] = {
	{ .pid = 4242, .comm = "service", .label = "pid 4242 (service)", .rss = 48 << 20,
	  .anon = 40 << 20, .heap = 31525328,
	  .mmap = 8 << 20, .sockets = 987, .calls = 480,
	  .view = { .verdict = LT_PROC_TRACKED_EXPLAINS, .rss_rate = 9000,
		    .tracked_rate = 8800 },
	  .costed = true, .hits_per_s = 41230, .added_ratio = 0.0412, .floor_ratio = 0.021,
	  .added_s = 0.62, .hits = 618450 },
};

static const struct lt_report fx_report = {
	.elapsed_s = 15.0,
	.start_ns = 1795000000000000000ULL,
	.baseline_s = 5.0,
	.interval_s = 5.0,
	.window_s = 15.0,
	.per_call = "handle_event",
	.procs = fx_procs,
	.nprocs = 1,
	.rows = fx_rows,
	.nrows = sizeof(fx_rows) / sizeof(fx_rows[0]),
	.stats = { [LT_STAT_ALLOC_MAP_FULL] = 3, [LT_STAT_ALLOC_MAP_FULL_BYTES] = 3072,
		   [LT_STAT_STACK_FAILED] = 2, [LT_STAT_NESTED_CALLS] = 9 },
	.total_bytes = 31457280 + 65536 + 2000 + 512,
	.total_count = 503,
	.self = { .cpu_pct = 0.4, .rss = 25 << 20, .bpf_bytes = 45 << 20,
		  .trap = { .known = true, .entry_ns = 563, .ret_ns = 439, .step_ns = 9930,
			    .clock_ns = 34 } },
};

#endif /* LEAKTOP_REPORT_FIXTURE_H */
