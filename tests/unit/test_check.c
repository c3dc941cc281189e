// SPDX-License-Identifier: GPL-2.0
/* --fail-on: the verdict on hand-built final reports, the C runtime's own blocks, the bound. */
#include "check.h"
#include "exitcode.h"
#include "output.h"
#include "test.h"
#include "util.h"

static const struct lt_module exe = { .path = "/srv/app", .base = "app", .is_exe = true };
static const struct lt_module libc = { .path = "/lib/libc.so.6", .base = "libc.so.6" };
static const struct lt_module ld = { .path = "/lib64/ld-linux-x86-64.so.2",
				     .base = "ld-linux-x86-64.so.2" };
static const struct lt_module cxx = { .path = "/lib/libstdc++.so.6", .base = "libstdc++.so.6" };

#define F(fn, mod, cls) { 0x1000, fn, 0x10, (mod).base, &(mod), cls, 0, NULL, 0, false }

static struct lt_frame leak[] = { F("leak_one", exe, LT_FRAME_APP), F("main", exe, LT_FRAME_APP) };
static struct lt_frame grow[] = { F("grow", exe, LT_FRAME_APP), F("main", exe, LT_FRAME_APP) };
/* printf's stdout buffer: the runtime's own. */
static struct lt_frame stdio_buf[] = {
	F("_IO_file_doallocate", libc, LT_FRAME_LIB), F("_IO_doallocbuf", libc, LT_FRAME_LIB),
	F("printf", libc, LT_FRAME_LIB), F("main", exe, LT_FRAME_APP),
};
/* strdup is an allocation function: the first frame past it is the program's. */
static struct lt_frame strdup_leak[] = {
	F("strdup", libc, LT_FRAME_ALLOC), F("save_name", exe, LT_FRAME_APP),
};
/* fopen's FILE is the caller's to close: not the runtime's own. */
static struct lt_frame fopen_leak[] = {
	F("fopen", libc, LT_FRAME_LIB), F("open_log", exe, LT_FRAME_APP),
};
/* A library's constructor run by the loader (libstdc++'s exception pool, stripped names). */
static struct lt_frame ctor[] = {
	F("operator new(unsigned long)", cxx, LT_FRAME_ALLOC), { 0x2000, NULL, 0xa4f0, "libstdc++.so.6", &cxx, LT_FRAME_LIB, 0, NULL, 0, false },
	F("call_init", ld, LT_FRAME_LIB), F("_dl_init", ld, LT_FRAME_LIB),
	F("_dl_start_user", ld, LT_FRAME_LIB),
};
/* dlopen from the program: the loader's own state, reached from main. */
static struct lt_frame dlopen_state[] = {
	F("_dl_new_object", ld, LT_FRAME_LIB), F("dl_open_worker", ld, LT_FRAME_LIB),
	F("dlopen", libc, LT_FRAME_LIB), F("main", exe, LT_FRAME_APP),
};

static void test_runtime_own(void)
{
	ASSERT_TRUE(check__runtime_own(stdio_buf, ARRAY_SIZE(stdio_buf)), "stdio buffer");
	ASSERT_TRUE(check__runtime_own(ctor, ARRAY_SIZE(ctor)), "a library's constructor");
	ASSERT_TRUE(check__runtime_own(dlopen_state, ARRAY_SIZE(dlopen_state)), "the loader");
	ASSERT_TRUE(!check__runtime_own(leak, ARRAY_SIZE(leak)), "the program's own");
	ASSERT_TRUE(!check__runtime_own(strdup_leak, ARRAY_SIZE(strdup_leak)), "strdup's caller");
	ASSERT_TRUE(!check__runtime_own(fopen_leak, ARRAY_SIZE(fopen_leak)), "fopen's FILE");
	ASSERT_TRUE(!check__runtime_own(NULL, 0), "no frames");
}

/* pid 10 runs on, with one growing and one steady stack; pid 20 exited holding three stacks. */
static void fixture(struct lt_report *r, struct lt_proc *procs, struct lt_row *rows)
{
	memset(r, 0, sizeof(*r));
	procs[0] = (struct lt_proc){ .pid = 10, .comm = "app", .label = "pid 10 (app)",
				     .view.verdict = LT_PROC_TRACKED_EXPLAINS };
	procs[1] = (struct lt_proc){ .pid = 20, .comm = "app", .label = "pid 20 (app)",
				     .exited = true, .view.verdict = LT_PROC_TOO_EARLY };
	rows[0] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 10, .bytes = 40960, .count = 40,
				   .rate = 1024, .trend = LT_TREND_GROWING, .frames = grow,
				   .nframes = ARRAY_SIZE(grow) };
	rows[1] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 10, .bytes = 100, .count = 1,
				   .trend = LT_TREND_STEADY, .frames = leak, .nframes = 2 };
	rows[2] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 20, .bytes = 3000, .count = 3,
				   .trend = LT_TREND_NEW, .frames = leak, .nframes = 2 };
	rows[3] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 20, .bytes = 1024, .count = 1,
				   .trend = LT_TREND_NEW, .frames = stdio_buf,
				   .nframes = ARRAY_SIZE(stdio_buf) };
	rows[4] = (struct lt_row){ .kind = LT_ROW_HEAP, .pid = 20, .bytes = 0, .count = 0,
				   .trend = LT_TREND_NEW, .frames = fopen_leak, .nframes = 2 };
	rows[5] = (struct lt_row){ .kind = LT_ROW_SOCK, .pid = 10, .count = 9, .rate = 0.01,
				   .trend = LT_TREND_GROWING, .frames = fopen_leak, .nframes = 2 };
	r->procs = procs;
	r->nprocs = 2;
	r->rows = rows;
	r->nrows = 6;
	r->final = true;
}

static char *render(const struct lt_report *r, const struct lt_check_result *res)
{
	struct lt_table_opts o = { .top_n = 10, .frames = 8, .exact = true };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_EQ(out_check__write(f, r, res, &o), 0, "written");
	fclose(f);
	return text;
}

static void test_growing(void)
{
	struct lt_check c = { .on = LT_FAIL_GROWING };
	struct lt_check_result res;
	struct lt_proc procs[2];
	struct lt_row rows[6];
	struct lt_report r;
	char *text;

	fixture(&r, procs, rows);
	ASSERT_EQ(check__result(&c, &r, &res), LT_EXIT_CHECK, "growing fails");
	ASSERT_EQ(res.ngrowing, 2, "the heap stack and the sockets");
	ASSERT_TRUE(res.growing[0] == &rows[0], "the fastest first");
	ASSERT_EQ(res.nheld, 0, "growing ignores what exits held");
	text = render(&r, &res);
	ASSERT_CONTAINS(text, "CHECK --fail-on growing: FAILED; 2 stacks growing\n", "verdict");
	ASSERT_CONTAINS(text, "  growing: heap +3686400/h in pid 10 (app), 40960 bytes in 40 blocks:\n"
			      "      grow+0x10 [app]\n      main+0x10 [app]\n", "heap stack");
	ASSERT_CONTAINS(text, "  growing: tcp +36/h in pid 10 (app), 9 open:\n", "sockets");
	free(text);
	check__free_result(&res);

	rows[0].trend = rows[5].trend = LT_TREND_SAWTOOTH;
	ASSERT_EQ(check__result(&c, &r, &res), LT_EXIT_OK, "nothing grows: passes");
	text = render(&r, &res);
	ASSERT_CONTAINS(text, "CHECK --fail-on growing: passed; 0 stacks growing\n", "passed");
	free(text);
	check__free_result(&res);

	/* No process with samples enough: said. */
	procs[0].view.verdict = LT_PROC_TOO_EARLY;
	ASSERT_EQ(check__result(&c, &r, &res), LT_EXIT_OK, "too early: passes");
	ASSERT_TRUE(res.too_early, "too early");
	text = render(&r, &res);
	ASSERT_CONTAINS(text, "too few samples for any trend (fewer than 6)", "too early said");
	free(text);
	check__free_result(&res);

	c.on = LT_FAIL_OFF;
	ASSERT_EQ(check__result(&c, &r, &res), LT_EXIT_OK, "off");
	text = render(&r, &res);
	ASSERT_STREQ(text, "", "off: nothing written");
	free(text);
	check__free_result(&res);
}

static void test_leak(void)
{
	struct lt_check c = { .on = LT_FAIL_LEAK };
	struct lt_check_result res;
	struct lt_proc procs[2];
	struct lt_row rows[6];
	struct lt_report r;
	char *text;

	fixture(&r, procs, rows);
	rows[0].trend = rows[5].trend = LT_TREND_STEADY;
	/* A purged process held two stacks, one the runtime's own. */
	check__on_exit(&c, 30, "worker", 5000, 5, strdup_leak, ARRAY_SIZE(strdup_leak));
	check__on_exit(&c, 30, "worker", 4096, 1, stdio_buf, ARRAY_SIZE(stdio_buf));
	check__on_exit(&c, 30, "worker", 0, 0, leak, ARRAY_SIZE(leak));
	ASSERT_EQ(c.nexits, 1, "one stack kept");
	ASSERT_EQ(c.runtime_blocks, 1, "the stdio buffer counted apart");
	ASSERT_EQ(check__result(&c, &r, &res), LT_EXIT_CHECK, "held at exit fails");
	ASSERT_EQ(res.nheld, 1, "pid 20's leak (not its stdio buffer, not its empty stack)");
	ASSERT_EQ(res.nexits, 1, "pid 30's leak");
	ASSERT_EQ(res.held_bytes, 8000, "bytes held at exit");
	ASSERT_EQ(res.held_count, 8, "blocks held at exit");
	ASSERT_EQ(res.runtime_bytes, 1024 + 4096, "the runtime's own");
	text = render(&r, &res);
	ASSERT_CONTAINS(text, "CHECK --fail-on leak: FAILED; 0 stacks growing; 2 stacks held 8000 "
			      "bytes in 8 blocks at a process's exit\n", "verdict");
	/* Largest first, the report's and the purged ones' merged. */
	ASSERT_CONTAINS(text, "  held at exit: pid 30 (worker), 5000 bytes in 5 blocks:\n"
			      "      strdup+0x10 [libc.so.6]\n      save_name+0x10 [app]\n"
			      "  held at exit: pid 20 (app), 3000 bytes in 3 blocks:\n"
			      "      leak_one+0x10 [app]\n", "stacks");
	ASSERT_CONTAINS(text, "not counted: 5120 bytes in 2 blocks held at exit by the C runtime",
			"runtime's own said");
	free(text);
	check__free_result(&res);
	check__free(&c);
}

/* The purged stacks kept are the largest LT_CHECK_MAX_EXITS; the others are counted. */
static void test_bound(void)
{
	struct lt_check c = { .on = LT_FAIL_LEAK };
	struct lt_check_result res;
	struct lt_report r = { .final = true };
	int64_t min = INT64_MAX;

	for (int i = 1; i <= LT_CHECK_MAX_EXITS + 100; i++)
		check__on_exit(&c, 100 + i, "w", i * 10, 1, leak, ARRAY_SIZE(leak));
	ASSERT_EQ(c.nexits, LT_CHECK_MAX_EXITS, "bounded");
	ASSERT_EQ(c.more_stacks, 100, "the others counted");
	for (size_t i = 0; i < c.nexits; i++)
		min = c.exits[i].bytes < min ? c.exits[i].bytes : min;
	ASSERT_EQ(min, 1010, "the largest kept");
	ASSERT_EQ(check__result(&c, &r, &res), LT_EXIT_CHECK, "fails");
	ASSERT_EQ(res.held_count, LT_CHECK_MAX_EXITS + 100, "every block counted");
	ASSERT_EQ(res.held_bytes, (int64_t)10 * (LT_CHECK_MAX_EXITS + 100) * (LT_CHECK_MAX_EXITS + 101) / 2,
		  "every byte counted");
	check__free_result(&res);
	check__free(&c);
}

TEST_MAIN(TEST(test_runtime_own), TEST(test_growing), TEST(test_leak), TEST(test_bound))
