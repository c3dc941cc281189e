// SPDX-License-Identifier: GPL-2.0
/*
 * The allocator concern of the registry: which allocator objects a process maps, and their
 * probes. A look finds the objects in the registry's maps snapshot and, once the BPF side is
 * loaded, attaches what is new; forgetting detaches the process's links.
 */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "objects.h"
#include "procmaps.h"
#include "registry.h"
#include "session.h"
#include "util.h"

/* What the concern keeps of each process, in its registry record. */
struct proc_allocs {
	struct lt_object_list objects;	/* its allocator objects, once examined */
	bool go;			/* a Go program: no malloc to probe */
	bool per_call;			/* --per-call is counting in it */
	bool examined;			/* looked at once: -p looks again only after exec */
	bool pyfree_forwarders;		/* PyObject_Free and PyMem_Free probed for it alone */
	bool pyfree_env_read;		/* its environment and command line read for them */
	struct lt_range ranges[64];	/* its allocator functions, to tell the mappings they make */
	size_t nranges;
};

static struct proc_allocs *state(const struct lt_session *s, const struct lt_proc_rec *p)
{
	return p->state[s->allocators_id];
}

bool allocators__is_go(const struct lt_session *s, const struct lt_proc_rec *p)
{
	return state(s, p) && state(s, p)->go;
}

const struct lt_object_list *allocators__objects(const struct lt_session *s,
						 const struct lt_proc_rec *p)
{
	static const struct lt_object_list none;

	return state(s, p) ? &state(s, p)->objects : &none;
}

/*
 * Its allocator objects now. Those it had before keep their `probed` mark, so that a second
 * look attaches only what is new (a library loaded since). With a strict scope (-p), a
 * process leaktop cannot trace is an error (no allocator, unless it is a Go program).
 */
static int examine(struct lt_session *s, struct lt_proc_rec *p, struct proc_allocs *a,
		   const struct lt_maps *maps)
{
	struct lt_object_list old = a->objects;
	bool strict = s->scope.ops->strict;
	int err;

	a->objects = (struct lt_object_list){ 0 };
	a->go = false;
	if (!s->cfg.heap) {
		objects__free(&old);
		return 0;
	}
	err = objects__find_allocators(p->t.pid, maps, s->objcache, &a->objects);
	for (size_t k = 0; k < a->objects.n; k++) {
		struct lt_object *o = &a->objects.v[k];

		o->probed_at = objects__probed_in(&old, o);
		o->probed = o->probed_at > 0;
	}
	objects__free(&old);
	/* Its objects could not be opened because it is gone (a zombie maps nothing): not "no
	 * allocator". */
	if (err && strict && target__exited_early(&p->t)) {
		err = -ESRCH;
	} else if (err == -ENOENT && objects__is_go(p->t.pid)) {
		a->go = true;
		err = 0;
		if (strict)
			lt_info(0, "pid %d (%s) is a Go program: Go's heap is its own, not malloc's, so "
				"leaktop does not trace it; its sockets and mappings are traced",
				p->t.pid, p->t.comm);
	} else if (err == -ENOENT && strict) {
		char searched[256];

		objects__searched(maps, searched, sizeof(searched));
		lt_err("no allocator found in pid %d (%s): no object it maps defines malloc "
		       "and free (searched: %s; leaktop knows glibc, musl, jemalloc, "
		       "tcmalloc, any library that exports malloc, and static executables)",
		       p->t.pid, p->t.comm, searched);
	} else if (err == -ENOENT) {
		err = 0; /* nothing to probe here; its sockets and mappings are still traced */
	} else if (err) {
		lt_err("cannot inspect the objects of pid %d: %s", p->t.pid, strerror(-err));
	}
	if (err && !strict) {
		lt_info(1, "pid %d (%s): %s", p->t.pid, p->t.comm, strerror(-err));
		return 0;
	}
	return err;
}

/* --per-call BINARY:FUNCTION in one process, when it maps BINARY. 1 when attached. */
static int attach_per_call(struct lt_session *s, pid_t pid, const struct lt_maps *maps)
{
	char *spec = strdup(s->cfg.per_call), *func;
	const struct lt_vma *v;
	char *path = NULL;
	int ret = 0;

	if (!spec)
		return -ENOMEM;
	func = strrchr(spec, ':');
	*func++ = '\0';
	v = objects__find_mapped(maps, spec);
	path = v ? objects__open_path(pid, v) : NULL;
	if (path)
		ret = probes__attach_per_call(s->probes, pid, path, v->path, func) ?: 1;
	free(path);
	free(spec);
	return ret;
}

/*
 * Whether an allocator file gets one link for every process that maps it, the scope checked
 * in BPF (a process is probed from its first instruction, forked or run later), or links for
 * each process of the scope (a process outside that maps the file takes no trap, and a new
 * process runs unprobed until leaktop attaches to it). --config links= chooses; by default
 * --all and a launched command share, and --cgroup shares the files no process outside the
 * scope maps when leaktop first probes them (a container's own libc), once per file.
 */
static bool link_shared(struct lt_session *s, const struct lt_object *o)
{
	pid_t *pids = NULL;
	size_t n = 0;
	bool outside;

	if (s->links != LT_LINKS_AUTO)
		return s->links == LT_LINKS_SHARED;
	if (objects__cache_attached(s->objcache, o))
		return true;
	if (objects__cache_per_process(s->objcache, o))
		return false;
	if (!s->scope.ops->list || s->scope.ops->list(&s->scope, &pids, &n))
		n = 0; /* then every process counts as outside: per process */
	outside = objects__mapped_outside(o, pids, n);
	free(pids);
	if (outside)
		objects__cache_set_per_process(s->objcache, o);
	lt_info(1, "%s: %s", o->path,
		outside ? "mapped outside the scope too: probed for each process of the scope"
			: "mapped in the scope only: probed once, for every process that maps it");
	return !outside;
}

/* Probe one file once for every process that maps it. */
static int attach_shared(struct lt_session *s, struct lt_object *o)
{
	int err;

	if (objects__cache_attached(s->objcache, o))
		return 0;
	err = probes__attach_object(s->probes, LT_ALL_PIDS, o);
	if (err)
		return err;
	objects__cache_set_attached(s->objcache, o);
	s->objects_attached++;
	return 0;
}

/* Probe one object: for this process alone, or once for every process (shared probes). */
static int attach_object(struct lt_session *s, struct lt_proc_rec *p, struct lt_object *o)
{
	bool before = objects__cache_attached(s->objcache, o) > 0;
	int err;

	if (!link_shared(s, o)) {
		err = probes__attach_object(s->probes, p->t.pid, o);
		o->probed_at = now_mono();
		if (!err)
			lt_info(1, "pid %d (%s): probing %s allocator %s", p->t.pid, p->t.comm,
				objects__family_name(o->family), o->path);
		return err;
	}
	/* Another process may have brought this file already. */
	err = attach_shared(s, o);
	if (err)
		return err;
	o->probed_at = objects__cache_attached(s->objcache, o);
	if (s->loaded && !before)
		lt_info(0, "probing %s allocator %s, found in pid %d (%s)",
			objects__family_name(o->family), o->path, p->t.pid, p->t.comm);
	return 0;
}

/*
 * A process that started while leaktop ran, and ran before one of its allocator objects was
 * probed: its first allocations there may be missing. Counted once per process (the drops
 * line and the JSON say it), never silently lost.
 */
static void note_late(struct lt_session *s, struct lt_proc_rec *p, const struct lt_object *o)
{
	/* What started while leaktop was attaching is as if it had been there before. */
	if (p->started_at <= s->attached_at || o->probed_at <= p->started_at ||
	    p->started_unprobed)
		return;
	p->started_unprobed = true;
	s->self.started_unprobed++;
	lt_info(0, "pid %d (%s) ran before its allocator %s was probed: its first allocations "
		"there may be missing", p->t.pid, p->t.comm, o->path);
}

int allocators__attach_system(struct lt_session *s)
{
	struct lt_object_list *libs = &s->system_libs;
	size_t kept = 0;
	int err;

	if (s->links != LT_LINKS_SHARED || !s->cfg.heap)
		return 0;
	err = objects__system_allocators(s->objcache, libs);
	if (err) {
		lt_err("cannot look for the host's allocator libraries: %s", strerror(-err));
		return err;
	}
	/* Those that cannot be probed are probed, or said, when a process maps them. */
	for (size_t k = 0; k < libs->n; k++) {
		if (attach_shared(s, &libs->v[k])) {
			lt_info(1, "%s is probed when a process maps it", libs->v[k].path);
			free(libs->v[k].path);
			free(libs->v[k].open_path);
			continue;
		}
		libs->v[kept++] = libs->v[k];
	}
	libs->n = kept;
	return 0;
}

/* The file execvp() would run for `file`: itself with a '/', else the first in PATH. */
static char *command_path(const char *file)
{
	const char *path = getenv("PATH") ?: "/usr/local/bin:/bin:/usr/bin";
	char *dirs, *dir, *save = NULL, *found = NULL;

	if (strchr(file, '/'))
		return strdup(file);
	dirs = strdup(path);
	for (dir = dirs ? strtok_r(dirs, ":", &save) : NULL; dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		if (asprintf(&found, "%s/%s", *dir ? dir : ".", file) < 0) {
			found = NULL;
			break;
		}
		if (access(found, X_OK)) {
			free(found);
			found = NULL;
		}
	}
	free(dirs);
	return found;
}

int allocators__attach_command(struct lt_session *s, const char *file)
{
	struct lt_object_list exe = { 0 };
	char *path = command_path(file);
	int err = 0;

	if (!path || !s->cfg.heap) {
		free(path);
		return 0; /* execvp says what is wrong with it */
	}
	/* The executable itself, then the libraries it names (a shared libpython). */
	for (int pass = 0; !err && pass < 2; pass++) {
		err = pass ? objects__needed_allocators(path, s->objcache, &exe)
			   : objects__file_allocator(path, s->objcache, &exe);
		for (size_t k = 0; !err && k < exe.n; k++) {
			struct lt_object *o = &exe.v[k];
			bool before = objects__cache_attached(s->objcache, o) > 0;

			err = attach_shared(s, o);
			if (!err && !before)
				lt_info(0, "probing %s allocator %s before it runs",
					objects__family_name(o->family), o->path);
		}
		objects__free(&exe);
	}
	free(path);
	return err;
}

/*
 * A process whose frees leaktop sees at pymalloc's own (o->py.free) but which reaches another
 * through PyObject_Free or PyMem_Free: those two are probed for it as well, from the first
 * look that finds it so. The first look reads its environment and command line (the hooks
 * asked for, not yet installed); each look reads the pointers again, since CPython installs
 * its hooks as it starts, and tracemalloc whenever the program asks.
 */
static void check_pyfree(struct lt_session *s, struct lt_proc_rec *p, struct proc_allocs *a,
			 const struct lt_maps *maps)
{
	for (size_t k = 0; k < a->objects.n && !a->pyfree_forwarders; k++) {
		const struct lt_object *o = &a->objects.v[k];
		bool asks = false;
		char why[128];

		if (!o->probed || !o->py.free.found)
			continue;
		if (!a->pyfree_env_read) {
			a->pyfree_env_read = true;
			asks = objects__asks_debug_hooks(p->t.pid, why, sizeof(why));
		}
		if (!asks && objects__pyfree_hooked(p->t.pid, maps, o, why, sizeof(why)) != 1)
			continue;
		if (probes__attach_pyfree_forwarders(s->probes, p->t.pid, o))
			continue; /* said; the next look tries again */
		a->pyfree_forwarders = true;
		lt_info(0, "pid %d (%s): %s: its frees are probed at PyObject_Free and PyMem_Free "
			"too, single-stepped (some 10 us a free)", p->t.pid, p->t.comm, why);
	}
}

/*
 * Probe what is new among a process's allocator objects. Where its allocator functions are,
 * for telling the mappings they make from the program's, is computed again only when it maps
 * an allocator object it did not before.
 */
static int attach_maps(struct lt_session *s, struct lt_proc_rec *p, const struct lt_maps *maps)
{
	struct proc_allocs *a = state(s, p);
	bool fresh = false, strict = s->scope.ops->strict;

	for (size_t k = 0; k < a->objects.n; k++)
		fresh |= !a->objects.v[k].probed;
	if (fresh)
		a->nranges = objects__alloc_ranges(maps, &a->objects, a->ranges,
						   ARRAY_SIZE(a->ranges));
	for (size_t k = 0; k < a->objects.n; k++) {
		struct lt_object *o = &a->objects.v[k];
		int err;

		if (o->probed)
			continue; /* seen at an earlier look */
		err = attach_object(s, p, o);
		if (err && strict) {
			if (err == -ESRCH)
				target__exited_early(&p->t); /* probes said nothing: gone */
			return err;
		}
		o->probed = !err;
		if (o->probed)
			note_late(s, p, o);
		if (o->probed && o->py.inlined_malloc && !objects__python_uses_malloc(p->t.pid) &&
		    objects__cache_say_inlined(s->objcache, o))
			lt_info(0, "pid %d (%s): %s compiles CPython's PyObject_Malloc into %u of its "
				"callers and PyObject_Free into %u (link-time optimization): objects "
				"allocated there (dicts, tuples, str, instances...) take no probe, and "
				"only their arenas show, as mappings; started with PYTHONMALLOC=malloc, "
				"every object goes through malloc and is traced", p->t.pid, p->t.comm,
				o->path, o->py.inlined_malloc, o->py.inlined_free);
	}
	check_pyfree(s, p, a, maps);
	/* --per-call's probe is pid-filtered: the options refuse it with shared probes (--all). */
	if (s->cfg.per_call && !a->per_call) {
		int r = attach_per_call(s, p->t.pid, maps);

		/* With -p, a function that is not there is an error; a scope passes over it. */
		if (r < 0 && strict) {
			if (r == -ESRCH)
				target__exited_early(&p->t);
			return r;
		}
		a->per_call = r > 0;
	}
	return 0;
}

int allocators__attach(struct lt_session *s, struct lt_proc_rec *p)
{
	struct lt_maps maps;
	int err;

	if (!state(s, p))
		return 0;
	err = procmaps__read(p->t.pid, &maps);
	if (err && !s->scope.ops->strict)
		return 0;
	if (err) {
		if (target__exited_early(&p->t))
			return -ESRCH;
		lt_err("cannot read /proc/%d/maps: %s", p->t.pid, strerror(-err));
		return err;
	}
	err = attach_maps(s, p, &maps);
	procmaps__free(&maps);
	return err;
}

static int look(void *ctx, struct lt_proc_rec *p, const struct lt_maps *maps)
{
	struct lt_session *s = ctx;
	struct proc_allocs *a = state(s, p);
	int err;

	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a)
			return -ENOMEM;
		p->state[s->allocators_id] = a;
	}
	/* -p checks its processes once; a scope looks again for dlopen'ed allocators. */
	err = a->examined && s->scope.ops->strict ? 0 : examine(s, p, a, maps);
	a->examined = true;
	if (!err && s->loaded)
		err = attach_maps(s, p, maps);
	return err;
}

/* Its links and its objects: gone with the process or its program. */
static void forget(void *ctx, struct lt_proc_rec *p)
{
	struct lt_session *s = ctx;
	struct proc_allocs *a = state(s, p);

	if (s->probes)
		probes__detach_pid(s->probes, p->t.pid);
	if (a) {
		objects__free(&a->objects);
		free(a);
	}
}

bool allocators__in_allocator(void *ctx, pid_t pid, const __u64 *ips, uint32_t n)
{
	const struct lt_session *s = ctx;
	const struct lt_proc_rec *p = registry__find(s->reg, pid);
	const struct proc_allocs *a = p ? state(s, p) : NULL;

	for (uint32_t f = 0; a && f < n; f++) {
		uint64_t ip = ips[f] - 1; /* return addresses: the call is just before */

		for (size_t k = 0; k < a->nranges; k++) {
			if (ip >= a->ranges[k].lo && ip < a->ranges[k].hi)
				return true;
		}
	}
	return false;
}

int allocators__register(struct lt_session *s)
{
	int id = registry__concern(s->reg, &(struct lt_concern){
		.name = "allocators", .look = look, .forget = forget, .ctx = s });

	if (id < 0)
		return id;
	s->allocators_id = id;
	return 0;
}

int allocators__check_per_call(const struct lt_session *s)
{
	char *spec;

	if (!s->cfg.per_call || !s->scope.ops->strict)
		return 0;
	for (size_t i = 0; i < registry__count(s->reg); i++) {
		const struct proc_allocs *a = state(s, registry__at(s->reg, i));

		if (a && a->per_call)
			return 0;
	}
	spec = strdup(s->cfg.per_call);
	if (spec)
		*strrchr(spec, ':') = '\0';
	lt_err("--per-call: no traced process maps %s", spec ? spec : "it");
	free(spec);
	return -ENOENT;
}
