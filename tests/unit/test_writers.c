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
	return out_folded__write(f, r, LT_PROFILE_OUTSTANDING);
}

static int folded_growth(FILE *f, const void *r, const void *unused)
{
	(void)unused;
	return out_folded__write(f, r, LT_PROFILE_GROWTH);
}

static int table(FILE *f, const void *r, const void *o)
{
	return out_table__write(f, r, o);
}

static int json(FILE *f, const void *r, const void *unused)
{
	(void)unused;
	return out_json__write(f, r);
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

static void test_folded_growth(void)
{
	struct lt_report r = fx_report;
	char *got = capture(folded_growth, &fx_report, NULL);

	test_golden(got, GOLDEN_DIR "report_growth.folded");
	/* 20 MiB of write_jsonl's 30 MiB grew after the first table; its other site did not. */
	ASSERT_CONTAINS(got, "service;__libc_start_call_main;main;handle_event;write_jsonl 20971520\n",
			"growth, not what is held");
	ASSERT_CONTAINS(got, "# leaktop: heap bytes grown from the first table (5.0 s after attach) "
			"to the end (15.0 s); stacks that shrank are left out\n",
			"the baseline is said");
	ASSERT_TRUE(!strstr(got, "python3.11"), "stacks that shrank are left out");
	ASSERT_CONTAINS(got, "cache::Store<int: long>::put(int);operator new(unsigned long) 1500\n",
			"a stack that grew less than it holds");
	free(got);

	r.baseline_s = 0;
	got = capture(folded_growth, &r, NULL);
	ASSERT_CONTAINS(got, "# leaktop: heap bytes grown since attach (15.0 s); there was no table "
			"before the end\n", "no baseline: from attach");
	free(got);
}

/* No comment line may end in a number: flamegraph.pl would read it as a stack. */
static void test_folded_comments(void)
{
	struct lt_report r = fx_report;
	char *got, *line;

	r.sample_bytes = 524288;
	got = capture(folded_growth, &r, NULL);
	for (line = got; line && *line; line = strchr(line, '\n') + 1) {
		size_t len = strcspn(line, "\n");

		if (*line == '#')
			ASSERT_TRUE(len && (line[len - 1] < '0' || line[len - 1] > '9'),
				    "a comment ends in a word");
		if (!strchr(line, '\n'))
			break;
	}
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

static void test_table_final_summary(void)
{
	struct lt_report r = fx_report;
	struct lt_table_opts o = { .top_n = 10, .frames = 2 };
	char *got;

	r.final = true;
	got = capture(table, &r, &o);
	test_golden(got, GOLDEN_DIR "table_final.txt");
	ASSERT_CONTAINS(got, "SUMMARY\npid 4242 (service): RSS grows +30.9 MiB/h and the tracked",
			"verdict in words");
	ASSERT_CONTAINS(got, "heap +29.8 MiB/h at write_jsonl+0x26 [service] <- handle_event <- main",
			"the leak in words");
	ASSERT_CONTAINS(got, "64.0 KiB per handle_event call", "bytes per call");
	ASSERT_CONTAINS(got, "tcp +1188/h at socket+0xb [libc.so.6] <- graphql_connect \"pool\": 987 open,",
			"the socket leak");
	ASSERT_CONTAINS(got, "1 stack rises and falls back (sawtooth)", "sawtooth named");
	ASSERT_TRUE(!strstr(got, "no leak found"), "leaks found");
	free(got);
}

static void test_json(void)
{
	char *got = capture(json, &fx_report, NULL);

	test_golden(got, GOLDEN_DIR "report.json");
	ASSERT_TRUE(got && got[strlen(got) - 1] == '\n' && !strchr(got, '\n')[1],
		    "one line per report");
	ASSERT_CONTAINS(got, "\"function\":\"graphql_connect \\\"pool\\\"\"",
			"quotes in names escaped");
	ASSERT_CONTAINS(got, "\"kind\":\"tcp\"", "socket kind");
	ASSERT_CONTAINS(got, "\"age_s\":null", "unknown age is null");
	ASSERT_CONTAINS(got, "\"verdict\":\"tracked_explains\"", "process verdict");
	free(got);
}

static void test_table_redraw(void)
{
	struct lt_table_opts o = { .top_n = 1, .frames = 1, .redraw = true };
	char *got = capture(table, &fx_report, &o);

	ASSERT_TRUE(got && !strncmp(got, "\033[H\033[2J", 7), "a terminal table clears first");
	free(got);
}

TEST_MAIN(TEST(test_folded), TEST(test_folded_growth), TEST(test_folded_comments),
	  TEST(test_folded_empty), TEST(test_table_human), TEST(test_table_exact_top2), TEST(test_table_final_summary), TEST(test_json),
	  TEST(test_table_redraw))
