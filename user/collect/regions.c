// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "regions.h"
#include "util.h"

struct region {
	uint64_t start, end;
	size_t totals; /* index into r->totals */
	uint64_t ts_ns;
};

/* One process's regions, sorted by start, never overlapping. */
struct proc {
	uint32_t tgid;
	struct region *v;
	size_t n, cap;
};

struct lt_regions {
	struct proc *procs;
	size_t nprocs, cap_procs;
	struct lt_region_totals *totals;
	size_t ntotals, cap_totals;
	struct lt_hashmap index; /* (tgid, stack, anon) fingerprint -> totals index */
	size_t live, max;
	uint64_t dropped;
};

struct lt_regions *regions__new(size_t max_regions)
{
	struct lt_regions *r = calloc(1, sizeof(*r));

	if (r)
		r->max = max_regions;
	return r;
}

void regions__free(struct lt_regions *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nprocs; i++)
		free(r->procs[i].v);
	free(r->procs);
	free(r->totals);
	hashmap__free(&r->index);
	free(r);
}

uint64_t regions__dropped(const struct lt_regions *r)
{
	return r->dropped;
}

static struct proc *proc_of(struct lt_regions *r, uint32_t tgid, bool create)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		if (r->procs[i].tgid == tgid)
			return &r->procs[i];
	}
	if (!create)
		return NULL;
	if (lt_grow((void **)&r->procs, &r->cap_procs, r->nprocs, sizeof(*r->procs)))
		return NULL;
	memset(&r->procs[r->nprocs], 0, sizeof(*r->procs));
	r->procs[r->nprocs].tgid = tgid;
	return &r->procs[r->nprocs++];
}

static long totals_of(struct lt_regions *r, uint32_t tgid, uint64_t stack, bool anon)
{
	uint64_t fp = (stack * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)tgid << 1 | anon), idx;
	struct lt_region_totals *t;

	if (hashmap__get(&r->index, fp, &idx))
		return idx;
	if (lt_grow((void **)&r->totals, &r->cap_totals, r->ntotals, sizeof(*r->totals)))
		return -ENOMEM;
	if (hashmap__set(&r->index, fp, r->ntotals))
		return -ENOMEM;
	t = &r->totals[r->ntotals];
	memset(t, 0, sizeof(*t));
	t->tgid = tgid;
	t->stack_id = stack;
	t->anon = anon;
	return r->ntotals++;
}

/* First region whose end is above addr. */
static size_t lower_bound(const struct proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int insert_at(struct lt_regions *r, struct proc *p, size_t i, const struct region *reg)
{
	if (lt_grow((void **)&p->v, &p->cap, p->n, sizeof(*p->v)))
		return -ENOMEM;
	memmove(&p->v[i + 1], &p->v[i], (p->n - i) * sizeof(*p->v));
	p->v[i] = *reg;
	p->n++;
	r->live++;
	return 0;
}

static void remove_at(struct lt_regions *r, struct proc *p, size_t i)
{
	memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(*p->v));
	p->n--;
	r->live--;
}

/*
 * Remove [start, end) from every region it touches: whole regions go, a head or tail is cut
 * off, a middle cut splits one region in two. *first (when not NULL) gets the totals index of
 * the first region touched, or -1: mremap moves bytes to the stack that mapped them.
 */
static int unmap(struct lt_regions *r, struct proc *p, uint64_t start, uint64_t end, long *first)
{
	size_t i = lower_bound(p, start);
	int err = 0;

	if (first)
		*first = -1;
	while (i < p->n && p->v[i].start < end) {
		struct region *reg = &p->v[i];
		struct lt_region_totals *t = &r->totals[reg->totals];
		uint64_t cut_from = reg->start > start ? reg->start : start;
		uint64_t cut_to = reg->end < end ? reg->end : end;

		if (first && *first < 0)
			*first = reg->totals;
		t->bytes -= cut_to - cut_from;
		if (cut_from == reg->start && cut_to == reg->end) {
			t->count--;
			t->unmaps++;
			remove_at(r, p, i);
			continue;
		}
		if (cut_from == reg->start) {
			reg->start = cut_to; /* head */
		} else if (cut_to == reg->end) {
			reg->end = cut_from; /* tail */
		} else {
			struct region tail = *reg; /* middle: split */

			tail.start = cut_to;
			reg->end = cut_from;
			t->count++;
			err = insert_at(r, p, i + 1, &tail);
			if (err)
				return err;
		}
		i++;
	}
	return err;
}

static void map(struct lt_regions *r, struct proc *p, uint64_t start, uint64_t end, long ti,
		uint64_t ts)
{
	struct region reg = { .start = start, .end = end, .totals = ti, .ts_ns = ts };
	struct lt_region_totals *t = &r->totals[ti];

	unmap(r, p, start, end, NULL); /* MAP_FIXED replaces what was there */
	if (r->live >= r->max) {
		r->dropped++;
		return;
	}
	if (insert_at(r, p, lower_bound(p, start), &reg))
		return;
	t = &r->totals[ti];
	t->bytes += end - start;
	t->count++;
}

void regions__apply(struct lt_regions *r, const struct lt_event *ev)
{
	struct proc *p = proc_of(r, ev->tgid, ev->type != LT_EV_MUNMAP);
	uint64_t len = (ev->len + 4095) & ~4095ULL; /* the kernel maps whole pages */
	long ti, from;

	if (!p || !len)
		return;
	switch (ev->type) {
	case LT_EV_MMAP:
		ti = totals_of(r, ev->tgid, ev->stack_id, ev->flags & LT_EV_ANON);
		if (ti < 0)
			return;
		r->totals[ti].maps++;
		map(r, p, ev->addr, ev->addr + len, ti, ev->ts_ns);
		break;
	case LT_EV_MUNMAP:
		unmap(r, p, ev->addr, ev->addr + len, NULL);
		break;
	case LT_EV_MREMAP: {
		uint64_t new_len = (ev->new_len + 4095) & ~4095ULL;

		/* The bytes move with the region: they stay its mapping stack's. */
		if (unmap(r, p, ev->addr, ev->addr + len, &from))
			return;
		ti = from >= 0 ? from : totals_of(r, ev->tgid, ev->stack_id, true);
		if (ti < 0)
			return;
		if (from < 0)
			r->totals[ti].maps++;
		map(r, p, ev->new_addr, ev->new_addr + new_len, ti, ev->ts_ns);
		break;
	}
	default:
		break;
	}
}

size_t regions__totals(struct lt_regions *r, const struct lt_region_totals **out)
{
	/* The oldest region of each, in one pass over every region. */
	for (size_t i = 0; i < r->ntotals; i++)
		r->totals[i].oldest_ns = 0;
	for (size_t k = 0; k < r->nprocs; k++) {
		const struct proc *p = &r->procs[k];

		for (size_t i = 0; i < p->n; i++) {
			struct lt_region_totals *t = &r->totals[p->v[i].totals];

			if (!t->oldest_ns || p->v[i].ts_ns < t->oldest_ns)
				t->oldest_ns = p->v[i].ts_ns;
		}
	}
	*out = r->totals;
	return r->ntotals;
}

void regions__mark(struct lt_regions *r)
{
	for (size_t i = 0; i < r->ntotals; i++) {
		r->totals[i].prev_bytes = r->totals[i].bytes;
		r->totals[i].prev_maps = r->totals[i].maps;
		r->totals[i].prev_unmaps = r->totals[i].unmaps;
	}
}

/*
 * Forget the regions of `tgid` mapped before `since_ns` (UINT64_MAX: all of them), and start
 * its counts over from those kept.
 */
static void purge_before(struct lt_regions *r, uint32_t tgid, uint64_t since_ns)
{
	struct proc *p = proc_of(r, tgid, false);
	size_t kept = 0;

	for (size_t i = 0; i < r->ntotals; i++) {
		struct lt_region_totals *t = &r->totals[i];

		if (t->tgid == tgid) {
			t->bytes = t->count = t->prev_bytes = 0;
			t->maps = t->unmaps = t->prev_maps = t->prev_unmaps = 0;
			t->oldest_ns = 0;
		}
	}
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct lt_region_totals *t = &r->totals[p->v[i].totals];

		if (p->v[i].ts_ns < since_ns)
			continue;
		p->v[kept++] = p->v[i];
		t->bytes += p->v[i].end - p->v[i].start;
		t->count++;
		t->maps++; /* as if mapped since: a split region counts once a part */
	}
	r->live -= p->n - kept;
	p->n = kept;
	if (!kept) {
		free(p->v);
		*p = r->procs[--r->nprocs];
	}
}

void regions__purge(struct lt_regions *r, uint32_t tgid)
{
	/* Everything it did goes, its counts since attach too: the process is gone. */
	purge_before(r, tgid, UINT64_MAX);
}

void regions__restart(struct lt_regions *r, uint32_t tgid, uint64_t exec_ns)
{
	purge_before(r, tgid, exec_ns);
}
