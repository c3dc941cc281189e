// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "leaktop.h"
#include "scope.h"
#include "util.h"

/* Processes a scope traces at once: sizes the per-process maps (beyond, they degrade, counted). */
#define LT_MAX_SCOPE_PROCS 4096
/* A scope looks at known processes' mappings (dlopen) this often. */
#define LT_REEXAMINE_S 10.0

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

bool scope__listed(const pid_t *pids, size_t n, pid_t pid)
{
	return n && bsearch(&pid, pids, n, sizeof(*pids), cmp_pid);
}

struct pid_list {
	pid_t *v;
	size_t n, cap;
	int err;
};

static void push(struct pid_list *l, pid_t pid)
{
	if (l->err)
		return;
	if (lt_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v))) {
		l->err = -ENOMEM;
		return;
	}
	l->v[l->n++] = pid;
}

static int finish(struct pid_list *l, pid_t **pids, size_t *n)
{
	if (l->err) {
		free(l->v);
		return l->err;
	}
	if (l->n) /* no pid pushed: no array either */
		qsort(l->v, l->n, sizeof(*l->v), cmp_pid);
	*pids = l->v;
	*n = l->n;
	return 0;
}

static int list_pids(pid_t self, pid_t **pids, size_t *n)
{
	struct pid_list l = { 0 };
	struct dirent *d;
	DIR *dir = opendir("/proc");

	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		push(&l, pid);
	}
	closedir(dir);
	return finish(&l, pids, n);
}

/* Read one cgroup's cgroup.procs into the list; a cgroup that vanished meanwhile has none. */
static int read_procs(const char *abs_path, uint64_t id, void *arg)
{
	struct pid_list *l = arg;
	char path[LT_CGROUP_PATH_MAX + 16], *text, *line, *save = NULL;

	(void)id;
	snprintf(path, sizeof(path), "%s/cgroup.procs", abs_path);
	text = read_file(path, NULL);
	if (!text)
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		long pid = strtol(line, NULL, 10);

		if (pid > 0)
			push(l, pid);
	}
	free(text);
	return l->err;
}

static int list_cgroup_pids(const char *abs_path, pid_t **pids, size_t *n)
{
	struct pid_list l = { 0 };
	int err = cgroup__walk(abs_path, read_procs, &l);

	if (err) {
		free(l.v);
		return err;
	}
	return finish(&l, pids, n);
}

/* --- --all ------------------------------------------------------------------------------ */

static int all_resolve(struct lt_target_scope *s, const struct lt_config *cfg)
{
	(void)cfg;
	snprintf(s->name, sizeof(s->name), "every user process");
	return 0;
}

static int all_list(const struct lt_target_scope *s, pid_t **pids, size_t *n)
{
	(void)s;
	return list_pids(getpid(), pids, n);
}

/* --- --cgroup, --container --------------------------------------------------------------- */

static int cgroup_resolve(struct lt_target_scope *s, const struct lt_config *cfg)
{
	const char *flag = cfg->cgroup ? "--cgroup" : "--container";
	struct lt_container c;
	const char *rel;
	int e;

	e = cgroup__mount(s->cgroup_mount, sizeof(s->cgroup_mount));
	if (e) {
		lt_err("%s needs cgroup v2, and no cgroup2 file system is mounted%s", flag,
		       e == -ENOENT ? "" : " (cannot read /proc/self/mountinfo)");
		return e;
	}
	if (cfg->cgroup)
		e = cgroup__resolve(s->cgroup_mount, cfg->cgroup, s->cgroup_path,
				    sizeof(s->cgroup_path));
	else
		e = cgroup__find_container(s->cgroup_mount, cfg->container, s->cgroup_path,
					   sizeof(s->cgroup_path));
	if (e)
		return e;
	rel = s->cgroup_path + strlen(s->cgroup_mount);
	if (cgroup__container(rel, &c))
		snprintf(s->name, sizeof(s->name), "%s", c.name);
	else
		snprintf(s->name, sizeof(s->name), "cgroup %s", *rel ? rel : "/");
	return 0;
}

static int cgroup_list(const struct lt_target_scope *s, pid_t **pids, size_t *n)
{
	return list_cgroup_pids(s->cgroup_path, pids, n);
}

struct id_walk {
	struct lt_target_scope *s;
	int fd;
};

static int add_cgroup_id(const char *abs_path, uint64_t id, void *arg)
{
	struct id_walk *w = arg;

	(void)abs_path;
	if (bpf_map_update_elem(w->fd, &id, &w->s->walk, BPF_ANY) && errno == E2BIG)
		lt_info(1, "more than %d cgroups under the scope: the rest are not traced",
			LT_MAX_SCOPE_CGROUPS);
	return 0;
}

/*
 * The ids of the scope's cgroups for the BPF check: its own and its descendants', new ones
 * too. Each id holds the number of the walk that last saw it; after a complete walk, the ids
 * of cgroups removed since are deleted, so that the map holds what exists now.
 */
static void cgroup_sync(struct lt_target_scope *s, int fd)
{
	struct id_walk w = { .s = s, .fd = fd };
	__u64 key, next, stale[256];
	size_t nstale = 0;
	__u8 walk;
	int err;

	s->walk = s->walk == UINT8_MAX ? 1 : s->walk + 1;
	if (cgroup__walk(s->cgroup_path, add_cgroup_id, &w))
		return; /* incomplete: keep every id */
	for (err = bpf_map_get_next_key(fd, NULL, &next); !err && nstale < ARRAY_SIZE(stale);
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		key = next;
		if (!bpf_map_lookup_elem(fd, &key, &walk) && walk != s->walk)
			stale[nstale++] = key;
	}
	for (size_t i = 0; i < nstale; i++)
		bpf_map_delete_elem(fd, &stale[i]);
}

/* --- -- COMMAND: the command, and every process it starts (added in BPF at fork) ----------- */

static int tree_resolve(struct lt_target_scope *s, const struct lt_config *cfg)
{
	const char *base = strrchr(cfg->command[0], '/');

	s->root = cfg->launched;
	snprintf(s->name, sizeof(s->name), "%s (pid %d) and the processes it starts",
		 base ? base + 1 : cfg->command[0], s->root);
	return 0;
}

/* The BPF side's `targets` once loaded (a process is in it from its fork to its exit). */
static int tree_list(const struct lt_target_scope *s, pid_t **pids, size_t *n)
{
	struct pid_list l = { 0 };
	__u32 key, next;
	bool have = false;

	if (s->tree_fd < 0) {
		push(&l, s->root);
		return finish(&l, pids, n);
	}
	while (!bpf_map_get_next_key(s->tree_fd, have ? &key : NULL, &next)) {
		key = next;
		have = true;
		push(&l, key);
	}
	return finish(&l, pids, n);
}

static const struct lt_scope_ops scope_pids = {
	.kind = LT_SCOPE_KIND_PIDS,
	.bpf_scope = LT_SCOPE_PIDS,
	.links = LT_LINKS_PID,
	.max_procs = LT_MAX_TARGETS,
	.strict = true,
	.eager_names = true,
};

static const struct lt_scope_ops scope_all = {
	.kind = LT_SCOPE_KIND_ALL,
	.bpf_scope = LT_SCOPE_ALL,
	.max_procs = LT_MAX_SCOPE_PROCS,
	.follows = true,
	.links = LT_LINKS_SHARED,
	.reexamine_s = LT_REEXAMINE_S,
	.resolve = all_resolve,
	.list = all_list,
};

static const struct lt_scope_ops scope_cgroup = {
	.kind = LT_SCOPE_KIND_CGROUP,
	.bpf_scope = LT_SCOPE_CGROUP,
	.links = LT_LINKS_AUTO,
	.max_procs = LT_MAX_SCOPE_PROCS,
	.follows = true,
	.eager_names = true,
	.reexamine_s = LT_REEXAMINE_S,
	.resolve = cgroup_resolve,
	.list = cgroup_list,
	.sync = cgroup_sync,
};

static const struct lt_scope_ops scope_tree = {
	.kind = LT_SCOPE_KIND_LAUNCH,
	.bpf_scope = LT_SCOPE_TREE,
	.max_procs = LT_MAX_SCOPE_PROCS,
	.follows = true,
	.keeps_exited = true,
	.links = LT_LINKS_SHARED,
	.reexamine_s = LT_REEXAMINE_S,
	.resolve = tree_resolve,
	.list = tree_list,
};

int scope__init(struct lt_target_scope *s, const struct lt_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->tree_fd = -1;
	s->ops = cfg->all ? &scope_all : cfg->cgroup || cfg->container ? &scope_cgroup
		 : cfg->command ? &scope_tree : &scope_pids;
	return s->ops->resolve ? s->ops->resolve(s, cfg) : 0;
}
