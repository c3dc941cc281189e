/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The budget (--max-overhead): every second, what leaktop's probes cost each traced process
 * over that second (cost.h's estimate from the probes' counts); the process's sampling
 * interval raised when it is over the budget, and lowered again as it calms down
 * (cost__budget_step), written to the BPF side's `sampling` map. A process whose entries and
 * frees alone exceed the budget is said once, by name, with what would hold it.
 */
#ifndef LEAKTOP_OVERHEAD_H
#define LEAKTOP_OVERHEAD_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cost.h"

struct lt_collector;
struct lt_overhead;

/* How often the budget looks at the processes. */
#define LT_OVERHEAD_PERIOD 1.0

/*
 * A budget of `ratio` of a core per process, intervals from `base` (--sample-bytes) up, set
 * in the map `sampling_fd`, with `*gen` (the BPF side's sampling_gen) bumped after each change.
 * NULL on ENOMEM.
 */
struct lt_overhead *overhead__new(double ratio, uint64_t base, int sampling_fd, __u32 *gen);
void overhead__free(struct lt_overhead *o);

/* The first period starts at `now` (attach). */
void overhead__start(struct lt_overhead *o, double now);

/* When the next period ends (CLOCK_MONOTONIC seconds). */
double overhead__next(const struct lt_overhead *o);

/* The period that ended at `now`: every process's interval for the next. */
void overhead__service(struct lt_overhead *o, struct lt_collector *c,
		       const struct lt_trap_cost *trap, double now);

/*
 * The interval in force for `pid`, and whether its floor exceeds the budget; false when the
 * budget has not seen it (its interval is then `base`). `ctx` is the struct lt_overhead, as
 * the sampling step's budget_of hook (sample.h) takes it.
 */
bool overhead__of(void *ctx, pid_t pid, uint64_t *n, bool *at_floor);

#endif /* LEAKTOP_OVERHEAD_H */
