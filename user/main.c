// SPDX-License-Identifier: GPL-2.0
/*
 * leaktop: attach to running processes and show which stacks hold memory and sockets, and how
 * they grow. This file is the lifecycle: check, find, load, attach, poll, report, clean up;
 * and, with a scope (--all, --cgroup, --container), following processes as they come and go.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "collector.h"
#include "diff.h"
#include "events.h"
#include "history.h"
#include "leaktop.skel.h"
#include "objects.h"
#include "output.h"
#include "preflight.h"
#include "probes.h"
#include "procs.h"
#include "regions.h"
#include "report.h"
#include "sampler.h"
#include "symbolizer.h"
#include "target.h"
#include "unwind_tables.h"
#include "util.h"

/* Mappings kept over all processes, and open sockets tracked. */
#define LT_MAX_REGIONS (1 << 20)
#define LT_MAX_SOCKETS (1 << 16)
/* Processes a scope traces at once: sizes the per-process maps (beyond, they degrade, counted). */
#define LT_MAX_SCOPE_PROCS 4096
/* Cgroups a --cgroup scope may span. */
#define LT_MAX_SCOPE_CGROUPS 4096
/* A scope looks for new processes this often, and at known ones' mappings (dlopen) less. */
#define LT_RESCAN_S 2.0
#define LT_REEXAMINE_S 10.0
/* A process that ran a new program is looked at this long after, once its libraries are in. */
#define LT_EXEC_SETTLE_S 0.2

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int verbosity;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if ((level == LIBBPF_WARN && verbosity < 1) || (level == LIBBPF_INFO && verbosity < 2) ||
	    (level == LIBBPF_DEBUG && verbosity < 3))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

struct session {
	struct lt_config cfg;
	enum lt_scope_kind scope;
	char cgroup_mount[LT_CGROUP_PATH_MAX];
	char cgroup_path[LT_CGROUP_PATH_MAX];	/* --cgroup, --container: the scope's cgroup */
	char scope_name[LT_NAME_MAX];		/* how the summary names the scope */
	struct lt_procs procs;
	struct lt_object_cache *objcache;
	size_t objects_attached;		/* --all: distinct allocator files attached */
	__u8 cgroup_walk;			/* --cgroup: the walk that last saw each id */
	struct leaktop_bpf *skel;
	struct lt_probes *probes;
	enum lt_attach_mode mode;
	struct lt_collector *collector;
	struct lt_symbolizer *symbolizer;
	struct lt_unwind *unwind; /* NULL with --unwind fp */
	size_t unwind_rows_max;
	struct lt_history *history;
	struct lt_regions *regions; /* NULL with --no-heap */
	struct lt_events *events;
	FILE *json;
	double start, last, next_scan, next_reexamine;
	uint64_t start_ns;	/* attach, CLOCK_REALTIME */
	pid_t *found;		/* new processes the kernel told of (fork, exec), to look at */
	size_t nfound, cap_found;
	uint64_t purged_procs, purged_allocs;
	double cpu_at, cpu_secs;	/* leaktop's own CPU time, at the previous report */
	bool loaded;		/* the BPF programs are in: attach as processes are found */
};

static size_t max_procs(const struct session *s)
{
	return s->scope == LT_SCOPE_KIND_PIDS ? LT_MAX_TARGETS : LT_MAX_SCOPE_PROCS;
}

/* Rows map size: what the tables need now, with room for objects mapped later. */
static size_t rows_map_size(const struct lt_config *cfg, size_t needed)
{
	size_t rows = needed * 2 > needed + (1 << 18) ? needed * 2 : needed + (1 << 18);

	if (cfg->unwind_rows)
		return cfg->unwind_rows;
	return rows > (1 << 25) ? 1 << 25 : rows;
}

static int sync_unwind_tables(struct session *s)
{
	int err;

	if (!s->unwind)
		return 0;
	err = unwind__sync(s->unwind, bpf_map__fd(s->skel->maps.unwind_rows),
			   bpf_map__fd(s->skel->maps.unwind_procs), s->unwind_rows_max);
	if (err)
		lt_err("failed to load the unwind tables into the kernel: %s", strerror(-err));
	return err;
}

/* --- The scope ------------------------------------------------------------------------ */

/* --cgroup, --container: which cgroup. 0, or -1 with the reason said. */
static int resolve_scope(struct session *s)
{
	char err[512];
	int e;

	if (s->cfg.all) {
		s->scope = LT_SCOPE_KIND_ALL;
		snprintf(s->scope_name, sizeof(s->scope_name), "every user process");
		return 0;
	}
	if (!s->cfg.cgroup && !s->cfg.container) {
		s->scope = LT_SCOPE_KIND_PIDS;
		return 0;
	}
	s->scope = LT_SCOPE_KIND_CGROUP;
	e = cgroup__mount(s->cgroup_mount, sizeof(s->cgroup_mount));
	if (e) {
		lt_err("%s needs cgroup v2, and no cgroup2 file system is mounted%s",
		       s->cfg.cgroup ? "--cgroup" : "--container",
		       e == -ENOENT ? "" : " (cannot read /proc/self/mountinfo)");
		return -1;
	}
	if (s->cfg.cgroup)
		e = cgroup__resolve(s->cgroup_mount, s->cfg.cgroup, s->cgroup_path,
				    sizeof(s->cgroup_path), err, sizeof(err));
	else
		e = cgroup__find_container(s->cgroup_mount, s->cfg.container, s->cgroup_path,
					   sizeof(s->cgroup_path), err, sizeof(err));
	if (e) {
		lt_err("%s", err);
		return -1;
	}
	{
		struct lt_container c;
		const char *rel = s->cgroup_path + strlen(s->cgroup_mount);

		if (cgroup__container(rel, &c))
			snprintf(s->scope_name, sizeof(s->scope_name), "%s", c.name);
		else
			snprintf(s->scope_name, sizeof(s->scope_name), "cgroup %s", *rel ? rel : "/");
	}
	return 0;
}

static int add_cgroup_id(const char *abs_path, uint64_t id, void *arg)
{
	struct session *s = arg;

	(void)abs_path;
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.scope_cgroups), &id, &s->cgroup_walk,
				BPF_ANY) &&
	    errno == E2BIG)
		lt_info(1, "more than %d cgroups under the scope: the rest are not traced",
			LT_MAX_SCOPE_CGROUPS);
	return 0;
}

/*
 * The ids of the scope's cgroups for the BPF check: its own and its descendants', new ones
 * too. Each id holds the number of the walk that last saw it; after a complete walk, the ids
 * of cgroups removed since are deleted, so that the map holds what exists now.
 */
static void sync_scope_cgroups(struct session *s)
{
	int fd = bpf_map__fd(s->skel->maps.scope_cgroups);
	__u64 key, next, stale[256];
	size_t nstale = 0;
	__u8 walk;
	int err;

	if (s->scope != LT_SCOPE_KIND_CGROUP)
		return;
	s->cgroup_walk = s->cgroup_walk == UINT8_MAX ? 1 : s->cgroup_walk + 1;
	if (cgroup__walk(s->cgroup_path, add_cgroup_id, s))
		return; /* incomplete: keep every id */
	for (err = bpf_map_get_next_key(fd, NULL, &next); !err && nstale < ARRAY_SIZE(stale);
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		key = next;
		if (!bpf_map_lookup_elem(fd, &key, &walk) && walk != s->cgroup_walk)
			stale[nstale++] = key;
	}
	for (size_t i = 0; i < nstale; i++)
		bpf_map_delete_elem(fd, &stale[i]);
}

/* --- Processes ------------------------------------------------------------------------ */

/*
 * Find a process's allocator objects. With -p, a process leaktop cannot trace is an error
 * (no allocator, unless it is a Go program); a scope passes such processes over.
 */
/*
 * Its allocator objects now. Those it had before keep their `probed` mark, so that a second
 * look attaches only what is new (a library loaded since).
 */
static int examine(struct session *s, struct lt_proc_ent *e)
{
	struct lt_object_list old = e->objects;
	struct lt_maps maps;
	int err;

	e->objects = (struct lt_object_list){ 0 };
	e->go = false;
	if (!s->cfg.heap) {
		objects__free(&old);
		return 0;
	}
	err = procmaps__read(e->t.pid, &maps);
	if (err) {
		e->objects = old;
		if (s->scope != LT_SCOPE_KIND_PIDS)
			return 0; /* gone meanwhile */
		lt_err("cannot read /proc/%d/maps: %s", e->t.pid, strerror(-err));
		return -1;
	}
	err = objects__find_allocators(e->t.pid, &maps, s->objcache, &e->objects);
	for (size_t k = 0; k < e->objects.n; k++)
		e->objects.v[k].probed = objects__probed_in(&old, &e->objects.v[k]);
	objects__free(&old);
	if (err == -ENOENT && objects__is_go(e->t.pid)) {
		e->go = true;
		err = 0;
		if (s->scope == LT_SCOPE_KIND_PIDS)
			lt_info(0, "pid %d (%s) is a Go program: Go's heap is its own, not malloc's, so "
				"leaktop does not trace it; its sockets and mappings are traced",
				e->t.pid, e->t.comm);
	} else if (err == -ENOENT && s->scope == LT_SCOPE_KIND_PIDS) {
		char searched[256];

		objects__searched(&maps, searched, sizeof(searched));
		lt_err("no allocator found in pid %d (%s): no object it maps defines malloc "
		       "and free (searched: %s; leaktop knows glibc, musl, jemalloc, "
		       "tcmalloc, any library that exports malloc, and static executables)",
		       e->t.pid, e->t.comm, searched);
	} else if (err == -ENOENT) {
		err = 0; /* nothing to probe here; its sockets and mappings are still traced */
	} else if (err) {
		lt_err("cannot inspect the objects of pid %d: %s", e->t.pid, strerror(-err));
	}
	procmaps__free(&maps);
	if (err && s->scope != LT_SCOPE_KIND_PIDS) {
		lt_info(1, "pid %d (%s): %s", e->t.pid, e->t.comm, strerror(-err));
		return 0;
	}
	return err ? -1 : 0;
}

/* --per-call BINARY:FUNCTION in one process, when it maps BINARY. Returns 1 when attached. */
static int attach_per_call(struct session *s, pid_t pid)
{
	char *spec = strdup(s->cfg.per_call), *func;
	const struct lt_vma *v;
	struct lt_maps maps;
	char *path = NULL;
	int ret = 0;

	if (!spec)
		return -ENOMEM;
	func = strrchr(spec, ':');
	*func++ = '\0';
	if (!procmaps__read(pid, &maps)) {
		v = objects__find_mapped(&maps, spec);
		path = v ? objects__open_path(pid, v) : NULL;
		if (path)
			ret = probes__attach_per_call(s->probes, pid, path, v->path, func) ?: 1;
		procmaps__free(&maps);
	}
	free(path);
	free(spec);
	return ret;
}

/*
 * Probe a process's allocator objects: for it alone (-p, --cgroup), or, with --all, each file
 * once for every process that maps it.
 */
static int attach_proc(struct session *s, struct lt_proc_ent *e)
{
	struct lt_maps maps;
	bool fresh = false;

	for (size_t k = 0; k < e->objects.n; k++)
		fresh |= !e->objects.v[k].probed;
	/*
	 * Where its allocator functions are, to tell the mappings they make from the program's;
	 * again only when it maps an allocator object it did not before (a second look at an
	 * unchanged process costs no maps read and no ELF opened).
	 */
	if (s->events && fresh && !procmaps__read(e->t.pid, &maps)) {
		struct lt_range ranges[64];
		size_t n = objects__alloc_ranges(&maps, &e->objects, ranges, ARRAY_SIZE(ranges));

		events__set_ranges(s->events, e->t.pid, ranges, n);
		procmaps__free(&maps);
	}
	for (size_t k = 0; k < e->objects.n; k++) {
		struct lt_object *o = &e->objects.v[k];
		int err = 0;

		if (o->probed)
			continue; /* seen at an earlier look */
		if (s->scope == LT_SCOPE_KIND_ALL) {
			/* Each file once for every process: another process may have brought it. */
			if (!objects__cache_attached(s->objcache, o)) {
				err = probes__attach_object(s->probes, LT_ALL_PIDS, o);
				if (!err) {
					objects__cache_set_attached(s->objcache, o);
					s->objects_attached++;
					if (s->loaded)
						lt_info(0, "probing %s allocator %s, found in pid %d (%s)",
							objects__family_name(o->family), o->path,
							e->t.pid, e->t.comm);
				}
			}
		} else {
			err = probes__attach_object(s->probes, e->t.pid, o);
			if (!err)
				lt_info(1, "pid %d (%s): probing %s allocator %s", e->t.pid,
					e->t.comm, objects__family_name(o->family), o->path);
		}
		if (err && s->scope == LT_SCOPE_KIND_PIDS)
			return -1;
		o->probed = !err;
	}
	if (s->cfg.per_call && s->scope != LT_SCOPE_KIND_ALL && !e->per_call) {
		int r = attach_per_call(s, e->t.pid);

		/* With -p, a function that is not there is an error; a scope passes over it. */
		if (r < 0 && s->scope == LT_SCOPE_KIND_PIDS)
			return -1;
		e->per_call = r > 0;
	}
	return 0;
}

/* A process found by a scope: open it, look at it, and once loaded, attach and table it. */
static void add_found(struct session *s, pid_t pid)
{
	struct lt_proc_ent *e;
	struct lt_target t;
	char why[256];

	if (procs__find(&s->procs, pid) || s->procs.n >= max_procs(s))
		return;
	if (target__open_found(&t, pid, why, sizeof(why)))
		return; /* a kernel thread, or gone already */
	e = procs__add(&s->procs, &t);
	if (!e)
		return;
	procs__read_container(e);
	examine(s, e);
	if (s->loaded) {
		attach_proc(s, e);
		if (s->unwind)
			unwind__scan(s->unwind, pid);
		if (s->scope == LT_SCOPE_KIND_CGROUP)
			lt_info(0, "tracing pid %d (%s), new in %s", pid, e->t.comm, s->scope_name);
		else
			lt_info(1, "tracing pid %d (%s), new", pid, e->t.comm);
	}
}

static int cmp_pid_t(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

static int list_scope(struct session *s, pid_t **pids, size_t *n)
{
	if (s->scope == LT_SCOPE_KIND_ALL)
		return procs__list_all(getpid(), pids, n);
	return procs__list_cgroup(s->cgroup_path, pids, n);
}

/* The processes of the scope now: new ones added, vanished ones marked gone. */
static void scan_scope(struct session *s)
{
	pid_t *pids = NULL;
	size_t n = 0;

	if (s->scope == LT_SCOPE_KIND_PIDS)
		return;
	sync_scope_cgroups(s);
	if (list_scope(s, &pids, &n))
		return;
	for (size_t i = 0; i < n; i++)
		add_found(s, pids[i]);
	for (size_t i = 0; i < s->procs.n; i++) {
		struct lt_proc_ent *e = &s->procs.v[i];
		pid_t key = e->t.pid;

		/* Not in the scope's list any more: exited (an event may have been lost), or moved out. */
		if (!bsearch(&key, pids, n, sizeof(*pids), cmp_pid_t) || target__exited(&e->t))
			e->gone = true;
	}
	free(pids);
	sync_unwind_tables(s);
}

/* Known processes' mappings again: libraries loaded since (dlopen), for probes and names. */
static void reexamine(struct session *s)
{
	for (size_t i = 0; i < s->procs.n; i++) {
		struct lt_proc_ent *e = &s->procs.v[i];

		if (e->gone || e->t.exited)
			continue;
		if (s->scope != LT_SCOPE_KIND_PIDS && s->cfg.heap) {
			examine(s, e);
			attach_proc(s, e);
		}
		if (s->scope == LT_SCOPE_KIND_PIDS || symbolizer__knows(s->symbolizer, e->t.pid))
			symbolizer__refresh(s->symbolizer, e->t.pid);
		if (s->unwind)
			unwind__scan(s->unwind, e->t.pid);
	}
	sync_unwind_tables(s);
}

/* What the kernel tells of the processes, as they go (events__drain calls this). */
static void on_proc_event(void *ctx, const struct lt_event *ev)
{
	struct session *s = ctx;
	struct lt_proc_ent *e = procs__find(&s->procs, ev->tgid);

	switch (ev->type) {
	case LT_EV_EXIT:
		if (e) {
			e->t.exited = true;
			e->gone = s->scope != LT_SCOPE_KIND_PIDS;
		}
		break;
	case LT_EV_EXEC:
	case LT_EV_FORK:
		if (e && ev->type == LT_EV_EXEC) {
			e->exec_seen = true;
			e->exec_at = now_mono();
		}
		/* A process new to the table: a scope looks at it at once. */
		if (e || s->scope == LT_SCOPE_KIND_PIDS)
			break;
		if (!lt_grow((void **)&s->found, &s->cap_found, s->nfound, sizeof(*s->found)))
			s->found[s->nfound++] = ev->tgid;
		break;
	}
}

/* All but the collector's maps of a process: its links, regions, ranges, unwind rows, names. */
static void forget_proc(struct session *s, pid_t pid)
{
	probes__detach_pid(s->probes, pid);
	if (s->regions)
		regions__purge(s->regions, pid);
	if (s->events)
		events__forget(s->events, pid);
	if (s->unwind)
		unwind__forget(s->unwind, bpf_map__fd(s->skel->maps.unwind_procs), pid);
	symbolizer__forget(s->symbolizer, pid);
}

/* Forget everything of the processes marked gone: kernel maps, tables, names, links. */
static void purge_gone(struct session *s)
{
	uint32_t *tgids = calloc(s->procs.n + 1, sizeof(*tgids));
	uint64_t allocs = 0;
	size_t n = 0;

	if (!tgids)
		return;
	for (size_t i = 0; i < s->procs.n; i++) {
		if (s->procs.v[i].gone)
			tgids[n++] = s->procs.v[i].t.pid;
	}
	if (n && !collector__purge(s->collector, tgids, n, &allocs))
		s->purged_allocs += allocs;
	for (size_t i = s->procs.n; i-- > 0;) {
		struct lt_proc_ent *e = &s->procs.v[i];

		if (!e->gone)
			continue;
		lt_info(1, "pid %d (%s) is gone: its entries are purged", e->t.pid, e->t.comm);
		forget_proc(s, e->t.pid);
		procs__remove(&s->procs, i);
		s->purged_procs++;
	}
	free(tgids);
}

/*
 * A process that ran a new program: what it held is gone with its old address space, and its
 * objects may be others. Purge it, then look at it and attach again.
 */
static void restart_proc(struct session *s, struct lt_proc_ent *e)
{
	uint32_t tgid = e->t.pid;
	uint64_t allocs = 0;
	char why[256];
	struct lt_target t;

	e->exec_seen = false;
	if (!collector__purge(s->collector, &tgid, 1, &allocs))
		s->purged_allocs += allocs;
	forget_proc(s, tgid);
	/* Its links are gone: everything found from here on is probed anew. */
	objects__free(&e->objects);
	e->per_call = false;
	/* Its name and start time (a new program keeps both pid and starttime, not comm). */
	if (!target__open_found(&t, tgid, why, sizeof(why))) {
		memcpy(e->t.comm, t.comm, sizeof(t.comm));
		target__close(&t);
	}
	procs__read_container(e);
	examine(s, e);
	attach_proc(s, e);
	if (s->unwind) {
		unwind__scan(s->unwind, tgid);
		sync_unwind_tables(s);
	}
	if (s->scope == LT_SCOPE_KIND_PIDS)
		symbolizer__refresh(s->symbolizer, tgid);
	/* Said once it is attached: a caller may wait for this line. */
	lt_info(s->scope == LT_SCOPE_KIND_ALL ? 1 : 0,
		"pid %d ran a new program (%s): its old heap is gone; tracing the new one", tgid,
		e->t.comm);
}

/* Act on what the process events and the clock say: new, exec'd and gone processes. */
static void service(struct session *s)
{
	double now = now_mono();

	for (size_t i = 0; i < s->nfound; i++)
		add_found(s, s->found[i]);
	if (s->nfound)
		sync_unwind_tables(s);
	s->nfound = 0;
	for (size_t i = 0; i < s->procs.n; i++) {
		struct lt_proc_ent *e = &s->procs.v[i];

		if (e->exec_seen && !e->gone && now - e->exec_at >= LT_EXEC_SETTLE_S)
			restart_proc(s, e);
	}
	if (s->scope != LT_SCOPE_KIND_PIDS && now >= s->next_scan) {
		scan_scope(s);
		s->next_scan = now + LT_RESCAN_S;
	}
	if (now >= s->next_reexamine) {
		reexamine(s);
		s->next_reexamine = now + (s->scope == LT_SCOPE_KIND_PIDS ? s->cfg.interval_s
									 : LT_REEXAMINE_S);
	}
	purge_gone(s);
}

/* The next time service() has something to do. */
static double next_service(const struct session *s)
{
	double t = s->scope == LT_SCOPE_KIND_PIDS ? INFINITY : s->next_scan;

	t = fmin(t, s->next_reexamine);
	for (size_t i = 0; i < s->procs.n; i++) {
		if (s->procs.v[i].exec_seen)
			t = fmin(t, s->procs.v[i].exec_at + LT_EXEC_SETTLE_S);
	}
	return t;
}

/* -p: the processes named, each checked; any error is fatal. */
static int open_targets(struct session *s)
{
	char err[256];

	for (int i = 0; i < s->cfg.npids; i++) {
		struct lt_target t;

		if (target__open(&t, s->cfg.pids[i], err, sizeof(err))) {
			lt_err("%s", err);
			return -1;
		}
		if (procs__find(&s->procs, t.pid)) {
			target__close(&t); /* named twice, or a thread and its process */
			continue;
		}
		if (!procs__add(&s->procs, &t)) {
			target__close(&t);
			lt_err("out of memory");
			return -1;
		}
		procs__read_container(&s->procs.v[s->procs.n - 1]);
	}
	return 0;
}

/* Before load: the processes there are, their objects, and their unwind tables. */
static int find_processes(struct session *s)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int err;

	s->objcache = objects__cache_new();
	if (!s->objcache)
		return -1;
	if (s->scope == LT_SCOPE_KIND_PIDS) {
		if (open_targets(s))
			return -1;
		for (size_t i = 0; i < s->procs.n; i++) {
			if (examine(s, &s->procs.v[i]))
				return -1;
		}
		return 0;
	}
	err = list_scope(s, &pids, &n);
	if (err) {
		lt_err("cannot list the processes of %s: %s", s->scope_name, strerror(-err));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		add_found(s, pids[i]);
	free(pids);
	if (s->scope == LT_SCOPE_KIND_CGROUP && !s->procs.n)
		lt_info(0, "%s has no process yet: leaktop waits for them", s->scope_name);
	return 0;
}

/* Build the unwind tables of every process before load: they size the rows map. */
static int build_unwind_tables(struct session *s)
{
	if (s->cfg.unwind == LT_UNWIND_FP)
		return 0;
	s->unwind = unwind__new();
	if (!s->unwind)
		return -1;
	for (size_t i = 0; i < s->procs.n; i++) {
		int err = unwind__scan(s->unwind, s->procs.v[i].t.pid);

		if (err && s->cfg.unwind == LT_UNWIND_DWARF && s->scope == LT_SCOPE_KIND_PIDS) {
			lt_err("cannot build unwind tables for pid %d: %s", s->procs.v[i].t.pid,
			       strerror(-err));
			return -1;
		}
	}
	if (s->cfg.unwind == LT_UNWIND_DWARF && s->scope == LT_SCOPE_KIND_PIDS &&
	    !unwind__rows_needed(s->unwind)) {
		lt_err("--unwind dwarf: no object of the traced processes has CFI (.eh_frame)");
		return -1;
	}
	s->unwind_rows_max = rows_map_size(&s->cfg, unwind__rows_needed(s->unwind));
	return 0;
}

static int load_bpf(struct session *s)
{
	struct leaktop_bpf *skel;
	size_t procs = max_procs(s);
	char why[256];
	int err;

	s->skel = skel = leaktop_bpf__open();
	if (!skel) {
		lt_err("failed to open the BPF object: %s", strerror(errno));
		return -1;
	}
	if (probes__prepare(skel, s->cfg.attach, &s->mode, why, sizeof(why))) {
		lt_err("%s", why);
		return -1;
	}
	probes__select_syscalls(skel, s->cfg.sockets, s->cfg.heap);
	skel->rodata->cfg_sample_bytes = s->cfg.sample_bytes;
	skel->rodata->cfg_empty = s->cfg.empty_probes;
	skel->rodata->cfg_no_stacks = s->cfg.no_stacks;
	skel->rodata->cfg_unwind_cfi = s->unwind != NULL;
	skel->rodata->cfg_scope = s->scope == LT_SCOPE_KIND_ALL	   ? LT_SCOPE_ALL
				  : s->scope == LT_SCOPE_KIND_CGROUP ? LT_SCOPE_CGROUP
								     : LT_SCOPE_PIDS;
	skel->rodata->cfg_self_tgid = getpid();
	sampler__exp_table((uint32_t *)skel->rodata->cfg_exp_q16);
	bpf_map__set_max_entries(skel->maps.unwind_rows, s->unwind ? s->unwind_rows_max : 1);
	bpf_map__set_max_entries(skel->maps.unwind_procs, procs);
	bpf_map__set_max_entries(skel->maps.allocs, s->cfg.max_allocs);
	bpf_map__set_max_entries(skel->maps.stacks, s->cfg.max_stacks);
	/* Room for every stack, plus each process's [stack unavailable] row. */
	bpf_map__set_max_entries(skel->maps.totals, s->cfg.max_stacks + procs);
	bpf_map__set_max_entries(skel->maps.sock_totals, s->cfg.max_stacks + procs);
	bpf_map__set_max_entries(skel->maps.sockets, LT_MAX_SOCKETS);
	bpf_map__set_max_entries(skel->maps.targets, LT_MAX_TARGETS);
	bpf_map__set_max_entries(skel->maps.scope_cgroups, LT_MAX_SCOPE_CGROUPS);
	bpf_map__set_max_entries(skel->maps.calls, procs);
	err = leaktop_bpf__load(skel);
	if (err) {
		lt_err("failed to load the BPF programs: %s%s", strerror(-err),
		       verbosity < 1 ? " (-v shows libbpf's log)" : "");
		return -1;
	}
	for (size_t i = 0; s->scope == LT_SCOPE_KIND_PIDS && i < s->procs.n; i++) {
		__u32 tgid = s->procs.v[i].t.pid, one = 1;

		bpf_map_update_elem(bpf_map__fd(skel->maps.targets), &tgid, &one, BPF_ANY);
	}
	sync_scope_cgroups(s);
	return 0;
}

static int attach(struct session *s)
{
	int per_call = 0;

	s->probes = probes__new(s->skel, s->mode, !s->cfg.entry_offsets);
	if (!s->probes)
		return -1;
	/* The process events first, so that no process found from here on is missed. */
	if (probes__attach_proc_events(s->probes))
		return -1;
	for (size_t i = 0; i < s->procs.n; i++) {
		struct lt_proc_ent *e = &s->procs.v[i];

		if (attach_proc(s, e))
			return -1;
	}
	if (probes__attach_syscalls(s->probes, s->cfg.sockets, s->cfg.heap))
		return -1;
	s->loaded = true;
	if (s->cfg.per_call && s->scope == LT_SCOPE_KIND_PIDS) {
		for (size_t i = 0; i < s->procs.n; i++)
			per_call += s->procs.v[i].per_call;
		if (!per_call) {
			char *spec = strdup(s->cfg.per_call);

			if (spec)
				*strrchr(spec, ':') = '\0';
			lt_err("--per-call: no traced process maps %s", spec ? spec : "it");
			free(spec);
			return -1;
		}
	}
	return 0;
}

/* The mapping and process events' source, and what tells the allocator's own mappings apart. */
static int start_events(struct session *s)
{
	if (s->cfg.heap) {
		s->regions = regions__new(LT_MAX_REGIONS);
		if (!s->regions) {
			lt_err("out of memory");
			return -1;
		}
	}
	s->events = events__new(bpf_map__fd(s->skel->maps.events), s->regions, s->collector,
				on_proc_event, s);
	if (!s->events) {
		lt_err("cannot read the kernel's events: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static bool all_exited(struct session *s)
{
	if (s->scope != LT_SCOPE_KIND_PIDS)
		return false; /* a scope waits for processes to come */
	for (size_t i = 0; i < s->procs.n; i++) {
		if (!target__exited(&s->procs.v[i].t))
			return false;
	}
	return true;
}

/*
 * Sleep until `deadline`, a signal, or the exit of every target, applying events as they come
 * and looking after the processes when service() is due.
 */
static void wait_until(struct session *s, double deadline)
{
	struct pollfd pfds[LT_MAX_TARGETS + 1];
	int n = 0;

	for (size_t i = 0; s->scope == LT_SCOPE_KIND_PIDS && i < s->procs.n; i++) {
		if (!s->procs.v[i].t.exited && s->procs.v[i].t.pidfd >= 0)
			pfds[n++] = (struct pollfd){ .fd = s->procs.v[i].t.pidfd, .events = POLLIN };
	}
	pfds[n++] = (struct pollfd){ .fd = events__fd(s->events), .events = POLLIN };
	while (!stop_signal) {
		double now, left;

		events__drain(s->events);
		if (now_mono() >= next_service(s) || s->nfound)
			service(s);
		now = now_mono();
		left = fmin(deadline, next_service(s)) - now;
		if (deadline - now <= 0 || all_exited(s))
			return;
		/* Wake at least every second to notice targets without a pidfd. */
		poll(pfds, n, (int)ceil(fmax(0.001, fmin(left, 1.0)) * 1000));
	}
}

/* What the adapters below get from out__write_file(): the report and the writer's options. */
struct profile_arg {
	const struct lt_report *r;
	const void *opts;
};

static int write_folded(FILE *f, const void *arg)
{
	const struct profile_arg *a = arg;

	return out_folded__write(f, a->r, *(const enum lt_profile_value *)a->opts);
}

static int write_svg(FILE *f, const void *arg)
{
	const struct profile_arg *a = arg;

	return out_svg__write(f, a->r, a->opts);
}

static int write_pprof(FILE *f, const void *arg)
{
	const struct profile_arg *a = arg;

	return out_pprof__write(f, a->r);
}

/* The files written at exit: folded stacks, the flame graph, the pprof profile. */
static int write_profiles(struct session *s, const struct lt_report *r)
{
	enum lt_profile_value folded_of = s->cfg.folded_growth ? LT_PROFILE_GROWTH
							       : LT_PROFILE_OUTSTANDING;
	struct lt_svg_opts svg = {
		.what = s->cfg.svg_growth ? LT_PROFILE_GROWTH : LT_PROFILE_OUTSTANDING,
	};
	const struct {
		const char *path, *what;
		lt_writer_fn write;
		const void *arg;
	} files[] = {
		{ s->cfg.folded_path, "folded stacks", write_folded, &folded_of },
		{ s->cfg.svg_path, "a flame graph", write_svg, &svg },
		{ s->cfg.pprof_path, "a pprof profile", write_pprof, NULL },
	};
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct profile_arg arg = { r, files[i].arg };
		int e;

		if (!files[i].path)
			continue;
		e = out__write_file(files[i].path, files[i].write, &arg);
		if (e)
			lt_err("failed to write %s: %s", files[i].path, strerror(-e));
		else
			lt_info(0, "wrote %s to %s", files[i].what, files[i].path);
		err = err ?: e;
	}
	return err;
}

/* leaktop's own CPU since the previous report, memory, and its BPF maps' memory. */
static void self_cost(struct session *s, struct lt_self *out)
{
	struct rusage ru;
	double now = now_mono(), secs;
	struct bpf_map *map;
	uint64_t rss = 0;

	getrusage(RUSAGE_SELF, &ru);
	secs = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
	if (now > s->cpu_at)
		out->cpu_pct = 100 * (secs - s->cpu_secs) / (now - s->cpu_at);
	s->cpu_at = now;
	s->cpu_secs = secs;
	if (!target__rss(getpid(), &rss))
		out->rss = rss;
	bpf_object__for_each_map(map, s->skel->obj) {
		char path[64], *text, *line;
		int fd = bpf_map__fd(map);

		if (fd < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		text = read_file(path, NULL);
		line = text ? strstr(text, "memlock:") : NULL;
		if (line)
			out->bpf_bytes += strtoull(line + 8, NULL, 10);
		free(text);
	}
	out->purged_procs = s->purged_procs;
	out->purged_allocs = s->purged_allocs;
	out->procs_seen = s->procs.n;
	out->objects = s->objects_attached;
}

static int report(struct session *s, bool final)
{
	bool profiles = final && (s->cfg.folded_path || s->cfg.svg_path || s->cfg.pprof_path);
	struct lt_table_opts opts = {
		.top_n = s->cfg.top_n,
		.frames = s->cfg.table_frames,
		.exact = s->cfg.exact_bytes,
		.redraw = isatty(STDOUT_FILENO),
	};
	struct lt_report_target *targets = calloc(s->procs.n + 1, sizeof(*targets));
	double now = now_mono();
	struct lt_report_sources src = {
		.collector = s->collector,
		.regions = s->regions,
		.symbolizer = s->symbolizer,
		.history = s->history,
		.targets = targets,
		.ntargets = s->procs.n,
		.scope = s->scope,
		.group_by = s->cfg.group_by,
		.now = now,
		.top_n = s->cfg.top_n,
		.all_frames = profiles || s->json,
		.sort_outstanding = s->cfg.sort_outstanding,
		.per_call = s->cfg.per_call ? strrchr(s->cfg.per_call, ':') + 1 : NULL,
		.final = final,
	};
	struct lt_report r;
	double baseline;
	int err;

	if (!targets) {
		lt_err("out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->procs.n; i++) {
		const struct lt_proc_ent *e = &s->procs.v[i];

		targets[i] = (struct lt_report_target){
			.pid = e->t.pid,
			.comm = e->t.comm,
			.exited = e->t.exited,
			.go = e->go,
			.container = e->in_container ? e->container.name : NULL,
		};
	}
	events__drain(s->events);
	err = collector__sample(s->collector);
	if (err) {
		lt_err("failed to read the kernel maps: %s", strerror(-err));
		free(targets);
		return err;
	}
	err = report__build(&r, &src);
	free(targets);
	if (err) {
		lt_err("failed to build the report: %s", strerror(-err));
		report__free(&r);
		return err;
	}
	r.elapsed_s = now - s->start;
	r.start_ns = s->start_ns;
	if (history__has_baseline(s->history, &baseline))
		r.baseline_s = baseline - s->start;
	r.interval_s = now - s->last;
	r.final = final;
	r.no_heap = !s->cfg.heap;
	r.no_sockets = !s->cfg.sockets;
	r.sample_bytes = s->cfg.sample_bytes;
	r.scope_name = s->scope == LT_SCOPE_KIND_PIDS ? NULL : s->scope_name;
	if (s->unwind) {
		struct lt_unwind_stats u;

		unwind__stats(s->unwind, &u);
		r.unwind_rows = u.rows;
		r.unwind_bytes = u.bytes;
	}
	self_cost(s, &r.self);
	s->last = now;
	err = out_table__write(stdout, &r, &opts);
	if (s->json && out_json__write(s->json, &r)) {
		lt_err("failed to write %s", s->cfg.json_path);
		err = err ?: -EIO;
	}
	if (profiles) {
		int e = write_profiles(s, &r);

		err = err ?: e;
	}
	report__free(&r);
	return err;
}

static int trace(struct session *s)
{
	double end = s->cfg.duration_s ? s->start + s->cfg.duration_s : INFINITY;
	double next = s->start + s->cfg.interval_s;

	while (!stop_signal) {
		wait_until(s, fmin(next, end));
		if (stop_signal || now_mono() >= end)
			break;
		if (all_exited(s)) {
			lt_info(0, "every traced process has exited");
			break;
		}
		if (report(s, false))
			return -1;
		next += s->cfg.interval_s;
		if (next < now_mono())
			next = now_mono() + s->cfg.interval_s;
	}
	for (size_t i = 0; i < s->procs.n; i++)
		target__exited(&s->procs.v[i].t);
	events__drain(s->events);
	reexamine(s);
	return report(s, true) ? -1 : 0;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: poll() must return so the loop sees the signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void announce(struct session *s)
{
	const char *side = !s->cfg.heap ? " (heap off)" : !s->cfg.sockets ? " (sockets off)" : "";

	if (s->scope == LT_SCOPE_KIND_PIDS) {
		for (size_t i = 0; i < s->procs.n; i++) {
			const struct lt_proc_ent *e = &s->procs.v[i];

			fprintf(stderr, "leaktop: tracing pid %d (%s)", e->t.pid, e->t.comm);
			for (size_t k = 0; k < e->objects.n; k++)
				fprintf(stderr, "%s %s", k ? "," : " through", e->objects.v[k].path);
			fprintf(stderr, "%s%s\n", e->go ? " (a Go program: sockets and mappings)" : "",
				side);
		}
	} else {
		size_t files = 0, allocators = 0, in = 0;

		objects__cache_counts(s->objcache, &files, &allocators);
		for (size_t i = 0; i < s->procs.n; i++)
			in += s->procs.v[i].objects.n > 0;
		fprintf(stderr, "leaktop: tracing %s%s%s: %zu processes, %zu with an allocator "
			"leaktop probes (%zu distinct allocator files among %zu files)%s\n",
			s->scope_name, s->scope == LT_SCOPE_KIND_CGROUP ? " at " : "",
			s->scope == LT_SCOPE_KIND_CGROUP ? s->cgroup_path : "", s->procs.n, in,
			allocators, files, side);
	}
	if (s->unwind) {
		struct lt_unwind_stats u;
		char b[32];

		unwind__stats(s->unwind, &u);
		fprintf(stderr,
			"leaktop: unwind tables: %zu objects (%zu without CFI), %zu rows, %s of kernel "
			"memory, built in %.2f s\n",
			u.objects, u.objects_no_cfi, u.rows, fmt_bytes(b, sizeof(b), u.bytes, false, false),
			u.build_s);
	}
	fprintf(stderr, "leaktop: attached %zu probes (%s links%s%s); Ctrl-C prints the final table\n",
		probes__count(s->probes), probes__mode_name(s->mode),
		s->cfg.entry_offsets ? ", at +0" : "", s->cfg.empty_probes ? ", empty" : "");
}

static void cleanup(struct session *s)
{
	/* Detach first, so that nothing fires into maps that are going away. */
	probes__free(s->probes);
	events__free(s->events);
	leaktop_bpf__destroy(s->skel);
	collector__free(s->collector);
	symbolizer__free(s->symbolizer);
	unwind__free(s->unwind);
	history__free(s->history);
	regions__free(s->regions);
	if (s->json)
		fclose(s->json);
	procs__free(&s->procs);
	objects__cache_free(s->objcache);
	free(s->found);
}

/*
 * The files written at exit go through a temporary file in the same directory: find out now,
 * not after the whole trace, when that directory cannot be written.
 */
static int check_writable(const char *path)
{
	char *copy, *dir;
	int err = 0;

	if (!path)
		return 0;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (access(dir, W_OK | X_OK)) {
		err = -errno;
		lt_err("cannot write %s: %s", path, strerror(errno));
	}
	free(copy);
	return err;
}

int main(int argc, char **argv)
{
	static struct session s;
	enum cli_result cr;
	char err[512];
	int ret = 1;

	if (argc > 1 && !strcmp(argv[1], "diff"))
		return diff__main(argc - 1, argv + 1, stdout);
	cr = cli__parse(&s.cfg, argc, argv, err, sizeof(err), stdout);
	if (cr == CLI_EXIT_OK)
		return 0;
	if (cr == CLI_ERROR) {
		lt_err("%s", err);
		return 2;
	}
	verbosity = s.cfg.verbose;
	lt_set_verbosity(verbosity);
	libbpf_set_print(libbpf_print);

	if (preflight__privileges(err, sizeof(err)) || preflight__btf(err, sizeof(err))) {
		lt_err("%s", err);
		return 1;
	}
	install_signals();
	if (resolve_scope(&s) || find_processes(&s))
		goto out;
	if (s.cfg.json_path && !(s.json = fopen(s.cfg.json_path, "w"))) {
		lt_err("cannot write %s: %s", s.cfg.json_path, strerror(errno));
		goto out;
	}
	if (check_writable(s.cfg.folded_path) || check_writable(s.cfg.svg_path) ||
	    check_writable(s.cfg.pprof_path))
		goto out;
	preflight__mount_fs();
	s.symbolizer = symbolizer__new();
	s.history = history__new(s.cfg.window);
	if (!s.symbolizer || !s.history || build_unwind_tables(&s) || load_bpf(&s) ||
	    sync_unwind_tables(&s))
		goto out;
	s.collector = collector__new(s.skel, s.cfg.max_stacks + max_procs(&s));
	if (!s.collector) {
		lt_err("out of memory");
		goto out;
	}
	if (start_events(&s) || attach(&s))
		goto out;
	for (size_t i = 0; s.scope == LT_SCOPE_KIND_PIDS && i < s.procs.n; i++)
		symbolizer__refresh(s.symbolizer, s.procs.v[i].t.pid);
	announce(&s);
	s.start = s.last = now_mono();
	self_cost(&s, &(struct lt_self){ 0 }); /* leaktop's CPU counts from here, not its start-up */
	s.start_ns = now_realtime_ns();
	s.next_scan = s.start + LT_RESCAN_S;
	s.next_reexamine = s.start + (s.scope == LT_SCOPE_KIND_PIDS ? s.cfg.interval_s
								      : LT_REEXAMINE_S);
	ret = trace(&s) ? 1 : 0;
out:
	cleanup(&s);
	return ret;
}
