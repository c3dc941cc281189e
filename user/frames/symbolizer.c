// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libiberty/demangle.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo.h"
#include "elfobj.h"
#include "hashmap.h"
#include "objects.h"
#include "procmaps.h"
#include "symbolizer.h"
#include "symtab.h"
#include "util.h"

/* Distinct files named over a session; past this, new files keep their addresses only. */
#define MAX_OBJS (1u << 20)
#define NO_PROC UINT64_MAX

/*
 * One file, however many processes map it: found by build id (else device and inode), its
 * names read once, on the first address that needs them.
 */
struct obj {
	size_t id;				/* its index in objs[] */
	char key[LT_BUILD_ID_HEX_MAX + 2];	/* "b:<build id>", or "i:<dev>:<inode>" */
	char build_id[LT_BUILD_ID_HEX_MAX];	/* "" when it has none */
	char *path;			/* as the first process to map it sees it */
	struct lt_elf_load loads[LT_ELF_MAX_LOADS];
	size_t nloads;
	struct lt_names_file file;	/* where its names are: open until read */
	struct lt_symtab *tab;		/* NULL until read, or when it has no names */
	struct lt_hashmap names;	/* symbol index -> its name as printed, one per symbol */
	enum lt_names_source source;
	bool loaded;
	bool asked;			/* debuginfod was asked for it (once a session) */
	bool pending;			/* ... and has not answered yet */
	int ask_err;			/* its answer, when it had no file */
	bool hinted;			/* the line on how to name it was said */
	size_t refs;			/* processes' modules mapping it; 0: its file is closed */
};

/* A file as one process maps it. */
struct module {
	uint64_t start, end, bias;
	bool has_bias;
	uint64_t inode;
	struct obj *obj;	/* NULL when the file could not be read */
	struct lt_module info;	/* its strings are owned here */
};

/* One process: its modules by address, and the names already found. */
struct proc {
	pid_t pid;
	struct module **mods;	/* sorted by start, not overlapping */
	size_t nmods, cap_mods;
	struct module **retired; /* replaced (dlclose, then another file there): freed at forget */
	size_t nretired, cap_retired;
	struct lt_hashmap cache; /* ip -> index into syms */
	struct lt_sym *syms;
	size_t nsyms, cap;
};

struct lt_symbolizer {
	struct proc *procs;
	size_t nprocs, cap_procs;
	struct lt_hashmap by_pid;	/* pid -> index into procs; NO_PROC once forgotten */
	size_t forgotten;		/* NO_PROC entries: rebuilt when they outnumber the rest */
	struct obj **objs;		/* never freed before the end: an index is an object's id */
	size_t nobjs, cap_objs;
	struct lt_hashmap by_key;	/* str_hash(key) -> index (probing on past collisions) */
	struct lt_hashmap by_inode;	/* hash(dev, inode) -> index, to skip reading a known file */
	struct lt_strings strings;	/* every name handed out, freed at the end */
	double debuginfod_timeout;	/* 0: do not ask debuginfod */
	struct lt_debuginfod *debuginfod; /* started on the first question */
	bool debuginfod_failed;
};

struct lt_symbolizer *symbolizer__new(void)
{
	struct lt_symbolizer *s = calloc(1, sizeof(struct lt_symbolizer));

	if (s)
		s->debuginfod_timeout = LT_DEBUGINFOD_TIMEOUT_DEFAULT;
	return s;
}

void symbolizer__set_debuginfod(struct lt_symbolizer *s, double timeout_s)
{
	s->debuginfod_timeout = timeout_s;
}

static void module_free(struct module *m)
{
	if (!m)
		return;
	if (m->obj && m->obj->refs && !--m->obj->refs) {
		/* No process maps it any more: nothing will be looked up in it. */
		debuginfo__release(&m->obj->file);
		symtab__free(m->obj->tab);
		hashmap__free(&m->obj->names);
		m->obj->tab = NULL;
		m->obj->loaded = false;
	}
	free((char *)m->info.path);
	free((char *)m->info.build_id);
	free(m);
}

static void proc_clear(struct proc *p)
{
	for (size_t i = 0; i < p->nmods; i++)
		module_free(p->mods[i]);
	for (size_t i = 0; i < p->nretired; i++)
		module_free(p->retired[i]);
	free(p->mods);
	free(p->retired);
	hashmap__free(&p->cache);
	free(p->syms);
}

void symbolizer__free(struct lt_symbolizer *s)
{
	if (!s)
		return;
	debuginfod__stop(s->debuginfod);
	for (size_t i = 0; i < s->nprocs; i++)
		proc_clear(&s->procs[i]);
	for (size_t i = 0; i < s->nobjs; i++) {
		debuginfo__release(&s->objs[i]->file);
		symtab__free(s->objs[i]->tab);
		hashmap__free(&s->objs[i]->names);
		free(s->objs[i]->path);
		free(s->objs[i]);
	}
	free(s->objs);
	hashmap__free(&s->by_pid);
	hashmap__free(&s->by_key);
	hashmap__free(&s->by_inode);
	lt_strings_free(&s->strings);
	free(s->procs);
	free(s);
}

static struct proc *proc_get(struct lt_symbolizer *s, pid_t pid, bool create)
{
	uint64_t idx;

	if (hashmap__get(&s->by_pid, pid, &idx) && idx != NO_PROC)
		return &s->procs[idx];
	if (!create)
		return NULL;
	if (lt_grow((void **)&s->procs, &s->cap_procs, s->nprocs, sizeof(*s->procs)) ||
	    hashmap__set(&s->by_pid, pid, s->nprocs))
		return NULL;
	memset(&s->procs[s->nprocs], 0, sizeof(*s->procs));
	s->procs[s->nprocs].pid = pid;
	return &s->procs[s->nprocs++];
}

static uint64_t inode_key(const struct lt_vma *v)
{
	return ((uint64_t)v->dev_major << 52 ^ (uint64_t)v->dev_minor << 32) ^ v->inode ^
	       0x9e3779b97f4a7c15ULL;
}

static struct obj *obj_by_key(struct lt_symbolizer *s, const char *key)
{
	uint64_t h = str_hash(key), idx;

	for (; hashmap__get(&s->by_key, h, &idx); h++) {
		if (!strcmp(s->objs[idx]->key, key))
			return s->objs[idx];
	}
	return NULL;
}

static struct obj *obj_add(struct lt_symbolizer *s, const char *key)
{
	uint64_t h = str_hash(key), idx;
	struct obj *o;

	if (s->nobjs >= MAX_OBJS ||
	    lt_grow((void **)&s->objs, &s->cap_objs, s->nobjs, sizeof(*s->objs)))
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	while (hashmap__get(&s->by_key, h, &idx))
		h++;
	if (hashmap__set(&s->by_key, h, s->nobjs)) {
		free(o);
		return NULL;
	}
	snprintf(o->key, sizeof(o->key), "%s", key);
	o->file.fd = -1;
	o->id = s->nobjs;
	s->objs[s->nobjs++] = o;
	return o;
}

/*
 * The object of a file a process maps, opened through its root: known already (by device
 * and inode, or by build id), or read now while /proc/PID/root still leads to it, so that its
 * stacks can be named after it exits. The caller takes a reference. NULL when unreadable.
 */
static struct obj *obj_of(struct lt_symbolizer *s, pid_t pid, int root_fd, const struct lt_vma *v)
{
	char key[sizeof(((struct obj *)0)->key)], id[LT_BUILD_ID_HEX_MAX] = "";
	uint64_t ik = inode_key(v), idx;
	struct lt_elf *e = NULL;
	struct obj *o = NULL;
	char *open_path;
	int fd;

	if (hashmap__get(&s->by_inode, ik, &idx) && s->objs[idx]->refs)
		return s->objs[idx];
	open_path = objects__open_path(pid, v);
	fd = open_path ? open(open_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
	free(open_path);
	if (fd >= 0)
		e = elfobj__open_fd_read(dup(fd));
	if (!e)
		goto out;
	if (!elfobj__build_id(e, id, sizeof(id)))
		snprintf(key, sizeof(key), "b:%s", id);
	else
		snprintf(key, sizeof(key), "i:%u:%u:%" PRIu64, v->dev_major, v->dev_minor, v->inode);
	o = obj_by_key(s, key);
	if (!o && !(o = obj_add(s, key)))
		goto out;
	if (!o->refs) { /* new, or every process that mapped it had gone */
		snprintf(o->build_id, sizeof(o->build_id), "%s", id);
		if (!o->path)
			o->path = strdup(v->path);
		o->nloads = elfobj__loads(e, o->loads);
		debuginfo__release(&o->file);
		debuginfo__find(root_fd, v->path, e, fd, id, &o->file);
		o->source = o->file.source;
		lt_info(2, "pid %d: names for %s: %s%s%s", pid, v->path,
			debuginfo__source_name(o->source), o->file.where[0] ? " " : "",
			o->file.where);
	}
	hashmap__set(&s->by_inode, ik, o->id);
out:
	elfobj__close(e);
	if (fd >= 0)
		close(fd);
	return o;
}

/* The first module that ends past addr, by binary search: its index (may be n). */
static size_t module_at(const struct proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nmods;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->mods[mid]->end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Set a module aside: frames named from it may still point at its info until forget. */
static void retire(struct proc *p, size_t i)
{
	if (lt_grow((void **)&p->retired, &p->cap_retired, p->nretired, sizeof(*p->retired)))
		module_free(p->mods[i]);
	else
		p->retired[p->nretired++] = p->mods[i];
	memmove(&p->mods[i], &p->mods[i + 1], (p->nmods - i - 1) * sizeof(*p->mods));
	p->nmods--;
}

/* Record the file mapped at vmas [first, last] as one module spanning all its mappings. */
static void add_module(struct lt_symbolizer *s, struct proc *p, int root_fd, const char *exe,
		       const struct lt_maps *m, size_t first, size_t last)
{
	const struct lt_vma *v = &m->vmas[first];
	uint64_t end = m->vmas[last].end;
	size_t i = module_at(p, v->start);
	struct module *mod;

	if (i < p->nmods && p->mods[i]->start == v->start && p->mods[i]->end == end &&
	    p->mods[i]->inode == v->inode)
		return; /* known */
	/* Another file where one was (dlclose, then dlopen): names come from the new one. */
	while (i < p->nmods && p->mods[i]->start < end) {
		retire(p, i);
		hashmap__clear(&p->cache);
		p->nsyms = 0;
	}
	if (lt_grow((void **)&p->mods, &p->cap_mods, p->nmods, sizeof(*p->mods)))
		return;
	mod = calloc(1, sizeof(*mod));
	if (!mod)
		return;
	mod->start = v->start;
	mod->end = end;
	mod->inode = v->inode;
	mod->info.path = strdup(v->path);
	if (!mod->info.path) {
		free(mod);
		return;
	}
	mod->info.base = strrchr(mod->info.path, '/') ? strrchr(mod->info.path, '/') + 1
						       : mod->info.path;
	mod->info.start = v->start;
	mod->info.end = end;
	mod->info.offset = v->offset;
	mod->info.is_exe = exe && !strcmp(exe, v->path);
	mod->obj = obj_of(s, p->pid, root_fd, v);
	if (mod->obj) {
		mod->obj->refs++;
		mod->info.build_id = mod->obj->build_id[0] ? strdup(mod->obj->build_id) : NULL;
		mod->has_bias = !elfobj__bias_of(mod->obj->loads, mod->obj->nloads, v->start,
						 v->offset, &mod->bias);
	}
	memmove(&p->mods[i + 1], &p->mods[i], (p->nmods - i) * sizeof(*p->mods));
	p->mods[i] = mod;
	p->nmods++;
}

int symbolizer__refresh_maps(struct lt_symbolizer *s, pid_t pid, const struct lt_maps *mp)
{
	const struct lt_maps maps = *mp;
	char link[64], exe[4096];
	struct proc *p;
	ssize_t n;
	int root_fd;

	p = proc_get(s, pid, true);
	if (!p)
		return -ENOMEM;
	if (!maps.n)
		return -ESRCH; /* a zombie: keep what we know */
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(link, sizeof(link), "/proc/%d/root", pid);
	root_fd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < maps.n;) {
		size_t j = i;

		if (!procmaps__is_file(&maps.vmas[i])) {
			i++;
			continue;
		}
		/* A file's mappings are adjacent; gaps between them belong to it too. */
		while (j + 1 < maps.n && maps.vmas[j + 1].inode == maps.vmas[i].inode &&
		       !strcmp(maps.vmas[j + 1].path, maps.vmas[i].path))
			j++;
		add_module(s, p, root_fd, exe[0] ? exe : NULL, &maps, i, j);
		i = j + 1;
	}
	if (root_fd >= 0)
		close(root_fd);
	return 0;
}

bool symbolizer__knows(struct lt_symbolizer *s, pid_t pid)
{
	return proc_get(s, pid, false) != NULL;
}

void symbolizer__forget(struct lt_symbolizer *s, pid_t pid)
{
	struct proc *p = proc_get(s, pid, false);
	size_t i;

	if (!p)
		return;
	i = p - s->procs;
	proc_clear(p);
	hashmap__set(&s->by_pid, pid, NO_PROC);
	if (i != --s->nprocs) {
		s->procs[i] = s->procs[s->nprocs];
		hashmap__set(&s->by_pid, s->procs[i].pid, i);
	}
	/* Pids are reused, but a host goes through millions: the map holds the living only. */
	if (++s->forgotten > 2 * s->nprocs + 1024) {
		hashmap__free(&s->by_pid);
		s->forgotten = 0;
		for (i = 0; i < s->nprocs; i++)
			hashmap__set(&s->by_pid, s->procs[i].pid, i);
	}
}

char *symbolizer__demangle(const char *name)
{
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	/* No style flag: libiberty then tries Rust first (its legacy form overlaps C++), then C++. */
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI);
}

/* A name from a file, fit to print: demangled, without its symbol version, one line. */
static const char *keep_name(struct lt_symbolizer *s, const char *name)
{
	/* "__libc_start_main@@GLIBC_2.34": the version is not part of the name. */
	char *plain = strndup(name, strcspn(name, "@"));
	char *dm = plain ? symbolizer__demangle(plain) : NULL;

	if (dm) {
		free(plain);
		plain = dm;
	}
	for (char *c = plain; c && *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?'; /* a crafted name must not break a line of output */
	}
	return lt_strings_keep(&s->strings, plain);
}

/* Take the debuginfod answers in: an object named by one now has all its names. */
static void take_answers(struct lt_symbolizer *s)
{
	struct lt_debuginfod_answer a;

	while (debuginfod__answer(s->debuginfod, &a)) {
		struct obj *o = a.key < s->nobjs ? s->objs[a.key] : NULL;

		if (!o) {
			symtab__free(a.tab);
			continue;
		}
		o->pending = false;
		o->ask_err = a.err;
		if (a.msg[0])
			lt_warn("%s", a.msg);
		if (!a.tab) {
			lt_info(1, "debuginfod has no debug file for %s (build id %s): %s, after %.1f s",
				o->path, o->build_id, a.err == -ETIME ? "timed out" : strerror(-a.err),
				a.secs);
			continue;
		}
		lt_info(1, "names for %s from debuginfod (%s), in %.1f s", o->path, a.path, a.secs);
		if (!o->refs) { /* every process mapping it is gone: nothing to name */
			symtab__free(a.tab);
			continue;
		}
		debuginfo__release(&o->file);
		symtab__free(o->tab);
		hashmap__free(&o->names); /* its indices were the old table's */
		o->tab = a.tab;
		o->loaded = true;
		o->source = LT_NAMES_DEBUGINFOD;
	}
}

/* Ask debuginfod for an object whose frames its own names left unnamed. */
static void ask(struct lt_symbolizer *s, struct obj *o)
{
	if (o->asked || !o->build_id[0] || s->debuginfod_timeout <= 0 || s->debuginfod_failed ||
	    !debuginfod__urls())
		return;
	if (!s->debuginfod) {
		s->debuginfod = debuginfod__start(s->debuginfod_timeout);
		if (!s->debuginfod) {
			lt_warn("cannot start the debuginfod client: %s", strerror(errno));
			s->debuginfod_failed = true;
			return;
		}
	}
	if (debuginfod__ask(s->debuginfod, o->build_id, o->id))
		return; /* too many questions: asked again at its next unnamed frame */
	o->asked = o->pending = true;
}

/* The one line that says how to name a stripped object, once it is known none will come. */
static void hint(struct lt_symbolizer *s, struct obj *o)
{
	char id[LT_BUILD_ID_HEX_MAX + 16] = "", why[96] = "";
	bool can_ask = o->build_id[0] && s->debuginfod_timeout > 0;

	if (o->hinted || o->pending)
		return;
	o->hinted = true;
	if (o->build_id[0])
		snprintf(id, sizeof(id), " (build id %s)", o->build_id);
	if (o->asked && o->ask_err == -ETIME)
		snprintf(why, sizeof(why), " and debuginfod did not answer within %g s",
			 s->debuginfod_timeout);
	else if (o->asked)
		snprintf(why, sizeof(why), " and debuginfod has no debug file for it%s%s",
			 o->ask_err == -ENOENT ? "" : ": ",
			 o->ask_err == -ENOENT ? "" : strerror(-o->ask_err));
	lt_info(0, "%s function names in %s%s%s: install its package's debug symbols (-dbgsym; "
		"dpkg -S %s names the package)%s",
		o->source == LT_NAMES_DYNSYM ? "only exported" : "no", o->path, id, why, o->path,
		can_ask && !o->asked && !debuginfod__urls() ? ", or set DEBUGINFOD_URLS" : "");
}

static void lookup(struct lt_symbolizer *s, struct proc *p, uint64_t ip, struct lt_sym *out,
		   bool *final)
{
	size_t i = module_at(p, ip - 1);
	const struct module *m = i < p->nmods && p->mods[i]->start <= ip - 1 ? p->mods[i] : NULL;
	struct obj *o = m ? m->obj : NULL;
	const char *name;
	uint64_t off, kept;
	size_t index;

	memset(out, 0, sizeof(*out));
	*final = true;
	if (!m)
		return;
	out->mod = &m->info;
	out->module = m->info.base;
	if (!o || !m->has_bias)
		return;
	if (!o->loaded) {
		o->tab = debuginfo__load(&o->file, o->path ? o->path : "an object");
		o->loaded = true;
		if (!o->tab && debuginfo__is_full(o->source))
			o->source = LT_NAMES_NONE;
	}
	name = symtab__lookup_index(o->tab, ip - 1 - m->bias, &off, &index);
	if (name) {
		/* One string per function, whatever the number of addresses in it. */
		if (hashmap__get(&o->names, index, &kept)) {
			out->func = (const char *)(uintptr_t)kept;
		} else {
			out->func = keep_name(s, name);
			if (out->func)
				hashmap__set(&o->names, index, (uintptr_t)out->func);
		}
		out->offset = off + 1;
		return;
	}
	/* No symbol: give the address as the object's own (what addr2line -e takes). */
	out->offset = ip - m->bias;
	if (debuginfo__is_full(o->source))
		return;
	ask(s, o);
	*final = !o->pending; /* named again once debuginfod answers */
	hint(s, o);
}

void symbolizer__symbolize(struct lt_symbolizer *s, pid_t pid, uint64_t ip, struct lt_sym *out)
{
	struct proc *p = proc_get(s, pid, false);
	uint64_t idx;
	bool final;

	memset(out, 0, sizeof(*out));
	if (!ip)
		return;
	take_answers(s);
	if (!p) { /* a process no look has named yet (names are lazy in a scope) */
		struct lt_maps maps;

		if (!procmaps__read(pid, &maps)) {
			symbolizer__refresh_maps(s, pid, &maps);
			procmaps__free(&maps);
		}
		p = proc_get(s, pid, false);
	}
	if (!p)
		return;
	if (hashmap__get(&p->cache, ip, &idx)) {
		*out = p->syms[idx];
		return;
	}
	lookup(s, p, ip, out, &final);
	if (!final || lt_grow((void **)&p->syms, &p->cap, p->nsyms, sizeof(*p->syms)))
		return;
	if (hashmap__set(&p->cache, ip, p->nsyms))
		return;
	p->syms[p->nsyms++] = *out;
}

size_t symbolizer__settle(struct lt_symbolizer *s, double deadline)
{
	size_t left = debuginfod__wait(s->debuginfod, deadline);

	take_answers(s);
	/* What has not come by now will not be in the report: its frames get their line. */
	for (size_t i = 0; left && i < s->nobjs; i++) {
		if (s->objs[i]->pending) {
			s->objs[i]->pending = false;
			s->objs[i]->ask_err = -ETIME;
		}
	}
	return left;
}

double symbolizer__debuginfod_timeout(const struct lt_symbolizer *s)
{
	return s->debuginfod ? s->debuginfod_timeout : 0;
}

bool symbolizer__debuginfod_allowed(const struct lt_symbolizer *s)
{
	return s->debuginfod_timeout > 0 && !s->debuginfod_failed;
}
