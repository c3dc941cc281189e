/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Processes that exited during a scoped trace (--cgroup, --container, --all), kept for the
 * final report with what they still held at exit. A scope purges an exited process from the
 * kernel maps and forgets its names at once (a host's churn would fill both); what it held,
 * and its stacks named while its files and memory could still be read, are copied here first.
 *
 * Bounded: at most LT_EXITED_MAX_PROCS processes, LT_EXITED_MAX_ROWS stacks each (the
 * largest) and LT_EXITED_MAX_BYTES of memory in all. When full, the process that held the
 * least at exit goes (the one arriving, or one kept before); what goes is counted.
 */
#ifndef LEAKTOP_DEPARTED_H
#define LEAKTOP_DEPARTED_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "report.h"

#define LT_EXITED_MAX_PROCS 256
#define LT_EXITED_MAX_ROWS 32
#define LT_EXITED_MAX_BYTES (16u << 20)

struct lt_departed;

/* A store with these bounds (0: the defaults above). NULL on ENOMEM. */
struct lt_departed *departed__new(size_t max_procs, size_t max_rows, size_t max_bytes);
void departed__free(struct lt_departed *d);

/*
 * Keep process `p` (pid, comm, container, exit_s, calls) with its rows at exit: counters,
 * rate, trend, growth, age, and `frames[i]` (nframes[i] of them) the names of rows[i]'s stack,
 * whose strings and modules are copied, as are the raw stacks (rows[i].ips). Rows that hold
 * nothing are left out; p's heap, mmap and sockets become the sums of all its rows. 0, or
 * -ENOMEM (then nothing is kept, and it counts as dropped).
 */
int departed__add(struct lt_departed *d, const struct lt_proc *p, const struct lt_row *rows,
		  struct lt_frame *const *frames, const size_t *nframes, size_t nrows);

/*
 * The processes and rows kept, appended to a sample's arrays (grown with lt_grow: *cap is
 * theirs), leaving out a process whose pid is in `live` (its pid was reused). Rows point at
 * the store's raw stacks and carry no frames: departed__name() names them. 0 or -ENOMEM.
 */
int departed__append(struct lt_departed *d, const pid_t *live, size_t nlive,
		     struct lt_proc **procs, size_t *nprocs, size_t *cap_procs,
		     struct lt_row **rows, size_t *nrows, size_t *cap_rows);

/*
 * Names a kept row's stack (an lt_stack_namer_fn's work): when `ips` is the raw stack of one of
 * `pid`'s kept rows, *frames gets a copy of its frames (to free; the strings stay the store's)
 * and 1 is returned. 0 when it is not the store's; -ENOMEM.
 */
int departed__name(const struct lt_departed *d, pid_t pid, const __u64 *ips,
		   struct lt_frame **frames, size_t *n);

/* What was not kept: processes (over the bounds, or their pid reused), and stacks. */
uint64_t departed__dropped_procs(const struct lt_departed *d);
uint64_t departed__dropped_rows(const struct lt_departed *d);
/* Processes kept now, and the memory they take. */
size_t departed__count(const struct lt_departed *d);
size_t departed__bytes(const struct lt_departed *d);

#endif /* LEAKTOP_DEPARTED_H */
