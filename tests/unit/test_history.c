// SPDX-License-Identifier: GPL-2.0
/* The history rings: windows, the start of a series, zero fill, dropping dead series. */
#include "history.h"
#include "test.h"

static void test_window_and_start(void)
{
	struct lt_history *h = history__new(5);
	struct lt_series_key a = { 0, 100, 7 }, b = { 0, 100, 8 };
	struct lt_series s;

	for (int i = 0; i < 8; i++) {
		history__begin(h, i);
		history__put(h, &a, 10 * i);
		if (i >= 6)
			history__put(h, &b, 1); /* b appears at the 7th sample */
	}
	history__get(h, &a, &s);
	ASSERT_EQ(s.n, 5, "a full window");
	ASSERT_TRUE(s.t[0] == 3 && s.t[4] == 7, "the last five times, oldest first");
	ASSERT_TRUE(s.v[0] == 30 && s.v[4] == 70, "the last five values");
	history__get(h, &b, &s);
	ASSERT_EQ(s.n, 2, "a new series starts where it appeared");
	ASSERT_TRUE(s.t[0] == 6 && s.v[1] == 1, "its own samples only");
	history__free(h);
}

static void test_zero_fill_and_drop(void)
{
	struct lt_history *h = history__new(4);
	struct lt_series_key a = { 1, 5, 9 };
	struct lt_series s;

	history__begin(h, 0);
	history__put(h, &a, 5);
	history__begin(h, 1); /* a not put: it held nothing */
	history__get(h, &a, &s);
	ASSERT_TRUE(s.n == 2 && s.v[1] == 0, "a sample not put is zero");
	for (int i = 2; i < 6; i++)
		history__begin(h, i);
	history__get(h, &a, &s);
	ASSERT_EQ(s.n, 0, "a series empty for a whole window is dropped");
	history__begin(h, 6);
	history__put(h, &a, 3);
	history__get(h, &a, &s);
	ASSERT_TRUE(s.n == 1 && s.v[0] == 3, "and starts afresh when it comes back");
	ASSERT_EQ(history__samples(h), 7, "samples counted");
	history__free(h);
}

static void test_procs(void)
{
	struct lt_history *h = history__new(10);
	struct lt_series rss, tr;

	for (int i = 0; i < 3; i++) {
		history__begin(h, i);
		if (i)
			history__put_proc(h, 42, 1000 + i, 10 * i);
	}
	history__get_proc(h, 42, &rss, &tr);
	ASSERT_EQ(rss.n, 2, "a process's series start when it was first seen");
	ASSERT_TRUE(rss.v[1] == 1002 && tr.v[1] == 20 && rss.t[0] == 1, "values and times");
	history__get_proc(h, 43, &rss, &tr);
	ASSERT_EQ(rss.n, 0, "an unknown process has none");
	/* Not reported for a whole window (it exited): dropped; if its pid comes back, anew. */
	for (int i = 3; i < 14; i++)
		history__begin(h, i);
	history__get_proc(h, 42, &rss, &tr);
	ASSERT_EQ(rss.n, 0, "a process not reported for a whole window is dropped");
	history__put_proc(h, 42, 7, 0);
	history__get_proc(h, 42, &rss, &tr);
	ASSERT_TRUE(rss.n == 1 && rss.v[0] == 7 && rss.t[0] == 13, "and a new one starts afresh");
	history__free(h);
}

TEST_MAIN(TEST(test_window_and_start), TEST(test_zero_fill_and_drop), TEST(test_procs))
