// SPDX-License-Identifier: GPL-2.0
/*
 * The growth classifier and the process verdict on synthetic series: clean and noisy leaks,
 * leaks under a sawtooth, sawtooths, steady levels, one-time steps, transients, and RSS that
 * grows with or without the tracked heap.
 */
#include <math.h>

#include "analysis.h"
#include "test.h"

#define N 30 /* samples, one a second */

static double t[N], v[N];

/* A reproducible noise source in [-1, 1]. */
static double noise(unsigned *s)
{
	*s = *s * 1103515245 + 12345;
	return ((*s >> 8) & 0xffff) / 32767.5 - 1;
}

static enum lt_trend classify(size_t n, struct lt_trend_result *r)
{
	analysis__classify(t, v, n, &lt_trend_bytes, r);
	return r->trend;
}

static void fill(double (*f)(int, unsigned *), unsigned seed)
{
	for (int i = 0; i < N; i++) {
		t[i] = i;
		v[i] = f(i, &seed);
	}
}

static double leak(int i, unsigned *s)
{
	(void)s;
	return 1e6 + 31e6 / 3600.0 * 60 * i; /* 31 MB/h, sped up: 31 MB/h * 60 per second */
}

static double noisy_leak(int i, unsigned *s)
{
	return 4e6 + 200e3 * i + 600e3 * noise(s); /* noise 3x the step */
}

static double leak_under_sawtooth(int i, unsigned *s)
{
	(void)s;
	return 100e3 * i + 5e6 * ((i % 5) / 4.0); /* floor +100 KB/s, teeth of 5 MB */
}

static double sawtooth(int i, unsigned *s)
{
	return 2e6 + 5e6 * ((i % 6) / 5.0) + 100e3 * noise(s);
}

static double steady(int i, unsigned *s)
{
	(void)i;
	return 10e6 + 300e3 * noise(s);
}

static double step(int i, unsigned *s)
{
	(void)s;
	return i < 14 ? 1e6 : 9e6; /* a cache filled once, mid-window */
}

static double transient(int i, unsigned *s)
{
	(void)s;
	return i % 7 == 3 ? 2e6 : 0;
}

static double shrinking(int i, unsigned *s)
{
	(void)s;
	return 30e6 - 1e6 * i;
}

static void test_leaks(void)
{
	struct lt_trend_result r;

	fill(leak, 1);
	ASSERT_EQ(classify(N, &r), LT_TREND_GROWING, "steady leak is growing");
	ASSERT_TRUE(fabs(r.slope / (31e6 / 60) - 1) < 1e-9, "its slope is the leak rate");

	fill(noisy_leak, 7);
	ASSERT_EQ(classify(N, &r), LT_TREND_GROWING, "noisy leak is growing");
	ASSERT_TRUE(fabs(r.slope / 200e3 - 1) < 0.1, "noisy slope within 10%");

	fill(leak_under_sawtooth, 1);
	ASSERT_EQ(classify(N, &r), LT_TREND_GROWING, "a leak under a sawtooth is growing");
}

static void test_not_leaks(void)
{
	struct lt_trend_result r;

	fill(sawtooth, 3);
	ASSERT_EQ(classify(N, &r), LT_TREND_SAWTOOTH, "sawtooth");
	fill(steady, 5);
	ASSERT_EQ(classify(N, &r), LT_TREND_STEADY, "noisy but steady");
	fill(step, 1);
	ASSERT_EQ(classify(N, &r), LT_TREND_STEADY, "a one-time step is not a leak");
	fill(transient, 1);
	ASSERT_EQ(classify(N, &r), LT_TREND_TRANSIENT, "transient");
	fill(shrinking, 1);
	ASSERT_EQ(classify(N, &r), LT_TREND_STEADY, "shrinking is not a sawtooth");
	ASSERT_TRUE(r.slope < 0, "shrinking slope");
	ASSERT_EQ(classify(3, &r), LT_TREND_NEW, "three samples are too few");
}

static void test_small_rise(void)
{
	struct lt_trend_result r;

	for (int i = 0; i < N; i++) {
		t[i] = i;
		v[i] = 1000 + 100 * i; /* 2.9 KB in all: under the 16 KiB floor */
	}
	ASSERT_EQ(classify(N, &r), LT_TREND_STEADY, "a rise below 16 KiB is not called growing");
	for (int i = 0; i < N; i++)
		v[i] = i; /* sockets: one more a second */
	analysis__classify(t, v, N, &lt_trend_counts, &r);
	ASSERT_EQ(r.trend, LT_TREND_GROWING, "sockets, one a second, are growing");
	ASSERT_TRUE(fabs(r.slope - 1) < 1e-9, "one socket a second");
}

static void test_noisy_leaks_many_seeds(void)
{
	int growing = 0;

	for (unsigned seed = 1; seed <= 200; seed++) {
		struct lt_trend_result r;

		fill(noisy_leak, seed);
		growing += classify(N, &r) == LT_TREND_GROWING;
	}
	ASSERT_TRUE(growing >= 195, "noisy leaks found in 195 of 200 seeds or more");
	printf("noisy leak detected in %d of 200 seeds\n", growing);

	growing = 0;
	for (unsigned seed = 1; seed <= 200; seed++) {
		struct lt_trend_result r;

		fill(sawtooth, seed);
		growing += classify(N, &r) == LT_TREND_GROWING;
		fill(steady, seed);
		growing += classify(N, &r) == LT_TREND_GROWING;
	}
	ASSERT_EQ(growing, 0, "no noisy sawtooth or steady series called growing");
}

static void test_proc_view(void)
{
	double rss[N], tracked[N];
	struct lt_proc_view pv;

	for (int i = 0; i < N; i++) {
		t[i] = i;
		rss[i] = 50e6 + 2e6 * i;
		tracked[i] = 10e6 + 1.9e6 * i;
	}
	analysis__proc_view(t, rss, tracked, N, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_TRACKED_EXPLAINS, "tracked growth explains RSS");
	ASSERT_TRUE(fabs(pv.rss_rate - 2e6) < 1, "RSS rate");

	for (int i = 0; i < N; i++)
		tracked[i] = 10e6 + 10e3 * (i % 3);
	analysis__proc_view(t, rss, tracked, N, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_UNTRACKED_GROWTH, "RSS grows, tracked flat: fragmentation");

	for (int i = 0; i < N; i++)
		rss[i] = 50e6 + 100e3 * (i % 2);
	analysis__proc_view(t, rss, tracked, N, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_RSS_STEADY, "RSS steady");
	analysis__proc_view(t, rss, tracked, 2, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_TOO_EARLY, "too early");
}

TEST_MAIN(TEST(test_leaks), TEST(test_not_leaks), TEST(test_small_rise),
	  TEST(test_noisy_leaks_many_seeds), TEST(test_proc_view))
