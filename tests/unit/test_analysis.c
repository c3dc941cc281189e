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
	ASSERT_EQ(classify(LT_MIN_SAMPLES - 1, &r), LT_TREND_NEW, "five samples are too few");
}

static void test_small_rise(void)
{
	struct lt_trend_result r;

	for (int i = 0; i < N; i++) {
		t[i] = i;
		v[i] = 1000 + 1000 * i; /* 29 KB in all: under the 64 KiB floor */
	}
	ASSERT_EQ(classify(N, &r), LT_TREND_STEADY, "a rise below 64 KiB is not called growing");
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

/* A clean leak of 1 MB a sample (RSS 2 MB): a verdict from the sixth sample on, none before. */
static void test_min_samples(void)
{
	struct lt_trend_result r;
	double rss[N], tracked[N];
	struct lt_proc_view pv;

	for (int i = 0; i < N; i++) {
		t[i] = 5.0 * i; /* the default interval */
		v[i] = 1e6 * (i + 1);
		rss[i] = 20e6 + 2e6 * i;
		tracked[i] = v[i];
	}
	ASSERT_EQ(classify(LT_MIN_SAMPLES - 1, &r), LT_TREND_NEW, "stack: 5 samples: new");
	ASSERT_EQ(classify(LT_MIN_SAMPLES, &r), LT_TREND_GROWING, "stack: 6 samples: growing");
	analysis__proc_view(t, rss, tracked, LT_MIN_SAMPLES - 1, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_TOO_EARLY, "RSS: 5 samples (20 s at -i 5): too early");
	ASSERT_TRUE(pv.rss_rate == 0, "RSS: no rate before a verdict");
	analysis__proc_view(t, rss, tracked, LT_MIN_SAMPLES, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_TRACKED_EXPLAINS, "RSS: 6 samples: a verdict");
}

/* v[i] = base + step * i over N samples: its floor rises by 20 steps (thirds of 10). */
static enum lt_trend linear(double base, double step, struct lt_trend_result *r)
{
	for (int i = 0; i < N; i++) {
		t[i] = i;
		v[i] = base + step * i;
	}
	return classify(N, r);
}

/* The absolute and relative size a rise needs, at either side of each bound. */
static void test_rise_bounds(void)
{
	struct lt_trend_result r;
	double kib64 = 64 * 1024;

	ASSERT_EQ(linear(0, kib64 / 20 * 0.99, &r), LT_TREND_STEADY, "floor +63.4 KiB: steady");
	ASSERT_TRUE(r.floor_rise < kib64, "the floor rose under 64 KiB");
	ASSERT_EQ(linear(0, kib64 / 20 * 1.01, &r), LT_TREND_GROWING, "floor +64.6 KiB: growing");
	/* 100 MB held: 5% of the peak (~5.1 MB) is the bound, not 64 KiB. */
	ASSERT_EQ(linear(100e6, 5.1e6 / 20 * 0.97, &r), LT_TREND_STEADY,
		  "100 MB, floor +4.9 MB (under 5% of the peak): steady");
	ASSERT_EQ(linear(100e6, 5.6e6 / 20 * 1.03, &r), LT_TREND_GROWING,
		  "100 MB, floor +5.8 MB (over 5% of the peak): growing");
	/* Sockets: 4 more at least. */
	for (int i = 0; i < N; i++)
		v[i] = i / 7; /* 0, 0, ..., 4: the floor rises by 2 */
	analysis__classify(t, v, N, &lt_trend_counts, &r);
	ASSERT_EQ(r.trend, LT_TREND_STEADY, "sockets: 2 more over the window: steady");
	for (int i = 0; i < N; i++)
		v[i] = i / 4; /* 0 to 7: the floor rises by 5 */
	analysis__classify(t, v, N, &lt_trend_counts, &r);
	ASSERT_EQ(r.trend, LT_TREND_GROWING, "sockets: 5 more over the window: growing");
}

/*
 * A warm-up: a rise of `total` bytes over the first `ramp` samples, then flat. Not a leak,
 * wherever in the window it levels off (the old rule called one that levelled off in the
 * middle third growing), until it levels off so late that it is still rising at the end.
 */
static void test_warmup(void)
{
	struct lt_trend_result r;

	for (int ramp = 2; ramp <= 18; ramp += 2) {
		char name[80];

		for (int i = 0; i < N; i++) {
			t[i] = i;
			v[i] = 2e6 + 10e6 * (i < ramp ? (double)i / ramp : 1.0);
		}
		snprintf(name, sizeof(name), "a 10 MB warm-up over %d of 30 samples: not growing",
			 ramp);
		ASSERT_TRUE(classify(N, &r) != LT_TREND_GROWING, name);
	}
}

/*
 * RSS: a verdict of growth needs a sustained rise of 4 MiB and 2% of RSS. redis-server's
 * 1.7 MB warm-up over 45 s (9 samples at -i 5), still rising, was "RSS grows +136 MiB/h".
 */
static void test_rss_bounds(void)
{
	double rss[N], tracked[N];
	struct lt_proc_view pv;

	for (int i = 0; i < 9; i++) {
		t[i] = 5.0 * i;
		rss[i] = 8e6 + 1.7e6 * i / 8;
		tracked[i] = 3e6;
	}
	analysis__proc_view(t, rss, tracked, 9, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_RSS_STEADY, "redis: 1.7 MB over 45 s: steady");
	for (int i = 0; i < N; i++) {
		t[i] = i;
		tracked[i] = 3e6;
		rss[i] = 30e6 + 4.0 * 1024 * 1024 / 20 * 0.97 * i; /* floor +3.9 MiB */
	}
	analysis__proc_view(t, rss, tracked, N, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_RSS_STEADY, "RSS floor +3.9 MiB: steady");
	for (int i = 0; i < N; i++)
		rss[i] = 30e6 + 4.0 * 1024 * 1024 / 20 * 1.03 * i; /* floor +4.1 MiB */
	analysis__proc_view(t, rss, tracked, N, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_UNTRACKED_GROWTH, "RSS floor +4.1 MiB, tracked flat");
	ASSERT_TRUE(pv.rss_rise > 4 << 20 && pv.rss_rise < 4.3 * (1 << 20), "the rise it saw");
	/* 1 GB of RSS: 2% of it (~20 MB) is the bound. */
	for (int i = 0; i < N; i++)
		rss[i] = 1e9 + 15e6 / 20 * i;
	analysis__proc_view(t, rss, tracked, N, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_RSS_STEADY, "1 GB, floor +15 MB (1.5%): steady");
	for (int i = 0; i < N; i++)
		rss[i] = 1e9 + 25e6 / 20 * i;
	analysis__proc_view(t, rss, tracked, N, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_UNTRACKED_GROWTH, "1 GB, floor +25 MB (2.5%): growth");
	/* A warm-up of 12 MB over the first 10 samples, then flat: steady, not growth. */
	for (int i = 0; i < N; i++)
		rss[i] = 30e6 + 12e6 * (i < 10 ? i / 10.0 : 1.0);
	analysis__proc_view(t, rss, tracked, N, &pv);
	ASSERT_EQ(pv.verdict, LT_PROC_RSS_STEADY, "a 12 MB warm-up that levelled off: steady");
}

/*
 * Fragmentation: RSS grows 2 MB a sample while the tracked heap grows 30 KB a sample, but a
 * round of buffers (up to 2 MB) may be in flight at any sample. The verdict is the same from
 * 6 samples to 30: the floors do not see the rounds in flight, where a slope through 4 noisy
 * samples did ("they explain the growth" over 20 s, "fragmentation" over 40 s).
 */
static void test_fragmentation_stable(void)
{
	double rss[N], tracked[N];
	unsigned seed = 11;

	for (int i = 0; i < N; i++) {
		t[i] = 5.0 * i;
		rss[i] = 40e6 + 2e6 * i;
		tracked[i] = 5e6 + 30e3 * i + (noise(&seed) > 0 ? 2e6 * (noise(&seed) + 1) / 2 : 0);
	}
	for (size_t n = LT_MIN_SAMPLES; n <= N; n++) {
		struct lt_proc_view pv;
		char name[64];

		analysis__proc_view(t, rss, tracked, n, &pv);
		snprintf(name, sizeof(name), "fragmentation over %zu samples", n);
		ASSERT_EQ(pv.verdict, LT_PROC_UNTRACKED_GROWTH, name);
	}
}

/* growth.c's sawtooth: 200 KiB more every 0.1 s, all freed at the 13th step, at time x. */
static double growth_saw(double x)
{
	long k = (long)(x / 0.1 + 1e-9) % 13;

	return k < 12 ? (k + 1) * 200.0 * 1024 : 0;
}

/*
 * A sawtooth sampled every 0.5 s, from 130 start phases: few samples per tooth, so where they
 * fall in the teeth can make the troughs of one third higher than another's. Never growing,
 * from 6 samples to 60 (without the 5 cycles a rising floor needs, 32 of the 130 samplings
 * were called growing at some point).
 */
static void test_sawtooth_aliasing(void)
{
	static double ts[60], vs[60];
	int bad = 0;

	for (int ph = 0; ph < 130; ph++) {
		for (int i = 0; i < 60; i++) {
			ts[i] = ph * 0.01 + 0.5 * (i + 1);
			vs[i] = growth_saw(ts[i]);
		}
		for (size_t n = LT_MIN_SAMPLES; n <= 60; n++) {
			struct lt_trend_result r;

			analysis__classify(ts, vs, n, &lt_trend_bytes, &r);
			bad += r.trend == LT_TREND_GROWING;
		}
	}
	ASSERT_EQ(bad, 0, "an aliased sawtooth is never growing");
}

TEST_MAIN(TEST(test_leaks), TEST(test_not_leaks), TEST(test_small_rise),
	  TEST(test_noisy_leaks_many_seeds), TEST(test_proc_view), TEST(test_min_samples),
	  TEST(test_rise_bounds), TEST(test_warmup), TEST(test_rss_bounds),
	  TEST(test_fragmentation_stable), TEST(test_node_view), TEST(test_sawtooth_aliasing))
