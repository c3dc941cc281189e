// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfi.h"
#include "elfobj.h"
#include "leaktop.h"
#include "objects.h"
#include "procmaps.h"
#include "debuginfo.h"
#include "unwind_tables.h"
#include "util.h"

struct object {
	char key[96];		/* "b:<build id>" or "i:<dev>:<ino>" */
	struct lt_unwind_row *rows; /* until uploaded */
	size_t nrows;
	uint32_t first;		/* in the rows map, once uploaded */
	bool uploaded;
	bool no_room;
};

/* A process's mapping before upload: which object it shows. */
struct pmap {
	uint64_t start, end, bias;
	size_t obj;
};

struct proc {
	pid_t pid;
	uint64_t signature;	/* of its executable mappings, to skip unchanged scans */
	struct pmap *maps;
	size_t n;
	bool dirty;		/* its array must be (re)written to the kernel */
};

struct lt_unwind {
	struct object *objs;
	size_t nobjs, cap_objs;
	struct proc *procs;
	size_t nprocs, cap_procs;
	size_t next_row;	/* first free row in the kernel's map */
	size_t pending;		/* rows built and not yet uploaded */
	size_t max_rows;	/* the most the rows map may hold */
	__u32 gen;		/* the last generation written to a process entry */
	double build_s;
};

struct lt_unwind *unwind__new(size_t max_rows)
{
	struct lt_unwind *u = calloc(1, sizeof(struct lt_unwind));

	if (u)
		u->max_rows = max_rows;
	return u;
}

void unwind__free(struct lt_unwind *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nobjs; i++)
		free(u->objs[i].rows);
	for (size_t i = 0; i < u->nprocs; i++)
		free(u->procs[i].maps);
	free(u->objs);
	free(u->procs);
	free(u);
}

static struct proc *proc_get(struct lt_unwind *u, pid_t pid)
{
	for (size_t i = 0; i < u->nprocs; i++) {
		if (u->procs[i].pid == pid)
			return &u->procs[i];
	}
	if (lt_grow((void **)&u->procs, &u->cap_procs, u->nprocs, sizeof(*u->procs)))
		return NULL;
	memset(&u->procs[u->nprocs], 0, sizeof(*u->procs));
	u->procs[u->nprocs].pid = pid;
	return &u->procs[u->nprocs++];
}

/* FNV over the executable file mappings: a change means a new scan is worth it. */
static uint64_t signature(const struct lt_maps *m)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < m->n; i++) {
		const struct lt_vma *v = &m->vmas[i];

		if (!v->x || !procmaps__is_file(v))
			continue;
		h = (h ^ v->start) * 0x100000001b3ULL;
		h = (h ^ v->inode) * 0x100000001b3ULL;
	}
	return h;
}

/*
 * The separate debug file of a build id, inside the process's root (never leading out of it)
 * or on this host, checked to be that build's.
 */
static Elf *open_debug(pid_t pid, const char *build_id, int *fd)
{
	char root[64];
	int root_fd;
	Elf *elf;

	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	*fd = debuginfo__open_build_id(root_fd, build_id);
	if (root_fd >= 0)
		close(root_fd);
	if (*fd < 0)
		return NULL;
	elf = elf_begin(*fd, ELF_C_READ, NULL);
	if (!elf) {
		close(*fd);
		*fd = -1;
	}
	return elf;
}

/* Find the object of an open ELF, or build its rows. Returns its index, or -errno. */
static long object_of(struct lt_unwind *u, pid_t pid, struct lt_elf *e, const struct lt_vma *v)
{
	char build_id[80], key[96];
	struct lt_cfi_stats st;
	struct object *o;
	Elf *debug = NULL;
	int dfd = -1, err;
	double t0;

	if (!elfobj__build_id(e, build_id, sizeof(build_id)))
		snprintf(key, sizeof(key), "b:%s", build_id);
	else
		snprintf(key, sizeof(key), "i:%u:%u:%" PRIu64, v->dev_major, v->dev_minor, v->inode);
	for (size_t i = 0; i < u->nobjs; i++) {
		if (!strcmp(u->objs[i].key, key))
			return i;
	}
	if (lt_grow((void **)&u->objs, &u->cap_objs, u->nobjs, sizeof(*u->objs)))
		return -ENOMEM;
	o = &u->objs[u->nobjs];
	memset(o, 0, sizeof(*o));
	snprintf(o->key, sizeof(o->key), "%s", key);
	if (key[0] == 'b')
		debug = open_debug(pid, build_id, &dfd);
	t0 = now_mono();
	err = cfi__build_rows(elfobj__elf(e), debug, NULL, &o->rows, &o->nrows, &st);
	u->build_s += now_mono() - t0;
	if (debug)
		elf_end(debug);
	if (dfd >= 0)
		close(dfd);
	/* Said once: the object keeps its key, without rows, and is not built again. */
	if (err == -E2BIG)
		lt_warn("%s: its CFI has more than %zu %s, leaktop's bound per object (corrupt or "
			"crafted?): walked by frame pointers there",
			v->path, st.limit, cfi__bound_name(st.exceeded));
	else if (err)
		lt_info(1, "pid %d: no unwind table for %s: %s", pid, v->path, strerror(-err));
	else if (st.bad_fdes)
		lt_warn("%s: %zu of its FDEs are malformed or name a CIE that is not there "
			"(corrupt or crafted?): walked by frame pointers there",
			v->path, st.bad_fdes);
	/* Built rows wait for the next sync: never more than the rows map could take. */
	if (!err && o->nrows && u->next_row + u->pending + o->nrows > u->max_rows) {
		lt_warn("%s: its %zu unwind rows do not fit with the %zu built before it (the rows "
			"map holds %zu): walked by frame pointers there",
			v->path, o->nrows, u->next_row + u->pending, u->max_rows);
		free(o->rows);
		o->rows = NULL;
		o->no_room = o->uploaded = true;
	} else {
		u->pending += o->nrows;
	}
	if (!err)
		lt_info(2, "pid %d: %s: %zu unwind rows from %zu FDEs (%zu from .debug_frame), "
			"%zu unsupported, %zu malformed", pid, v->path, o->nrows, st.fdes,
			st.debug_frame_fdes, st.unsupported, st.bad_fdes);
	return u->nobjs++;
}

static int cmp_pmap(const void *a, const void *b)
{
	const struct pmap *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int unwind__scan_maps(struct lt_unwind *u, pid_t pid, const struct lt_maps *mp)
{
	const struct lt_maps m = *mp;
	struct pmap *maps = NULL;
	struct proc *p;
	size_t n = 0;
	uint64_t sig;
	int err = 0;

	p = proc_get(u, pid);
	sig = signature(&m);
	if (!p || (p->maps && p->signature == sig) || !m.n)
		return p ? 0 : -ENOMEM;
	maps = calloc(m.n, sizeof(*maps));
	if (!maps)
		return -ENOMEM;
	for (size_t i = 0; i < m.n && n < LT_MAX_UNWIND_MAPS; i++) {
		const struct lt_vma *v = &m.vmas[i];
		char *path;
		struct lt_elf *e;
		uint64_t bias;
		long obj;

		if (!v->x || !procmaps__is_file(v))
			continue;
		path = objects__open_path(pid, v);
		e = path ? elfobj__open(path) : NULL;
		free(path);
		if (!e)
			continue; /* not an ELF we can read: frame pointers there */
		obj = elfobj__bias(e, v->start, v->offset, &bias) ? -ENOENT
								    : object_of(u, pid, e, v);
		elfobj__close(e);
		if (obj == -ENOMEM) {
			err = -ENOMEM;
			break;
		}
		if (obj < 0)
			continue;
		maps[n++] = (struct pmap){ v->start, v->end, bias, obj };
	}
	if (err) {
		free(maps);
		return err;
	}
	qsort(maps, n, sizeof(*maps), cmp_pmap);
	free(p->maps);
	p->maps = maps;
	p->n = n;
	p->signature = sig;
	p->dirty = true;
	return 0;
}

size_t unwind__rows_needed(const struct lt_unwind *u)
{
	size_t rows = 0;

	for (size_t i = 0; i < u->nobjs; i++)
		rows += u->objs[i].uploaded ? 0 : u->objs[i].nrows;
	return u->next_row + rows;
}

/* Write an object's rows at u->next_row, if they fit. */
static int upload(struct lt_unwind *u, struct object *o, int rows_fd, size_t max_rows)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys;
	__u32 count = o->nrows;
	int err = 0;

	o->uploaded = true;
	u->pending -= o->nrows;
	if (!o->nrows)
		return 0;
	if (u->next_row + o->nrows > max_rows) {
		o->no_room = true;
		lt_warn("the unwind rows map is full: an object of %zu rows is walked by frame "
			"pointers (raise --config unwind-rows)", o->nrows);
		goto out;
	}
	keys = malloc(o->nrows * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < o->nrows; i++)
		keys[i] = u->next_row + i;
	if (bpf_map_update_batch(rows_fd, keys, o->rows, &count, &opts))
		err = -errno;
	free(keys);
	if (err)
		return err;
	o->first = u->next_row;
	u->next_row += o->nrows;
out:
	free(o->rows);
	o->rows = NULL;
	return 0;
}

static int write_proc(struct lt_unwind *u, struct proc *p, int procs_fd)
{
	struct lt_unwind_proc *val = calloc(1, sizeof(*val));
	__u32 key = p->pid;
	int err = 0;

	if (!val)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		const struct object *o = &u->objs[p->maps[i].obj];
		struct lt_unwind_map *m = &val->maps[val->n++];

		m->start = p->maps[i].start;
		m->end = p->maps[i].end;
		m->bias = p->maps[i].bias;
		if (!o->no_room) {
			m->first = o->first;
			m->count = o->nrows;
		}
	}
	/* A new generation: rows a thread cached under the old entry are not used again. */
	val->gen = ++u->gen ? u->gen : ++u->gen;
	/* A full map leaves this process to frame pointers, like an object without room. */
	if (bpf_map_update_elem(procs_fd, &key, val, BPF_ANY) && errno != E2BIG)
		err = -errno;
	free(val);
	p->dirty = false;
	return err;
}

int unwind__sync(struct lt_unwind *u, int rows_fd, int procs_fd, size_t max_rows)
{
	int err = 0;

	for (size_t i = 0; i < u->nobjs && !err; i++) {
		if (!u->objs[i].uploaded)
			err = upload(u, &u->objs[i], rows_fd, max_rows);
	}
	for (size_t i = 0; i < u->nprocs && !err; i++) {
		if (u->procs[i].dirty)
			err = write_proc(u, &u->procs[i], procs_fd);
	}
	return err;
}

void unwind__forget(struct lt_unwind *u, int procs_fd, pid_t pid)
{
	__u32 key = pid;

	for (size_t i = 0; i < u->nprocs; i++) {
		if (u->procs[i].pid != pid)
			continue;
		bpf_map_delete_elem(procs_fd, &key);
		free(u->procs[i].maps);
		u->procs[i] = u->procs[--u->nprocs];
		return;
	}
}

void unwind__stats(const struct lt_unwind *u, struct lt_unwind_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < u->nobjs; i++) {
		st->objects++;
		st->objects_no_cfi += !u->objs[i].nrows;
		st->objects_no_room += u->objs[i].no_room;
	}
	st->rows = u->next_row;
	st->procs = u->nprocs;
	st->bytes = st->rows * sizeof(struct lt_unwind_row) + st->procs * sizeof(struct lt_unwind_proc);
	st->build_s = u->build_s;
}
