/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sampling step: one interval's counters, read from the kernel maps (through the
 * collector), the regions and /proc into plain arrays for the report model
 * (report.h). Everything the report model needs from the outside world is read here.
 */
#ifndef LEAKTOP_SAMPLE_H
#define LEAKTOP_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "report.h"

struct lt_collector;
struct lt_departed;
struct lt_regions;

/* A traced process, as the registry knows it. */
struct lt_sample_target {
	pid_t pid;
	const char *comm;
	bool exited;
	double exit_s;		/* exited: seconds after attach; < 0 when not known */
	bool go;
	bool v8;		/* it runs V8 (node): its memory is shown in parts */
	bool started_unprobed;	/* it ran before one of its allocators was probed */
	const char *container;	/* its container's name; NULL on the host */
};

struct lt_sample_sources {
	struct lt_collector *collector; /* sampled already (collector__sample) */
	struct lt_regions *regions;	/* NULL without mapping tracking */
	const struct lt_sample_target *targets;
	size_t ntargets;
	enum lt_scope_kind scope;	/* a scope keeps only processes with something to show */
	double now;			/* CLOCK_MONOTONIC seconds, the clock of bpf_ktime_get_ns */
	bool final;
	struct lt_departed *departed;	/* final: the processes kept after their exit; or NULL */
	bool costs;			/* the probes count what they cost (not with probes=empty) */
	uint64_t sample_bytes;		/* --sample-bytes: every process's interval without a budget */
	/*
	 * With a budget (--max-overhead): the interval in force for `pid` (*n) and whether its
	 * entries and frees alone exceed the budget; false for a process it does not know (then
	 * `sample_bytes`). NULL without a budget.
	 */
	bool (*budget_of)(void *ctx, pid_t pid, uint64_t *n, bool *at_floor);
	void *budget_ctx;
};

/* One sample: rows (with their raw stacks) and processes (with their memory). */
struct lt_sample {
	struct lt_row *rows;
	size_t nrows;
	struct lt_proc *procs;
	size_t nprocs, cap_procs;
};

/*
 * Read a sample, and point `in`'s rows, procs, stats, regions_dropped and exited_* at it; a
 * final one gets the processes kept after their exit too. The stacks stay valid until the
 * collector's next sample. 0 or -errno; sample__free() either way.
 */
int sample__take(const struct lt_sample_sources *src, struct lt_sample *s,
		 struct lt_report_input *in);
void sample__free(struct lt_sample *s);

/*
 * What process `pid` held when it exited, as rows, from what a purge deleted of it
 * (collector__purge) and its mapped regions (before they are purged too): counters since
 * attach, ages at its exit `exit_at` (CLOCK_MONOTONIC seconds), raw stacks. *rows to free.
 * 0 or -ENOMEM.
 */
struct lt_purged;
int sample__exited_rows(const struct lt_purged *got, struct lt_collector *c,
			struct lt_regions *regions, pid_t pid, double exit_at,
			struct lt_row **rows, size_t *n);

#endif /* LEAKTOP_SAMPLE_H */
