// SPDX-License-Identifier: GPL-2.0
/* The folded and table writers against golden files, from a hand-built report. */
#include <linux/types.h>

#include "output.h"
#include "report_fixture.h"
#include "test.h"

#define GOLDEN_DIR "tests/unit/golden/"

/* Run a writer into memory and return what it wrote (free it). */
static char *capture(int (*write)(FILE *, const void *, const void *), const void *a,
		     const void *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (write(f, a, b))
		fprintf(f, "<writer failed>");
	fclose(f);
	return buf;
}

static int folded(FILE *f, const void *r, const void *unused)
{
	(void)unused;
	return out_folded__write(f, r);
}

static int table(FILE *f, const void *r, const void *o)
{
	return out_table__write(f, r, o);
}

static void test_folded(void)
{
	char *got = capture(folded, &fx_report, NULL);

	test_golden(got, GOLDEN_DIR "report.folded");
	/* Independently of the golden file: the two write_jsonl stacks summed on one line. */
	ASSERT_CONTAINS(got, "service;__libc_start_call_main;main;handle_event;write_jsonl 31522816\n",
			"call sites of one function fold together");
	ASSERT_CONTAINS(got, "service;main;cache::Store<int: long>::put(int);operator new(unsigned long) 2000\n",
			"';' in a symbol cannot split frames");
	ASSERT_CONTAINS(got, "service;[stack unavailable] 512\n", "lost stacks keep their bytes");
	ASSERT_TRUE(!strstr(got, "python3.11"), "rows holding nothing are left out");
	free(got);
}

static void test_folded_empty(void)
{
	struct lt_report empty = { .nrows = 0 };
	char *got = capture(folded, &empty, NULL);

	ASSERT_STREQ(got, "", "no rows, no lines");
	free(got);
}

static void test_table_human(void)
{
	struct lt_table_opts o = { .top_n = 10, .frames = 3 };
	char *got = capture(table, &fx_report, &o);

	test_golden(got, GOLDEN_DIR "table_human.txt");
	free(got);
}

static void test_table_exact_top2(void)
{
	struct lt_table_opts o = { .top_n = 2, .frames = 8, .exact = true };
	char *got = capture(table, &fx_report, &o);

	test_golden(got, GOLDEN_DIR "table_exact_top2.txt");
	ASSERT_CONTAINS(got, "31457280", "exact bytes");
	ASSERT_CONTAINS(got, "3 allocations not tracked (allocation map full: raise --max-tracked), holding 3072",
			"drop counters in the footer");
	free(got);
}

static void test_table_redraw(void)
{
	struct lt_table_opts o = { .top_n = 1, .frames = 1, .redraw = true };
	char *got = capture(table, &fx_report, &o);

	ASSERT_TRUE(got && !strncmp(got, "\033[H\033[2J", 7), "a terminal table clears first");
	free(got);
}

TEST_MAIN(TEST(test_folded), TEST(test_folded_empty), TEST(test_table_human),
	  TEST(test_table_exact_top2), TEST(test_table_redraw))
