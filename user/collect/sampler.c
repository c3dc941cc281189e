// SPDX-License-Identifier: GPL-2.0
#include <linux/types.h>
#include <math.h>

#include "leaktop.h"
#include "sampler.h"

void sampler__exp_table(uint32_t *table)
{
	const double one = 1 << LT_EXP_TABLE_SHIFT;
	double q[LT_EXP_TABLE_SIZE], sum = 0;
	int64_t total = 0, want = (int64_t)LT_EXP_TABLE_SIZE << LT_EXP_TABLE_SHIFT;

	for (int i = 0; i < LT_EXP_TABLE_SIZE; i++) {
		q[i] = -log((i + 0.5) / LT_EXP_TABLE_SIZE);
		sum += q[i];
	}
	for (int i = 0; i < LT_EXP_TABLE_SIZE; i++) {
		table[i] = (uint32_t)llround(q[i] * LT_EXP_TABLE_SIZE / sum * one);
		total += table[i];
	}
	/* Rounding leaves the total a few units off: put the difference on the longest one. */
	table[0] += want - total;
}
