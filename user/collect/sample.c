// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "departed.h"
#include "hashmap.h"
#include "regions.h"
#include "sample.h"
#include "target.h"
#include "util.h"

/* Blocks from the kernel's 1/LT_COUNT_ONE units, rounded to the nearest. */
static int64_t blocks(uint64_t units)
{
	return (int64_t)((units + LT_COUNT_ONE / 2) / LT_COUNT_ONE);
}

static struct lt_row *new_row(struct lt_sample *r, size_t *cap)
{
	if (lt_grow((void **)&r->rows, cap, r->nrows, sizeof(*r->rows)))
		return NULL;
	memset(&r->rows[r->nrows], 0, sizeof(struct lt_row));
	r->rows[r->nrows].age_s = -1;
	r->rows[r->nrows].per_call = -1;
	return &r->rows[r->nrows++];
}

/* The row's raw stack, for report__annotate() to name. */
static void set_stack(struct lt_row *row, const struct lt_sample_sources *src)
{
	const struct lt_stack *st = collector__stack(src->collector, row->stack_id);

	row->ips = st && st->len ? st->ips : NULL;
	row->nips = st ? st->len : 0;
}

static double age_of(const struct lt_sample_sources *src, uint64_t ts_ns)
{
	double age = ts_ns ? src->now - ts_ns / 1e9 : -1;

	return age < 0 && ts_ns ? 0 : age;
}

/*
 * A row's figures as they stand (what it holds, its totals since attach, its age); the callers
 * add what changed since the last sample. Shared by the live rows and those of an exited
 * process (sample__exited_rows).
 */
static void heap_row(struct lt_row *row, const struct lt_sample_sources *src, uint32_t tgid,
		     uint64_t stack_id, const struct lt_totals *now, uint64_t oldest_ns)
{
	row->kind = LT_ROW_HEAP;
	row->pid = tgid;
	row->stack_id = stack_id;
	set_stack(row, src);
	row->bytes = (int64_t)(now->alloc_bytes - now->free_bytes);
	row->count = blocks(now->allocs - now->frees);
	row->total_allocs = blocks(now->allocs);
	row->total_frees = blocks(now->frees);
	row->total_alloc_bytes = now->alloc_bytes;
	row->age_s = age_of(src, oldest_ns);
}

static void mmap_row(struct lt_row *row, const struct lt_sample_sources *src,
		     const struct lt_region_totals *t)
{
	row->kind = t->anon ? LT_ROW_MMAP_ANON : LT_ROW_MMAP_FILE;
	row->pid = t->tgid;
	row->stack_id = t->stack_id;
	set_stack(row, src);
	row->bytes = t->bytes;
	row->count = t->count;
	row->total_allocs = t->maps;
	row->total_frees = t->unmaps;
	row->age_s = age_of(src, t->oldest_ns);
}

static void sock_row(struct lt_row *row, const struct lt_sample_sources *src,
		     const struct lt_sock_row *s)
{
	row->kind = LT_ROW_SOCK + (s->kind < LT_SOCK__KINDS ? s->kind : LT_SOCK_OTHER);
	row->pid = s->tgid;
	row->stack_id = s->stack_id;
	set_stack(row, src);
	row->count = (int64_t)(s->now.opened - s->now.closed);
	row->total_allocs = s->now.opened;
	row->total_frees = s->now.closed;
	row->age_s = age_of(src, s->oldest_ns);
}

static int add_heap(struct lt_sample *r, const struct lt_sample_sources *src, size_t *cap)
{
	const struct lt_stack_row *s;
	size_t n = collector__rows(src->collector, &s);

	for (size_t i = 0; i < n; i++) {
		const struct lt_totals *now = &s[i].now, *prev = &s[i].prev;
		struct lt_row *row = new_row(r, cap);

		if (!row)
			return -ENOMEM;
		heap_row(row, src, s[i].tgid, s[i].stack_id, now,
			 collector__oldest(src->collector, s[i].tgid, s[i].stack_id));
		row->delta = row->bytes - (int64_t)(prev->alloc_bytes - prev->free_bytes);
		row->allocs = blocks(now->allocs - prev->allocs);
		row->frees = blocks(now->frees - prev->frees);
	}
	return 0;
}

static int add_mmap(struct lt_sample *r, const struct lt_sample_sources *src, size_t *cap)
{
	const struct lt_region_totals *t;
	size_t n;

	if (!src->regions)
		return 0;
	n = regions__totals(src->regions, &t);
	for (size_t i = 0; i < n; i++) {
		struct lt_row *row = new_row(r, cap);

		if (!row)
			return -ENOMEM;
		mmap_row(row, src, &t[i]);
		row->delta = t[i].bytes - t[i].prev_bytes;
		row->allocs = t[i].maps - t[i].prev_maps;
		row->frees = t[i].unmaps - t[i].prev_unmaps;
	}
	regions__mark(src->regions);
	return 0;
}

static int add_sockets(struct lt_sample *r, const struct lt_sample_sources *src, size_t *cap)
{
	const struct lt_sock_row *s;
	size_t n = collector__sock_rows(src->collector, &s);

	for (size_t i = 0; i < n; i++) {
		struct lt_row *row = new_row(r, cap);

		if (!row)
			return -ENOMEM;
		sock_row(row, src, &s[i]);
		row->delta = row->count - (int64_t)(s[i].prev.opened - s[i].prev.closed);
		row->allocs = s[i].now.opened - s[i].prev.opened;
		row->frees = s[i].now.closed - s[i].prev.closed;
	}
	return 0;
}

/* A process with rows that no target describes: one a scope has not looked at yet. */
static void unknown_proc(struct lt_proc *p, pid_t pid)
{
	p->pid = pid;
	p->exit_s = -1;
	p->exited = !proc_comm(pid, p->comm, sizeof(p->comm));
}

/*
 * The processes of the report: every target with -p; with a scope, those with rows (a host
 * has hundreds of processes, and most hold nothing of note), and any process that has rows
 * but no target yet, in no particular order (report__build sorts them).
 */
static int fill_procs(struct lt_sample *r, const struct lt_sample_sources *src)
{
	struct lt_hashmap with_rows = { 0 }, known = { 0 };
	size_t cap = src->ntargets + 1, n = 0;
	uint64_t v;
	int err = 0;

	for (size_t i = 0; i < r->nrows && !err; i++) {
		if (report__row_kept(&r->rows[i], src->final))
			err = hashmap__set(&with_rows, (uint32_t)r->rows[i].pid, 1);
	}
	r->procs = calloc(cap, sizeof(*r->procs));
	if (err || !r->procs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < src->ntargets; i++) {
		const struct lt_sample_target *t = &src->targets[i];
		struct lt_proc *p = &r->procs[n];

		/* A process that may miss allocations is listed, to say so. */
		if (src->scope != LT_SCOPE_KIND_PIDS && !hashmap__get(&with_rows, t->pid, &v) &&
		    !t->started_unprobed)
			continue;
		p->pid = t->pid;
		snprintf(p->comm, sizeof(p->comm), "%s", t->comm);
		p->exited = t->exited;
		p->exit_s = t->exited ? t->exit_s : -1;
		p->go = t->go;
		p->node = t->v8;
		p->started_unprobed = t->started_unprobed;
		snprintf(p->container, sizeof(p->container), "%s", t->container ?: "");
		n++;
		if (hashmap__set(&known, t->pid, 1)) {
			err = -ENOMEM;
			goto out;
		}
	}
	/* Rows of processes no target names. */
	for (size_t i = 0; i < r->nrows; i++) {
		pid_t pid = r->rows[i].pid;
		uint64_t unused;

		if (!report__row_kept(&r->rows[i], src->final) ||
		    hashmap__get(&known, (uint32_t)pid, &unused))
			continue;
		if (lt_grow((void **)&r->procs, &cap, n, sizeof(*r->procs))) {
			err = -ENOMEM;
			goto out;
		}
		memset(&r->procs[n], 0, sizeof(r->procs[n]));
		unknown_proc(&r->procs[n++], pid);
		if (hashmap__set(&known, (uint32_t)pid, 1)) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct lt_proc *p = &r->procs[i];
		const struct lt_cost_row *cost = collector__cost(src->collector, p->pid);
		int e;

		p->calls = collector__calls(src->collector, p->pid);
		/* No entry yet: nothing hit, nothing added. */
		p->costed = src->costs;
		if (cost && src->costs) {
			p->cost = cost->now;
			p->cost_prev = cost->prev;
		}
		p->sample_bytes = src->sample_bytes;
		if (src->budget_of)
			src->budget_of(src->budget_ctx, p->pid, &p->sample_bytes, &p->at_floor);
		if (p->exited)
			continue;
		/* smaps_rollup walks the page tables: fine for a few -p targets, not for a host. */
		e = src->scope == LT_SCOPE_KIND_PIDS ? target__memory(p->pid, &p->rss, &p->anon)
						     : target__memory_fast(p->pid, &p->rss, &p->anon);
		if (e)
			p->rss = p->anon = 0;
	}
	r->nprocs = n;
	r->cap_procs = cap;
out:
	hashmap__free(&with_rows);
	hashmap__free(&known);
	return err;
}

/* The final report's processes kept after their exit, unless their pid is taken again. */
static int add_departed(struct lt_sample *r, const struct lt_sample_sources *src, size_t *cap)
{
	pid_t *taken;
	int err;

	if (!src->final || !src->departed)
		return 0;
	taken = calloc(r->nprocs + 1, sizeof(*taken));
	if (!taken)
		return -ENOMEM;
	for (size_t i = 0; i < r->nprocs; i++)
		taken[i] = r->procs[i].pid;
	err = departed__append(src->departed, taken, r->nprocs, &r->procs, &r->nprocs,
			       &r->cap_procs, &r->rows, &r->nrows, cap);
	free(taken);
	return err;
}

int sample__take(const struct lt_sample_sources *src, struct lt_sample *s,
		 struct lt_report_input *in)
{
	size_t cap = 0;
	int err;

	memset(s, 0, sizeof(*s));
	err = add_heap(s, src, &cap);
	err = err ?: add_mmap(s, src, &cap);
	err = err ?: add_sockets(s, src, &cap);
	err = err ?: fill_procs(s, src);
	err = err ?: add_departed(s, src, &cap);
	in->rows = s->rows;
	in->nrows = s->nrows;
	in->procs = s->procs;
	in->nprocs = s->nprocs;
	memcpy(in->stats, collector__stats(src->collector), sizeof(in->stats));
	in->regions_dropped = src->regions ? regions__dropped(src->regions) : 0;
	in->exited_dropped = departed__dropped_procs(src->departed);
	in->exited_rows_dropped = departed__dropped_rows(src->departed);
	return err;
}

int sample__exited_rows(const struct lt_purged *got, struct lt_collector *c,
			struct lt_regions *regions, pid_t pid, double exit_at,
			struct lt_row **rows, size_t *n)
{
	struct lt_sample_sources src = { .collector = c, .now = exit_at };
	struct lt_hashmap seen = { 0 }; /* stack id -> index in sums */
	struct lt_purged_heap *sums = NULL;
	size_t nsums = 0, cap_sums = 0;
	struct lt_sample r = { 0 };
	const struct lt_region_totals *t;
	size_t cap = 0, nt = regions ? regions__totals(regions, &t) : 0;
	uint64_t at;

	*rows = NULL;
	*n = 0;
	/* One row per stack, its exec generations summed (a process that ran a new program). */
	for (size_t i = 0; i < got->nheap; i++) {
		const struct lt_purged_heap *h = &got->heap[i];
		struct lt_purged_heap *sum;

		if (h->tgid != (uint32_t)pid)
			continue;
		if (hashmap__get(&seen, h->stack_id, &at)) {
			sum = &sums[at];
			sum->totals.alloc_bytes += h->totals.alloc_bytes;
			sum->totals.free_bytes += h->totals.free_bytes;
			sum->totals.allocs += h->totals.allocs;
			sum->totals.frees += h->totals.frees;
			if (h->oldest_ns && (!sum->oldest_ns || h->oldest_ns < sum->oldest_ns))
				sum->oldest_ns = h->oldest_ns;
			continue;
		}
		if (lt_grow((void **)&sums, &cap_sums, nsums, sizeof(*sums)) ||
		    hashmap__set(&seen, h->stack_id, nsums))
			goto nomem;
		sums[nsums++] = *h;
	}
	for (size_t i = 0; i < nsums; i++) {
		const struct lt_purged_heap *h = &sums[i];
		struct lt_row *row = new_row(&r, &cap);

		if (!row)
			goto nomem;
		heap_row(row, &src, pid, h->stack_id, &h->totals, h->oldest_ns);
	}
	hashmap__free(&seen);
	free(sums);
	sums = NULL;
	for (size_t i = 0; i < nt; i++) {
		struct lt_row *row;

		if (t[i].tgid != (uint32_t)pid)
			continue;
		row = new_row(&r, &cap);
		if (!row)
			goto nomem;
		mmap_row(row, &src, &t[i]);
	}
	for (size_t i = 0; i < got->nsocks; i++) {
		const struct lt_sock_row *so = &got->socks[i];
		struct lt_row *row;

		if (so->tgid != (uint32_t)pid)
			continue;
		row = new_row(&r, &cap);
		if (!row)
			goto nomem;
		sock_row(row, &src, so);
	}
	*rows = r.rows;
	*n = r.nrows;
	return 0;
nomem:
	hashmap__free(&seen);
	free(sums);
	free(r.rows);
	return -ENOMEM;
}

void sample__free(struct lt_sample *s)
{
	free(s->rows);
	free(s->procs);
	memset(s, 0, sizeof(*s));
}
