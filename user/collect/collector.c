// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "cost.h"
#include "hashmap.h"
#include "leaktop.skel.h"
#include "util.h"

/* Live allocations are read this many at a time, for their ages. */
#define ALLOCS_CHUNK 4096

/* Cost entries read a batch at a time. */
#define COSTS_CHUNK 256

struct lt_collector {
	int totals_fd, stacks_fd, stats_fd, allocs_fd, sock_totals_fd, sockets_fd, calls_fd;
	int costs_fd, cost_cpu_fd, sampling_fd;
	struct lt_cost_row *crows, *cprev; /* the costs of the latest sample and the previous one */
	size_t ncrows, ncprev;
	size_t max_rows;
	/* Batch buffers, sized for the whole map so one call reads it all. */
	struct lt_totals_key *keys;
	struct lt_totals *vals;
	struct lt_stack_row *rows, *prev;
	size_t nrows, nprev;
	struct lt_hashmap stack_cache; /* stack id -> struct lt_stack * */
	struct lt_hashmap oldest;      /* (tgid, stack) -> oldest live block's ts */
	struct lt_alloc_key *akeys;
	struct lt_alloc *avals;
	struct lt_sock_totals_key *skeys;
	struct lt_sock_totals *svals;
	struct lt_sock_row *srows, *sprev;
	size_t nsrows, nsprev;
	struct lt_hashmap calls;       /* tgid -> calls */
	uint64_t stats[LT_STAT__COUNT];
	volatile __u32 *stack_epoch;   /* the BPF side's stack_epoch (its .bss, mapped) */
	int ncpus;
	uint64_t *percpu;
};

struct lt_collector *collector__new(struct leaktop_bpf *skel, size_t max_rows)
{
	struct lt_collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->totals_fd = bpf_map__fd(skel->maps.totals);
	c->stacks_fd = bpf_map__fd(skel->maps.stacks);
	c->stats_fd = bpf_map__fd(skel->maps.stats);
	c->allocs_fd = bpf_map__fd(skel->maps.allocs);
	c->sock_totals_fd = bpf_map__fd(skel->maps.sock_totals);
	c->sockets_fd = bpf_map__fd(skel->maps.sockets);
	c->calls_fd = bpf_map__fd(skel->maps.calls);
	c->costs_fd = bpf_map__fd(skel->maps.costs);
	c->cost_cpu_fd = bpf_map__fd(skel->maps.cost_cpu);
	c->sampling_fd = bpf_map__fd(skel->maps.sampling);
	c->stack_epoch = &skel->bss->stack_epoch;
	c->max_rows = max_rows;
	c->ncpus = libbpf_num_possible_cpus();
	c->keys = calloc(max_rows, sizeof(*c->keys));
	c->vals = calloc(max_rows, sizeof(*c->vals));
	c->rows = calloc(max_rows, sizeof(*c->rows));
	c->prev = calloc(max_rows, sizeof(*c->prev));
	c->percpu = calloc(c->ncpus > 0 ? c->ncpus : 1, sizeof(*c->percpu));
	c->akeys = calloc(ALLOCS_CHUNK, sizeof(*c->akeys));
	c->avals = calloc(ALLOCS_CHUNK, sizeof(*c->avals));
	c->skeys = calloc(max_rows, sizeof(*c->skeys));
	c->svals = calloc(max_rows, sizeof(*c->svals));
	c->srows = calloc(max_rows, sizeof(*c->srows));
	c->sprev = calloc(max_rows, sizeof(*c->sprev));
	if (c->ncpus <= 0 || !c->keys || !c->vals || !c->rows || !c->prev || !c->percpu ||
	    !c->akeys || !c->avals || !c->skeys || !c->svals || !c->srows || !c->sprev) {
		collector__free(c);
		return NULL;
	}
	return c;
}

void collector__free(struct lt_collector *c)
{
	uint64_t k, v;

	if (!c)
		return;
	for (size_t i = 0; hashmap__next(&c->stack_cache, &i, &k, &v);)
		free((void *)(uintptr_t)v);
	hashmap__free(&c->stack_cache);
	hashmap__free(&c->oldest);
	hashmap__free(&c->calls);
	free(c->crows);
	free(c->cprev);
	free(c->akeys);
	free(c->avals);
	free(c->skeys);
	free(c->svals);
	free(c->srows);
	free(c->sprev);
	free(c->keys);
	free(c->vals);
	free(c->rows);
	free(c->prev);
	free(c->percpu);
	free(c);
}

static int cmp_row(const void *a, const void *b)
{
	const struct lt_stack_row *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->stack_id != y->stack_id)
		return x->stack_id < y->stack_id ? -1 : 1;
	return 0;
}

/* Where a batched read of a hash map has got to. */
struct batch_cursor {
	__u64 token;
	bool started, done;
};

/*
 * Read up to `max` entries of a hash map with batched lookups, going on from the cursor.
 * Returns how many were read (0 at the end), or -errno.
 */
static long read_batch(int fd, struct batch_cursor *cur, void *keys, size_t ksize, void *vals,
		       size_t vsize, size_t max)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t total = 0;

	while (!cur->done && total < max) {
		__u32 count = max - total;
		__u64 out = 0;
		int err;

		err = bpf_map_lookup_batch(fd, cur->started ? &cur->token : NULL, &out,
					   (char *)keys + total * ksize, (char *)vals + total * vsize,
					   &count, &opts);
		err = err ? -errno : 0;
		total += count;
		if (err == -ENOENT) {
			cur->done = true; /* the end of the map */
			break;
		}
		/* The next bucket does not fit what is left of the buffer: take it next time. */
		if (err == -ENOSPC && total)
			break;
		if (err)
			return err;
		cur->token = out;
		cur->started = true;
	}
	return total;
}

/* Read the whole totals map into keys/vals; returns the entry count or -errno. */
static long read_totals(struct lt_collector *c)
{
	struct batch_cursor cur = {};

	return read_batch(c->totals_fd, &cur, c->keys, sizeof(*c->keys), c->vals,
			  sizeof(*c->vals), c->max_rows);
}

static uint64_t age_key(uint32_t tgid, uint32_t kind, uint64_t stack_id)
{
	uint64_t h = stack_id * 0x9e3779b97f4a7c15ULL;

	return h ^ (((uint64_t)tgid << 8 | kind) * 0xc2b2ae3d27d4eb4fULL);
}

static void note_oldest(struct lt_hashmap *m, uint64_t key, uint64_t ts)
{
	uint64_t old;

	if (!ts)
		return;
	if (!hashmap__get(m, key, &old) || ts < old)
		hashmap__set(m, key, ts);
}

/* The oldest live block of each heap stack: one pass over the allocs map, in chunks. */
static void read_ages(struct lt_collector *c)
{
	struct batch_cursor cur = {};
	long n;

	hashmap__clear(&c->oldest);
	while ((n = read_batch(c->allocs_fd, &cur, c->akeys, sizeof(*c->akeys), c->avals,
			       sizeof(*c->avals), ALLOCS_CHUNK)) > 0) {
		for (long i = 0; i < n; i++)
			note_oldest(&c->oldest, age_key(c->akeys[i].tgid, 0, c->avals[i].stack_id),
				    c->avals[i].ts_ns);
	}
}

static int cmp_sock_row(const void *a, const void *b)
{
	const struct lt_sock_row *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

/* Socket totals, with the previous sample for deltas, and the oldest open socket per row. */
static int read_sockets(struct lt_collector *c)
{
	struct lt_sock_key key, next;
	struct lt_sock_row *tmp;
	struct lt_hashmap ages = {};
	struct batch_cursor cur = {};
	bool have = false;
	long n;

	n = read_batch(c->sock_totals_fd, &cur, c->skeys, sizeof(*c->skeys), c->svals,
		       sizeof(*c->svals), c->max_rows);
	if (n < 0)
		return n;
	/* The sockets map is small next to allocs: walk it for ages. */
	while (!bpf_map_get_next_key(c->sockets_fd, have ? &key : NULL, &next)) {
		struct lt_sock s;

		key = next;
		have = true;
		if (!bpf_map_lookup_elem(c->sockets_fd, &key, &s))
			note_oldest(&ages, age_key(key.tgid, s.kind + 1, s.stack_id), s.ts_ns);
	}
	tmp = c->sprev;
	c->sprev = c->srows;
	c->nsprev = c->nsrows;
	c->srows = tmp;
	for (long i = 0; i < n; i++) {
		struct lt_sock_row *r = &c->srows[i];
		uint64_t ts = 0;

		*r = (struct lt_sock_row){
			.tgid = c->skeys[i].tgid,
			.kind = c->skeys[i].kind,
			.stack_id = c->skeys[i].stack_id,
			.now = c->svals[i],
		};
		hashmap__get(&ages, age_key(r->tgid, r->kind + 1, r->stack_id), &ts);
		r->oldest_ns = ts;
	}
	c->nsrows = n;
	hashmap__free(&ages);
	qsort(c->srows, c->nsrows, sizeof(*c->srows), cmp_sock_row);
	for (size_t i = 0; i < c->nsrows; i++) {
		struct lt_sock_row *p = bsearch(&c->srows[i], c->sprev, c->nsprev, sizeof(*c->sprev),
						cmp_sock_row);

		if (p)
			c->srows[i].prev = p->now;
	}
	return 0;
}

static void read_calls(struct lt_collector *c)
{
	__u32 key, next;
	bool have = false;

	hashmap__clear(&c->calls);
	while (!bpf_map_get_next_key(c->calls_fd, have ? &key : NULL, &next)) {
		__u64 v;

		key = next;
		have = true;
		if (!bpf_map_lookup_elem(c->calls_fd, &key, &v))
			hashmap__set(&c->calls, key, v);
	}
}

static void read_stats(struct lt_collector *c)
{
	for (__u32 k = 0; k < LT_STAT__COUNT; k++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(c->stats_fd, &k, c->percpu))
			continue;
		for (int cpu = 0; cpu < c->ncpus; cpu++)
			sum += c->percpu[cpu];
		c->stats[k] = sum;
	}
}

static int cmp_cost_row(const void *a, const void *b)
{
	const struct lt_cost_row *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/* The row of `tgid` in `rows`, made when missing (the array then stays unsorted). */
static struct lt_cost_row *cost_row(struct lt_cost_row **rows, size_t *n, size_t *cap,
				    uint32_t tgid)
{
	for (size_t i = 0; i < *n; i++) {
		if ((*rows)[i].tgid == tgid)
			return &(*rows)[i];
	}
	if (lt_grow((void **)rows, cap, *n, sizeof(**rows)))
		return NULL;
	memset(&(*rows)[*n], 0, sizeof(**rows));
	(*rows)[*n].tgid = tgid;
	return &(*rows)[(*n)++];
}

/*
 * Every process's cost counts: its entry in `costs` (per CPU), plus what each CPU's slot
 * counted for it and has not added there yet.
 */
int collector__read_costs(struct lt_collector *c, struct lt_cost_row **rows, size_t *n)
{
	size_t cap = 0, per = sizeof(struct lt_cost), slot = sizeof(struct lt_cost_slot);
	__u32 *keys = calloc(COSTS_CHUNK, sizeof(*keys));
	char *vals = calloc((size_t)COSTS_CHUNK * c->ncpus, per);
	struct batch_cursor cur = {};
	int err = 0;
	long got;

	*rows = NULL;
	*n = 0;
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while ((got = read_batch(c->costs_fd, &cur, keys, sizeof(*keys), vals, per * c->ncpus,
				 COSTS_CHUNK)) > 0) {
		for (long i = 0; i < got && !err; i++) {
			struct lt_cost_row *r;

			if (lt_grow((void **)rows, &cap, *n, sizeof(**rows))) {
				err = -ENOMEM;
				break;
			}
			r = &(*rows)[(*n)++];
			memset(r, 0, sizeof(*r));
			r->tgid = keys[i];
			for (int cpu = 0; cpu < c->ncpus; cpu++)
				cost__add(&r->now, (const void *)(vals + (i * c->ncpus + cpu) * per));
		}
	}
	err = err ?: got < 0 ? (int)got : 0;
	/* The slots, read after the entries: a slot added meanwhile is missed until next time. */
	if (!err && !bpf_map_lookup_elem(c->cost_cpu_fd, &(__u32){ 0 }, vals)) {
		for (int cpu = 0; cpu < c->ncpus && !err; cpu++) {
			const struct lt_cost_slot *s = (const void *)(vals + cpu * slot);
			struct lt_cost_row *r;

			if (!s->tgid)
				continue;
			r = cost_row(rows, n, &cap, s->tgid);
			if (r)
				cost__add(&r->now, &s->c);
			else
				err = -ENOMEM;
		}
	}
	if (!err && *n)
		qsort(*rows, *n, sizeof(**rows), cmp_cost_row);
out:
	if (err) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	free(keys);
	free(vals);
	return err;
}

static int read_costs(struct lt_collector *c)
{
	struct lt_cost_row *rows;
	size_t n;
	int err = collector__read_costs(c, &rows, &n);

	if (err)
		return err;
	free(c->cprev);
	c->cprev = c->crows;
	c->ncprev = c->ncrows;
	c->crows = rows;
	c->ncrows = n;
	for (size_t i = 0; i < n; i++) {
		const struct lt_cost_row *p = c->ncprev ? bsearch(&rows[i], c->cprev, c->ncprev,
								  sizeof(*rows), cmp_cost_row)
						       : NULL;

		if (p)
			rows[i].prev = p->now;
	}
	return 0;
}

const struct lt_cost_row *collector__cost(const struct lt_collector *c, uint32_t tgid)
{
	struct lt_cost_row key = { .tgid = tgid };

	return c->ncrows ? bsearch(&key, c->crows, c->ncrows, sizeof(key), cmp_cost_row) : NULL;
}

/*
 * A process's old program and its new one may share a stack id (a program that runs itself
 * again at the same addresses) until the old one's entries are purged: one row, summed.
 */
static size_t merge_gens(struct lt_stack_row *rows, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		struct lt_stack_row *last = out ? &rows[out - 1] : NULL;

		if (last && !cmp_row(last, &rows[i])) {
			last->now.alloc_bytes += rows[i].now.alloc_bytes;
			last->now.free_bytes += rows[i].now.free_bytes;
			last->now.allocs += rows[i].now.allocs;
			last->now.frees += rows[i].now.frees;
			continue;
		}
		rows[out++] = rows[i];
	}
	return out;
}

int collector__sample(struct lt_collector *c)
{
	struct lt_stack_row *tmp;
	long n = read_totals(c);
	int err;

	if (n < 0)
		return n;
	read_stats(c);
	read_ages(c);
	read_calls(c);
	err = read_sockets(c) ?: read_costs(c);
	if (err)
		return err;
	/* The current rows become the previous ones. */
	tmp = c->prev;
	c->prev = c->rows;
	c->nprev = c->nrows;
	c->rows = tmp;
	for (long i = 0; i < n; i++) {
		c->rows[i] = (struct lt_stack_row){
			.tgid = c->keys[i].tgid,
			.stack_id = c->keys[i].stack_id,
			.now = c->vals[i],
		};
	}
	qsort(c->rows, n, sizeof(*c->rows), cmp_row);
	c->nrows = merge_gens(c->rows, n);
	for (size_t i = 0; i < c->nrows; i++) {
		struct lt_stack_row *p =
			bsearch(&c->rows[i], c->prev, c->nprev, sizeof(*c->prev), cmp_row);

		if (p)
			c->rows[i].prev = p->now;
	}
	return 0;
}

size_t collector__rows(const struct lt_collector *c, const struct lt_stack_row **rows)
{
	*rows = c->rows;
	return c->nrows;
}

size_t collector__sock_rows(const struct lt_collector *c, const struct lt_sock_row **rows)
{
	*rows = c->srows;
	return c->nsrows;
}

uint64_t collector__oldest(const struct lt_collector *c, uint32_t tgid, uint64_t stack_id)
{
	uint64_t ts = 0;

	hashmap__get(&c->oldest, age_key(tgid, 0, stack_id), &ts);
	return ts;
}

uint64_t collector__calls(const struct lt_collector *c, uint32_t tgid)
{
	uint64_t v = 0;

	hashmap__get(&c->calls, tgid, &v);
	return v;
}

const struct lt_stack *collector__stack(struct lt_collector *c, uint64_t stack_id)
{
	struct lt_stack *st;
	uint64_t v;

	if (stack_id == LT_STACK_NONE)
		return NULL;
	if (hashmap__get(&c->stack_cache, stack_id, &v))
		return (const struct lt_stack *)(uintptr_t)v;
	st = malloc(sizeof(*st));
	if (!st)
		return NULL;
	if (bpf_map_lookup_elem(c->stacks_fd, &stack_id, st)) {
		free(st);
		return NULL;
	}
	if (st->len > LT_MAX_FRAMES)
		st->len = LT_MAX_FRAMES;
	/* The kernel's frame-pointer walk may end in a zero return address: not a frame. */
	while (st->len > 1 && !st->ips[st->len - 1])
		st->len--;
	if (hashmap__set(&c->stack_cache, stack_id, (uintptr_t)st)) {
		free(st);
		return NULL;
	}
	return st;
}

const uint64_t *collector__stats(const struct lt_collector *c)
{
	return c->stats;
}

/*
 * Delete every key of `fd` whose leading __u32 (the tgid) is in `gone`: read the keys a chunk
 * at a time with the batch API, then delete what matched. A tgid whose value in `gone` is
 * not 0 keeps the keys of its exec generation (value - 1) and of any later one, when
 * `gen_off` says where keys hold it (-1: they hold none, and every key of the tgid goes).
 * Returns how many were deleted, or -errno.
 */
/* Each entry deleted is shown to `seen` first, when there is one. */
static long purge_map(int fd, size_t key_size, size_t val_size, const struct lt_hashmap *gone,
		      int gen_off, void (*seen)(const void *key, const void *val, void *ctx),
		      void *ctx)
{
	enum { CHUNK = 4096 };
	char *keys = malloc(CHUNK * key_size), *vals = malloc(CHUNK * val_size), *del = NULL;
	size_t ndel = 0, cap = 0;
	__u64 cursor = 0;
	bool first = true;
	long err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 count = CHUNK;
		uint64_t v;
		int r = bpf_map_lookup_batch(fd, first ? NULL : &cursor, &cursor, keys, vals, &count,
					     NULL);

		if (r && errno != ENOENT) {
			err = -errno;
			goto out;
		}
		first = false;
		for (__u32 i = 0; i < count; i++) {
			const char *k = keys + i * key_size;
			uint32_t gen;

			if (!hashmap__get(gone, *(const uint32_t *)k, &v))
				continue;
			if (v && gen_off >= 0) {
				memcpy(&gen, k + gen_off, sizeof(gen));
				/*
				 * The program it runs now, or one it ran since: an exec not
				 * yet read from the ring buffer (generations only grow).
				 */
				if ((int32_t)(gen - (uint32_t)(v - 1)) >= 0)
					continue;
			}
			if (seen)
				seen(k, vals + i * val_size, ctx);
			if (lt_grow((void **)&del, &cap, ndel, key_size)) {
				err = -ENOMEM;
				goto out;
			}
			memcpy(del + ndel++ * key_size, k, key_size);
		}
		if (r) /* ENOENT: that was the last chunk */
			break;
	}
	for (size_t i = 0; i < ndel; i++)
		bpf_map_delete_elem(fd, del + i * key_size);
	err = ndel;
out:
	free(keys);
	free(vals);
	free(del);
	return err;
}

/* Where purge_map's `seen` puts what it is shown (collector__purge's `got`). */
struct purge_sink {
	struct lt_purged *got;
	struct lt_hashmap oldest; /* age_key() -> ts, of the deleted allocations and sockets */
	size_t cap_heap, cap_socks;
	int err;
};

static void alloc_seen(const void *key, const void *val, void *ctx)
{
	const struct lt_alloc_key *k = key;
	const struct lt_alloc *a = val;
	struct purge_sink *s = ctx;

	note_oldest(&s->oldest, age_key(k->tgid, 0, a->stack_id), a->ts_ns);
}

static void sock_seen(const void *key, const void *val, void *ctx)
{
	const struct lt_sock_key *k = key;
	const struct lt_sock *so = val;
	struct purge_sink *s = ctx;

	note_oldest(&s->oldest, age_key(k->tgid, so->kind + 1, so->stack_id), so->ts_ns);
}

static void totals_seen(const void *key, const void *val, void *ctx)
{
	const struct lt_totals_key *k = key;
	struct purge_sink *s = ctx;
	struct lt_purged *g = s->got;
	struct lt_purged_heap *h;

	if (lt_grow((void **)&g->heap, &s->cap_heap, g->nheap, sizeof(*g->heap))) {
		s->err = -ENOMEM;
		return;
	}
	h = &g->heap[g->nheap++];
	*h = (struct lt_purged_heap){ .tgid = k->tgid, .stack_id = k->stack_id,
				      .totals = *(const struct lt_totals *)val };
	hashmap__get(&s->oldest, age_key(k->tgid, 0, k->stack_id), &h->oldest_ns);
}

static void sock_totals_seen(const void *key, const void *val, void *ctx)
{
	const struct lt_sock_totals_key *k = key;
	struct purge_sink *s = ctx;
	struct lt_purged *g = s->got;
	struct lt_sock_row *r;

	if (lt_grow((void **)&g->socks, &s->cap_socks, g->nsocks, sizeof(*g->socks))) {
		s->err = -ENOMEM;
		return;
	}
	r = &g->socks[g->nsocks++];
	*r = (struct lt_sock_row){ .tgid = k->tgid, .kind = k->kind, .stack_id = k->stack_id,
				   .now = *(const struct lt_sock_totals *)val };
	hashmap__get(&s->oldest, age_key(k->tgid, k->kind + 1, k->stack_id), &r->oldest_ns);
}

void collector__purged_free(struct lt_purged *p)
{
	free(p->heap);
	free(p->socks);
	memset(p, 0, sizeof(*p));
}

/* collector__purge(), or with `gens_only` the heap's blocks and totals of older programs. */
static int purge(struct lt_collector *c, const uint32_t *tgids, const int64_t *keep_gen, size_t n,
		 uint64_t *allocs, struct lt_purged *got, bool gens_only)
{
	struct purge_sink sink = { .got = got };
	struct lt_hashmap gone = { 0 };
	long a, r = 0;

	*allocs = 0;
	if (got)
		memset(got, 0, sizeof(*got));
	for (size_t i = 0; i < n; i++) {
		uint64_t v = keep_gen && keep_gen[i] >= 0 ? (uint64_t)keep_gen[i] + 1 : 0;

		if (hashmap__set(&gone, tgids[i], v)) {
			hashmap__free(&gone);
			return -ENOMEM;
		}
	}
	/* Ages first (allocations, sockets), then the totals that carry them. */
	a = purge_map(c->allocs_fd, sizeof(struct lt_alloc_key), sizeof(struct lt_alloc), &gone,
		      offsetof(struct lt_alloc_key, gen), got ? alloc_seen : NULL, &sink);
	if (a >= 0)
		*allocs = a;
	r = a < 0 ? a : r;
	if (gens_only) {
		a = purge_map(c->totals_fd, sizeof(struct lt_totals_key), sizeof(struct lt_totals),
			      &gone, offsetof(struct lt_totals_key, gen), NULL, NULL);
		r = a < 0 && !r ? a : r;
		goto out;
	}
	a = purge_map(c->sockets_fd, sizeof(struct lt_sock_key), sizeof(struct lt_sock), &gone, -1,
		      got ? sock_seen : NULL, &sink);
	r = a < 0 && !r ? a : r;
	a = purge_map(c->totals_fd, sizeof(struct lt_totals_key), sizeof(struct lt_totals), &gone,
		      offsetof(struct lt_totals_key, gen), got ? totals_seen : NULL, &sink);
	r = a < 0 && !r ? a : r;
	a = purge_map(c->sock_totals_fd, sizeof(struct lt_sock_totals_key),
		      sizeof(struct lt_sock_totals), &gone, -1, got ? sock_totals_seen : NULL,
		      &sink);
	r = a < 0 && !r ? a : r;
	a = purge_map(c->calls_fd, sizeof(__u32), sizeof(__u64), &gone, -1, NULL, NULL);
	r = a < 0 && !r ? a : r;
	/* A process that ran a new program is the same process: its costs since attach stay. */
	for (size_t i = 0; i < n; i++) {
		if (keep_gen && keep_gen[i] >= 0)
			continue;
		bpf_map_delete_elem(c->costs_fd, &tgids[i]);
		bpf_map_delete_elem(c->sampling_fd, &tgids[i]);
	}
out:
	hashmap__free(&sink.oldest);
	hashmap__free(&gone);
	return r ?: sink.err;
}

int collector__purge(struct lt_collector *c, const uint32_t *tgids, const int64_t *keep_gen,
		     size_t n, uint64_t *allocs, struct lt_purged *got)
{
	return purge(c, tgids, keep_gen, n, allocs, got, false);
}

int collector__purge_old_gens(struct lt_collector *c, uint32_t tgid, uint32_t gen,
			      uint64_t *allocs)
{
	int64_t keep = gen;

	return purge(c, &tgid, &keep, 1, allocs, NULL, true);
}

int collector__gc_stacks(struct lt_collector *c, const uint64_t *keep, size_t nkeep,
			 size_t *deleted)
{
	struct lt_hashmap live = { 0 }, gone = { 0 };
	struct batch_cursor cur = {};
	uint64_t *dead = NULL, key, next, v;
	size_t ndead = 0, cap = 0, iter = 0;
	struct lt_stack st;
	uint32_t epoch;
	long n;
	int err = 0;

	*deleted = 0;
	/*
	 * Captures from now on mark the stacks they use with the new epoch. A stack is deleted
	 * only when it was not captured since the collection before this one began: a capture
	 * whose totals entry comes after the totals are read below is protected by its mark.
	 */
	epoch = ++*c->stack_epoch;
	/* Held by some process now: every totals entry, read afresh, and the caller's. */
	n = read_totals(c);
	err = n < 0 ? (int)n : 0;
	for (long i = 0; i < n && !err; i++)
		err = hashmap__set(&live, c->keys[i].stack_id, 1);
	n = err ? 0 : read_batch(c->sock_totals_fd, &cur, c->skeys, sizeof(*c->skeys), c->svals,
				 sizeof(*c->svals), c->max_rows);
	err = err ?: n < 0 ? (int)n : 0;
	for (long i = 0; i < n && !err; i++)
		err = hashmap__set(&live, c->skeys[i].stack_id, 1);
	/* ... and those of the latest sample, which the report being made names. */
	for (size_t i = 0; i < c->nrows && !err; i++)
		err = hashmap__set(&live, c->rows[i].stack_id, 1);
	for (size_t i = 0; i < c->nsrows && !err; i++)
		err = hashmap__set(&live, c->srows[i].stack_id, 1);
	for (size_t i = 0; i < nkeep && !err; i++)
		err = hashmap__set(&live, keep[i], 1);
	/* The kernel's stacks no one holds and no recent capture used: deleted after the walk. */
	for (int more = !err && !bpf_map_get_next_key(c->stacks_fd, NULL, &key); more && !err;
	     key = next) {
		more = !bpf_map_get_next_key(c->stacks_fd, &key, &next);
		if (hashmap__get(&live, key, &v) || bpf_map_lookup_elem(c->stacks_fd, &key, &st) ||
		    (int32_t)(st.epoch - (epoch - 1)) >= 0)
			continue;
		err = lt_grow((void **)&dead, &cap, ndead, sizeof(*dead));
		if (!err)
			dead[ndead++] = key;
	}
	for (size_t i = 0; i < ndead && !err; i++) {
		if (!bpf_map_delete_elem(c->stacks_fd, &dead[i])) {
			(*deleted)++;
			err = hashmap__set(&gone, dead[i], 1);
		}
	}
	/*
	 * The frames cached for them go too, or the cache would grow for ever. (Out of memory, it
	 * stays whole: an id is its frames' hash, so a cached stack is right if it comes back.)
	 */
	if (!err && gone.n) {
		struct lt_hashmap kept = { 0 };

		while (!err && hashmap__next(&c->stack_cache, &iter, &key, &v)) {
			if (!hashmap__get(&gone, key, &next))
				err = hashmap__set(&kept, key, v);
		}
		if (err) {
			hashmap__free(&kept);
		} else {
			iter = 0;
			while (hashmap__next(&c->stack_cache, &iter, &key, &v)) {
				if (hashmap__get(&gone, key, &next))
					free((void *)(uintptr_t)v);
			}
			hashmap__free(&c->stack_cache);
			c->stack_cache = kept;
		}
	}
	hashmap__free(&gone);
	free(dead);
	hashmap__free(&live);
	return err;
}
