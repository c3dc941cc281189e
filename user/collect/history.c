// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "history.h"
#include "util.h"

/* A ring of the last `window` values; times are shared by every series. */
struct ring {
	struct lt_series_key key;
	double *v;
	size_t first;	   /* the sample it started at: no zeros from before it existed */
	size_t nonzero_at; /* the last sample where it held something */
	bool used;
};

struct proc_ring {
	pid_t pid;
	double *rss, *tracked;
	double *node[LT_NODE__PARTS]; /* a node process's parts; all NULL until first put */
	size_t first; /* the sample it started at */
	size_t last;  /* the last sample it was put in */
};

struct lt_history {
	size_t window;
	size_t samples;		/* samples taken so far */
	double *times;		/* ring of sample times */
	struct lt_hashmap index; /* key fingerprint -> ring index */
	struct lt_hashmap baseline; /* key fingerprint -> value (double bits) */
	bool has_baseline;
	double baseline_t;
	struct ring *rings;
	size_t nrings, cap;
	size_t *free_list;
	size_t nfree, cap_free;
	struct proc_ring *procs;
	size_t nprocs, cap_procs;
	/* Scratch for history__get*(): the series in time order. */
	double *out_t, *out_v, *out_v2;
	double *out_node[LT_NODE__PARTS];
};

static uint64_t fingerprint(const struct lt_series_key *k)
{
	uint64_t h = k->id * 0x9e3779b97f4a7c15ULL;

	h ^= ((uint64_t)k->tgid << 8 | k->kind) * 0xc2b2ae3d27d4eb4fULL;
	return h ^ (h >> 31);
}

static void free_proc(struct proc_ring *p)
{
	free(p->rss);
	free(p->tracked);
	for (int i = 0; i < LT_NODE__PARTS; i++)
		free(p->node[i]);
}

struct lt_history *history__new(size_t window)
{
	struct lt_history *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->window = window < 4 ? 4 : window;
	h->times = calloc(h->window, sizeof(double));
	h->out_t = calloc(h->window, sizeof(double));
	h->out_v = calloc(h->window, sizeof(double));
	h->out_v2 = calloc(h->window, sizeof(double));
	if (!h->times || !h->out_t || !h->out_v || !h->out_v2) {
		history__free(h);
		return NULL;
	}
	for (int i = 0; i < LT_NODE__PARTS; i++) {
		h->out_node[i] = calloc(h->window, sizeof(double));
		if (!h->out_node[i]) {
			history__free(h);
			return NULL;
		}
	}
	return h;
}

void history__free(struct lt_history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nrings; i++)
		free(h->rings[i].v);
	for (size_t i = 0; i < h->nprocs; i++)
		free_proc(&h->procs[i]);
	hashmap__free(&h->index);
	hashmap__free(&h->baseline);
	free(h->rings);
	free(h->free_list);
	free(h->procs);
	free(h->times);
	free(h->out_t);
	free(h->out_v);
	free(h->out_v2);
	for (int i = 0; i < LT_NODE__PARTS; i++)
		free(h->out_node[i]);
	free(h);
}

/* The slot of the current sample. */
static size_t slot(const struct lt_history *h)
{
	return (h->samples - 1) % h->window;
}

static void drop_ring(struct lt_history *h, size_t i)
{
	struct ring *r = &h->rings[i];

	/* The index keeps no deletions: point the fingerprint at nothing. */
	hashmap__set(&h->index, fingerprint(&r->key), UINT64_MAX);
	r->used = false;
	if (!lt_grow((void **)&h->free_list, &h->cap_free, h->nfree, sizeof(*h->free_list)))
		h->free_list[h->nfree++] = i;
}

size_t history__samples(const struct lt_history *h)
{
	return h->samples;
}

int history__set_baseline(struct lt_history *h, const struct lt_series_key *k, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	return hashmap__set(&h->baseline, fingerprint(k), bits);
}

void history__mark_baseline(struct lt_history *h, double t)
{
	h->has_baseline = true;
	h->baseline_t = t;
}

bool history__has_baseline(const struct lt_history *h, double *t)
{
	if (t)
		*t = h->baseline_t;
	return h->has_baseline;
}

double history__baseline(const struct lt_history *h, const struct lt_series_key *k)
{
	uint64_t bits;
	double v;

	if (!hashmap__get(&h->baseline, fingerprint(k), &bits))
		return 0;
	memcpy(&v, &bits, sizeof(v));
	return v;
}

void history__begin(struct lt_history *h, double t)
{
	h->samples++;
	h->times[slot(h)] = t;
	for (size_t i = 0; i < h->nrings; i++) {
		struct ring *r = &h->rings[i];

		if (!r->used)
			continue;
		if (h->samples - r->nonzero_at > h->window) {
			drop_ring(h, i);
			continue;
		}
		r->v[slot(h)] = 0;
	}
	for (size_t i = h->nprocs; i-- > 0;) {
		struct proc_ring *p = &h->procs[i];

		/* Not reported for a whole window: gone, like a series that stays empty. */
		if (h->samples - p->last > h->window) {
			free_proc(p);
			*p = h->procs[--h->nprocs];
			continue;
		}
		p->rss[slot(h)] = 0;
		p->tracked[slot(h)] = 0;
		for (int k = 0; k < LT_NODE__PARTS && p->node[0]; k++)
			p->node[k][slot(h)] = 0;
	}
}

/* The ring of a series, or -ENOENT. */
static long find(struct lt_history *h, const struct lt_series_key *k)
{
	uint64_t idx;

	if (!hashmap__get(&h->index, fingerprint(k), &idx) || idx == UINT64_MAX)
		return -ENOENT;
	return (long)idx;
}

int history__put(struct lt_history *h, const struct lt_series_key *k, double v)
{
	long i = find(h, k);
	struct ring *r;

	if (!h->samples)
		return -EINVAL;
	if (i < 0) {
		if (v == 0)
			return 0; /* nothing to remember yet */
		if (h->nfree) {
			i = h->free_list[--h->nfree];
		} else {
			if (lt_grow((void **)&h->rings, &h->cap, h->nrings, sizeof(*h->rings)))
				return -ENOMEM;
			i = h->nrings++;
			h->rings[i].v = NULL;
		}
		r = &h->rings[i];
		if (!r->v)
			r->v = calloc(h->window, sizeof(double));
		if (!r->v)
			return -ENOMEM;
		memset(r->v, 0, h->window * sizeof(double));
		r->key = *k;
		r->used = true;
		r->first = h->samples;
		r->nonzero_at = h->samples;
		if (hashmap__set(&h->index, fingerprint(k), i))
			return -ENOMEM;
	}
	r = &h->rings[i];
	r->v[slot(h)] = v;
	if (v != 0)
		r->nonzero_at = h->samples;
	return 0;
}

static struct proc_ring *proc_of(struct lt_history *h, pid_t pid, bool create)
{
	struct proc_ring *p;

	for (size_t i = 0; i < h->nprocs; i++) {
		if (h->procs[i].pid == pid)
			return &h->procs[i];
	}
	if (!create)
		return NULL;
	if (lt_grow((void **)&h->procs, &h->cap_procs, h->nprocs, sizeof(*h->procs)))
		return NULL;
	p = &h->procs[h->nprocs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->first = h->samples;
	p->rss = calloc(h->window, sizeof(double));
	p->tracked = calloc(h->window, sizeof(double));
	if (!p->rss || !p->tracked) {
		free(p->rss);
		free(p->tracked);
		return NULL;
	}
	h->nprocs++;
	return p;
}

int history__put_proc(struct lt_history *h, pid_t pid, double rss, double tracked)
{
	struct proc_ring *p = proc_of(h, pid, true);

	if (!p || !h->samples)
		return -ENOMEM;
	p->rss[slot(h)] = rss;
	p->tracked[slot(h)] = tracked;
	p->last = h->samples;
	return 0;
}

/* A process's node series: all of them, or none (node[0] says which). */
static int node_alloc(struct proc_ring *p, size_t window)
{
	for (int i = 0; i < LT_NODE__PARTS; i++) {
		p->node[i] = calloc(window, sizeof(double));
		if (p->node[i])
			continue;
		while (i-- > 0) {
			free(p->node[i]);
			p->node[i] = NULL;
		}
		return -ENOMEM;
	}
	return 0;
}

int history__put_node(struct lt_history *h, pid_t pid, const double v[LT_NODE__PARTS])
{
	struct proc_ring *p = proc_of(h, pid, false);

	if (!p || !h->samples)
		return -ENOENT;
	/* Zeros before its first: every part counts from attach, and was 0 there. */
	if (!p->node[0] && node_alloc(p, h->window))
		return -ENOMEM;
	for (int i = 0; i < LT_NODE__PARTS; i++)
		p->node[i][slot(h)] = v[i];
	return 0;
}

/* Copy the last n values of a ring into out, oldest first. */
static size_t unroll(const struct lt_history *h, const double *ring, size_t since, double *out)
{
	size_t n = h->samples - since + 1;

	if (n > h->window)
		n = h->window;
	if (n > h->samples)
		n = h->samples;
	for (size_t i = 0; i < n; i++)
		out[i] = ring[(h->samples - n + i) % h->window];
	return n;
}

void history__get(struct lt_history *h, const struct lt_series_key *k, struct lt_series *out)
{
	long i = find(h, k);

	memset(out, 0, sizeof(*out));
	if (i < 0 || !h->samples)
		return;
	out->n = unroll(h, h->rings[i].v, h->rings[i].first, h->out_v);
	unroll(h, h->times, h->rings[i].first, h->out_t);
	out->t = h->out_t;
	out->v = h->out_v;
}

void history__get_proc(struct lt_history *h, pid_t pid, struct lt_series *rss,
		       struct lt_series *tracked)
{
	struct proc_ring *p = proc_of(h, pid, false);

	memset(rss, 0, sizeof(*rss));
	memset(tracked, 0, sizeof(*tracked));
	if (!p || !h->samples)
		return;
	/* Only the samples since the process was first seen. */
	rss->n = unroll(h, p->rss, p->first, h->out_v);
	tracked->n = unroll(h, p->tracked, p->first, h->out_v2);
	unroll(h, h->times, p->first, h->out_t);
	rss->t = tracked->t = h->out_t;
	rss->v = h->out_v;
	tracked->v = h->out_v2;
}

void history__get_node(struct lt_history *h, pid_t pid, struct lt_series out[LT_NODE__PARTS])
{
	struct proc_ring *p = proc_of(h, pid, false);

	memset(out, 0, LT_NODE__PARTS * sizeof(*out));
	if (!p || !p->node[0] || !h->samples)
		return;
	for (int i = 0; i < LT_NODE__PARTS; i++) {
		out[i].n = unroll(h, p->node[i], p->first, h->out_node[i]);
		out[i].v = h->out_node[i];
		out[i].t = h->out_t;
	}
	unroll(h, h->times, p->first, h->out_t);
}
