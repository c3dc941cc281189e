// SPDX-License-Identifier: GPL-2.0
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leaktop.skel.h"
#include "planner.h"
#include "probes.h"
#include "target.h"
#include "ulink.h"
#include "util.h"

/* Integer arguments each function's probe reads: the planner must keep them intact. */
static const unsigned char fn_nargs[LT_FN__COUNT] = {
	[LT_FN_MALLOC] = 1,	    [LT_FN_CALLOC] = 2,	 [LT_FN_REALLOC] = 2,
	[LT_FN_REALLOCARRAY] = 3, [LT_FN_POSIX_MEMALIGN] = 3, [LT_FN_ALIGNED_ALLOC] = 2,
	[LT_FN_MEMALIGN] = 2,	    [LT_FN_VALLOC] = 1,	 [LT_FN_PVALLOC] = 1,
	[LT_FN_FREE] = 1,
};

struct lt_probes {
	struct leaktop_bpf *skel;
	enum lt_attach_mode mode;
	bool plan_offsets;
	struct bpf_link **links; /* perf mode, and the tracepoints */
	pid_t *link_pids;	 /* the process each is for; LT_ALL_PIDS for all */
	size_t nlinks, cap_links;
	int *fds; /* multi and session links */
	pid_t *fd_pids;
	size_t nfds, cap_fds;
	size_t nfuncs;
};

/* One function's probe in one object. */
struct site {
	enum lt_fn fn;	 /* its calling convention */
	uint64_t cookie; /* the probe's: fn, and LT_COOKIE_STEPPED on a single-stepped insn */
	uint64_t offset; /* file offset of the probe */
	const char *name;
};

const char *probes__mode_name(enum lt_attach_mode m)
{
	switch (m) {
	case LT_ATTACH_SESSION:
		return "session";
	case LT_ATTACH_MULTI:
		return "multi";
	case LT_ATTACH_PERF:
		return "perf";
	default:
		return "auto";
	}
}

int probes__parse_mode(const char *s, enum lt_attach_mode *m)
{
	for (int i = LT_ATTACH_AUTO; i <= LT_ATTACH_PERF; i++) {
		if (!strcmp(s, probes__mode_name(i))) {
			*m = i;
			return 0;
		}
	}
	return -EINVAL;
}

int probes__prepare(struct leaktop_bpf *skel, enum lt_attach_mode want, enum lt_attach_mode *mode)
{
	bool session = ulink__supported(LT_BPF_TRACE_UPROBE_SESSION);
	bool multi = ulink__supported(LT_BPF_TRACE_UPROBE_MULTI);
	unsigned int type = 0;

	*mode = want;
	if (want == LT_ATTACH_AUTO)
		*mode = session ? LT_ATTACH_SESSION : multi ? LT_ATTACH_MULTI : LT_ATTACH_PERF;
	if ((*mode == LT_ATTACH_SESSION && !session) || (*mode == LT_ATTACH_MULTI && !multi)) {
		lt_err("this kernel has no uprobe %s links (%s needs Linux %s)",
		       probes__mode_name(*mode), probes__mode_name(*mode),
		       *mode == LT_ATTACH_SESSION ? "6.13" : "6.6");
		return -EOPNOTSUPP;
	}
	if (*mode != LT_ATTACH_PERF)
		type = LT_BPF_TRACE_UPROBE_MULTI;
	/* The allocator's programs, and the calibration's, which mirror them (calibrate.c). */
	bpf_program__set_autoload(skel->progs.alloc_session, *mode == LT_ATTACH_SESSION);
	bpf_program__set_autoload(skel->progs.alloc_enter, *mode != LT_ATTACH_SESSION);
	bpf_program__set_autoload(skel->progs.alloc_exit, *mode != LT_ATTACH_SESSION);
	bpf_program__set_autoload(skel->progs.calib_session, *mode == LT_ATTACH_SESSION);
	bpf_program__set_autoload(skel->progs.calib_enter, *mode != LT_ATTACH_SESSION);
	bpf_program__set_autoload(skel->progs.calib_exit, *mode != LT_ATTACH_SESSION);
	bpf_program__set_expected_attach_type(skel->progs.alloc_session,
					      LT_BPF_TRACE_UPROBE_SESSION);
	bpf_program__set_expected_attach_type(skel->progs.calib_session,
					      LT_BPF_TRACE_UPROBE_SESSION);
	bpf_program__set_expected_attach_type(skel->progs.alloc_enter, type);
	bpf_program__set_expected_attach_type(skel->progs.alloc_exit, type);
	bpf_program__set_expected_attach_type(skel->progs.free_enter, type);
	bpf_program__set_expected_attach_type(skel->progs.calib_enter, type);
	bpf_program__set_expected_attach_type(skel->progs.calib_exit, type);
	return 0;
}

struct lt_probes *probes__new(struct leaktop_bpf *skel, enum lt_attach_mode mode,
			      bool plan_offsets)
{
	struct lt_probes *p = calloc(1, sizeof(*p));

	if (p) {
		p->skel = skel;
		p->mode = mode;
		p->plan_offsets = plan_offsets;
	}
	return p;
}

struct detach_job {
	struct bpf_link *link;
	int fd;
};

static void *detach_one(void *arg)
{
	struct detach_job *j = arg;

	if (j->link)
		bpf_link__destroy(j->link);
	else
		close(j->fd);
	return NULL;
}

/*
 * Closing a perf-event link waits for an RCU grace period (~70-110 ms here), one after the
 * other when done in a row. Waiters in parallel share grace periods, so each link gets a
 * thread: detaching takes one grace period, not one per link.
 */
void probes__free(struct lt_probes *p)
{
	size_t n, started = 0;
	struct detach_job *jobs;
	pthread_t *threads;

	if (!p)
		return;
	n = p->nlinks + p->nfds;
	jobs = calloc(n + 1, sizeof(*jobs));
	threads = calloc(n + 1, sizeof(*threads));
	for (size_t i = 0; jobs && i < n; i++) {
		jobs[i].link = i < p->nlinks ? p->links[i] : NULL;
		jobs[i].fd = i < p->nlinks ? -1 : p->fds[i - p->nlinks];
	}
	for (size_t i = 0; jobs && threads && i < n; i++) {
		if (pthread_create(&threads[i], NULL, detach_one, &jobs[i]))
			break;
		started++;
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	/* Whatever no thread took (out of memory or threads): in a row, as before. */
	for (size_t i = started; i < n; i++) {
		if (i < p->nlinks)
			bpf_link__destroy(p->links[i]);
		else
			close(p->fds[i - p->nlinks]);
	}
	free(jobs);
	free(threads);
	free(p->links);
	free(p->link_pids);
	free(p->fds);
	free(p->fd_pids);
	free(p);
}

size_t probes__count(const struct lt_probes *p)
{
	return p->nfuncs;
}

static int keep_fd(struct lt_probes *p, int fd, pid_t pid)
{
	size_t cap = p->cap_fds;

	if (lt_grow((void **)&p->fds, &cap, p->nfds, sizeof(*p->fds)) ||
	    lt_grow((void **)&p->fd_pids, &p->cap_fds, p->nfds, sizeof(*p->fd_pids))) {
		close(fd);
		return -ENOMEM;
	}
	p->fds[p->nfds] = fd;
	p->fd_pids[p->nfds++] = pid;
	return 0;
}

static int keep_link(struct lt_probes *p, struct bpf_link *l, pid_t pid)
{
	size_t cap = p->cap_links;

	if (lt_grow((void **)&p->links, &cap, p->nlinks, sizeof(*p->links)) ||
	    lt_grow((void **)&p->link_pids, &p->cap_links, p->nlinks, sizeof(*p->link_pids))) {
		bpf_link__destroy(l);
		return -ENOMEM;
	}
	p->links[p->nlinks] = l;
	p->link_pids[p->nlinks++] = pid;
	return 0;
}

int probes__keep_fd(struct lt_probes *p, int fd)
{
	return keep_fd(p, fd, LT_ALL_PIDS);
}

int probes__keep_link(struct lt_probes *p, struct bpf_link *l)
{
	return keep_link(p, l, LT_ALL_PIDS);
}

void probes__detach_pid(struct lt_probes *p, pid_t pid)
{
	if (pid == LT_ALL_PIDS)
		return;
	for (size_t i = p->nfds; i-- > 0;) {
		if (p->fd_pids[i] != pid)
			continue;
		close(p->fds[i]);
		p->fds[i] = p->fds[--p->nfds];
		p->fd_pids[i] = p->fd_pids[p->nfds];
	}
	for (size_t i = p->nlinks; i-- > 0;) {
		if (p->link_pids[i] != pid)
			continue;
		bpf_link__destroy(p->links[i]);
		p->links[i] = p->links[--p->nlinks];
		p->link_pids[i] = p->link_pids[p->nlinks];
	}
}

/* True when an earlier function of `o` sits at the same address and carries the probe. */
static bool alias_of_earlier(const struct lt_object *o, size_t sym)
{
	for (size_t k = 0; k < sym; k++) {
		if (o->funcs[k].found && o->funcs[k].vaddr == o->funcs[sym].vaddr)
			return true;
	}
	return false;
}

/* Plan the probe of one function, `f` of `o`, reading `nargs` arguments, into `site`. */
static void plan_site(struct lt_probes *p, pid_t pid, const struct lt_object *o,
		      const struct lt_elf_func *f, enum lt_fn fn, unsigned int nargs,
		      const char *name, uint64_t flags, struct site *site)
{
	struct lt_plan plan = { .why = "offsets=entry" };
	bool stepped;

	/* At +0 (offsets=entry) the plan still says whether +0 is emulated. */
	planner__plan_func(o->open_path, f, nargs, fn != LT_FN_FREE, &plan);
	stepped = !plan.emulated || (!p->plan_offsets && plan.delta);
	if (!p->plan_offsets) {
		plan.delta = 0;
		plan.insn[0] = '\0';
		snprintf(plan.why, sizeof(plan.why), "offsets=entry");
	}
	site->fn = fn;
	/* The cost estimate counts single-stepped traps apart: they cost 10-20 times more. */
	site->cookie = fn | flags | (stepped ? LT_COOKIE_STEPPED : 0);
	site->offset = f->file_offset + plan.delta;
	site->name = name;
	lt_info(1, "pid %d: %s at %s+%u%s%s (%s)", pid, name, o->path, plan.delta,
		plan.insn[0] ? ": " : "", plan.insn, plan.why);
	if (p->plan_offsets && !plan.emulated)
		lt_info(1, "pid %d: %s is probed at +0, single-stepped: %s", pid, name, plan.why);
}

/* Where each function of `o` gets its probe. Returns the number of sites. */
static size_t plan_sites(struct lt_probes *p, pid_t pid, const struct lt_object *o,
			 struct site *sites)
{
	size_t n = 0;

	for (size_t i = 0; i < LT_ALLOC_SYMS; i++) {
		const struct lt_elf_func *f = &o->funcs[i];
		enum lt_fn fn = lt_alloc_syms[i].fn;

		if (!f->found || alias_of_earlier(o, i))
			continue;
		if (o->py.free.found && i == LT_SYM_PYMEM_FREE)
			continue; /* the same target as PyObject_Free's, probed once */
		if (o->py.free.found && i == LT_SYM_PYOBJECT_FREE) {
			lt_info(1, "pid %d: PyObject_Free and PyMem_Free forward to pymalloc's free "
				"at %#" PRIx64 ", probed there", pid, o->py.free.target.vaddr);
			plan_site(p, pid, o, &o->py.free.target, fn, 2, "_PyObject_Free",
				  LT_COOKIE_ARG2, &sites[n++]);
			continue;
		}
		plan_site(p, pid, o, f, fn, fn_nargs[fn], lt_alloc_syms[i].name, 0, &sites[n++]);
	}
	return n;
}

/*
 * A failed attach to one process whose cause is that the process is gone: its /proc/PID/root
 * path no longer resolves (ENOENT) or the kernel finds no such task (ESRCH). Not an error here:
 * the caller knows whether that process mattered, and says so.
 */
static bool target_gone(pid_t pid, int err)
{
	return pid != LT_ALL_PIDS && (err == -ENOENT || err == -ESRCH) && !target__pid_alive(pid);
}

static int attach_multi(struct lt_probes *p, struct bpf_program *prog, unsigned int type,
			unsigned int flags, pid_t pid, const struct lt_object *o,
			const struct site *sites, size_t n)
{
	uint64_t offsets[LT_ALLOC_SYMS], cookies[LT_ALLOC_SYMS];
	int fd;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		offsets[i] = sites[i].offset;
		cookies[i] = sites[i].cookie;
	}
	fd = ulink__create(bpf_program__fd(prog), type, o->open_path, offsets, cookies, n, pid,
			   flags);
	if (fd < 0 && target_gone(pid, fd))
		return -ESRCH;
	if (fd < 0) {
		char who[32] = "for every process";

		if (pid != LT_ALL_PIDS)
			snprintf(who, sizeof(who), "in pid %d", pid);
		lt_err("failed to attach %s (%s link, %zu functions) to %s %s: %s",
		       bpf_program__name(prog), type == LT_BPF_TRACE_UPROBE_SESSION ? "session" : "multi",
		       n, o->path, who, strerror(-fd));
		return fd;
	}
	return keep_fd(p, fd, pid);
}

static int attach_perf(struct lt_probes *p, struct bpf_program *prog, bool retprobe, pid_t pid,
		       const struct lt_object *o, const struct site *s)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe, .bpf_cookie = s->cookie);
	struct bpf_link *link;
	int err;

	/* perf events take -1 for every process */
	link = bpf_program__attach_uprobe_opts(prog, pid == LT_ALL_PIDS ? -1 : pid, o->open_path,
					      s->offset, &opts);
	if (!link) {
		err = -errno;
		if (target_gone(pid, err))
			return -ESRCH;
		lt_err("failed to attach %s to %s:%s (offset %#" PRIx64 ") in pid %d: %s",
		       retprobe ? "uretprobe" : "uprobe", o->path,
		       s->name ? s->name : bpf_program__name(prog), s->offset,
		       pid, strerror(-err));
		return err;
	}
	return keep_link(p, link, pid);
}

/* The syscall programs, by side. */
static struct bpf_program **syscall_progs(struct leaktop_bpf *skel, bool sockets, size_t *n)
{
	static struct bpf_program *socks[8], *maps[6];

	socks[0] = skel->progs.sys_enter_socket;
	socks[1] = skel->progs.sys_exit_socket;
	socks[2] = skel->progs.sys_exit_accept;
	socks[3] = skel->progs.sys_exit_accept4;
	socks[4] = skel->progs.sys_enter_socketpair;
	socks[5] = skel->progs.sys_exit_socketpair;
	socks[6] = skel->progs.sys_enter_close;
	socks[7] = skel->progs.sys_enter_close_range;
	maps[0] = skel->progs.sys_enter_mmap;
	maps[1] = skel->progs.sys_exit_mmap;
	maps[2] = skel->progs.sys_enter_munmap;
	maps[3] = skel->progs.sys_exit_munmap;
	maps[4] = skel->progs.sys_enter_mremap;
	maps[5] = skel->progs.sys_exit_mremap;
	*n = sockets ? ARRAY_SIZE(socks) : ARRAY_SIZE(maps);
	return sockets ? socks : maps;
}

void probes__select_syscalls(struct leaktop_bpf *skel, bool sockets, bool mmap)
{
	struct bpf_program **progs;
	size_t n;

	progs = syscall_progs(skel, true, &n);
	for (size_t i = 0; i < n; i++)
		bpf_program__set_autoload(progs[i], sockets);
	bpf_program__set_autoload(skel->progs.sys_enter_dup2, sockets);
	bpf_program__set_autoload(skel->progs.sys_enter_dup3, sockets);
	progs = syscall_progs(skel, false, &n);
	for (size_t i = 0; i < n; i++)
		bpf_program__set_autoload(progs[i], mmap);
	/*
	 * The exits' stack walk (sys_exit_stack, in `sys_tail`) stays loaded: one side or the
	 * other is always on, and libbpf fills a prog array's static slots whether or not the
	 * map was created.
	 */
}

static int attach_tracepoint(struct lt_probes *p, struct bpf_program *prog)
{
	struct bpf_link *link = bpf_program__attach(prog);
	int err;

	if (!link) {
		err = -errno;
		lt_err("failed to attach the tracepoint of %s: %s%s", bpf_program__name(prog),
		       strerror(-err), err == -ENOENT ? " (is tracefs mounted?)" : "");
		return err;
	}
	return keep_link(p, link, LT_ALL_PIDS);
}

int probes__attach_syscalls(struct lt_probes *p, bool sockets, bool mmap)
{
	struct bpf_program **progs;
	int err = 0;
	size_t n;

	if (sockets) {
		progs = syscall_progs(p->skel, true, &n);
		for (size_t i = 0; i < n && !err; i++)
			err = attach_tracepoint(p, progs[i]);
		err = err ?: attach_tracepoint(p, p->skel->progs.sys_enter_dup2);
		err = err ?: attach_tracepoint(p, p->skel->progs.sys_enter_dup3);
	}
	if (mmap && !err) {
		progs = syscall_progs(p->skel, false, &n);
		for (size_t i = 0; i < n && !err; i++)
			err = attach_tracepoint(p, progs[i]);
	}
	return err;
}

int probes__attach_proc_events(struct lt_probes *p)
{
	return attach_tracepoint(p, p->skel->progs.proc_fork) ?:
	       attach_tracepoint(p, p->skel->progs.proc_exec) ?:
	       attach_tracepoint(p, p->skel->progs.proc_exit);
}

int probes__attach_per_call(struct lt_probes *p, pid_t pid, const char *open_path,
			    const char *path, const char *func)
{
	struct lt_plan plan = { .why = "offsets=entry" };
	struct lt_elf *e = elfobj__open(open_path);
	struct lt_elf_func f;
	struct site s;
	int err;

	if (!e) {
		err = -errno;
		if (target_gone(pid, err))
			return -ESRCH;
		lt_err("--per-call: cannot read %s: %s", path, strerror(-err));
		return err;
	}
	err = elfobj__find_user_func(e, func, &f);
	elfobj__close(e);
	if (err == -EEXIST)
		lt_err("--per-call: %s has several functions named %s", path, func);
	else if (err)
		lt_err("--per-call: %s has no function %s", path, func);
	if (err)
		return err;
	if (p->plan_offsets)
		planner__plan_func(open_path, &f, 0, false, &plan);
	s.fn = LT_FN__COUNT; /* not an allocator function: the cookie is unused */
	s.cookie = s.fn;
	s.offset = f.file_offset + plan.delta;
	s.name = func;
	lt_info(1, "pid %d: counting calls of %s at %s+%u (%s)", pid, func, path, plan.delta,
		plan.why);
	{
		struct lt_object o = { .path = (char *)path, .open_path = (char *)open_path };

		return attach_perf(p, p->skel->progs.per_call, false, pid, &o, &s);
	}
}

int probes__attach_pyfree_forwarders(struct lt_probes *p, pid_t pid, const struct lt_object *o)
{
	static const size_t syms[2] = { LT_SYM_PYOBJECT_FREE, LT_SYM_PYMEM_FREE };
	size_t first_link = p->nlinks;
	struct site sites[2];
	int err = 0;

	for (size_t k = 0; k < ARRAY_SIZE(syms); k++)
		plan_site(p, pid, o, &o->funcs[syms[k]], LT_FN_FREE, 1,
			  lt_alloc_syms[syms[k]].name, 0, &sites[k]);
	if (p->mode != LT_ATTACH_PERF)
		return attach_multi(p, p->skel->progs.free_enter, LT_BPF_TRACE_UPROBE_MULTI, 0, pid,
				    o, sites, ARRAY_SIZE(sites));
	for (size_t k = 0; k < ARRAY_SIZE(sites) && !err; k++)
		err = attach_perf(p, p->skel->progs.free_enter, false, pid, o, &sites[k]);
	/* All or nothing: the caller tries again at the next look. */
	while (err && p->nlinks > first_link)
		bpf_link__destroy(p->links[--p->nlinks]);
	return err;
}

int probes__attach_object(struct lt_probes *p, pid_t pid, const struct lt_object *o)
{
	struct leaktop_bpf *skel = p->skel;
	struct site sites[LT_ALLOC_SYMS], frees[LT_ALLOC_SYMS];
	size_t n, nalloc = 0, nfree = 0, first_link = p->nlinks, first_fd = p->nfds;
	int err = 0;

	n = plan_sites(p, pid, o, sites);
	/* The allocating functions and the releasing ones (free, operator delete...) apart. */
	for (size_t i = 0; i < n; i++) {
		if (sites[i].fn == LT_FN_FREE)
			frees[nfree++] = sites[i];
		else
			sites[nalloc++] = sites[i];
	}

	switch (p->mode) {
	case LT_ATTACH_SESSION:
		err = attach_multi(p, skel->progs.alloc_session, LT_BPF_TRACE_UPROBE_SESSION, 0,
				   pid, o, sites, nalloc);
		break;
	case LT_ATTACH_MULTI:
		/* The return side first: an entry seen without its return would leave a call
		 * pending on that thread. */
		err = attach_multi(p, skel->progs.alloc_exit, LT_BPF_TRACE_UPROBE_MULTI,
				   LT_BPF_F_UPROBE_MULTI_RETURN, pid, o, sites, nalloc) ?:
		      attach_multi(p, skel->progs.alloc_enter, LT_BPF_TRACE_UPROBE_MULTI, 0, pid,
				   o, sites, nalloc);
		break;
	default:
		for (size_t i = 0; i < nalloc && !err; i++)
			err = attach_perf(p, skel->progs.alloc_exit, true, pid, o, &sites[i]) ?:
			      attach_perf(p, skel->progs.alloc_enter, false, pid, o, &sites[i]);
		break;
	}
	if (!err && p->mode == LT_ATTACH_PERF) {
		for (size_t i = 0; i < nfree && !err; i++)
			err = attach_perf(p, skel->progs.free_enter, false, pid, o, &frees[i]);
	} else if (!err) {
		err = attach_multi(p, skel->progs.free_enter, LT_BPF_TRACE_UPROBE_MULTI, 0, pid, o,
				   frees, nfree);
	}
	if (err) {
		while (p->nlinks > first_link)
			bpf_link__destroy(p->links[--p->nlinks]);
		while (p->nfds > first_fd)
			close(p->fds[--p->nfds]);
		return err;
	}
	p->nfuncs += n;
	return 0;
}
