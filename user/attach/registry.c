// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "procmaps.h"
#include "registry.h"
#include "util.h"

struct lt_registry {
	struct lt_proc_rec **v;		/* records, each allocated once: pointers stay valid */
	size_t n, cap, max;
	struct lt_hashmap index;	/* pid -> position in v */
	struct lt_concern concerns[LT_CONCERNS_MAX];
	size_t nconcerns;
};

struct lt_registry *registry__new(size_t max)
{
	struct lt_registry *reg = calloc(1, sizeof(*reg));

	if (reg)
		reg->max = max;
	return reg;
}

int registry__concern(struct lt_registry *reg, const struct lt_concern *c)
{
	if (reg->nconcerns == LT_CONCERNS_MAX)
		return -ENOSPC;
	reg->concerns[reg->nconcerns] = *c;
	return (int)reg->nconcerns++;
}

struct lt_proc_rec *registry__find(const struct lt_registry *reg, pid_t pid)
{
	uint64_t i;

	return hashmap__get(&reg->index, (uint32_t)pid, &i) ? reg->v[i] : NULL;
}

struct lt_proc_rec *registry__add(struct lt_registry *reg, const struct lt_target *t)
{
	struct lt_proc_rec *p;

	if (reg->n >= reg->max) {
		errno = ENOSPC;
		return NULL;
	}
	if (lt_grow((void **)&reg->v, &reg->cap, reg->n, sizeof(*reg->v)))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p || hashmap__set(&reg->index, (uint32_t)t->pid, reg->n)) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->t = *t;
	p->exec_gen = -1;
	p->in_container = cgroup__container_of_pid(t->pid, &p->container);
	reg->v[reg->n++] = p;
	return p;
}

size_t registry__count(const struct lt_registry *reg)
{
	return reg->n;
}

bool registry__full(const struct lt_registry *reg)
{
	return reg->n >= reg->max;
}

struct lt_proc_rec *registry__at(const struct lt_registry *reg, size_t i)
{
	return reg->v[i];
}

int registry__look(struct lt_registry *reg, struct lt_proc_rec *p)
{
	struct lt_maps maps;
	int err;

	err = procmaps__read(p->t.pid, &maps);
	p->maps_err = err;
	if (err)
		return err;
	for (size_t c = 0; c < reg->nconcerns; c++) {
		const struct lt_concern *k = &reg->concerns[c];
		int e = k->look ? k->look(k->ctx, p, &maps) : 0;

		if (e)
			lt_info(2, "pid %d: %s: %s", p->t.pid, k->name, strerror(-e));
		err = err ?: e;
	}
	procmaps__free(&maps);
	return err;
}

/* Every concern forgets one process; `many`: those with forget_many too, for this pid alone. */
static void forget_one(struct lt_registry *reg, struct lt_proc_rec *p, bool many)
{
	for (size_t c = 0; c < reg->nconcerns; c++) {
		const struct lt_concern *k = &reg->concerns[c];

		if (many && k->forget_many)
			k->forget_many(k->ctx, &p->t.pid, 1);
		if (k->forget)
			k->forget(k->ctx, p);
		p->state[c] = NULL;
	}
}

void registry__forget(struct lt_registry *reg, struct lt_proc_rec *p)
{
	forget_one(reg, p, true);
}

/* Drop record i; the last one takes its place. reindex() after. */
static void remove_at(struct lt_registry *reg, size_t i)
{
	struct lt_proc_rec *p = reg->v[i];

	target__close(&p->t);
	free(p);
	reg->v[i] = reg->v[--reg->n];
}

/* The pid index again, after removals (it has room: it held more keys before). */
static void reindex(struct lt_registry *reg)
{
	hashmap__clear(&reg->index);
	for (size_t k = 0; k < reg->n; k++)
		hashmap__set(&reg->index, (uint32_t)reg->v[k]->t.pid, k);
}

size_t registry__purge_gone(struct lt_registry *reg)
{
	pid_t *pids = calloc(reg->n + 1, sizeof(*pids));
	size_t n = 0;

	for (size_t i = 0; pids && i < reg->n; i++) {
		if (reg->v[i]->gone)
			pids[n++] = reg->v[i]->t.pid;
	}
	if (!n) {
		free(pids);
		return 0;
	}
	for (size_t c = 0; c < reg->nconcerns; c++) {
		if (reg->concerns[c].forget_many)
			reg->concerns[c].forget_many(reg->concerns[c].ctx, pids, n);
	}
	for (size_t i = reg->n; i-- > 0;) {
		struct lt_proc_rec *p = reg->v[i];

		if (!p->gone)
			continue;
		lt_info(1, "pid %d (%s) is gone: its entries are purged", p->t.pid, p->t.comm);
		forget_one(reg, p, false); /* the kernel maps went in one batch above */
		remove_at(reg, i);
	}
	reindex(reg);
	free(pids);
	return n;
}

void registry__free(struct lt_registry *reg)
{
	if (!reg)
		return;
	while (reg->n) {
		forget_one(reg, reg->v[reg->n - 1], false); /* nothing to delete from the kernel */
		remove_at(reg, reg->n - 1);
	}
	hashmap__free(&reg->index);
	free(reg->v);
	free(reg);
}
