// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "hashmap.h"
#include "leaktop.skel.h"
#include "util.h"

struct lt_collector {
	int totals_fd, stacks_fd, stats_fd, allocs_fd;
	size_t max_rows;
	/* Batch buffers, sized for the whole map so one call reads it all. */
	struct lt_totals_key *keys;
	struct lt_totals *vals;
	struct lt_stack_row *rows, *prev;
	size_t nrows, nprev;
	struct lt_hashmap stack_cache; /* stack id -> struct lt_stack * */
	uint64_t stats[LT_STAT__COUNT];
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
	c->max_rows = max_rows;
	c->ncpus = libbpf_num_possible_cpus();
	c->keys = calloc(max_rows, sizeof(*c->keys));
	c->vals = calloc(max_rows, sizeof(*c->vals));
	c->rows = calloc(max_rows, sizeof(*c->rows));
	c->prev = calloc(max_rows, sizeof(*c->prev));
	c->percpu = calloc(c->ncpus > 0 ? c->ncpus : 1, sizeof(*c->percpu));
	if (c->ncpus <= 0 || !c->keys || !c->vals || !c->rows || !c->prev || !c->percpu) {
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

/* Read the whole totals map into keys/vals; returns the entry count or -errno. */
static long read_totals(struct lt_collector *c)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 in = 0, out = 0;
	size_t total = 0;
	bool first = true;

	for (;;) {
		__u32 count = c->max_rows - total;
		int err;

		if (!count)
			break;
		err = bpf_map_lookup_batch(c->totals_fd, first ? NULL : &in, &out, c->keys + total,
					   c->vals + total, &count, &opts);
		err = err ? -errno : 0;
		total += count;
		if (err == -ENOENT)
			break; /* the end of the map */
		if (err)
			return err;
		in = out;
		first = false;
	}
	return total;
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

int collector__sample(struct lt_collector *c)
{
	struct lt_stack_row *tmp;
	long n = read_totals(c);

	if (n < 0)
		return n;
	read_stats(c);
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
	c->nrows = n;
	qsort(c->rows, c->nrows, sizeof(*c->rows), cmp_row);
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

/* Delete every key of `fd` whose leading __u32 is `tgid`: collect them first, then delete. */
static int purge_map(int fd, size_t key_size, uint32_t tgid)
{
	size_t n = 0, cap = 0;
	char *keys = NULL, *tmp;
	char cur[64], next[64];
	bool have = false;
	int err = 0;

	if (key_size > sizeof(cur))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, have ? cur : NULL, next)) {
		memcpy(cur, next, key_size);
		have = true;
		if (*(uint32_t *)cur != tgid)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			tmp = realloc(keys, cap * key_size);
			if (!tmp) {
				err = -ENOMEM;
				goto out;
			}
			keys = tmp;
		}
		memcpy(keys + n++ * key_size, cur, key_size);
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * key_size);
out:
	free(keys);
	return err;
}

int collector__purge(struct lt_collector *c, uint32_t tgid)
{
	int err = purge_map(c->allocs_fd, sizeof(struct lt_alloc_key), tgid);

	if (!err)
		err = purge_map(c->totals_fd, sizeof(struct lt_totals_key), tgid);
	return err;
}
