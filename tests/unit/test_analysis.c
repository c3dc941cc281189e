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

/* A node process's parts over N samples, one a second: each a function of the sample. */
static enum lt_node_verdict node_verdict(double (*js)(int), double (*ext)(int), double (*nat)(int),
					 double (*sock)(int), size_t n, struct lt_node_view *out)
{
	static double parts[LT_NODE__PARTS][N];
	double (*const f[LT_NODE__PARTS])(int) = { js, ext, nat, sock };
	const double *v[LT_NODE__PARTS];

	for (int k = 0; k < LT_NODE__PARTS; k++) {
		for (int i = 0; i < N; i++)
			parts[k][i] = f[k](i);
		v[k] = parts[k];
	}
	for (int i = 0; i < N; i++)
		t[i] = i;
	analysis__node_view(t, v, n, out);
	return out->verdict;
}

static double zero(int i)
{
	(void)i;
	return 0;
}

/* External memory: 64 KiB Buffers kept, 4 a second (7.5 MiB over the window). */
static double buffers(int i)
{
	return 4 * 65536.0 * i;
}

/* The JS heap under a Buffer leak: its young generation's pages come and go (GC). */
static double js_gc(int i)
{
	return (i % 4 < 2 ? 10 : 2) * 1048576.0;
}

/* The JS heap of kept objects: one 256 KiB page a second, 7.25 MiB over the window. */
static double js_objects(int i)
{
	return 262144.0 * i;
}

/*
 * Just below and just above each part's smallest rise. The rise is the floor's: from the first
 * third's lowest sample (i = 0) to the last third's (i = 20).
 */
static double js_below(int i)
{
	return LT_JS_HEAP_MIN_RISE * 0.97 * i / 20;
}

static double js_above(int i)
{
	return LT_JS_HEAP_MIN_RISE * 1.1 * i / 20;
}

static double ext_below(int i)
{
	return LT_NODE_MIN_RISE * 0.97 * i / 20;
}

static double ext_above(int i)
{
	return LT_NODE_MIN_RISE * 1.1 * i / 20;
}

/* Native malloc: V8's and node's bookkeeping, 80 KiB a second. */
static double native(int i)
{
	return 81920.0 * i;
}

static double native_flat(int i)
{
	return 500e3 + 10e3 * (i % 3);
}

/* The young generation resized once: a one-time step of 8 MiB. */
static double js_step(int i)
{
	return i < 12 ? 2e6 : 2e6 + 8.0 * 1048576;
}

static double sockets(int i)
{
	return i; /* one more a second */
}

/* A fast Buffer leak, 1 MiB a second: its floor rises past 1 MiB within the fewest samples. */
static double buffers_fast(int i)
{
	return 1048576.0 * i;
}

static void test_node_view(void)
{
	struct lt_node_view nv;

	ASSERT_EQ(node_verdict(js_gc, buffers, native_flat, zero, N, &nv), LT_NODE_EXTERNAL_GROWS,
		  "Buffers kept, the JS heap going and coming: external grows");
	ASSERT_TRUE(fabs(nv.rate[LT_NODE_EXTERNAL] - 4 * 65536.0) < 1e-6, "external's rate");
	ASSERT_EQ(nv.trend[LT_NODE_JS_HEAP], LT_TREND_SAWTOOTH, "the JS heap is a sawtooth");
	ASSERT_EQ(nv.trend[LT_NODE_SOCKETS], LT_TREND_STEADY, "no socket at any sample: steady");
	ASSERT_EQ(node_verdict(js_objects, zero, native, zero, N, &nv), LT_NODE_JS_HEAP_GROWS,
		  "objects kept: the JS heap grows, and V8's bookkeeping with it is not the verdict");
	ASSERT_TRUE(fabs(nv.rate[LT_NODE_JS_HEAP] - 262144.0) < 1e-6, "the JS heap's rate");
	ASSERT_EQ(nv.trend[LT_NODE_NATIVE], LT_TREND_GROWING, "native grows too");
	ASSERT_EQ(node_verdict(js_objects, buffers, native, zero, N, &nv), LT_NODE_BOTH_GROW,
		  "both grow");
	ASSERT_EQ(node_verdict(js_gc, zero, native, zero, N, &nv), LT_NODE_NATIVE_GROWS,
		  "only native malloc grows");
	ASSERT_EQ(node_verdict(js_gc, zero, native_flat, zero, N, &nv), LT_NODE_STEADY,
		  "nothing grows");
	ASSERT_EQ(node_verdict(zero, zero, zero, zero, N, &nv), LT_NODE_STEADY,
		  "nothing at all since attach: steady");
	ASSERT_EQ(nv.trend[LT_NODE_JS_HEAP], LT_TREND_STEADY, "a part at 0 is steady, not transient");
	ASSERT_EQ(node_verdict(js_step, zero, native_flat, zero, N, &nv), LT_NODE_STEADY,
		  "the young generation resized once is not growth");

	/* The smallest rises, from analysis.h (and 5% of the peak, smaller here). */
	ASSERT_EQ(node_verdict(js_below, zero, zero, zero, N, &nv), LT_NODE_STEADY,
		  "the JS heap 3% under its smallest rise is flat");
	ASSERT_EQ(node_verdict(js_above, zero, zero, zero, N, &nv), LT_NODE_JS_HEAP_GROWS,
		  "the JS heap 10% over it grows");
	ASSERT_EQ(node_verdict(zero, ext_below, zero, zero, N, &nv), LT_NODE_STEADY,
		  "external 3% under its smallest rise is flat");
	ASSERT_EQ(node_verdict(zero, ext_above, zero, zero, N, &nv), LT_NODE_EXTERNAL_GROWS,
		  "external 10% over it grows");
	ASSERT_EQ(node_verdict(ext_above, zero, zero, zero, N, &nv), LT_NODE_STEADY,
		  "the JS heap needs more than external memory");
	ASSERT_EQ(node_verdict(zero, zero, ext_below, zero, N, &nv), LT_NODE_STEADY,
		  "native 3% under its smallest rise is flat");
	ASSERT_EQ(node_verdict(zero, zero, ext_above, zero, N, &nv), LT_NODE_NATIVE_GROWS,
		  "native 10% over it grows");

	/* Sockets have their own trend; the verdict is about memory. */
	ASSERT_EQ(node_verdict(js_gc, zero, native_flat, sockets, N, &nv), LT_NODE_STEADY,
		  "memory flat while sockets grow");
	ASSERT_EQ(nv.trend[LT_NODE_SOCKETS], LT_TREND_GROWING, "the sockets grow");
	ASSERT_TRUE(fabs(nv.rate[LT_NODE_SOCKETS] - 1) < 1e-9, "one socket a second");

	/* Samples: a verdict needs as many as a stack's trend does. */
	ASSERT_EQ(node_verdict(js_gc, buffers, native_flat, zero, LT_MIN_SAMPLES - 1, &nv),
		  LT_NODE_TOO_EARLY, "too few samples: too early");
	ASSERT_EQ(nv.trend[LT_NODE_EXTERNAL], LT_TREND_NEW, "each part is new");
	ASSERT_EQ(node_verdict(zero, buffers_fast, zero, zero, LT_MIN_SAMPLES, &nv),
		  LT_NODE_EXTERNAL_GROWS, "enough samples: a verdict");
}

TEST_MAIN(TEST(test_leaks), TEST(test_not_leaks), TEST(test_small_rise),
	  TEST(test_noisy_leaks_many_seeds), TEST(test_proc_view), TEST(test_node_view))
