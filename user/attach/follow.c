// SPDX-License-Identifier: GPL-2.0
/*
 * The session's processes as they come and go: found at start, from the kernel's process
 * events (fork, exec, exit) and by the scope's rescans; looked at again for dlopen; started
 * over after exec; purged once gone. Every look and every purge goes through the registry,
 * so each concern sees one maps snapshot and forgets in one place.
 */
#include <errno.h>
#include <bpf/bpf.h>
#include <linux/types.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "collector.h"
#include "departed.h"
#include "leaktop.skel.h"
#include "events.h"
#include "launch.h"
#include "regions.h"
#include "registry.h"
#include "report.h"
#include "sample.h"
#include "session.h"
#include "symbolizer.h"
#include "perfmap.h"
#include "python.h"
#include "v8.h"
#include "unwind_tables.h"
#include "util.h"

/* A scope looks for new processes this often. */
#define LT_RESCAN_S 2.0
/*
 * A process that ran a new program is looked at as soon as leaktop hears of it (a short-lived
 * one may exit before a later look, and its stacks could not be named), and again this long
 * after, once the dynamic loader has mapped its libraries.
 */
#define LT_EXEC_SETTLE_S 0.2

/* --- The other concerns: unwind tables, names, regions, the kernel maps ------------------- */

static int unwind_look(void *ctx, struct lt_proc_rec *p, const struct lt_maps *maps)
{
	struct lt_session *s = ctx;
	int err;

	if (!s->unwind)
		return 0;
	err = unwind__scan_maps(s->unwind, p->t.pid, maps);
	/* --unwind dwarf on -p's processes: tables are what was asked for. */
	if (!err || s->cfg.unwind != LT_UNWIND_DWARF || !s->scope.ops->strict || s->loaded)
		return 0;
	if (target__exited_early(&p->t))
		return -ESRCH;
	lt_err("cannot build unwind tables for pid %d: %s", p->t.pid, strerror(-err));
	return err;
}

static void unwind_forget(void *ctx, struct lt_proc_rec *p)
{
	struct lt_session *s = ctx;

	if (s->unwind && s->skel)
		unwind__forget(s->unwind, bpf_map__fd(s->skel->maps.unwind_procs), p->t.pid);
}

/*
 * Names: -p's processes, those of a scope that keeps exited processes (a launched command's:
 * what they leaked is reported after they exit) and a cgroup's (eager_names: one that exits
 * between two reports is still named in the final report), at every look; --all's once they
 * were named (names are lazy there).
 */
static int names_look(void *ctx, struct lt_proc_rec *p, const struct lt_maps *maps)
{
	struct lt_session *s = ctx;
	bool eager = s->scope.ops->strict || s->scope.ops->keeps_exited || s->scope.ops->eager_names;

	/*
	 * A scope names a process once it has something to show, but --fail-on leak may have to
	 * name what a process held at its exit, when its mappings are gone: keep them for all,
	 * from the first look.
	 */
	if (s->cfg.fail_on == LT_FAIL_LEAK && s->symbolizer) {
		symbolizer__refresh_maps(s->symbolizer, p->t.pid, maps);
		return 0;
	}
	if (!s->loaded || !s->symbolizer)
		return 0;
	if (!eager && !symbolizer__knows(s->symbolizer, p->t.pid))
		return 0;
	symbolizer__refresh_maps(s->symbolizer, p->t.pid, maps);
	return 0; /* a process that cannot be read keeps the names it had */
}

static void names_forget(void *ctx, struct lt_proc_rec *p)
{
	struct lt_session *s = ctx;

	if (s->symbolizer)
		symbolizer__forget(s->symbolizer, p->t.pid);
	perfmap__forget(s->frames.perfmaps, p->t.pid);
}

/*
 * Python: where a CPython process keeps its frames, for the BPF walk. Said once per reason
 * when a process runs an interpreter leaktop cannot follow (-p: once per process).
 */
static void unfollowed(struct lt_session *s, const struct lt_proc_rec *p, const char *runtime,
		       const char *why)
{
	static uint64_t said[16];
	uint64_t h = str_hash(why);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(said) && said[i] && !s->scope.ops->strict; i++) {
		if (said[i] == h)
			return;
	}
	if (i < ARRAY_SIZE(said))
		said[i] = h;
	lt_warn("pid %d (%s) runs %s, but its stacks keep native frames only: %s", p->t.pid,
		p->t.comm, runtime, why);
}

static int python_push(struct lt_session *s, pid_t pid, const struct lt_py_proc *e)
{
	int fd = s->skel ? bpf_map__fd(s->skel->maps.py_procs) : -1;
	__u32 key = pid;

	if (fd < 0)
		return 0; /* not loaded yet: follow__sync_python() pushes it */
	s->skel->bss->py_any = 1; /* before the entry: a walk that finds it looks it up */
	return bpf_map_update_elem(fd, &key, e, BPF_ANY) ? -errno : 0;
}

static int python_look(void *ctx, struct lt_proc_rec *p, const struct lt_maps *maps)
{
	struct lt_session *s = ctx;
	struct lt_py_proc e;
	char why[160];
	int err;

	if (!s->python)
		return 0;
	err = python__look(s->python, p->t.pid, maps, &e, why, sizeof(why));
	if (err < 0 && why[0])
		unfollowed(s, p, "Python", why);
	if (err <= 0)
		return 0; /* native frames: never a reason not to trace it */
	lt_info(1, "pid %d: CPython %s, Python frames in its stacks", p->t.pid,
		python__version(s->python, p->t.pid));
	err = python_push(s, p->t.pid, &e);
	if (err)
		lt_warn("pid %d: cannot follow its Python frames: %s", p->t.pid, strerror(-err));
	return 0;
}

static void python_forget(void *ctx, struct lt_proc_rec *p)
{
	struct lt_session *s = ctx;
	__u32 key = p->t.pid;

	if (!s->python)
		return;
	if (s->skel)
		bpf_map_delete_elem(bpf_map__fd(s->skel->maps.py_procs), &key);
	python__forget(s->python, p->t.pid);
}

int follow__sync_python(struct lt_session *s)
{
	for (size_t i = 0; s->python && i < registry__count(s->reg); i++) {
		pid_t pid = registry__at(s->reg, i)->t.pid;
		struct lt_py_proc e;
		int err;

		if (!python__entry(s->python, pid, &e))
			continue;
		err = python_push(s, pid, &e);
		if (err) {
			lt_err("cannot follow the Python frames of pid %d: %s", pid, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* node: V8's frame layout, for the BPF walk to find JavaScript frames. */
static int v8_push(struct lt_session *s, pid_t pid, const struct lt_v8_proc *e)
{
	int fd = s->skel ? bpf_map__fd(s->skel->maps.v8_procs) : -1;
	__u32 key = pid;

	if (fd < 0)
		return 0; /* not loaded yet: follow__sync_v8() pushes it */
	s->skel->bss->v8_any = 1;
	return bpf_map_update_elem(fd, &key, e, BPF_ANY) ? -errno : 0;
}

static int v8_look(void *ctx, struct lt_proc_rec *p, const struct lt_maps *maps)
{
	struct lt_session *s = ctx;
	struct lt_v8_proc e;
	char why[160];
	int err;

	if (!s->v8)
		return 0;
	bool known = v8__version(s->v8, p->t.pid) != NULL;

	err = v8__look(s->v8, p->t.pid, maps, &e, why, sizeof(why));
	if (err < 0 && why[0])
		unfollowed(s, p, "node", why);
	if (err <= 0 || known)
		return 0; /* native frames: never a reason not to trace it */
	lt_info(1, "pid %d: V8 %s, JavaScript frames in its stacks", p->t.pid,
		v8__version(s->v8, p->t.pid));
	err = v8_push(s, p->t.pid, &e);
	if (err)
		lt_warn("pid %d: cannot follow its JavaScript frames: %s", p->t.pid, strerror(-err));
	return 0;
}

static void v8_forget(void *ctx, struct lt_proc_rec *p)
{
	struct lt_session *s = ctx;
	__u32 key = p->t.pid;

	if (!s->v8)
		return;
	if (s->skel)
		bpf_map_delete_elem(bpf_map__fd(s->skel->maps.v8_procs), &key);
	v8__forget(s->v8, p->t.pid);
}

int follow__sync_v8(struct lt_session *s)
{
	for (size_t i = 0; s->v8 && i < registry__count(s->reg); i++) {
		pid_t pid = registry__at(s->reg, i)->t.pid;
		struct lt_v8_proc e;
		int err;

		if (!v8__entry(s->v8, pid, &e))
			continue;
		err = v8_push(s, pid, &e);
		if (err) {
			lt_err("cannot follow the JavaScript frames of pid %d: %s", pid, strerror(-err));
			return err;
		}
	}
	return 0;
}

static void regions_forget(void *ctx, struct lt_proc_rec *p)
{
	struct lt_session *s = ctx;

	if (!s->regions)
		return;
	/* Started over at an exec: what the new program mapped before then stays. */
	if (!p->gone && !p->t.exited && p->exec_ns)
		regions__restart(s->regions, p->t.pid, p->exec_ns);
	else
		regions__purge(s->regions, p->t.pid);
}

/*
 * --fail-on leak: a heap stack of a process being purged. If the process exited (not ran a
 * new program, nor left the scope), what it still holds is held at its exit: named now, while
 * its names are known (the names concern forgets it after this one).
 */
static void held_at_exit(struct lt_session *s, const struct lt_purged_heap *h)
{
	const struct lt_proc_rec *p = registry__find(s->reg, h->tgid);
	const struct lt_totals *t = &h->totals;
	int64_t count = (int64_t)((t->allocs - t->frees + LT_COUNT_ONE / 2) / LT_COUNT_ONE);
	const struct lt_stack *st;
	struct lt_frame *frames = NULL;
	size_t n = 0;

	if (!p || !p->t.exited || count <= 0)
		return;
	st = collector__stack(s->collector, h->stack_id);
	if (st && st->len)
		frames__name_stack(&s->frames, h->tgid, st->ips, st->len, &frames, &n);
	check__on_exit(&s->check, h->tgid, p->t.comm, (int64_t)(t->alloc_bytes - t->free_bytes),
		       count, frames, n);
	free(frames);
}

/* A process forgotten because it exited (not because it ran a new program or left the scope). */
static struct lt_proc_rec *exited_rec(struct lt_session *s, pid_t pid)
{
	struct lt_proc_rec *p = registry__find(s->reg, pid);

	if (!p || !p->gone || !target__exited(&p->t))
		return NULL;
	if (!p->exit_at)
		p->exit_at = now_mono(); /* seen by a rescan, not by its exit event */
	return p;
}

/*
 * Keep what a process held at its exit for the final report (departed.h): its rows from what
 * the purge deleted and from its regions, annotated from the history, their stacks named now,
 * while the names, regions and Python state of the process are still there (the concerns after
 * this one forget them).
 */
static void keep_exited(struct lt_session *s, const struct lt_proc_rec *p,
			const struct lt_purged *got)
{
	struct lt_proc proc = { .pid = p->t.pid, .exited = true, .exit_s = p->exit_at - s->start,
				.go = allocators__is_go(s, p),
				.calls = collector__calls(s->collector, p->t.pid) };
	struct lt_frame **frames = NULL;
	struct lt_row *rows = NULL;
	size_t n = 0, *nframes = NULL;
	int err;

	snprintf(proc.comm, sizeof(proc.comm), "%s", p->t.comm);
	if (p->in_container)
		snprintf(proc.container, sizeof(proc.container), "%s", p->container.name);
	err = sample__exited_rows(got, s->collector, s->regions, p->t.pid, p->exit_at, &rows, &n);
	if (!err) {
		frames = calloc(n + 1, sizeof(*frames));
		nframes = calloc(n + 1, sizeof(*nframes));
		err = frames && nframes ? 0 : -ENOMEM;
	}
	if (!err)
		report__annotate_exited(rows, n, s->history);
	for (size_t i = 0; !err && i < n; i++) {
		if (rows[i].nips && (rows[i].bytes || rows[i].count))
			err = frames__name_stack(&s->frames, p->t.pid, rows[i].ips, rows[i].nips,
						 &frames[i], &nframes[i]);
	}
	err = err ?: departed__add(s->departed, &proc, rows, frames, nframes, n);
	if (err)
		lt_warn("pid %d (%s) exited; what it held is not kept for the final report: %s",
			p->t.pid, p->t.comm, strerror(-err));
	for (size_t i = 0; frames && i < n; i++)
		free(frames[i]);
	free(frames);
	free(nframes);
	free(rows);
}

/*
 * The kernel maps' entries of the processes: one batch of deletes for all of them. A process
 * that ran a new program (not gone) keeps what the new program made since its exec. What the
 * ones that exited held is kept first, for the final report (a scope's) and for --fail-on
 * leak (-p keeps its exited processes to the end, unpurged).
 */
static void kernel_forget(void *ctx, const pid_t *pids, size_t n)
{
	struct lt_session *s = ctx;
	int64_t *keep = calloc(n + 1, sizeof(*keep));
	bool fail_on = s->check.on == LT_FAIL_LEAK, exited = false;
	struct lt_purged got = { 0 };
	uint64_t allocs = 0;

	for (size_t i = 0; keep && i < n; i++) {
		const struct lt_proc_rec *p = registry__find(s->reg, pids[i]);

		keep[i] = p && !p->gone ? p->exec_gen : -1;
	}
	for (size_t i = 0; s->departed && i < n && !exited; i++)
		exited = exited_rec(s, pids[i]) != NULL;
	/* Out of memory: the new program's entries go too, rather than the old one's staying. */
	if (s->collector &&
	    !collector__purge(s->collector, (const uint32_t *)pids, keep, n, &allocs,
			      fail_on || exited ? &got : NULL))
		s->self.purged_allocs += allocs;
	for (size_t i = 0; fail_on && i < got.nheap; i++)
		held_at_exit(s, &got.heap[i]);
	for (size_t i = 0; exited && i < n; i++) {
		const struct lt_proc_rec *p = exited_rec(s, pids[i]);

		if (p)
			keep_exited(s, p, &got);
	}
	collector__purged_free(&got);
	free(keep);
	s->stacks_gc_due = true;
}

static int register_concerns(struct lt_session *s)
{
	const struct lt_concern concerns[] = {
		{ .name = "kernel maps", .forget_many = kernel_forget, .ctx = s },
		{ .name = "regions", .forget = regions_forget, .ctx = s },
		{ .name = "unwind tables", .look = unwind_look, .forget = unwind_forget, .ctx = s },
		{ .name = "names", .look = names_look, .forget = names_forget, .ctx = s },
		{ .name = "python", .look = python_look, .forget = python_forget, .ctx = s },
		{ .name = "javascript", .look = v8_look, .forget = v8_forget, .ctx = s },
	};
	int err = allocators__register(s);

	for (size_t i = 0; !err && i < ARRAY_SIZE(concerns); i++)
		err = registry__concern(s->reg, &concerns[i]) < 0 ? -ENOSPC : 0;
	return err;
}

/* --- Finding processes ------------------------------------------------------------------ */

/*
 * When a process found by a rescan began its program, if after leaktop started (0 before):
 * from its start time in /proc (clock ticks since boot), on the monotonic clock. A process
 * that ran a new program since keeps its fork's time: earlier, which only counts it late.
 */
static double started_at(const struct lt_session *s, const struct lt_target *t)
{
	struct timespec boot, mono;
	double at;

	if (!s->loaded || clock_gettime(CLOCK_BOOTTIME, &boot) || clock_gettime(CLOCK_MONOTONIC, &mono))
		return 0;
	at = (double)t->start_time / sysconf(_SC_CLK_TCK) -
	     ((boot.tv_sec - mono.tv_sec) + (boot.tv_nsec - mono.tv_nsec) / 1e9);
	return at > s->start ? at : 0;
}

/*
 * A process found by a scope: open it and look at it; once loaded, it is attached. `at`: when
 * the kernel said it started (fork or exec); 0 for a process found by a scan.
 */
/* `exec_gen`: the generation of an exec the kernel told of before it was added; -1: none. */
static void add_found(struct lt_session *s, pid_t pid, double at, int64_t exec_gen)
{
	struct lt_proc_rec *p;
	struct lt_target t;

	if (registry__find(s->reg, pid) || registry__full(s->reg))
		return;
	if (target__open_found(&t, pid))
		return; /* a kernel thread, or gone already */
	p = registry__add(s->reg, &t);
	if (!p) {
		target__close(&t);
		return;
	}
	p->started_at = at ?: started_at(s, &t);
	/* What its programs before that exec made (a fork's before it) is gone. */
	p->exec_gen = exec_gen;
	p->old_gens = exec_gen >= 0;
	registry__look(s->reg, p);
	p->announce = s->loaded;
}

/*
 * Upload the unwind tables of the processes just found, then say that each is traced: a
 * caller may wait for the line and make the process allocate at once, and its stacks must be
 * walked by its tables from then on.
 */
static void sync_found(struct lt_session *s)
{
	loader__sync_unwind(s);
	for (size_t i = 0; i < registry__count(s->reg); i++) {
		struct lt_proc_rec *p = registry__at(s->reg, i);

		if (!p->announce)
			continue;
		p->announce = false;
		if (s->scope.ops->kind == LT_SCOPE_KIND_CGROUP)
			lt_info(0, "tracing pid %d (%s), new in %s", p->t.pid, p->t.comm,
				s->scope.name);
		else
			lt_info(1, "tracing pid %d (%s), new", p->t.pid, p->t.comm);
	}
}

/* The processes of the scope now: new ones added, vanished ones marked gone. */
static void scan_scope(struct lt_session *s)
{
	pid_t *pids = NULL;
	size_t n = 0;

	if (s->scope.ops->sync)
		s->scope.ops->sync(&s->scope, bpf_map__fd(s->skel->maps.scope_cgroups));
	if (s->scope.ops->list(&s->scope, &pids, &n))
		return;
	for (size_t i = 0; i < n; i++)
		add_found(s, pids[i], 0, -1);
	for (size_t i = 0; i < registry__count(s->reg); i++) {
		struct lt_proc_rec *p = registry__at(s->reg, i);

		/* Not in the scope's list any more: exited (an event may have been lost), or moved out. */
		if (!scope__listed(pids, n, p->t.pid) || target__exited(&p->t)) {
			p->gone = !s->scope.ops->keeps_exited;
			p->t.exited = true;
		}
	}
	free(pids);
	sync_found(s);
}

void follow__reexamine(struct lt_session *s)
{
	for (size_t i = 0; i < registry__count(s->reg); i++) {
		struct lt_proc_rec *p = registry__at(s->reg, i);

		if (!p->gone && !p->t.exited)
			registry__look(s->reg, p);
	}
	loader__sync_unwind(s);
}

/* A fork or exec of a process not in the registry: once in the list of those to look at. */
static void found_event(struct lt_session *s, const struct lt_event *ev)
{
	int64_t gen = ev->type == LT_EV_EXEC ? (int64_t)(uint32_t)ev->addr : -1;

	for (size_t i = 0; i < s->nfound; i++) {
		if (s->found[i].pid == (pid_t)ev->tgid) {
			if (gen >= 0)
				s->found[i].exec_gen = gen;
			return;
		}
	}
	if (!lt_grow((void **)&s->found, &s->cap_found, s->nfound, sizeof(*s->found)))
		s->found[s->nfound++] = (struct lt_found){ ev->tgid, ev->ts_ns / 1e9, gen };
}

void follow__on_event(void *ctx, const struct lt_event *ev)
{
	struct lt_session *s = ctx;
	struct lt_proc_rec *p = registry__find(s->reg, ev->tgid);

	switch (ev->type) {
	case LT_EV_EXIT:
		if (p) {
			p->t.exited = true;
			p->exit_at = ev->ts_ns / 1e9; /* bpf_ktime_get_ns: CLOCK_MONOTONIC */
			p->gone = s->scope.ops->follows && !s->scope.ops->keeps_exited;
		}
		break;
	case LT_EV_EXEC:
	case LT_EV_FORK:
		/*
		 * A process named after it ran the new program (found between its exec and this
		 * event) was looked at in the new program only: starting it over would only purge
		 * what it allocated since.
		 */
		if (p && ev->type == LT_EV_EXEC) {
			p->exec_gen = (uint32_t)ev->addr;
			p->exec_ns = ev->ts_ns;
		}
		/*
		 * Its name and a look may both come before that exec (or straddle it): an exec
		 * dated from the moment its name was read on is acted on.
		 */
		if (p && ev->type == LT_EV_EXEC && ev->ts_ns / 1e9 >= p->t.named_at) {
			p->exec_seen = true;
			p->exec_at = now_mono();
		} else if (p && ev->type == LT_EV_EXEC) {
			/* What the programs before it held is gone all the same. */
			p->old_gens = true;
		}
		/* A process new to the registry: a scope looks at it at once. */
		if (p || !s->scope.ops->follows)
			break;
		found_event(s, ev);
		break;
	}
}

/*
 * A process that ran a new program: what it held is gone with its old address space, and its
 * objects may be others. Every concern forgets it; then it is looked at and attached anew.
 */
static void restart_proc(struct lt_session *s, struct lt_proc_rec *p)
{
	struct lt_target t;

	p->exec_seen = false;
	p->started_at = p->exec_ns / 1e9;
	p->started_unprobed = false;
	registry__forget(s->reg, p);
	/* Its name and start time (a new program keeps both pid and starttime, not comm). */
	if (!target__open_found(&t, p->t.pid)) {
		memcpy(p->t.comm, t.comm, sizeof(t.comm));
		p->t.named_at = t.named_at;
		target__close(&t);
	}
	p->in_container = cgroup__container_of_pid(p->t.pid, &p->container);
	registry__look(s->reg, p);
	p->relook_at = now_mono() + LT_EXEC_SETTLE_S;
	loader__sync_unwind(s);
	/* Said once it is attached: a caller may wait for this line. */
	lt_info(s->scope.ops->kind == LT_SCOPE_KIND_ALL ? 1 : 0,
		"pid %d ran a new program (%s): its old heap is gone; tracing the new one", p->t.pid,
		p->t.comm);
}

/* An exec found by a look before its event was read: the older programs' heap goes. */
static void purge_old_gens(struct lt_session *s, struct lt_proc_rec *p)
{
	uint64_t allocs = 0;

	p->old_gens = false;
	if (s->collector && p->exec_gen >= 0 &&
	    !collector__purge_old_gens(s->collector, p->t.pid, p->exec_gen, &allocs)) {
		s->self.purged_allocs += allocs;
		s->stacks_gc_due = true;
	}
}

void follow__restart(struct lt_session *s, pid_t pid)
{
	struct lt_proc_rec *p = registry__find(s->reg, pid);

	if (p)
		restart_proc(s, p);
}

void follow__settle(struct lt_session *s)
{
	for (size_t i = 0; i < s->nfound; i++)
		add_found(s, s->found[i].pid, s->found[i].at, s->found[i].exec_gen);
	if (s->nfound)
		sync_found(s);
	s->nfound = 0;
	for (size_t i = 0; i < registry__count(s->reg); i++) {
		struct lt_proc_rec *p = registry__at(s->reg, i);

		if (p->exec_seen && !p->gone) {
			restart_proc(s, p);
		} else if (p->old_gens && !p->gone) {
			purge_old_gens(s, p);
		}
	}
}

void follow__service(struct lt_session *s)
{
	double now = now_mono();

	follow__settle(s);
	for (size_t i = 0; i < registry__count(s->reg); i++) {
		struct lt_proc_rec *p = registry__at(s->reg, i);

		if (p->relook_at && now >= p->relook_at) {
			p->relook_at = 0;
			if (!p->gone && !p->t.exited && !registry__look(s->reg, p))
				loader__sync_unwind(s);
		}
	}
	if (s->scope.ops->follows && now >= s->next_scan) {
		scan_scope(s);
		s->next_scan = now + LT_RESCAN_S;
	}
	if (now >= s->next_reexamine) {
		follow__reexamine(s);
		s->next_reexamine = now + (s->scope.ops->reexamine_s ?: s->cfg.interval_s);
	}
	s->self.purged_procs += registry__purge_gone(s->reg);
}

double follow__next(const struct lt_session *s)
{
	double t = s->scope.ops->follows ? s->next_scan : INFINITY;

	if (s->nfound)
		return 0;
	t = fmin(t, s->next_reexamine);
	for (size_t i = 0; i < registry__count(s->reg); i++) {
		const struct lt_proc_rec *p = registry__at(s->reg, i);

		if (p->exec_seen || p->old_gens)
			return 0;
		if (p->relook_at)
			t = fmin(t, p->relook_at);
	}
	return t;
}

bool follow__all_exited(const struct lt_session *s)
{
	if (s->launch)
		return launch__exited(s->launch); /* the command; what it started may go on */
	if (s->scope.ops->follows)
		return false; /* a scope waits for processes to come */
	for (size_t i = 0; i < registry__count(s->reg); i++) {
		if (!target__exited(&registry__at(s->reg, i)->t))
			return false;
	}
	return true;
}

/* -p: the processes named, each checked and looked at; any error is fatal. */
static int open_targets(struct lt_session *s)
{
	for (int i = 0; i < s->cfg.npids; i++) {
		struct lt_proc_rec *p;
		struct lt_target t;
		int e;

		e = target__open(&t, s->cfg.pids[i]);
		if (e)
			return e;
		if (registry__find(s->reg, t.pid)) {
			target__close(&t); /* named twice, or a thread and its process */
			continue;
		}
		p = registry__add(s->reg, &t);
		if (!p) {
			target__close(&t);
			lt_err("out of memory");
			return -ENOMEM;
		}
		e = registry__look(s->reg, p);
		if (p->maps_err && !target__exited_early(&p->t))
			lt_err("cannot read /proc/%d/maps: %s", t.pid, strerror(-p->maps_err));
		if (e)
			return e;
	}
	return 0;
}

int follow__start(struct lt_session *s)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int err;

	s->reg = registry__new(s->scope.ops->max_procs);
	if (!s->reg)
		return -ENOMEM;
	err = register_concerns(s);
	if (err)
		return err;
	if (!s->scope.ops->list)
		return open_targets(s);
	err = s->scope.ops->list(&s->scope, &pids, &n);
	if (err) {
		lt_err("cannot list the processes of %s: %s", s->scope.name, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < n; i++)
		add_found(s, pids[i], 0, -1);
	free(pids);
	if (s->scope.ops->kind == LT_SCOPE_KIND_CGROUP && !registry__count(s->reg))
		lt_info(0, "%s has no process yet: leaktop waits for them", s->scope.name);
	return 0;
}

void follow__arm(struct lt_session *s)
{
	s->next_scan = s->start + LT_RESCAN_S;
	s->next_reexamine = s->start + (s->scope.ops->reexamine_s ?: s->cfg.interval_s);
}
