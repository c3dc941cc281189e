/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which processes are traced, asked first by every program so that the rest pay as little as
 * possible. Uprobes are also filtered by pid at attach where the scope allows (-p, and each
 * process of a --cgroup scope): a process outside them then takes no trap at all.
 */
#ifndef LEAKTOP_SCOPE_BPF_H
#define LEAKTOP_SCOPE_BPF_H

const volatile __u32 cfg_scope = LT_SCOPE_PIDS; /* enum lt_scope */
const volatile __u32 cfg_self_tgid = 0;		/* leaktop, never traced */

/* -p: the processes being traced; leaktop -- COMMAND: the command and its descendants. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64); /* resized by user space */
	__type(key, __u32);
	__type(value, __u32);
} targets SEC(".maps");

/* --cgroup: the ids of the scope's cgroups, its own and every descendant's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024); /* resized by user space */
	__type(key, __u64);
	__type(value, __u8);
} scope_cgroups SEC(".maps");

static __always_inline __u32 lt_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

/*
 * The exec generation of the current process: the low bits of its task's self_exec_id, which
 * each exec increments and fork copies (every thread of a process has its leader's).
 */
static __always_inline __u32 lt_exec_gen(void)
{
	return (__u32)bpf_get_current_task_btf()->self_exec_id;
}

static __always_inline bool lt_cgroup_in_scope(void)
{
	__u64 id = bpf_get_current_cgroup_id();

	return bpf_map_lookup_elem(&scope_cgroups, &id) != NULL;
}

/*
 * For uprobes. -p attaches them to the targets only, so there is nothing to check. A --cgroup
 * scope's links are either for its processes (the cgroup check is then a second guard, for a
 * process that moved out since) or for every process that maps a file, as --all's and a
 * launched command's are: then this check is the scope.
 */
static __always_inline bool lt_uprobe_tgid_in_scope(__u32 tgid)
{
	if (cfg_scope == LT_SCOPE_ALL)
		return tgid != cfg_self_tgid;
	if (cfg_scope == LT_SCOPE_CGROUP)
		return lt_cgroup_in_scope();
	if (cfg_scope == LT_SCOPE_TREE)
		return bpf_map_lookup_elem(&targets, &tgid) != NULL;
	return true;
}

/* For tracepoints, which fire in every process. */
static __always_inline bool lt_traced(__u32 tgid)
{
	if (cfg_scope == LT_SCOPE_ALL)
		return tgid != cfg_self_tgid;
	if (cfg_scope == LT_SCOPE_CGROUP)
		return lt_cgroup_in_scope();
	return bpf_map_lookup_elem(&targets, &tgid) != NULL;
}

#endif /* LEAKTOP_SCOPE_BPF_H */
