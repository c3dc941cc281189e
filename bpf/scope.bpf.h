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

/* -p: the processes being traced. */
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

static __always_inline bool lt_cgroup_in_scope(void)
{
	__u64 id = bpf_get_current_cgroup_id();

	return bpf_map_lookup_elem(&scope_cgroups, &id) != NULL;
}

/*
 * For uprobes. -p attaches them to the targets only, so there is nothing to check; a --cgroup
 * scope attaches them to its processes, and the cgroup check is a second guard (a process
 * that moved out since).
 */
static __always_inline bool lt_uprobe_tgid_in_scope(__u32 tgid)
{
	if (cfg_scope == LT_SCOPE_ALL)
		return tgid != cfg_self_tgid;
	if (cfg_scope == LT_SCOPE_CGROUP)
		return lt_cgroup_in_scope();
	return true;
}

/* The same, for a caller that has no use for the tgid otherwise (only --all reads it). */
static __always_inline bool lt_uprobe_in_scope(void)
{
	return lt_uprobe_tgid_in_scope(cfg_scope == LT_SCOPE_ALL ? lt_tgid() : 0);
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
