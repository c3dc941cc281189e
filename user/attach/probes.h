/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Probe attachment: the allocator functions of one object in one process, at the offsets the
 * planner chose, through the cheapest kind of link the kernel offers. Links live here until
 * probes__free() detaches them all.
 */
#ifndef LEAKTOP_PROBES_H
#define LEAKTOP_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "objects.h"

struct leaktop_bpf;
struct lt_probes;

enum lt_attach_mode {
	LT_ATTACH_AUTO,
	LT_ATTACH_SESSION, /* one uprobe session link per object (kernel 6.13) */
	LT_ATTACH_MULTI,   /* uprobe_multi entry and return links per object (kernel 6.6) */
	LT_ATTACH_PERF,	   /* a perf-event uprobe and uretprobe per function */
};

const char *probes__mode_name(enum lt_attach_mode m);
/* Parse "auto", "session", "multi" or "perf". 0 or -EINVAL. */
int probes__parse_mode(const char *s, enum lt_attach_mode *m);

/*
 * Before load: resolve LT_ATTACH_AUTO to the best mode this kernel has, check that a named
 * mode exists, and give each program the attach type the mode needs. 0, or -EOPNOTSUPP
 * after lt_err().
 */
int probes__prepare(struct leaktop_bpf *skel, enum lt_attach_mode want, enum lt_attach_mode *mode);

/* `plan_offsets`: probe where the planner says; false probes every function at +0. */
struct lt_probes *probes__new(struct leaktop_bpf *skel, enum lt_attach_mode mode,
			      bool plan_offsets);
/* Detach everything. NULL-safe. */
void probes__free(struct lt_probes *p);

/*
 * Attach to every allocator function `o` defines, for process `pid` only, or for every
 * process that maps the file when `pid` is LT_ALL_PIDS. Functions that share an address
 * (glibc's memalign and aligned_alloc) are probed once. On failure nothing of this object
 * stays attached, and the error names the object and what failed; except when `pid` has
 * exited (its paths no longer resolve): then -ESRCH, unsaid, for the caller to say or not.
 */
#define LT_ALL_PIDS 0
int probes__attach_object(struct lt_probes *p, pid_t pid, const struct lt_object *o);

/*
 * Probe PyObject_Free and PyMem_Free themselves in `pid`, where `o` probes pymalloc's free
 * behind them (o->py.free) but the process reaches another free through them (PYTHONMALLOC's
 * debug hooks, -X dev, tracemalloc): single-stepped traps, but every block the process
 * frees is seen with the address it was given. A block freed twice over is harmless: the
 * second probe finds it gone.
 */
int probes__attach_pyfree_forwarders(struct lt_probes *p, pid_t pid, const struct lt_object *o);

/*
 * Keep a link made elsewhere (calibrate.c), to be detached with the others. On failure the
 * link is detached at once and -ENOMEM comes back.
 */
struct bpf_link;
int probes__keep_fd(struct lt_probes *p, int fd);
int probes__keep_link(struct lt_probes *p, struct bpf_link *l);

/* Detach every probe attached for `pid` alone (it exited, or ran a new program). */
void probes__detach_pid(struct lt_probes *p, pid_t pid);

/* Functions probed, over all objects and processes. */
size_t probes__count(const struct lt_probes *p);

/* Before load: load only the syscall programs that will be attached. */
void probes__select_syscalls(struct leaktop_bpf *skel, bool sockets, bool mmap);

/* Attach the syscall tracepoints for sockets and for mappings. 0 or -errno, with a message. */
int probes__attach_syscalls(struct lt_probes *p, bool sockets, bool mmap);

/* Attach the process tracepoints (fork, exec, exit) that keep the process table current. */
int probes__attach_proc_events(struct lt_probes *p);

/*
 * --per-call: count calls of `func` in the object at `open_path` (shown as `path`) in `pid`,
 * probed where the planner says. 0 or -errno, with a message; -ESRCH, unsaid, when `pid` has
 * exited.
 */
int probes__attach_per_call(struct lt_probes *p, pid_t pid, const char *open_path,
			    const char *path, const char *func);

#endif /* LEAKTOP_PROBES_H */
