// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "report.h"
#include "symbolizer.h"
#include "target.h"
#include "util.h"

const char *const lt_stat_desc[LT_STAT__COUNT] = {
	[LT_STAT_ALLOC_MAP_FULL] = "allocations not tracked (allocation map full: raise --max-tracked)",
	[LT_STAT_TOTALS_MAP_FULL] = "allocations not tracked (per-stack map full: raise --max-stacks)",
	[LT_STAT_STACK_MAP_FULL] = "stacks not stored (stack map full: raise --max-stacks)",
	[LT_STAT_STACK_FAILED] = "stack walks failed",
	[LT_STAT_THREAD_STATE_FAILED] = "calls missed (no per-thread state)",
	/* Not drops: LT_STAT_NESTED_CALLS, LT_STAT_ADDR_REUSED, LT_STAT_SAMPLED. */
};

int report__cmp_bytes(const void *a, const void *b)
{
	const struct lt_row *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->delta_bytes != y->delta_bytes)
		return x->delta_bytes > y->delta_bytes ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

int report__cmp_growth(const void *a, const void *b)
{
	const struct lt_row *x = a, *y = b;

	if (x->delta_bytes != y->delta_bytes)
		return x->delta_bytes > y->delta_bytes ? -1 : 1;
	return report__cmp_bytes(a, b);
}

const struct lt_proc *report__proc(const struct lt_report *r, pid_t pid)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	}
	return NULL;
}

int report__frame_str(char *buf, size_t len, const struct lt_frame *f, bool with_offset)
{
	if (f->func && with_offset)
		return snprintf(buf, len, "%s+%#" PRIx64 " [%s]", f->func, f->offset,
				f->module ? f->module : "?");
	if (f->func)
		return snprintf(buf, len, "%s", f->func);
	if (f->module)
		return snprintf(buf, len, "[%s+%#" PRIx64 "]", f->module, f->offset);
	return snprintf(buf, len, "[unknown %#" PRIx64 "]", f->ip);
}

static int symbolize_row(struct lt_row *row, struct lt_collector *c, struct lt_symbolizer *sym)
{
	const struct lt_stack *st = collector__stack(c, row->stack_id);

	if (!st || !st->len)
		return 0;
	row->frames = calloc(st->len, sizeof(*row->frames));
	if (!row->frames)
		return -ENOMEM;
	for (__u32 i = 0; i < st->len; i++) {
		struct lt_frame *f = &row->frames[i];
		struct lt_sym s;

		symbolizer__symbolize(sym, row->pid, st->ips[i], &s);
		f->ip = st->ips[i];
		f->func = s.func;
		f->offset = s.offset;
		f->module = s.module;
	}
	row->nframes = st->len;
	return 0;
}

static int fill_procs(struct lt_report *r, const struct lt_target *targets, size_t n)
{
	r->procs = calloc(n ? n : 1, sizeof(*r->procs));
	if (!r->procs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct lt_proc *p = &r->procs[i];

		p->pid = targets[i].pid;
		memcpy(p->comm, targets[i].comm, sizeof(p->comm));
		p->exited = targets[i].exited;
		if (!p->exited && target__rss(p->pid, &p->rss))
			p->rss = 0;
	}
	r->nprocs = n;
	return 0;
}

/* Blocks from the kernel's 1/LT_COUNT_ONE units, rounded to the nearest. */
static int64_t blocks(uint64_t units)
{
	return (int64_t)((units + LT_COUNT_ONE / 2) / LT_COUNT_ONE);
}

static void fill_row(struct lt_row *row, const struct lt_stack_row *s)
{
	const struct lt_totals *now = &s->now, *prev = &s->prev;

	row->pid = s->tgid;
	row->stack_id = s->stack_id;
	row->bytes = (int64_t)(now->alloc_bytes - now->free_bytes);
	row->count = blocks(now->allocs - now->frees);
	row->delta_bytes = row->bytes - (int64_t)(prev->alloc_bytes - prev->free_bytes);
	row->allocs = blocks(now->allocs - prev->allocs);
	row->frees = blocks(now->frees - prev->frees);
	row->total_allocs = blocks(now->allocs);
	row->total_frees = blocks(now->frees);
	row->total_alloc_bytes = now->alloc_bytes;
}

static int cmp_indirect(const void *a, const void *b, void *cmp)
{
	return ((int (*)(const void *, const void *))cmp)(*(const struct lt_row *const *)a,
							 *(const struct lt_row *const *)b);
}

const struct lt_row **report__sorted(const struct lt_report *r,
				     int (*cmp)(const void *, const void *))
{
	const struct lt_row **order = malloc(r->nrows * sizeof(*order) + 1);

	if (!order)
		return NULL;
	for (size_t i = 0; i < r->nrows; i++)
		order[i] = &r->rows[i];
	qsort_r(order, r->nrows, sizeof(*order), cmp_indirect, (void *)cmp);
	return order;
}

/* Mark the top n rows under `cmp` for symbolization. */
static void mark_top(struct lt_report *r, bool *want, size_t n,
		     int (*cmp)(const void *, const void *))
{
	const struct lt_row **order = report__sorted(r, cmp);

	if (!order) {
		memset(want, 1, r->nrows); /* fall back to naming them all */
		return;
	}
	for (size_t i = 0; i < r->nrows && i < n; i++)
		want[order[i] - r->rows] = true;
	free(order);
}

int report__build(struct lt_report *r, struct lt_collector *c, struct lt_symbolizer *sym,
		  const struct lt_target *targets, size_t ntargets, size_t top_n, bool all_frames)
{
	const struct lt_stack_row *srows;
	size_t n = collector__rows(c, &srows);
	bool *want = NULL;
	int err;

	memset(r, 0, sizeof(*r));
	memcpy(r->stats, collector__stats(c), sizeof(r->stats));
	err = fill_procs(r, targets, ntargets);
	if (err)
		return err;
	r->rows = calloc(n ? n : 1, sizeof(*r->rows));
	want = calloc(n ? n : 1, sizeof(*want));
	if (!r->rows || !want) {
		free(want);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct lt_row *row = &r->rows[r->nrows];
		const struct lt_proc *p;

		fill_row(row, &srows[i]);
		r->total_bytes += row->bytes;
		r->total_count += row->count;
		if (!row->bytes && !row->count && !row->allocs && !row->frees && !row->delta_bytes)
			continue; /* nothing held and nothing happened: not worth a line */
		p = report__proc(r, row->pid);
		row->comm = p ? p->comm : "?";
		r->nrows++;
	}
	if (all_frames) {
		memset(want, 1, r->nrows);
	} else {
		mark_top(r, want, top_n, report__cmp_bytes);
		mark_top(r, want, top_n, report__cmp_growth);
	}
	for (size_t i = 0; i < r->nrows && !err; i++) {
		if (want[i])
			err = symbolize_row(&r->rows[i], c, sym);
	}
	free(want);
	return err;
}

void report__free(struct lt_report *r)
{
	for (size_t i = 0; i < r->nrows; i++)
		free(r->rows[i].frames);
	free(r->rows);
	free(r->procs);
	memset(r, 0, sizeof(*r));
}
