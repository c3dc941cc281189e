/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A trace session: the options, the scope, the process registry and one handle per pipeline
 * stage. main.c runs its lifecycle; attach/follow.c keeps its processes current,
 * attach/allocators.c probes their allocators, attach/loader.c loads and attaches the BPF
 * side.
 */
#ifndef LEAKTOP_SESSION_H
#define LEAKTOP_SESSION_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "check.h"
#include "cli.h"
#include "cost.h"
#include "frames.h"
#include "probes.h"
#include "scope.h"
#include "selfcost.h"
#include "term.h"

struct leaktop_bpf;
struct lt_collector;
struct lt_departed;
struct lt_events;
struct lt_history;
struct lt_launch;
struct lt_object_cache;
struct lt_overhead;
struct lt_proc_rec;
struct lt_python;
struct lt_v8;
struct lt_regions;
struct lt_registry;
struct lt_symbolizer;
struct lt_top;
struct lt_unwind;

/* A process the kernel said started (fork, exec), and when (CLOCK_MONOTONIC seconds). */
struct lt_found {
	pid_t pid;
	double at;
	int64_t exec_gen;	/* the exec generation of its last exec the kernel told of; -1 */
};

/* The stacks of purged processes are collected at most this often (seconds). */
#define LT_STACKS_GC_S 1.0

struct lt_session {
	struct lt_config cfg;
	struct lt_target_scope scope;
	struct lt_registry *reg;
	int allocators_id;		/* the allocator concern's slot in each record */
	struct lt_object_cache *objcache;
	size_t objects_attached;	/* shared probes: distinct allocator files attached */
	enum lt_links links;		/* how allocator files are probed: LT_LINKS_AUTO is --cgroup's
					   choice per file */
	struct lt_object_list system_libs; /* the host's allocator libraries probed at start */
	struct leaktop_bpf *skel;
	struct lt_probes *probes;
	enum lt_attach_mode mode;
	struct lt_collector *collector;
	struct lt_symbolizer *symbolizer;
	struct lt_python *python;	/* NULL with --config python=off */
	struct lt_v8 *v8;		/* NULL with --config javascript=off */
	struct lt_frames frames;	/* names stacks: the symbolizer's and Python's */
	struct lt_unwind *unwind;	/* NULL with --unwind fp */
	size_t unwind_rows_max;
	struct lt_history *history;
	struct lt_regions *regions;	/* NULL with --no-heap */
	struct lt_departed *departed;	/* a scope's processes kept after their exit; or NULL */
	struct lt_events *events;
	FILE *json;
	double start, last, next_scan, next_reexamine;
	uint64_t start_ns;		/* attach, CLOCK_REALTIME */
	struct lt_found *found;		/* new processes the kernel told of (fork, exec), to look at */
	size_t nfound, cap_found;
	struct lt_selfcost self;
	struct lt_trap_cost trap;	/* what a trap costs here, measured at attach (calibrate.c) */
	struct lt_overhead *budget;	/* --max-overhead (overhead.c), or NULL */
	bool loaded;			/* the BPF programs are in: attach as processes are found */
	double attached_at;		/* when attaching was done (now_mono()); 0 before */
	struct lt_http *http;		/* --prometheus's endpoint, or NULL */
	struct lt_launch *launch;	/* -- COMMAND: the command leaktop started, or NULL */
	char host[64];			/* this host's name, for labels and file names */
	double next_pprof;		/* --pprof-dir: when the next profile is due */
	bool stacks_gc_due;		/* processes were purged: their stacks may be free */
	double next_gc;			/* no collection of stacks before this (now_mono()) */
	uint64_t stack_full_seen;	/* stack_map_full at the last collection of stacks */
	struct lt_check check;		/* --fail-on: what purged processes held at their exit */
	int check_rc;			/* --fail-on's verdict on the final report (exitcode.h) */
	struct lt_top *top;		/* the interactive view on a terminal, or NULL (piped) */
	struct lt_term term;		/* its terminal, while it is on */
};

/* attach/follow.c: the processes of the session, as they come and go. */
int follow__start(struct lt_session *s);	/* find them (before load); 0 or -errno */
void follow__arm(struct lt_session *s);		/* start the clocks, from s->start */
void follow__service(struct lt_session *s);	/* act on events and the clock */
void follow__settle(struct lt_session *s);	/* act on the kernel's news of forks and execs now */
double follow__next(const struct lt_session *s); /* when service() next has work */
void follow__reexamine(struct lt_session *s);	/* every process's mappings again */
void follow__restart(struct lt_session *s, pid_t pid); /* it ran a new program: start over */
bool follow__all_exited(const struct lt_session *s);
int follow__sync_python(struct lt_session *s);	/* after load: the Python processes found */
int follow__sync_v8(struct lt_session *s);	/* ... and the node processes */
struct lt_event;
void follow__on_event(void *ctx, const struct lt_event *ev); /* the process events' callback */

/* attach/allocators.c: the allocator concern (objects found, probes attached) per process. */
int allocators__register(struct lt_session *s);
int allocators__attach(struct lt_session *s, struct lt_proc_rec *p);
/*
 * With shared links: probe the host's allocator libraries (objects__system_allocators()) now,
 * so that a program started later runs probed from its first instruction. 0 or -errno, said.
 */
int allocators__attach_system(struct lt_session *s);
/*
 * -- COMMAND: probe the file the command will run when it has an allocator of its own (a
 * static executable), before it runs. 0 or -errno, said.
 */
int allocators__attach_command(struct lt_session *s, const char *file);
bool allocators__is_go(const struct lt_session *s, const struct lt_proc_rec *p);
/* The allocator objects leaktop found in a process (for the announce line). */
const struct lt_object_list *allocators__objects(const struct lt_session *s,
						 const struct lt_proc_rec *p);
/* An events hook: whether a mapping's stack passes through the process's allocator. */
bool allocators__in_allocator(void *ctx, pid_t pid, const __u64 *ips, uint32_t n);
/* -p with --per-call: an error unless some process maps the binary. */
int allocators__check_per_call(const struct lt_session *s);

/* attach/announce.c: what is traced, through what, once attached (stderr). */
void announce__attached(const struct lt_session *s);

/* attach/loader.c: the unwind tables, the BPF object, the links. 0 or -errno, said. */
int loader__build_unwind(struct lt_session *s);
int loader__load(struct lt_session *s);
int loader__sync_unwind(struct lt_session *s);
int loader__attach(struct lt_session *s);

#endif /* LEAKTOP_SESSION_H */
