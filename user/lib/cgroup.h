/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cgroups: where the v2 hierarchy is mounted, which cgroup a process is in, the cgroup ids the
 * BPF side sees, and which container or Kubernetes pod a cgroup belongs to.
 *
 * bpf_get_current_cgroup_id() returns the kernfs id of a task's cgroup in the v2 hierarchy,
 * and name_to_handle_at() on a cgroup2 directory returns a handle whose 8 bytes are that id, so
 * user space maps ids to paths by walking the mount. cgroup v1 directories are kernfs too and
 * yield ids of the same shape, but from a hierarchy BPF never reports: only paths on the cgroup2
 * mount mean anything to the tracer. The /proc text parsed here is untrusted: cgroup names are
 * chosen by whoever may create cgroups, containers included.
 */
#ifndef LEAKTOP_CGROUP_H
#define LEAKTOP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LT_CGROUP_PATH_MAX 4096

struct lt_container {
	char runtime[16];	/* "docker", "containerd", "cri-o", "podman", or "" when the path
				 * does not say (a bare kubepods pod cgroup, cgroupfs kubelet) */
	char id[65];		/* the container id, 64 lowercase hex, or "" for a pod alone */
	char pod[40];		/* a Kubernetes pod uid in 8-4-4-4-12 form, or "" */
	char name[128];		/* for tables: "docker:0123456789ab", "k8s pod 1a2b3c4d",
				 * "k8s pod 1a2b3c4d/containerd:0123456789ab",
				 * "k8s pod 1a2b3c4d/0123456789ab" (runtime unknown) */
};

/*
 * The cgroup2 mount point, from the text of /proc/self/mountinfo. A mount of the hierarchy's
 * root is preferred over a bind mount of a subtree. Returns 0, -ENOENT (no cgroup2 mount) or
 * -ENAMETOOLONG (does not fit in buf).
 */
int cgroup__mount_from_mountinfo(const char *text, char *buf, size_t len);
/* The same for this process: 0 or -errno (-ENOENT: no cgroup2 mount). */
int cgroup__mount(char *buf, size_t len);

/*
 * The v2 path from the text of /proc/PID/cgroup (the "0::/a/b" line), relative to the mount,
 * e.g. "/system.slice/docker-<id>.scope". The " (deleted)" the kernel appends for a removed
 * cgroup is stripped. Returns 0, -ENOENT (no "0::" line) or -ENAMETOOLONG.
 */
int cgroup__parse_proc(const char *text, char *path, size_t len);
/* The same for a process: 0 or -errno (-ENOENT: no such process, or no v2 line). */
int cgroup__of_pid(pid_t pid, char *path, size_t len);

/*
 * The container or pod a cgroup path (v2 or v1, relative to its mount) names. Components are
 * scanned from the innermost outward and the innermost container wins (docker in docker);
 * runtime monitors (libpod-conmon-*, crio-conmon-*) are not containers and are skipped. Returns
 * true and fills *out when the path names a container or a pod; *out is untouched otherwise.
 */
bool cgroup__container(const char *path, struct lt_container *out);

/*
 * The container of a process, from the text of /proc/PID/cgroup: from the v2 path, else from
 * the first v1 line that names one (hybrid hosts with the cgroupfs driver keep containers in
 * v1 only).
 */
bool cgroup__container_of_text(const char *proc_cgroup_text, struct lt_container *out);
bool cgroup__container_of_pid(pid_t pid, struct lt_container *out);

/*
 * The id of the cgroup directory at abs_path, by name_to_handle_at(). Returns 0 or -errno;
 * -EOPNOTSUPP when the handle is not an 8-byte kernfs id (not a cgroup filesystem).
 */
int cgroup__id(const char *abs_path, uint64_t *id);

/*
 * Call fn for the cgroup at abs_path and then for every descendant, depth-first. Cgroups come
 * and go: a descendant that vanishes during the walk is skipped. Returns the first non-zero
 * value fn returns (the walk stops there), else 0, or -errno when the root cannot be read or a
 * descendant fails for another reason than having vanished.
 */
int cgroup__walk(const char *abs_path, int (*fn)(const char *abs_path, uint64_t id, void *arg),
		 void *arg);

/*
 * The absolute path of the cgroup with `id` under `mount`, found by walking. Returns 0,
 * -ENOENT (no such cgroup) or another -errno from the walk.
 */
int cgroup__path_of_id(const char *mount, uint64_t id, char *buf, size_t len);

/*
 * Resolve a --cgroup argument to the absolute path of a cgroup2 directory: a numeric id, a path
 * relative to the mount ("system.slice/x.scope", or "/system.slice/x.scope" as /proc/PID/cgroup
 * prints it) or an absolute path. An argument made only of digits is an id. Returns 0, or
 * -ENOENT / -EINVAL (or another -errno) after saying why with lt_err().
 */
int cgroup__resolve(const char *mount, const char *arg, char *abs_path, size_t len);

/*
 * Resolve --container PREFIX: the cgroup under `mount` whose container id starts with PREFIX
 * (1 to 64 hex characters, any case). A container may own nested cgroups (cri-o's
 * crio-<id>.scope/container); the shallowest is returned. Returns 0; -EINVAL (not hex); -ENOENT
 * (no match); -EEXIST (several containers match: the message lists up to 3 ids, 12 characters
 * each); or another -errno from the walk. Every error is said with lt_err(), in one line.
 */
int cgroup__find_container(const char *mount, const char *prefix, char *abs_path, size_t len);

#endif /* LEAKTOP_CGROUP_H */
