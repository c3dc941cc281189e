/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What leaktop costs each process it traces, estimated from the counts its probes keep
 * (struct lt_cost, bpf/cost.bpf.h) and the trap's cost measured at start (calibrate.c); and
 * the budget (--max-overhead), which raises a process's sampling interval until that estimate
 * is under it. Pure arithmetic on plain values: tests/unit/test_cost.c.
 *
 * The estimate of the CPU time added to a process over some span is
 *   traps:   (calls + frees) * entry trap + stepped * step + (rets + idle_rets) * return trap
 *   timing:  every hit * 2 clock reads / LT_COST_TIME_EVERY
 *   BPF:     (calls + frees + idle_rets) * the timed entries' mean time + rets * the timed
 *            returns' mean time (each less the one clock read a timed span holds) + the
 *            syscall walks' time
 * The entries, frees, idle returns (uretprobes fire on every call) and syscall walks are the
 * floor: every call pays them whatever the sampling. The rest is what sampling reduces.
 */
#ifndef LEAKTOP_COST_H
#define LEAKTOP_COST_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "leaktop.h"

/* What a trap costs on this machine, measured at start (calibrate.c); ns. */
struct lt_trap_cost {
	bool known;	 /* false: not measured (estimates then count BPF time only) */
	double entry_ns; /* an entry probe on an emulated instruction, its dispatch included */
	double ret_ns;	 /* a return probe, on top of its entry */
	double step_ns;	 /* an entry probe on a single-stepped instruction, on top of entry_ns */
	double clock_ns; /* what one read of the BPF clock adds to a timed hit */
};

/* An estimate over some span of a process's counts. */
struct lt_cost_est {
	double hits;	     /* entry and return traps */
	double added_ns;     /* CPU time added to the process */
	double floor_ns;     /* of which entries and frees: what no sampling interval removes */
	double follow_ns;    /* what one followed call's return costs on average; 0: none seen */
};

/* a - b, field by field (counters only; a counter that went back gives 0). */
void cost__diff(const struct lt_cost *a, const struct lt_cost *b, struct lt_cost *out);
void cost__add(struct lt_cost *sum, const struct lt_cost *c);

/*
 * The estimate for the counts `d`. The mean time of a timed entry or return comes from `d`
 * when it has at least LT_COST_TIME_EVERY timed ones, else from `whole` (counts over a longer
 * span, such as since attach; may be `d`).
 */
void cost__estimate(const struct lt_trap_cost *trap, const struct lt_cost *d,
		    const struct lt_cost *whole, struct lt_cost_est *out);

/* A budget, and one process's state under it. */
struct lt_budget {
	double ratio;	/* the budget: a share of one core (0.05 is 5%); 0: none */
	uint64_t base;	/* --sample-bytes: the interval never goes below it (0: every call) */
	uint64_t max;	/* the largest interval */
};

struct lt_budget_state {
	uint64_t n;		/* the mean bytes between samples in force (0: every call) */
	double follow_ns;	/* one followed call's cost, smoothed over periods */
	unsigned int over;	/* periods in a row over the budget */
	unsigned int floor_over; /* periods in a row with the floor alone over it */
	bool at_floor;		/* the entries and frees alone exceed the budget (sustained) */
	double floor_ratio;	/* their share of a core, in the last period */
	double ratio;		/* the estimate's share of a core, in the last period */
};

/*
 * One period of `secs` for a process whose counts over it are `d`, with estimate `e`: the
 * interval it should run at next (st->n), and whether even the largest interval cannot hold
 * it (st->at_floor). Over the budget for LT_BUDGET_SUSTAINED periods in a row (a burst, a
 * program's start, is not a load), the interval rises to what the model says brings the
 * estimate to 80% of it (at least doubling); under 80% of it, the interval falls back toward
 * what would hold at 80%, at most 4 times lower a period, and never below b->base. Intervals
 * are powers of two. Returns true when st->n changed.
 */
#define LT_BUDGET_SUSTAINED 2

bool cost__budget_step(const struct lt_budget *b, struct lt_budget_state *st,
		       const struct lt_cost *d, const struct lt_cost_est *e, double secs);

/*
 * The smallest budget that holds a process whose floor (entries and frees) costs
 * `floor_ratio` of a core: the floor over the 80% the budget aims at, rounded up to a whole
 * percent.
 */
double cost__budget_needed(double floor_ratio);

#endif /* LEAKTOP_COST_H */
