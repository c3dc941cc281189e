/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process registry: one record per traced process, and everything known about it.
 *
 * Each concern that keeps per-process state (the allocator probes, the mapping events'
 * allocator ranges, the unwind tables, the names, the kernel maps' entries; later an
 * interpreter's frames) registers once with hooks:
 *   - look(): a live process was looked at; `maps` is its /proc/PID/maps, read once for every
 *     concern;
 *   - forget(): it exited or ran a new program; drop what this concern holds of it.
 * A concern's own per-process state hangs off the record (`state[id]`), so adding a concern
 * adds no pid table.
 */
#ifndef LEAKTOP_REGISTRY_H
#define LEAKTOP_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "target.h"

struct lt_maps;

#define LT_CONCERNS_MAX 12

struct lt_proc_rec {
	struct lt_target t;
	struct lt_container container;	/* when in_container */
	bool in_container;
	bool exec_seen;			/* it ran a new program: start it over */
	bool old_gens;			/* it ran one before its last look: purge the old heap */
	double exec_at;			/* when leaktop heard of it (CLOCK_MONOTONIC seconds) */
	double relook_at;		/* look at it again then, for its libraries; 0: no */
	int64_t exec_gen;		/* its exec generation after the last exec seen; -1: none */
	uint64_t exec_ns;		/* when that exec was (the event's clock); 0: none seen */
	double started_at;		/* when it began its program, if after leaktop started; 0 */
	bool started_unprobed;		/* it ran before one of its allocators was probed */
	bool gone;			/* it exited or left the scope: to be purged */
	double exit_at;			/* when it exited (CLOCK_MONOTONIC seconds); 0 unknown */
	bool announce;			/* found while loaded: said once its tables are uploaded */
	int maps_err;			/* the last look could not read its mappings: -errno */
	void *state[LT_CONCERNS_MAX];	/* each concern's own, by the id registry__concern gave */
};

struct lt_concern {
	const char *name;	/* for -vv: which concern a failed look was */
	/* A look at a live process (at start, when found, after exec, for dlopen). 0 or -errno. */
	int (*look)(void *ctx, struct lt_proc_rec *p, const struct lt_maps *maps);
	/* Drop what the concern holds of the process; state[id] is cleared after. */
	void (*forget)(void *ctx, struct lt_proc_rec *p);
	/* Optional, for purges: forget many processes at once (the kernel maps' batch deletes). */
	void (*forget_many)(void *ctx, const pid_t *pids, size_t n);
	void *ctx;
};

struct lt_registry;

/* A registry of at most `max` processes. NULL on ENOMEM. */
struct lt_registry *registry__new(size_t max);
/* Every concern forgets every process first (not forget_many): free it before the concerns. */
void registry__free(struct lt_registry *reg);

/* Register a concern; looks and forgets call concerns in this order. Its id, or -ENOSPC. */
int registry__concern(struct lt_registry *reg, const struct lt_concern *c);

/* The record of `pid`, or NULL. Records stay where they are until removed. */
struct lt_proc_rec *registry__find(const struct lt_registry *reg, pid_t pid);
/*
 * Add an opened target (the registry takes its pidfd) and read its container. NULL on ENOMEM,
 * or -ENOSPC as errno when the registry is full.
 */
struct lt_proc_rec *registry__add(struct lt_registry *reg, const struct lt_target *t);
size_t registry__count(const struct lt_registry *reg);
bool registry__full(const struct lt_registry *reg);
/* The i-th record, in the order they were added (a removal moves the last one into its place). */
struct lt_proc_rec *registry__at(const struct lt_registry *reg, size_t i);

/*
 * Look at a live process: read its mappings once and hand them to every concern. Returns 0,
 * or the first concern's -errno (every concern still gets its look); -errno too when the
 * mappings cannot be read (the process is gone).
 */
int registry__look(struct lt_registry *reg, struct lt_proc_rec *p);
/* Every concern forgets the process; the record stays (a process that ran a new program). */
void registry__forget(struct lt_registry *reg, struct lt_proc_rec *p);
/* Forget and remove every record marked gone. Returns how many. */
size_t registry__purge_gone(struct lt_registry *reg);

#endif /* LEAKTOP_REGISTRY_H */
