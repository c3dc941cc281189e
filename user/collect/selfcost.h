/* SPDX-License-Identifier: GPL-2.0 */
/* leaktop's own cost: its CPU since the previous report, its memory, its BPF maps' memory. */
#ifndef LEAKTOP_SELFCOST_H
#define LEAKTOP_SELFCOST_H

#include <stdbool.h>
#include <stdint.h>

struct bpf_object;
struct lt_self;

struct lt_selfcost {
	double cpu_at, cpu_secs;	/* leaktop's own CPU time, at the previous measure */
	double cpu_start;		/* ... at the first measure (attach) */
	bool cpu_start_set;
	uint64_t purged_procs;		/* processes gone, whose entries were deleted */
	uint64_t purged_allocs;		/* live blocks deleted with them */
	uint64_t purged_stacks;		/* stacks deleted once nothing was held under them */
	uint64_t started_unprobed;	/* processes that ran before their allocator was probed */
};

/* Measure into `out` (its CPU share since the previous call); `obj` may be NULL. */
void selfcost__measure(struct lt_selfcost *c, const struct bpf_object *obj, struct lt_self *out);

#endif /* LEAKTOP_SELFCOST_H */
