/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which processes a session traces: the ones named with -p, every user process (--all), or
 * the processes of a cgroup subtree (--cgroup, --container). The policy is chosen once, as
 * an ops table; the rest of leaktop reads its properties instead of asking which scope it is.
 */
#ifndef LEAKTOP_SCOPE_H
#define LEAKTOP_SCOPE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "report.h"

/* Cgroups a --cgroup scope may span: the size of the BPF check's map. */
#define LT_MAX_SCOPE_CGROUPS 4096

struct lt_config;
struct lt_target_scope;

struct lt_scope_ops {
	enum lt_scope_kind kind;
	int bpf_scope;		/* enum lt_scope (leaktop.h), for the BPF programs' check */
	size_t max_procs;	/* processes traced at once: sizes the per-process maps */
	bool follows;		/* finds processes as they come and go (fork, exec, rescans) */
	bool strict;		/* a named process leaktop cannot trace is an error */
	bool keeps_exited;	/* an exited process stays until the final report (not purged) */
	enum lt_links links;	/* how allocator files are probed (cli.h), unless the user chose */
	/*
	 * Names every process at each look (else only once a report named it): one that exits
	 * between two reports is still named in the final report. Not for a host's thousands.
	 */
	bool eager_names;
	double reexamine_s;	/* known processes' mappings looked at again; 0: each interval */
	/* Resolve the scope's cgroup and name: 0, or -errno with the reason said. NULL: none. */
	int (*resolve)(struct lt_target_scope *s, const struct lt_config *cfg);
	/* The processes in the scope now, a sorted array to free: 0 or -errno. NULL: fixed. */
	int (*list)(const struct lt_target_scope *s, pid_t **pids, size_t *n);
	/* Keep the BPF check's cgroup ids current. NULL: nothing to keep. */
	void (*sync)(struct lt_target_scope *s, int scope_cgroups_fd);
};

struct lt_target_scope {
	const struct lt_scope_ops *ops;
	char cgroup_mount[LT_CGROUP_PATH_MAX];
	char cgroup_path[LT_CGROUP_PATH_MAX];	/* --cgroup, --container: the scope's cgroup */
	char name[LT_NAME_MAX];			/* how the summary names the scope */
	__u8 walk;				/* the cgroup walk that last saw each id */
	pid_t root;				/* -- COMMAND: the command's process */
	int tree_fd;				/* -- COMMAND: the BPF side's `targets` once
						   loaded, the processes of the tree; else -1 */
};

/* Choose the scope from the options and resolve it. 0, or -errno with the reason said. */
int scope__init(struct lt_target_scope *s, const struct lt_config *cfg);
/* Whether `pid` is in a list that ops->list gave (sorted). */
bool scope__listed(const pid_t *pids, size_t n, pid_t pid);

#endif /* LEAKTOP_SCOPE_H */
