/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A map from 64-bit keys to 64-bit values: open addressing with linear probing. It grows at
 * half full and never shrinks. Callers keep pointers or indices in the values.
 */
#ifndef LEAKTOP_HASHMAP_H
#define LEAKTOP_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lt_hashmap {
	uint64_t *keys;
	uint64_t *vals;
	bool *used;
	size_t cap;	/* a power of two, or 0 before the first insert */
	size_t n;
};

/* A zeroed struct is an empty map. */
bool hashmap__get(const struct lt_hashmap *m, uint64_t key, uint64_t *val);
/* Insert or overwrite. 0 or -ENOMEM. */
int hashmap__set(struct lt_hashmap *m, uint64_t key, uint64_t val);
void hashmap__clear(struct lt_hashmap *m);
void hashmap__free(struct lt_hashmap *m);

/* Visit every entry: `for (size_t i = 0; hashmap__next(m, &i, &k, &v);)`. */
bool hashmap__next(const struct lt_hashmap *m, size_t *iter, uint64_t *key, uint64_t *val);

#endif /* LEAKTOP_HASHMAP_H */
