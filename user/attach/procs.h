/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The processes a session traces: the ones named with -p, or the ones a scope (--all,
 * --cgroup) finds as they come and go, each with its allocator objects and its container.
 */
#ifndef LEAKTOP_PROCS_H
#define LEAKTOP_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "objects.h"
#include "target.h"

struct lt_proc_ent {
	struct lt_target t;
	struct lt_object_list objects;	/* its allocator objects, once examined */
	struct lt_container container;	/* when in_container */
	bool in_container;
	bool go;			/* a Go program: no malloc to probe */
	bool per_call;			/* --per-call is counting in it */
	bool exec_seen;			/* it ran a new program: look at it again */
	double exec_at;			/* when (CLOCK_MONOTONIC seconds) */
	bool gone;			/* it exited: its entries are to be purged */
};

struct lt_procs {
	struct lt_proc_ent *v;
	size_t n, cap;
};

/* The entry of `pid`, or NULL. Entries move when one is added: do not keep pointers. */
struct lt_proc_ent *procs__find(struct lt_procs *ps, pid_t pid);

/* Add an opened target (the table takes its pidfd). NULL on ENOMEM. */
struct lt_proc_ent *procs__add(struct lt_procs *ps, const struct lt_target *t);

/* Drop entry `i`: close it and free its objects. The last entry takes its place. */
void procs__remove(struct lt_procs *ps, size_t i);
void procs__free(struct lt_procs *ps);

/* Fill the container fields of `e` from its cgroups. */
void procs__read_container(struct lt_proc_ent *e);

/*
 * Every process under /proc but `self`: candidates for --all (kernel threads are weeded out
 * by target__open_found). A sorted array to free; 0 or -errno.
 */
int procs__list_all(pid_t self, pid_t **pids, size_t *n);

/* Every process in the cgroup at `abs_path` and in its descendants. As above. */
int procs__list_cgroup(const char *abs_path, pid_t **pids, size_t *n);

#endif /* LEAKTOP_PROCS_H */
