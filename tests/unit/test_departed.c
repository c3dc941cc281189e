// SPDX-License-Identifier: GPL-2.0
/*
 * Processes kept after their exit (departed.c): their rows and names copied, so that they
 * outlive the symbolizer's; the rows that held nothing left out; the bounds on processes,
 * stacks and bytes, and what goes counted; a pid taken again by a live process.
 */
#include "departed.h"
#include "test.h"

static __u64 ips_a[] = { 0x1000, 0x2000 }, ips_b[] = { 0x3000 };

static struct lt_proc proc(pid_t pid)
{
	struct lt_proc p = { .pid = pid, .exit_s = 1.5 };

	snprintf(p.comm, sizeof(p.comm), "job%d", pid);
	return p;
}

static struct lt_row heap_row(pid_t pid, uint64_t stack, int64_t bytes, __u64 *ips, uint32_t n)
{
	return (struct lt_row){ .kind = LT_ROW_HEAP, .pid = pid, .stack_id = stack, .bytes = bytes,
				.count = bytes ? 1 : 0, .total_allocs = 1, .age_s = 0.5, .ips = ips,
				.nips = n, .trend = LT_TREND_NEW };
}

/* Frames with strings on the heap, freed by the caller right after departed__add. */
static struct lt_frame *frames_of(const char *func, struct lt_module *mod, size_t n)
{
	struct lt_frame *f = calloc(n, sizeof(*f));

	for (size_t i = 0; i < n; i++) {
		f[i].ip = 0x1000 * (i + 1);
		f[i].func = strdup(func);
		f[i].module = strdup("job");
		f[i].mod = mod;
		f[i].cls = LT_FRAME_APP;
	}
	return f;
}

static void free_frames(struct lt_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)f[i].func);
		free((char *)f[i].module);
	}
	free(f);
}

static void test_copies_and_names(void)
{
	struct lt_departed *d = departed__new(0, 0, 0);
	char path[] = "/srv/job", base[] = "job", bid[] = "abcd";
	struct lt_module mod = { .path = path, .base = base, .build_id = bid, .start = 0x400000,
				 .end = 0x500000, .is_exe = true };
	struct lt_row rows[3] = { heap_row(42, 7, 4000, ips_a, 2), heap_row(42, 8, 0, ips_b, 1),
				  { .kind = LT_ROW_SOCK + LT_SOCK_TCP, .pid = 42, .stack_id = 9,
				    .count = 3, .ips = ips_b, .nips = 1 } };
	struct lt_frame *frames[3] = { frames_of("leak_fn", &mod, 2), NULL,
				       frames_of("connect_fn", &mod, 1) };
	size_t nframes[3] = { 2, 0, 1 }, nprocs = 0, nrows = 0, cp = 0, cr = 0;
	struct lt_proc p = proc(42), *procs = NULL;
	struct lt_row *got = NULL;
	struct lt_frame *named = NULL;
	size_t n = 0;

	ASSERT_EQ(departed__add(d, &p, rows, frames, nframes, 3), 0, "add");
	free_frames(frames[0], 2);
	free_frames(frames[2], 1);
	memset(path, 'x', sizeof(path) - 1); /* the symbolizer's module goes too */
	ASSERT_EQ(departed__count(d), 1, "kept");
	ASSERT_EQ(departed__append(d, NULL, 0, &procs, &nprocs, &cp, &got, &nrows, &cr), 0, "append");
	ASSERT_EQ(nprocs, 1, "one process");
	ASSERT_EQ(nrows, 2, "the row that held nothing is left out");
	ASSERT_TRUE(procs[0].exited && procs[0].at_exit, "marked exited, kept at exit");
	ASSERT_EQ(procs[0].heap, 4000, "its heap at exit");
	ASSERT_EQ(procs[0].sockets, 3, "its sockets at exit");
	ASSERT_STREQ(procs[0].comm, "job42", "its name");
	ASSERT_TRUE(procs[0].exit_s == 1.5, "its exit time");
	ASSERT_EQ(got[0].bytes, 4000, "the largest row first");
	ASSERT_TRUE(got[0].ips != ips_a && got[0].ips[1] == 0x2000, "its raw stack is a copy");
	ASSERT_TRUE(got[0].frames == NULL && got[0].comm == NULL, "no frames yet");
	ASSERT_EQ(departed__name(d, 42, got[0].ips, &named, &n), 1, "named by the store");
	ASSERT_EQ(n, 2, "two frames");
	ASSERT_STREQ(named[0].func, "leak_fn", "its function, after the original was freed");
	ASSERT_STREQ(named[1].module, "job", "its module");
	ASSERT_STREQ(named[0].mod ? named[0].mod->path : NULL, "/srv/job", "the module's path");
	ASSERT_STREQ(named[0].mod ? named[0].mod->build_id : NULL, "abcd", "and build id");
	ASSERT_TRUE(named[0].mod == named[1].mod, "one copy per module");
	free(named);
	ASSERT_EQ(departed__name(d, 42, ips_a, &named, &n), 0, "a live row's stack is not the store's");
	ASSERT_EQ(departed__name(d, 43, got[0].ips, &named, &n), 0, "nor another pid's");
	free(procs);
	free(got);
	departed__free(d);
}

/* Add a process holding `bytes` in one row. */
static int add_one(struct lt_departed *d, pid_t pid, int64_t bytes)
{
	struct lt_row row = heap_row(pid, 1, bytes, ips_a, 2);
	struct lt_proc p = proc(pid);

	return departed__add(d, &p, &row, NULL, NULL, 1);
}

static void test_bounds(void)
{
	struct lt_departed *d = departed__new(2, 3, 0);
	struct lt_row rows[5];
	struct lt_proc p = proc(7), *procs = NULL;
	struct lt_row *got = NULL;
	size_t np = 0, nr = 0, cp = 0, cr = 0, one;
	pid_t live[] = { 3 };

	for (int i = 0; i < 5; i++)
		rows[i] = heap_row(7, i, 100 * (i + 1), ips_a, 2);
	ASSERT_EQ(departed__add(d, &p, rows, NULL, NULL, 5), 0, "five stacks");
	ASSERT_EQ(departed__dropped_rows(d), 2, "two over the bound of 3 not kept");
	ASSERT_EQ(add_one(d, 2, 50), 0, "a second process");
	ASSERT_EQ(add_one(d, 3, 10), 0, "a third, holding less than both");
	ASSERT_EQ(departed__count(d), 2, "at most two processes");
	ASSERT_EQ(departed__dropped_procs(d), 1, "the third dropped");
	ASSERT_EQ(add_one(d, 3, 70), 0, "a third, holding more than one");
	ASSERT_EQ(departed__dropped_procs(d), 2, "the one holding 50 went");
	ASSERT_EQ(departed__dropped_rows(d), 4, "with its row");
	ASSERT_EQ(departed__append(d, live, 1, &procs, &np, &cp, &got, &nr, &cr), 0, "append");
	ASSERT_EQ(np, 1, "pid 3 is live again: left out");
	ASSERT_EQ(procs[0].pid, 7, "pid 7 kept");
	ASSERT_EQ(procs[0].heap, 1500, "its sums count every stack it had");
	ASSERT_EQ(procs[0].stacks_not_kept, 2, "and say how many were not kept");
	ASSERT_EQ(nr, 3, "its three largest stacks");
	ASSERT_EQ(got[0].bytes + got[1].bytes + got[2].bytes, 1200, "500 + 400 + 300");
	ASSERT_EQ(departed__dropped_procs(d), 3, "the reused pid counted as not kept");
	free(procs);
	free(got);
	departed__free(d);

	/* Memory: a bound of one and a half processes holds one, not two. */
	d = departed__new(0, 0, 0);
	ASSERT_EQ(add_one(d, 1, 100), 0, "one process, to weigh it");
	one = departed__bytes(d);
	ASSERT_TRUE(one > 0, "it weighs something");
	departed__free(d);
	d = departed__new(0, 0, one + one / 2);
	ASSERT_EQ(add_one(d, 1, 100), 0, "first");
	ASSERT_EQ(add_one(d, 2, 200), 0, "second, larger");
	ASSERT_EQ(departed__count(d), 1, "one fits");
	ASSERT_TRUE(departed__bytes(d) <= one + one / 2, "within the bound");
	ASSERT_EQ(departed__dropped_procs(d), 1, "the smaller went");
	departed__free(d);
}

TEST_MAIN(TEST(test_copies_and_names), TEST(test_bounds))
