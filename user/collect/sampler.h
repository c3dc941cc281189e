/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sampling by bytes (--sample-bytes N). The BPF side draws exponential intervals from a table
 * of quantiles that user space computes here, since BPF has neither floating point nor log().
 */
#ifndef LEAKTOP_SAMPLER_H
#define LEAKTOP_SAMPLER_H

#include <stdint.h>

/*
 * Fill table[LT_EXP_TABLE_SIZE] with the midpoint quantiles of the exponential distribution,
 * -ln((i + 0.5) / size), in Q16 and rescaled so that their mean is exactly 1 (65536). Each
 * draw picks one at random, so intervals average exactly N bytes and the weight k * N of a
 * block holding k sample points has the block's size as its expectation.
 */
void sampler__exp_table(uint32_t *table);

#endif /* LEAKTOP_SAMPLER_H */
