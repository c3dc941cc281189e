// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stddef.h>

#include "cost.h"

/* What the model assumes one followed call costs before any was seen: a return and a walk. */
#define LT_FOLLOW_NS_GUESS 2000.0

/* The budget's aim, below the budget itself, so that noise does not push it over. */
#define LT_BUDGET_AIM 0.8

#define LT_BUDGET_MIN_N 256

#define FIELDS(X)                                                                          \
	X(calls) X(frees) X(stepped) X(rets) X(idle_rets) X(bytes) X(entry_ns) X(entry_timed)  \
	X(ret_ns) X(ret_timed) X(sys_walks) X(sys_ns)

void cost__diff(const struct lt_cost *a, const struct lt_cost *b, struct lt_cost *out)
{
#define DIFF(f) out->f = a->f > b->f ? a->f - b->f : 0;
	FIELDS(DIFF)
#undef DIFF
	out->countdown = 0;
}

void cost__add(struct lt_cost *sum, const struct lt_cost *c)
{
#define ADD(f) sum->f += c->f;
	FIELDS(ADD)
#undef ADD
}

/* The mean measured time of a timed span, less the clock read it holds; 0 with none. */
static double mean_span(uint64_t ns, uint64_t timed, uint64_t whole_ns, uint64_t whole_timed,
			double clock_ns)
{
	double mean;

	if (timed < LT_COST_TIME_EVERY) {
		ns = whole_ns;
		timed = whole_timed;
	}
	if (!timed)
		return 0;
	mean = (double)ns / timed - clock_ns;
	return mean > 0 ? mean : 0;
}

void cost__estimate(const struct lt_trap_cost *trap, const struct lt_cost *d,
		    const struct lt_cost *whole, struct lt_cost_est *out)
{
	double clock = trap->known ? trap->clock_ns : 0;
	double entry_trap = trap->known ? trap->entry_ns : 0;
	double ret_trap = trap->known ? trap->ret_ns : 0;
	double step = trap->known ? trap->step_ns : 0;
	/* Each hit has a 1 in LT_COST_TIME_EVERY chance of two clock reads. */
	double timing = 2 * clock / LT_COST_TIME_EVERY;
	double entries = (double)d->calls + (double)d->frees; /* entry traps */
	double entry = mean_span(d->entry_ns, d->entry_timed, whole->entry_ns, whole->entry_timed,
				 clock);
	double ret = mean_span(d->ret_ns, d->ret_timed, whole->ret_ns, whole->ret_timed, clock);
	double sys = (double)d->sys_ns - clock * (double)d->sys_walks;
	double follow = ret_trap + timing + ret;

	if (sys < 0)
		sys = 0;
	out->hits = entries + (double)d->rets + (double)d->idle_rets;
	out->floor_ns = entries * (entry_trap + timing + entry) + (double)d->stepped * step + sys +
			(double)d->idle_rets * (ret_trap + timing + entry);
	out->added_ns = out->floor_ns + (double)d->rets * follow;
	out->follow_ns = d->rets || whole->rets ? follow : 0;
}

/* The smallest power of two at or above v (v <= 2^62). */
static uint64_t pow2_up(double v)
{
	uint64_t p = 1;

	while ((double)p < v && p < (1ULL << 62))
		p <<= 1;
	return p;
}

/*
 * An interval within the budget's bounds. Below LT_BUDGET_MIN_N nearly every block would be
 * sampled anyway: the base interval then (every call, without --sample-bytes).
 */
static uint64_t clamp_n(const struct lt_budget *b, uint64_t n)
{
	if (n < LT_BUDGET_MIN_N || n < b->base)
		n = b->base;
	return n > b->max ? b->max : n;
}

bool cost__budget_step(const struct lt_budget *b, struct lt_budget_state *st,
		       const struct lt_cost *d, const struct lt_cost_est *e, double secs)
{
	uint64_t old = st->n, want = 0, n = old;
	double aim = LT_BUDGET_AIM * b->ratio, calls, bytes, room, follow;

	if (secs <= 0 || b->ratio <= 0)
		return false;
	st->ratio = e->added_ns / secs / 1e9;
	st->floor_ratio = e->floor_ns / secs / 1e9;
	if (e->follow_ns > 0)
		st->follow_ns = st->follow_ns > 0 ? (st->follow_ns + e->follow_ns) / 2
						  : e->follow_ns;
	follow = st->follow_ns > 0 ? st->follow_ns : LT_FOLLOW_NS_GUESS;
	calls = d->calls / secs;
	bytes = d->bytes / secs;
	st->over = st->ratio > b->ratio ? st->over + 1 : 0;
	st->floor_over = st->floor_ratio >= b->ratio ? st->floor_over + 1 : 0;
	st->at_floor = st->floor_over >= LT_BUDGET_SUSTAINED;
	room = aim - st->floor_ratio;
	if (room <= 0) {
		want = b->max; /* only the largest interval comes near */
	} else if (calls * follow > room * 1e9) {
		/* Followed calls a second that fit: the interval that makes that many samples. */
		want = pow2_up(bytes * follow / (room * 1e9));
	}
	want = clamp_n(b, want);
	if (st->over >= LT_BUDGET_SUSTAINED) {
		/* Over: up, at least twice the interval (from every call: twice the mean size). */
		uint64_t twice = old ? old * 2 : pow2_up(calls > 0 ? 2 * bytes / calls : 1);

		n = clamp_n(b, want > twice ? want : twice);
	} else if (st->ratio <= aim && want < old) {
		/* Calm: down toward what would hold, at most 4 times lower a period. */
		n = clamp_n(b, want > old / 4 ? want : old / 4);
	}
	st->n = n;
	return n != old;
}

double cost__budget_needed(double floor_ratio)
{
	return ceil(floor_ratio / LT_BUDGET_AIM * 100 - 1e-6) / 100;
}
