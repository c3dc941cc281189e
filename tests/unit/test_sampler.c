// SPDX-License-Identifier: GPL-2.0
/*
 * The sampling interval table, and the estimator built on it, simulated in user space with
 * the same arithmetic as the BPF side: the estimates of bytes and counts are unbiased.
 */
#include <linux/types.h>
#include <math.h>

#include "leaktop.h"
#include "sampler.h"
#include "test.h"

static void test_table(void)
{
	uint32_t t[LT_EXP_TABLE_SIZE];
	uint64_t sum = 0;
	bool decreasing = true;

	sampler__exp_table(t);
	for (int i = 0; i < LT_EXP_TABLE_SIZE; i++) {
		sum += t[i];
		if (i && t[i] > t[i - 1])
			decreasing = false;
	}
	ASSERT_EQ(sum, (uint64_t)LT_EXP_TABLE_SIZE << LT_EXP_TABLE_SHIFT, "mean exactly one");
	ASSERT_TRUE(decreasing, "quantiles in order");
	/* -ln(0.5/1024) = 7.62 and -ln(1023.5/1024) = 0.00049, in Q16 */
	ASSERT_TRUE(fabs(t[0] / 65536.0 - 7.62) < 0.05, "longest interval");
	ASSERT_TRUE(t[LT_EXP_TABLE_SIZE - 1] < 100, "shortest interval");
}

/* xorshift: a deterministic stand-in for bpf_get_prandom_u32(). */
static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

/* The BPF sampler (lt_sample) in user space. Returns the weight, 0 when not sampled. */
static uint64_t sample(const uint32_t *t, uint64_t n, int64_t *countdown, uint64_t size,
		       uint64_t *seed)
{
	uint64_t k = 0;

	if (size >= n)
		return size;
	*countdown -= size;
	if (*countdown > 0)
		return 0;
	for (int i = 0; i < 8 && *countdown <= 0; i++) {
		k++;
		*countdown += (n * t[rnd(seed) & (LT_EXP_TABLE_SIZE - 1)]) >> LT_EXP_TABLE_SHIFT;
	}
	return k * n;
}

static void test_unbiased(void)
{
	/*
	 * The count estimate of a tiny block has a large variance (a 16-byte block sampled
	 * stands for N/16 blocks): at N = 64 KiB and these sizes its standard deviation is
	 * about 0.5%, so 2% is four of them. Bytes vary far less.
	 */
	const uint64_t n = 65536;
	uint32_t t[LT_EXP_TABLE_SIZE];
	uint64_t seed = 88172645463325252ULL, bytes = 0, est_bytes = 0, est_count = 0;
	int64_t countdown;
	long blocks = 0;

	sampler__exp_table(t);
	countdown = (n * t[rnd(&seed) & (LT_EXP_TABLE_SIZE - 1)]) >> LT_EXP_TABLE_SHIFT;
	/* 20 million blocks of mixed sizes, 16 B to 1 MiB, about 8 GiB in all. */
	for (long i = 0; i < 20000000; i++) {
		uint64_t size = (i % 7 == 0) ? 1 + rnd(&seed) % (1 << 20) : 16 + rnd(&seed) % 400;
		uint64_t w = sample(t, n, &countdown, size, &seed);

		bytes += size;
		blocks++;
		if (w) {
			est_bytes += w;
			est_count += w == size ? LT_COUNT_ONE : w * LT_COUNT_ONE / size;
		}
	}
	ASSERT_TRUE(fabs((double)est_bytes / bytes - 1) < 0.005, "bytes within 0.5%");
	ASSERT_TRUE(fabs((double)est_count / LT_COUNT_ONE / blocks - 1) < 0.02,
		    "block count within 2%");
	printf("bytes %lu est %lu (%+.3f%%), blocks %ld est %.0f (%+.3f%%)\n",
	       (unsigned long)bytes, (unsigned long)est_bytes, 100.0 * est_bytes / bytes - 100,
	       blocks, (double)est_count / LT_COUNT_ONE,
	       100.0 * est_count / LT_COUNT_ONE / blocks - 100);
}

/*
 * A budget (--max-overhead) changes a process's interval as it runs; a thread whose interval
 * changed draws a fresh countdown with the new mean (lt_sample in bpf/leaktop.bpf.c), and each
 * point weighs the interval it was drawn with. The estimates stay unbiased across changes,
 * including to and from 0 (every block, at its size).
 */
static void test_unbiased_changing(void)
{
	static const uint64_t ns[] = { 65536, 0, 4096, 1 << 20, 262144, 0, 16384, 1 << 20 };
	uint32_t t[LT_EXP_TABLE_SIZE];
	uint64_t seed = 0x2545f4914f6cdd1dULL, bytes = 0, est_bytes = 0, sample_n = 0;
	int64_t countdown = 0;
	double est_count = 0;
	long blocks = 0;

	sampler__exp_table(t);
	/* 16 million blocks, the interval changing every 500,000 (as often as a budget may). */
	for (long i = 0; i < 16000000; i++) {
		uint64_t n = ns[i / 500000 % (sizeof(ns) / sizeof(ns[0]))], w = 0;
		uint64_t size = (i % 7 == 0) ? 1 + rnd(&seed) % (1 << 20) : 16 + rnd(&seed) % 400;

		if (!n) {
			w = size;
		} else {
			if (sample_n != n) {
				countdown = (n * t[rnd(&seed) & (LT_EXP_TABLE_SIZE - 1)]) >>
					    LT_EXP_TABLE_SHIFT;
				sample_n = n;
			}
			w = sample(t, n, &countdown, size, &seed);
		}
		bytes += size;
		blocks++;
		if (w) {
			est_bytes += w;
			est_count += w == size ? 1 : (double)w / size;
		}
	}
	ASSERT_TRUE(fabs((double)est_bytes / bytes - 1) < 0.01, "bytes within 1%");
	ASSERT_TRUE(fabs(est_count / blocks - 1) < 0.03, "block count within 3%");
	printf("changing intervals: bytes %lu est %lu (%+.3f%%), blocks %ld est %.0f (%+.3f%%)\n",
	       (unsigned long)bytes, (unsigned long)est_bytes, 100.0 * est_bytes / bytes - 100,
	       blocks, est_count, 100.0 * est_count / blocks - 100);
}

TEST_MAIN(TEST(test_table), TEST(test_unbiased), TEST(test_unbiased_changing))
