// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "departed.h"
#include "hashmap.h"
#include "util.h"

/* A row at exit, with its own raw stack and named frames. */
struct kept_row {
	struct lt_row row;	/* ips points at `ips`; frames NULL (departed__name gives copies) */
	__u64 *ips;
	struct lt_frame *frames;
	size_t nframes;
};

/* A process at exit. Every string and module its frames point at is its own. */
struct kept_proc {
	struct lt_proc proc;
	struct kept_row *rows;
	size_t nrows;
	char **strs;
	size_t nstrs, cap_strs;
	struct lt_module **mods;
	size_t nmods, cap_mods;
	size_t bytes;		/* what it takes, against max_bytes */
};

struct lt_departed {
	struct kept_proc **v;
	size_t n, max_procs, max_rows, max_bytes, bytes;
	uint64_t dropped_procs, dropped_rows;
};

struct lt_departed *departed__new(size_t max_procs, size_t max_rows, size_t max_bytes)
{
	struct lt_departed *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->max_procs = max_procs ?: LT_EXITED_MAX_PROCS;
	d->max_rows = max_rows ?: LT_EXITED_MAX_ROWS;
	d->max_bytes = max_bytes ?: LT_EXITED_MAX_BYTES;
	d->v = calloc(d->max_procs, sizeof(*d->v));
	if (!d->v) {
		free(d);
		return NULL;
	}
	return d;
}

static void kept_free(struct kept_proc *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->nrows; i++) {
		free(k->rows[i].ips);
		free(k->rows[i].frames);
	}
	for (size_t i = 0; i < k->nstrs; i++)
		free(k->strs[i]);
	for (size_t i = 0; i < k->nmods; i++)
		free(k->mods[i]);
	free(k->rows);
	free(k->strs);
	free(k->mods);
	free(k);
}

void departed__free(struct lt_departed *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		kept_free(d->v[i]);
	free(d->v);
	free(d);
}

/* A copy of `s` owned by the process, one per distinct string (`seen`: hash -> index). */
static const char *own_str(struct kept_proc *k, struct lt_hashmap *seen, const char *s)
{
	uint64_t h, i;
	char *copy;

	if (!s)
		return NULL;
	h = str_hash(s);
	if (hashmap__get(seen, h, &i) && !strcmp(k->strs[i], s))
		return k->strs[i];
	if (lt_grow((void **)&k->strs, &k->cap_strs, k->nstrs, sizeof(*k->strs)))
		return NULL;
	copy = strdup(s);
	if (!copy || hashmap__set(seen, h, k->nstrs)) {
		free(copy);
		return NULL;
	}
	k->bytes += strlen(s) + 1 + sizeof(char *);
	return k->strs[k->nstrs++] = copy;
}

/* A copy of module `m` owned by the process, one per module (`seen`: address -> index). */
static const struct lt_module *own_mod(struct kept_proc *k, struct lt_hashmap *seen,
				       struct lt_hashmap *strs, const struct lt_module *m)
{
	struct lt_module *copy;
	uint64_t i;

	if (!m)
		return NULL;
	if (hashmap__get(seen, (uintptr_t)m, &i))
		return k->mods[i];
	if (lt_grow((void **)&k->mods, &k->cap_mods, k->nmods, sizeof(*k->mods)))
		return NULL;
	copy = malloc(sizeof(*copy));
	if (!copy)
		return NULL;
	*copy = *m;
	k->mods[k->nmods++] = copy;
	k->bytes += sizeof(*copy) + sizeof(copy);
	copy->path = own_str(k, strs, m->path);
	copy->base = own_str(k, strs, m->base);
	copy->build_id = own_str(k, strs, m->build_id);
	if ((m->path && !copy->path) || (m->base && !copy->base) ||
	    (m->build_id && !copy->build_id) || hashmap__set(seen, (uintptr_t)m, k->nmods - 1))
		return NULL;
	return copy;
}

/* Copy one row: its raw stack and its frames, the frames' strings and modules the process's own. */
static int copy_row(struct kept_proc *k, struct kept_row *kr, const struct lt_row *row,
		    const struct lt_frame *frames, size_t nframes, struct lt_hashmap *strs,
		    struct lt_hashmap *mods)
{
	kr->row = *row;
	kr->row.frames = NULL;
	kr->row.nframes = 0;
	kr->row.ips = NULL;
	kr->row.comm = NULL;
	kr->row.group = NULL;
	if (row->nips) {
		kr->ips = malloc(row->nips * sizeof(*kr->ips));
		if (!kr->ips)
			return -ENOMEM;
		memcpy(kr->ips, row->ips, row->nips * sizeof(*kr->ips));
		kr->row.ips = kr->ips;
		k->bytes += row->nips * sizeof(*kr->ips);
	}
	if (!nframes)
		return 0;
	kr->frames = calloc(nframes, sizeof(*kr->frames));
	if (!kr->frames)
		return -ENOMEM;
	kr->nframes = nframes;
	k->bytes += nframes * sizeof(*kr->frames);
	for (size_t i = 0; i < nframes; i++) {
		const struct lt_frame *f = &frames[i];
		struct lt_frame *c = &kr->frames[i];

		*c = *f;
		c->func = own_str(k, strs, f->func);
		c->module = own_str(k, strs, f->module);
		c->file = own_str(k, strs, f->file);
		c->mod = own_mod(k, mods, strs, f->mod);
		if ((f->func && !c->func) || (f->module && !c->module) || (f->file && !c->file) ||
		    (f->mod && !c->mod))
			return -ENOMEM;
	}
	return 0;
}

static int64_t held(const struct lt_row *r)
{
	return report__is_socket(r->kind) ? 0 : r->bytes;
}

/* Largest first: bytes held, then blocks or sockets; then by kind and stack, for a fixed order. */
static int cmp_held(const void *a, const void *b)
{
	const struct lt_row *x = *(const struct lt_row *const *)a;
	const struct lt_row *y = *(const struct lt_row *const *)b;

	if (held(x) != held(y))
		return held(x) > held(y) ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

/* What a kept process weighs for eviction: the bytes it held, then its sockets. */
static int cmp_weight(const struct lt_proc *x, const struct lt_proc *y)
{
	int64_t a = x->heap + x->mmap, b = y->heap + y->mmap;

	if (a != b)
		return a < b ? -1 : 1;
	return x->sockets < y->sockets ? -1 : x->sockets > y->sockets;
}

/* Make room for `k`: evict lighter processes; false when `k` is the lightest (it goes). */
static bool make_room(struct lt_departed *d, const struct kept_proc *k)
{
	while (d->n && (d->n >= d->max_procs || d->bytes + k->bytes > d->max_bytes)) {
		size_t min = 0;

		for (size_t i = 1; i < d->n; i++) {
			if (cmp_weight(&d->v[i]->proc, &d->v[min]->proc) < 0)
				min = i;
		}
		if (cmp_weight(&k->proc, &d->v[min]->proc) <= 0)
			return false;
		d->bytes -= d->v[min]->bytes;
		d->dropped_procs++;
		d->dropped_rows += d->v[min]->nrows;
		kept_free(d->v[min]);
		memmove(&d->v[min], &d->v[min + 1], (d->n - min - 1) * sizeof(*d->v));
		d->n--;
	}
	return k->bytes <= d->max_bytes;
}

int departed__add(struct lt_departed *d, const struct lt_proc *p, const struct lt_row *rows,
		  struct lt_frame *const *frames, const size_t *nframes, size_t nrows)
{
	const struct lt_row **order = calloc(nrows + 1, sizeof(*order));
	struct lt_hashmap strs = { 0 }, mods = { 0 };
	struct kept_proc *k = calloc(1, sizeof(*k));
	size_t n = 0;
	int err = 0;

	if (!order || !k) {
		err = -ENOMEM;
		goto out;
	}
	k->proc = *p;
	k->proc.exited = true;
	k->proc.at_exit = true;
	k->proc.heap = k->proc.mmap = k->proc.sockets = 0;
	for (size_t i = 0; i < nrows; i++) {
		const struct lt_row *r = &rows[i];

		if (!r->bytes && !r->count)
			continue; /* nothing held at exit */
		if (r->kind == LT_ROW_HEAP)
			k->proc.heap += r->bytes;
		else if (report__is_mmap(r->kind))
			k->proc.mmap += r->bytes;
		else
			k->proc.sockets += r->count;
		order[n++] = r;
	}
	qsort(order, n, sizeof(*order), cmp_held);
	k->proc.stacks_not_kept = n > d->max_rows ? n - d->max_rows : 0;
	n -= k->proc.stacks_not_kept;
	k->rows = calloc(n + 1, sizeof(*k->rows));
	if (!k->rows) {
		err = -ENOMEM;
		goto out;
	}
	k->bytes = sizeof(*k) + (n + 1) * sizeof(*k->rows);
	for (size_t i = 0; i < n && !err; i++) {
		size_t at = order[i] - rows;

		err = copy_row(k, &k->rows[i], order[i], frames ? frames[at] : NULL,
			       frames && nframes ? nframes[at] : 0, &strs, &mods);
		k->nrows = i + 1;
	}
	if (err)
		goto out;
	d->dropped_rows += k->proc.stacks_not_kept;
	if (!make_room(d, k)) {
		d->dropped_procs++;
		d->dropped_rows += k->nrows;
		goto out; /* held the least: k goes */
	}
	d->v[d->n++] = k;
	d->bytes += k->bytes;
	k = NULL;
out:
	if (err)
		d->dropped_procs++;
	kept_free(k);
	hashmap__free(&strs);
	hashmap__free(&mods);
	free(order);
	return err;
}

static bool pid_in(pid_t pid, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (pids[i] == pid)
			return true;
	}
	return false;
}

int departed__append(struct lt_departed *d, const pid_t *live, size_t nlive,
		     struct lt_proc **procs, size_t *nprocs, size_t *cap_procs,
		     struct lt_row **rows, size_t *nrows, size_t *cap_rows)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct kept_proc *k = d->v[i];

		/*
		 * Its pid belongs to a live process now: the report keys processes by pid, so the
		 * one that runs is shown, and the one that exited is counted as not kept.
		 */
		if (pid_in(k->proc.pid, live, nlive)) {
			d->dropped_procs++;
			d->dropped_rows += k->nrows;
			continue;
		}
		if (lt_grow((void **)procs, cap_procs, *nprocs, sizeof(**procs)))
			return -ENOMEM;
		(*procs)[(*nprocs)++] = k->proc;
		for (size_t r = 0; r < k->nrows; r++) {
			if (lt_grow((void **)rows, cap_rows, *nrows, sizeof(**rows)))
				return -ENOMEM;
			(*rows)[(*nrows)++] = k->rows[r].row;
		}
	}
	return 0;
}

int departed__name(const struct lt_departed *d, pid_t pid, const __u64 *ips,
		   struct lt_frame **frames, size_t *n)
{
	for (size_t i = 0; d && ips && i < d->n; i++) {
		const struct kept_proc *k = d->v[i];

		if (k->proc.pid != pid)
			continue;
		for (size_t r = 0; r < k->nrows; r++) {
			const struct kept_row *kr = &k->rows[r];

			if (kr->ips != ips)
				continue;
			*frames = calloc(kr->nframes + 1, sizeof(**frames));
			if (!*frames)
				return -ENOMEM;
			if (kr->nframes)
				memcpy(*frames, kr->frames, kr->nframes * sizeof(**frames));
			*n = kr->nframes;
			return 1;
		}
	}
	return 0;
}

uint64_t departed__dropped_procs(const struct lt_departed *d)
{
	return d ? d->dropped_procs : 0;
}

uint64_t departed__dropped_rows(const struct lt_departed *d)
{
	return d ? d->dropped_rows : 0;
}

size_t departed__count(const struct lt_departed *d)
{
	return d ? d->n : 0;
}

size_t departed__bytes(const struct lt_departed *d)
{
	return d ? d->bytes : 0;
}
