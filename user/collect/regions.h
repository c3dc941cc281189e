/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory mappings per process, from the kernel's mmap, munmap and mremap events: the regions
 * each stack mapped, and what is left of them after partial and overlapping unmaps, so that no
 * byte is counted that is no longer mapped. Anonymous and file-backed memory are kept apart.
 */
#ifndef LEAKTOP_REGIONS_H
#define LEAKTOP_REGIONS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "leaktop.h"

struct lt_regions;

/* What one stack holds in mappings of one kind. */
struct lt_region_totals {
	uint32_t tgid;
	bool anon;
	uint64_t stack_id;
	int64_t bytes;		/* mapped now */
	int64_t count;		/* regions now (a middle unmap makes two) */
	uint64_t maps, unmaps;	/* events so far: mmap calls, and regions fully unmapped */
	uint64_t oldest_ns;	/* bpf_ktime_get_ns() of its oldest region still mapped */
	/* The same at the last regions__mark(), for interval deltas. */
	int64_t prev_bytes;
	uint64_t prev_maps, prev_unmaps;
};

/* `max_regions` bounds the regions kept over all processes; more are counted, not kept. */
struct lt_regions *regions__new(size_t max_regions);
void regions__free(struct lt_regions *r);

void regions__apply(struct lt_regions *r, const struct lt_event *ev);

/* Every (process, stack, kind) with regions now or ever; valid until the next apply. */
size_t regions__totals(struct lt_regions *r, const struct lt_region_totals **out);

/* Remember the current figures as the previous ones: call once per report. */
void regions__mark(struct lt_regions *r);

/* Forget a process (it exited, or left the scope). */
void regions__purge(struct lt_regions *r, uint32_t tgid);

/*
 * A process that ran a new program at `exec_ns` (bpf_ktime_get_ns()): forget what its old
 * program mapped, and keep the new program's regions, mapped at or after `exec_ns`, which may
 * have been applied before leaktop acted on the exec. Its counts start over from those.
 */
void regions__restart(struct lt_regions *r, uint32_t tgid, uint64_t exec_ns);

/* Regions not kept because max_regions was reached. */
uint64_t regions__dropped(const struct lt_regions *r);

#endif /* LEAKTOP_REGIONS_H */
