/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector reads the kernel's per-stack totals, stacks and drop counters. Each sample
 * keeps the previous one, so interval deltas come from two snapshots of the same counters.
 */
#ifndef LEAKTOP_COLLECTOR_H
#define LEAKTOP_COLLECTOR_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "leaktop.h"

struct leaktop_bpf;
struct lt_collector;

struct lt_stack_row {
	uint32_t tgid;
	uint64_t stack_id;
	struct lt_totals now;
	struct lt_totals prev;	/* at the previous sample; zero for a stack new since then */
};

/* One {tgid, kind, stack}'s sockets now and at the previous sample. */
struct lt_sock_row {
	uint32_t tgid;
	uint32_t kind;	/* enum lt_sock_kind */
	uint64_t stack_id;
	struct lt_sock_totals now, prev;
	uint64_t oldest_ns; /* of its sockets still open; 0 when none */
};

/* What the probes cost one process (bpf/cost.bpf.h): its counts, summed over CPUs. */
struct lt_cost_row {
	uint32_t tgid;
	struct lt_cost now;
	struct lt_cost prev;	/* at the previous sample; zero for a process new since then */
};

struct lt_collector *collector__new(struct leaktop_bpf *skel, size_t max_rows);
void collector__free(struct lt_collector *c);

/* Take a sample. 0 or -errno; the previous sample stays in place on error. */
int collector__sample(struct lt_collector *c);

/* The rows of the latest sample, sorted by (tgid, stack_id). */
size_t collector__rows(const struct lt_collector *c, const struct lt_stack_row **rows);

/* The socket rows of the latest sample. */
size_t collector__sock_rows(const struct lt_collector *c, const struct lt_sock_row **rows);

/* When the oldest live block of a heap stack was made (bpf_ktime_get_ns), 0 if unknown. */
uint64_t collector__oldest(const struct lt_collector *c, uint32_t tgid, uint64_t stack_id);

/* The cost counts of `tgid` as of the latest sample, or NULL when it has none. */
const struct lt_cost_row *collector__cost(const struct lt_collector *c, uint32_t tgid);

/*
 * Read every process's cost counts now, apart from the samples (the budget reads them more
 * often than reports come): *rows (to free), sorted by tgid, `prev` zero. 0 or -errno.
 */
int collector__read_costs(struct lt_collector *c, struct lt_cost_row **rows, size_t *n);

/* Calls of the --per-call function made by `tgid` so far. */
uint64_t collector__calls(const struct lt_collector *c, uint32_t tgid);

/* The frames of a stack (cached; stacks never change). NULL for LT_STACK_NONE or unknown. */
const struct lt_stack *collector__stack(struct lt_collector *c, uint64_t stack_id);

/* Drop and event counters summed over CPUs, as of the latest sample. */
const uint64_t *collector__stats(const struct lt_collector *c);

/* One heap stack's totals (of one exec generation) as a purge deleted them. */
struct lt_purged_heap {
	uint32_t tgid;
	uint64_t stack_id;
	struct lt_totals totals;
	uint64_t oldest_ns;	/* its oldest live block then; 0 when none */
};

/*
 * What a purge deleted: what processes still held at their exit, for the final report
 * (departed.h) and --fail-on leak.
 */
struct lt_purged {
	struct lt_purged_heap *heap;
	size_t nheap;
	struct lt_sock_row *socks;	/* `now` as deleted, `prev` zero, with the oldest open */
	size_t nsocks;
};

void collector__purged_free(struct lt_purged *p);

/*
 * Delete everything the kernel maps hold for the processes `tgids` (they exited, or ran a new
 * program): live blocks, per-stack totals, sockets, call counts, and for those that exited
 * what their probes cost and their sampling interval. A process that ran a new program keeps
 * the blocks and totals of its exec generation `keep_gen[i]` and of later ones (what the new
 * program made since, however soon, and what a program it ran after that made before leaktop
 * heard of that exec), and its costs; -1, or a NULL `keep_gen`, keeps none. *allocs gets how
 * many live blocks went. With `got`, what was deleted of the totals and sockets (their last
 * values, their oldest live entries) is handed back there, to collector__purged_free(). 0 or
 * -errno.
 */
int collector__purge(struct lt_collector *c, const uint32_t *tgids, const int64_t *keep_gen,
		     size_t n, uint64_t *allocs, struct lt_purged *got);

/*
 * A process that ran new programs since it was looked at: the heap blocks and totals of the
 * programs before generation `gen` go; its sockets and call counts stay (they are the
 * process's, and a later look does not start it over). 0 or -errno.
 */
int collector__purge_old_gens(struct lt_collector *c, uint32_t tgid, uint32_t gen,
			      uint64_t *allocs);

/*
 * Delete the stacks no process holds anything under (no totals entry, read afresh, names
 * them; nor the latest sample's rows) and that are not in `keep` (the mappings' stacks),
 * from the kernel's stack map and from the cache of their frames. Processes that exited
 * leave their stacks behind; with --all, a host's churn would fill the map and leave every
 * new stack unattributed. *deleted gets how many went. 0 or -errno.
 *
 * A stack goes only once no capture used it since the collection before: each collection
 * bumps the BPF side's stack_epoch, and every capture marks its stack with it, so a call
 * whose stack is stored but not yet counted keeps its stack.
 */
int collector__gc_stacks(struct lt_collector *c, const uint64_t *keep, size_t nkeep,
			 size_t *deleted);

#endif /* LEAKTOP_COLLECTOR_H */
