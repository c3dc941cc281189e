/* SPDX-License-Identifier: GPL-2.0 */
/* Target processes: checking a pid is traceable, watching for its exit, reading its RSS. */
#ifndef LEAKTOP_TARGET_H
#define LEAKTOP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lt_target {
	pid_t pid;		/* the thread group id */
	char comm[17];
	int pidfd;		/* readable once the process has exited; -1 if unsupported or unused */
	bool exited;
	uint64_t start_time;	/* /proc/PID/stat's starttime: a reused pid has another */
	/*
	 * When comm began to be read (CLOCK_MONOTONIC seconds): an exec the kernel dates from
	 * then on may have come after the name, and after what a look read since.
	 */
	double named_at;
};

/*
 * Check that `pid` is a live user process and fill `t`. A thread id is taken to mean its
 * process. Returns 0, or -ESRCH (no such process, or it has exited), -EINVAL (a kernel
 * thread), -EACCES, after saying why with lt_err().
 */
int target__open(struct lt_target *t, pid_t pid);

/*
 * The same for a process a scope found (--all, --cgroup): no pidfd (there may be thousands;
 * exits come from the kernel's events and rescans), and silent: a scope passes over kernel
 * threads and processes gone meanwhile, so only the -errno says what happened.
 */
int target__open_found(struct lt_target *t, pid_t pid);
void target__close(struct lt_target *t);

/* Poll whether the process is gone; sets t->exited. */
bool target__exited(struct lt_target *t);

/*
 * After reading or attaching to t's process failed (-p): whether it failed because the process
 * has exited since leaktop found it (gone, or a zombie). Then it says so, with lt_err(): "pid
 * 42 (app) exited before leaktop could attach", and the caller says nothing more and returns
 * -ESRCH. Otherwise it says nothing, and the caller reports its own error.
 */
bool target__exited_early(struct lt_target *t);

/*
 * Whether `pid` is a live process: not gone, not a zombie. For the modules that hold a pid
 * only (probes), to tell "the process is gone" from a real failure.
 */
bool target__pid_alive(pid_t pid);

/* Resident set size in bytes, from /proc/PID/statm. 0 or -errno. */
int target__rss(pid_t pid, uint64_t *bytes);

/* RSS and anonymous memory in bytes, from /proc/PID/smaps_rollup. 0 or -errno. */
int target__memory(pid_t pid, uint64_t *rss, uint64_t *anon);

/*
 * The same from /proc/PID/status's counters: no page-table walk, for scopes of many processes.
 * 0 or -errno.
 */
int target__memory_fast(pid_t pid, uint64_t *rss, uint64_t *anon);

#endif /* LEAKTOP_TARGET_H */
