// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procs.h"
#include "util.h"

struct lt_proc_ent *procs__find(struct lt_procs *ps, pid_t pid)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i].t.pid == pid)
			return &ps->v[i];
	}
	return NULL;
}

struct lt_proc_ent *procs__add(struct lt_procs *ps, const struct lt_target *t)
{
	if (lt_grow((void **)&ps->v, &ps->cap, ps->n, sizeof(*ps->v)))
		return NULL;
	memset(&ps->v[ps->n], 0, sizeof(ps->v[ps->n]));
	ps->v[ps->n].t = *t;
	return &ps->v[ps->n++];
}

void procs__remove(struct lt_procs *ps, size_t i)
{
	objects__free(&ps->v[i].objects);
	target__close(&ps->v[i].t);
	ps->v[i] = ps->v[--ps->n];
}

void procs__free(struct lt_procs *ps)
{
	while (ps->n)
		procs__remove(ps, ps->n - 1);
	free(ps->v);
	ps->v = NULL;
	ps->cap = 0;
}

void procs__read_container(struct lt_proc_ent *e)
{
	e->in_container = cgroup__container_of_pid(e->t.pid, &e->container);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
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
	qsort(l->v, l->n, sizeof(*l->v), cmp_pid);
	*pids = l->v;
	*n = l->n;
	return 0;
}

int procs__list_all(pid_t self, pid_t **pids, size_t *n)
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

int procs__list_cgroup(const char *abs_path, pid_t **pids, size_t *n)
{
	struct pid_list l = { 0 };
	int err = cgroup__walk(abs_path, read_procs, &l);

	if (err) {
		free(l.v);
		return err;
	}
	return finish(&l, pids, n);
}
