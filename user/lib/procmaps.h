/* SPDX-License-Identifier: GPL-2.0 */
/* The /proc/PID/maps parser. Its input is untrusted text; tests/fuzz/ fuzzes it. */
#ifndef LEAKTOP_PROCMAPS_H
#define LEAKTOP_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lt_vma {
	uint64_t start, end;	/* [start, end) */
	uint64_t offset;	/* file offset of `start` */
	uint64_t inode;
	unsigned int dev_major, dev_minor;
	bool r, w, x, shared;
	bool deleted;		/* the path ended in " (deleted)", stripped from `path` */
	char *path;		/* "" for anonymous memory; "[heap]", "[vdso]"... kept as is */
};

struct lt_maps {
	struct lt_vma *vmas;	/* sorted by start, as the kernel prints them */
	size_t n;
};

/*
 * Parse the text of a maps file. Malformed lines are skipped, never fatal. Returns 0 or
 * -ENOMEM. procmaps__free() the result.
 */
int procmaps__parse(const char *text, size_t len, struct lt_maps *out);
/* Read and parse /proc/PID/maps. Returns 0, or -errno (-ENOENT: no such process). */
int procmaps__read(pid_t pid, struct lt_maps *out);
void procmaps__free(struct lt_maps *m);

/* The mapping that holds `addr`, or NULL. */
const struct lt_vma *procmaps__find(const struct lt_maps *m, uint64_t addr);

/* True when the mapping is backed by a file (not anonymous memory or a [pseudo] region). */
bool procmaps__is_file(const struct lt_vma *v);

#endif /* LEAKTOP_PROCMAPS_H */
