// SPDX-License-Identifier: GPL-2.0
/*
 * The cost model (cost.c): the estimate of the CPU leaktop adds to a process from its probes'
 * counts and the calibrated trap, and the budget's choice of a sampling interval.
 */
#include <linux/types.h>
#include <math.h>

#include "cost.h"
#include "test.h"

#define NEAR(got, want, name)                                                              \
	TEST_REPORT(fabs((double)(got) - (double)(want)) < 1e-6 * (fabs((double)(want)) + 1), \
		    name, "got %.6f, want %.6f", (double)(got), (double)(want))

static const struct lt_trap_cost trap = {
	.known = true, .entry_ns = 500, .ret_ns = 300, .step_ns = 9000, .clock_ns = 40,
};

static void test_estimate(void)
{
	/*
	 * 1000 calls, 900 frees, 10 of them stepped, 400 followed to their return; 120 entries
	 * timed at 100 ns each (60 ns of work and one 40 ns clock read), 30 returns at 1040 ns
	 * (1000 of work), 2 syscall walks of 5080 ns in all (5000 of work).
	 */
	struct lt_cost d = {
		.calls = 1000, .frees = 900, .stepped = 10, .rets = 400, .bytes = 123456,
		.entry_ns = 120 * 100, .entry_timed = 120, .ret_ns = 30 * 1040, .ret_timed = 30,
		.sys_walks = 2, .sys_ns = 5000 + 2 * 40,
	};
	struct lt_cost_est e;
	/* Each hit pays two 40 ns reads one time in LT_COST_TIME_EVERY: 5 ns. */
	double timing = 2 * 40.0 / LT_COST_TIME_EVERY;
	double floor = 1900 * (500 + timing + 60) + 10 * 9000 + 5000;

	cost__estimate(&trap, &d, &d, &e);
	NEAR(e.hits, 2300, "hits: entries, frees and returns");
	NEAR(e.floor_ns, floor, "floor: entry traps and work, the stepped extra, syscall walks");
	NEAR(e.follow_ns, 300 + timing + 1000, "a followed call: its return trap and work");
	NEAR(e.added_ns, floor + 400 * (300 + timing + 1000), "added: floor and follows");
	ASSERT_EQ(llround(e.added_ns), 1900 * 565 + 90000 + 5000 + 400 * 1305, "in ns");
}

/* Too few timed hits in a span: their mean comes from the longer one. */
static void test_estimate_whole(void)
{
	struct lt_cost whole = {
		.calls = 100000, .entry_ns = 2000 * 140, .entry_timed = 2000,
		.rets = 100000, .ret_ns = 2000 * 2040, .ret_timed = 2000,
	};
	struct lt_cost d = {
		.calls = 40, .rets = 40, .entry_ns = 3 * 10000, .entry_timed = 3,
		.ret_ns = 2 * 10000, .ret_timed = 2,
	};
	struct lt_cost_est e;
	double timing = 2 * 40.0 / LT_COST_TIME_EVERY;

	cost__estimate(&trap, &d, &whole, &e);
	NEAR(e.floor_ns, 40 * (500 + timing + 100), "entries at the longer span's mean");
	NEAR(e.follow_ns, 300 + timing + 2000, "returns at the longer span's mean");
	/* Enough timed ones in the span: its own mean. */
	d.entry_timed = LT_COST_TIME_EVERY;
	d.entry_ns = LT_COST_TIME_EVERY * 240;
	cost__estimate(&trap, &d, &whole, &e);
	NEAR(e.floor_ns, 40 * (500 + timing + 200), "entries at their own mean");
}

/* Nothing happened: nothing added, and no follow cost known. */
static void test_estimate_idle(void)
{
	struct lt_cost d = { 0 };
	struct lt_cost_est e;

	cost__estimate(&trap, &d, &d, &e);
	NEAR(e.added_ns, 0, "idle adds nothing");
	NEAR(e.hits, 0, "no hits");
	NEAR(e.follow_ns, 0, "no follow seen");
}

/* Without a calibration, the estimate is the BPF time alone. */
static void test_estimate_uncalibrated(void)
{
	struct lt_trap_cost none = { .known = false, .entry_ns = 500, .clock_ns = 40 };
	struct lt_cost d = { .calls = 10, .entry_ns = 16 * 50, .entry_timed = 16 };
	struct lt_cost_est e;

	cost__estimate(&none, &d, &d, &e);
	NEAR(e.added_ns, 10 * 50, "BPF time only, no clock read taken off");
}

static void test_diff(void)
{
	struct lt_cost a = { .calls = 10, .frees = 5, .bytes = 100, .countdown = 3 };
	struct lt_cost b = { .calls = 4, .frees = 7, .bytes = 40 };
	struct lt_cost d, sum = { 0 };

	cost__diff(&a, &b, &d);
	ASSERT_EQ(d.calls, 6, "calls");
	ASSERT_EQ(d.frees, 0, "a counter that went back gives 0");
	ASSERT_EQ(d.bytes, 60, "bytes");
	cost__add(&sum, &a);
	cost__add(&sum, &b);
	ASSERT_EQ(sum.calls, 14, "sum");
}

/*
 * A simulated process: `calls` allocations a second of `size` bytes each (and as many frees),
 * with the costs of trap above, 100 ns of entry work and 1500 of follow work; the counts of
 * one second at sampling interval n (a sampled fraction size / n when n > size).
 */
static void simulate(uint64_t n, double calls, double size, struct lt_cost *d)
{
	double followed = n > size ? calls * size / n : calls;

	*d = (struct lt_cost){
		.calls = calls, .frees = calls, .rets = followed, .bytes = calls * size,
		.entry_ns = 2 * calls / 16 * 140, .entry_timed = 2 * calls / 16,
		.ret_ns = followed / 16 * 1540, .ret_timed = followed / 16,
	};
}

static double ratio_at(uint64_t n, double calls, double size)
{
	struct lt_cost d;
	struct lt_cost_est e;

	simulate(n, calls, size, &d);
	cost__estimate(&trap, &d, &d, &e);
	return e.added_ns / 1e9;
}

/* A burst over the budget for one period changes nothing. */
static void test_budget_burst(void)
{
	struct lt_budget b = { .ratio = 0.10, .base = 0, .max = 1ULL << 30 };
	struct lt_budget_state st = { 0 };
	struct lt_cost d;
	struct lt_cost_est e;

	simulate(0, 50000, 2048, &d);
	cost__estimate(&trap, &d, &d, &e);
	ASSERT_TRUE(!cost__budget_step(&b, &st, &d, &e, 1.0), "one period over: no change");
	simulate(0, 100, 2048, &d);
	cost__estimate(&trap, &d, &d, &e);
	ASSERT_TRUE(!cost__budget_step(&b, &st, &d, &e, 1.0), "then calm: no change");
	simulate(0, 50000, 2048, &d);
	cost__estimate(&trap, &d, &d, &e);
	ASSERT_TRUE(!cost__budget_step(&b, &st, &d, &e, 1.0), "over again, once: no change");
	ASSERT_TRUE(cost__budget_step(&b, &st, &d, &e, 1.0), "twice in a row: up");
	ASSERT_TRUE(st.n > 0, "sampled");
}

/* A hot process over its budget gets a higher interval, until it is under. */
static void test_budget_raises(void)
{
	struct lt_budget b = { .ratio = 0.10, .base = 0, .max = 1ULL << 30 };
	struct lt_budget_state st = { 0 };
	struct lt_cost d;
	struct lt_cost_est e;
	double calls = 50000, size = 2048;
	int steps = 0;

	/* Full tracking: 50k pairs at (605 * 2 + 1805) ns = 15.1% of a core. */
	ASSERT_TRUE(ratio_at(0, calls, size) > 0.14, "over the budget in full");
	do {
		simulate(st.n, calls, size, &d);
		cost__estimate(&trap, &d, &d, &e);
		cost__budget_step(&b, &st, &d, &e, 1.0);
	} while (++steps < 10 && ratio_at(st.n, calls, size) > b.ratio);
	/* The first period over is not yet a load: the second is. */
	ASSERT_TRUE(steps <= 3, "under the budget within three periods");
	ASSERT_TRUE(ratio_at(st.n, calls, size) <= b.ratio, "under the budget");
	ASSERT_TRUE(!(st.n & (st.n - 1)) && st.n > size, "a power of two above the block size");
	ASSERT_TRUE(!st.at_floor, "not at the floor");
	/* Steady: it stays. */
	simulate(st.n, calls, size, &d);
	cost__estimate(&trap, &d, &d, &e);
	ASSERT_TRUE(!cost__budget_step(&b, &st, &d, &e, 1.0), "no change once under");
	printf("50k pairs/s of 2 KiB: interval %llu, %.2f%% of a core\n", (unsigned long long)st.n,
	       100 * ratio_at(st.n, calls, size));
}

/* The entries and frees alone exceed the budget: the largest interval, and it says so. */
static void test_budget_floor(void)
{
	struct lt_budget b = { .ratio = 0.05, .base = 0, .max = 1ULL << 30 };
	struct lt_budget_state st = { 0 };
	struct lt_cost d;
	struct lt_cost_est e;

	/* 100k pairs a second: 200k entries at 605 ns = 12.1% of a core at any interval. */
	simulate(0, 100000, 64, &d);
	cost__estimate(&trap, &d, &d, &e);
	ASSERT_TRUE(!cost__budget_step(&b, &st, &d, &e, 1.0) && !st.at_floor,
		    "one period: not yet");
	ASSERT_TRUE(cost__budget_step(&b, &st, &d, &e, 1.0), "changed");
	ASSERT_TRUE(st.at_floor, "at the floor");
	ASSERT_EQ(st.n, b.max, "the largest interval");
	NEAR(st.floor_ratio, 200000 * 605e-9, "its floor");
	/* The budget aims at 80% of itself: 12.1% / 0.8 = 15.1%. */
	NEAR(cost__budget_needed(st.floor_ratio), 0.16, "what it would take: 16%");
	NEAR(cost__budget_needed(0.04), 0.05, "a whole percent stays");
}

/* A process that calms down comes back to full tracking, a step at a time. */
static void test_budget_calms(void)
{
	struct lt_budget b = { .ratio = 0.10, .base = 0, .max = 1ULL << 30 };
	struct lt_budget_state st = { .n = 1 << 20, .follow_ns = 1805 };
	struct lt_cost d;
	struct lt_cost_est e;
	uint64_t prev = st.n;
	int steps = 0;

	while (st.n && steps++ < 20) {
		simulate(st.n, 100, 2048, &d); /* 100 calls a second */
		cost__estimate(&trap, &d, &d, &e);
		cost__budget_step(&b, &st, &d, &e, 1.0);
		ASSERT_TRUE(st.n >= prev / 4 || st.n == b.base, "at most 4 times lower a period");
		prev = st.n;
	}
	ASSERT_EQ(st.n, 0, "back to every call");
	ASSERT_TRUE(steps <= 10, "within 10 periods");
}

/* --sample-bytes is the floor of the interval: never below it. */
static void test_budget_base(void)
{
	struct lt_budget b = { .ratio = 0.10, .base = 524288, .max = 1ULL << 30 };
	struct lt_budget_state st = { .n = 524288 };
	struct lt_cost d;
	struct lt_cost_est e;

	for (int i = 0; i < 5; i++) {
		simulate(st.n, 10, 2048, &d);
		cost__estimate(&trap, &d, &d, &e);
		cost__budget_step(&b, &st, &d, &e, 1.0);
	}
	ASSERT_EQ(st.n, 524288, "stays at --sample-bytes when calm");
	st.n = 1 << 24;
	for (int i = 0; i < 10; i++) {
		simulate(st.n, 10, 2048, &d);
		cost__estimate(&trap, &d, &d, &e);
		cost__budget_step(&b, &st, &d, &e, 1.0);
	}
	ASSERT_EQ(st.n, 524288, "comes down to --sample-bytes, not below");
}

/* Measured over the budget while the model says the interval holds: up anyway. */
static void test_budget_over_model(void)
{
	struct lt_budget b = { .ratio = 0.10, .base = 0, .max = 1ULL << 30 };
	struct lt_budget_state st = { .n = 65536, .follow_ns = 100, .over = 1 };
	struct lt_cost d = { .calls = 1000, .frees = 1000, .bytes = 1000 * 2048 };
	struct lt_cost_est e = { .added_ns = 0.2e9, .floor_ns = 0.01e9 };

	ASSERT_TRUE(cost__budget_step(&b, &st, &d, &e, 1.0), "changed");
	ASSERT_TRUE(st.n >= 131072, "at least doubled");
}

TEST_MAIN(TEST(test_estimate), TEST(test_estimate_whole), TEST(test_estimate_idle),
	  TEST(test_estimate_uncalibrated), TEST(test_diff), TEST(test_budget_burst),
	  TEST(test_budget_raises),
	  TEST(test_budget_floor), TEST(test_budget_calms), TEST(test_budget_base),
	  TEST(test_budget_over_model))
