// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	/* Fibonacci hashing spreads pointer-like keys, whose low bits repeat. */
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

bool hashmap__get(const struct lt_hashmap *m, uint64_t key, uint64_t *val)
{
	if (!m->cap)
		return false;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->used[i])
			return false;
		if (m->keys[i] == key) {
			if (val)
				*val = m->vals[i];
			return true;
		}
	}
}

static void put(struct lt_hashmap *m, uint64_t key, uint64_t val)
{
	size_t i = slot_of(key, m->cap);

	while (m->used[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->used[i]) {
		m->used[i] = true;
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
}

static int grow(struct lt_hashmap *m)
{
	struct lt_hashmap bigger = { .cap = m->cap ? m->cap * 2 : 64 };

	bigger.keys = malloc(bigger.cap * sizeof(*bigger.keys));
	bigger.vals = malloc(bigger.cap * sizeof(*bigger.vals));
	bigger.used = calloc(bigger.cap, sizeof(*bigger.used));
	if (!bigger.keys || !bigger.vals || !bigger.used) {
		hashmap__free(&bigger);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->used[i])
			put(&bigger, m->keys[i], m->vals[i]);
	}
	hashmap__free(m);
	*m = bigger;
	return 0;
}

int hashmap__set(struct lt_hashmap *m, uint64_t key, uint64_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		int err = grow(m);

		if (err)
			return err;
	}
	put(m, key, val);
	return 0;
}

void hashmap__clear(struct lt_hashmap *m)
{
	if (m->cap)
		memset(m->used, 0, m->cap * sizeof(*m->used));
	m->n = 0;
}

void hashmap__free(struct lt_hashmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

bool hashmap__next(const struct lt_hashmap *m, size_t *iter, uint64_t *key, uint64_t *val)
{
	for (; *iter < m->cap; (*iter)++) {
		if (m->used[*iter]) {
			*key = m->keys[*iter];
			*val = m->vals[*iter];
			(*iter)++;
			return true;
		}
	}
	return false;
}
