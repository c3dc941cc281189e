// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "overhead.h"
#include "util.h"

/* The largest interval: --sample-bytes' own bound (the BPF side multiplies it in 64 bits). */
#define LT_OVERHEAD_MAX_N (1ULL << 30)

/* One process under the budget: its state, and its counts at the end of the last period. */
struct proc_budget {
	uint32_t tgid;
	struct lt_budget_state st;
	struct lt_cost last;
	double last_at;
	bool said_floor;	/* its floor was said, and it has not come back under since */
};

struct lt_overhead {
	struct lt_budget budget;
	int sampling_fd;
	__u32 *gen;
	double last, next;
	struct proc_budget *procs; /* sorted by tgid */
	size_t nprocs;
};

struct lt_overhead *overhead__new(double ratio, uint64_t base, int sampling_fd, __u32 *gen)
{
	struct lt_overhead *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->budget = (struct lt_budget){ .ratio = ratio, .base = base, .max = LT_OVERHEAD_MAX_N };
	o->sampling_fd = sampling_fd;
	o->gen = gen;
	overhead__start(o, now_mono());
	return o;
}

void overhead__free(struct lt_overhead *o)
{
	if (!o)
		return;
	free(o->procs);
	free(o);
}

void overhead__start(struct lt_overhead *o, double now)
{
	o->last = now;
	o->next = now + LT_OVERHEAD_PERIOD;
}

double overhead__next(const struct lt_overhead *o)
{
	return o->next;
}

static int cmp_tgid(const void *a, const void *b)
{
	const struct proc_budget *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

static struct proc_budget *find(const struct lt_overhead *o, uint32_t tgid)
{
	struct proc_budget key = { .tgid = tgid };

	return o->nprocs ? bsearch(&key, o->procs, o->nprocs, sizeof(key), cmp_tgid) : NULL;
}

bool overhead__of(void *ctx, pid_t pid, uint64_t *n, bool *at_floor)
{
	const struct proc_budget *p = find(ctx, pid);

	if (!p)
		return false;
	*n = p->st.n;
	*at_floor = p->st.at_floor;
	return true;
}

/* What the interval is, in words: "every call", "1 in 64 KiB". */
static const char *interval_words(char *buf, size_t len, uint64_t n)
{
	char b[32];

	if (!n)
		snprintf(buf, len, "every call");
	else
		snprintf(buf, len, "1 in %s", fmt_bytes(b, sizeof(b), n, false, false));
	return buf;
}

/* The floor over the budget, said once until the process comes back under. */
static void say_floor(const struct lt_overhead *o, struct proc_budget *p, const struct lt_cost *d,
		      double secs)
{
	double calls = (d->calls + d->frees) / secs;
	char comm[32];

	if (p->st.at_floor == p->said_floor)
		return;
	p->said_floor = p->st.at_floor;
	proc_comm((int)p->tgid, comm, sizeof(comm));
	if (!p->st.at_floor) {
		lt_info(0, "pid %u (%s) is back under the %g%% budget", p->tgid, comm,
			o->budget.ratio * 100);
		return;
	}
	lt_warn("pid %u (%s): leaktop's probes alone cost it %.1f%% of a core (%.0f allocator "
		"calls and frees a second, %.0f ns each), over the %g%% budget (--max-overhead): "
		"sampling cannot bring that down, every call still traps. A budget of %g%% would "
		"hold it, or trace fewer processes",
		p->tgid, comm, p->st.floor_ratio * 100, calls,
		calls > 0 ? p->st.floor_ratio * 1e9 / calls : 0, o->budget.ratio * 100,
		cost__budget_needed(p->st.floor_ratio) * 100);
}

void overhead__service(struct lt_overhead *o, struct lt_collector *c,
		       const struct lt_trap_cost *trap, double now)
{
	struct proc_budget *procs;
	struct lt_cost_row *rows;
	bool changed = false;
	size_t n;

	o->next = now + LT_OVERHEAD_PERIOD;
	if (collector__read_costs(c, &rows, &n))
		return; /* the next period tries again */
	procs = calloc(n + 1, sizeof(*procs));
	if (!procs) {
		free(rows);
		return;
	}
	/* One entry per process with counts, its state carried over; the others are gone. */
	for (size_t i = 0; i < n; i++) {
		struct proc_budget *p = &procs[i], *old = find(o, rows[i].tgid);
		struct lt_cost_est e;
		struct lt_cost d;
		double secs;
		char was[32], is[32];

		if (old) {
			*p = *old;
		} else {
			/* New since the last period: all its counts are from within it. */
			*p = (struct proc_budget){ .tgid = rows[i].tgid, .last_at = o->last };
			p->st.n = o->budget.base;
		}
		secs = now - p->last_at;
		if (secs < LT_OVERHEAD_PERIOD / 2)
			continue;
		cost__diff(&rows[i].now, &p->last, &d);
		cost__estimate(trap, &d, &rows[i].now, &e);
		if (cost__budget_step(&o->budget, &p->st, &d, &e, secs)) {
			__u64 v = p->st.n;

			if (bpf_map_update_elem(o->sampling_fd, &p->tgid, &v, BPF_ANY))
				lt_info(1, "pid %u: cannot set its sampling interval: %s", p->tgid,
					strerror(errno));
			changed = true;
			lt_info(1, "pid %u: %.1f%% of a core over %.1fs, budget %g%%: sampling %s, "
				   "was %s",
				p->tgid, p->st.ratio * 100, secs, o->budget.ratio * 100,
				interval_words(is, sizeof(is), p->st.n),
				interval_words(was, sizeof(was), old ? old->st.n : o->budget.base));
		}
		say_floor(o, p, &d, secs);
		p->last = rows[i].now;
		p->last_at = now;
	}
	if (changed)
		__atomic_add_fetch(o->gen, 1, __ATOMIC_RELEASE);
	free(o->procs);
	o->procs = procs;
	o->nprocs = n;
	o->last = now;
	free(rows);
}
