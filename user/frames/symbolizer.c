// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <libiberty/demangle.h>
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hashmap.h"
#include "objects.h"
#include "report.h"
#include "procmaps.h"
#include "symbolizer.h"
#include "util.h"

/* One process: its dwfl session and the names already found. */
struct proc {
	pid_t pid;
	Dwfl *dwfl;
	struct lt_hashmap cache;	/* ip -> index into syms */
	struct lt_sym *syms;
	size_t nsyms, cap;
};

struct lt_symbolizer {
	struct proc *procs;
	size_t nprocs, cap_procs;
	struct lt_strings strings;	/* every string handed out, freed at the end */
};

/* What a module's userdata slot holds: how to open its file, and what it is. */
struct module_file {
	char *open_path;
	struct lt_module info;	/* its strings are owned here */
};

static char *debuginfo_path;

static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	struct module_file *mf = *userdata;
	int fd;

	(void)mod;
	(void)modname;
	(void)base;
	*elfp = NULL;
	if (!mf)
		return -1;
	fd = open(mf->open_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	*file_name = strdup(mf->open_path);
	return fd;
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

struct lt_symbolizer *symbolizer__new(void)
{
	return calloc(1, sizeof(struct lt_symbolizer));
}

static int free_module_file(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
			    void *arg)
{
	struct module_file *mf = *userdata;

	(void)mod;
	(void)name;
	(void)start;
	(void)arg;
	if (mf) {
		free(mf->open_path);
		free((char *)mf->info.path);
		free((char *)mf->info.build_id);
		free(mf);
		*userdata = NULL;
	}
	return DWARF_CB_OK;
}

void symbolizer__free(struct lt_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nprocs; i++) {
		struct proc *p = &s->procs[i];

		if (p->dwfl) {
			dwfl_getmodules(p->dwfl, free_module_file, NULL, 0);
			dwfl_end(p->dwfl);
		}
		hashmap__free(&p->cache);
		free(p->syms);
	}
	lt_strings_free(&s->strings);
	free(s->procs);
	free(s);
}

static struct proc *proc_get(struct lt_symbolizer *s, pid_t pid, bool create)
{
	for (size_t i = 0; i < s->nprocs; i++) {
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	}
	if (!create)
		return NULL;
	if (lt_grow((void **)&s->procs, &s->cap_procs, s->nprocs, sizeof(*s->procs)))
		return NULL;
	memset(&s->procs[s->nprocs], 0, sizeof(*s->procs));
	s->procs[s->nprocs].pid = pid;
	s->procs[s->nprocs].dwfl = dwfl_begin(&callbacks);
	if (!s->procs[s->nprocs].dwfl)
		return NULL;
	return &s->procs[s->nprocs++];
}

/* The build id of an opened module, as lowercase hex; NULL when it has none. */
static char *build_id_hex(Dwfl_Module *mod)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(mod, &bits, &vaddr);
	char *hex;

	if (n <= 0)
		return NULL;
	hex = malloc(2 * n + 1);
	for (int i = 0; hex && i < n; i++)
		sprintf(hex + 2 * i, "%02x", bits[i]);
	return hex;
}

/* Report the file mapped at vmas [first, last] as one module spanning all its mappings. */
static void report_module(Dwfl *dwfl, pid_t pid, const char *exe, const struct lt_maps *m,
			  size_t first, size_t last)
{
	const struct lt_vma *v = &m->vmas[first];
	struct module_file *mf;
	Dwarf_Addr bias;
	Dwfl_Module *mod;
	void **slot;

	mod = dwfl_report_module(dwfl, v->path, v->start, m->vmas[last].end);
	if (!mod)
		return;
	dwfl_module_info(mod, &slot, NULL, NULL, NULL, NULL, NULL, NULL);
	if (*slot)
		return; /* reported before: its file is known */
	mf = calloc(1, sizeof(*mf));
	if (!mf)
		return;
	mf->open_path = objects__open_path(pid, v);
	mf->info.path = strdup(v->path);
	if (!mf->open_path || !mf->info.path) {
		free(mf->open_path);
		free((char *)mf->info.path);
		free(mf);
		return;
	}
	mf->info.base = strrchr(mf->info.path, '/') ? strrchr(mf->info.path, '/') + 1
						     : mf->info.path;
	mf->info.start = v->start;
	mf->info.end = m->vmas[last].end;
	mf->info.offset = v->offset;
	mf->info.is_exe = exe && !strcmp(exe, v->path);
	*slot = mf;
	/*
	 * Open the file now, while /proc/PID/root still leads to it: once the process exits
	 * that path is gone, and its stacks must still be named in the final report.
	 */
	if (dwfl_module_getelf(mod, &bias))
		mf->info.build_id = build_id_hex(mod);
}

int symbolizer__refresh_maps(struct lt_symbolizer *s, pid_t pid, const struct lt_maps *mp)
{
	const struct lt_maps maps = *mp;
	char link[64], exe[4096];
	struct proc *p;
	ssize_t n;

	p = proc_get(s, pid, true);
	if (!p)
		return -ENOMEM;
	if (!maps.n)
		return -ESRCH; /* a zombie: keep what we know */
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	dwfl_report_begin_add(p->dwfl);
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
		report_module(p->dwfl, pid, exe[0] ? exe : NULL, &maps, i, j);
		i = j + 1;
	}
	dwfl_report_end(p->dwfl, NULL, NULL);
	return 0;
}

bool symbolizer__knows(struct lt_symbolizer *s, pid_t pid)
{
	return proc_get(s, pid, false) != NULL;
}

void symbolizer__forget(struct lt_symbolizer *s, pid_t pid)
{
	for (size_t i = 0; i < s->nprocs; i++) {
		struct proc *p = &s->procs[i];

		if (p->pid != pid)
			continue;
		if (p->dwfl) {
			dwfl_getmodules(p->dwfl, free_module_file, NULL, 0);
			dwfl_end(p->dwfl);
		}
		hashmap__free(&p->cache);
		free(p->syms);
		s->procs[i] = s->procs[--s->nprocs];
		return;
	}
}

char *symbolizer__demangle(const char *name)
{
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	/* No style flag: libiberty then tries Rust first (its legacy form overlaps C++), then C++. */
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI);
}

static const struct lt_module *module_info(Dwfl_Module *mod)
{
	struct module_file *mf;
	void **slot;

	dwfl_module_info(mod, &slot, NULL, NULL, NULL, NULL, NULL, NULL);
	mf = *slot;
	return mf ? &mf->info : NULL;
}

static void lookup(struct lt_symbolizer *s, struct proc *p, uint64_t ip, struct lt_sym *out)
{
	Dwfl_Module *mod = dwfl_addrmodule(p->dwfl, ip - 1);
	GElf_Off off = 0;
	Dwarf_Addr bias = 0;
	const char *name;
	GElf_Sym sym;

	memset(out, 0, sizeof(*out));
	if (!mod)
		return;
	out->mod = module_info(mod);
	out->module = out->mod ? out->mod->base : NULL;
	name = dwfl_module_addrinfo(mod, ip - 1, &off, &sym, NULL, NULL, NULL);
	if (name) {
		/* "__libc_start_main@@GLIBC_2.34": the version is not part of the name. */
		char *plain = strndup(name, strcspn(name, "@"));
		char *dm = plain ? symbolizer__demangle(plain) : NULL;

		if (dm)
			free(plain);
		out->func = lt_strings_keep(&s->strings, dm ? dm : plain);
		out->offset = off + 1;
		return;
	}
	/* No symbol: give the address as the object's own (what addr2line -e takes). */
	if (dwfl_module_getelf(mod, &bias))
		out->offset = ip - bias;
}

void symbolizer__symbolize(struct lt_symbolizer *s, pid_t pid, uint64_t ip, struct lt_sym *out)
{
	struct proc *p = proc_get(s, pid, false);
	uint64_t idx;

	memset(out, 0, sizeof(*out));
	if (!ip)
		return;
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
	lookup(s, p, ip, out);
	if (lt_grow((void **)&p->syms, &p->cap, p->nsyms, sizeof(*p->syms)))
		return;
	if (hashmap__set(&p->cache, ip, p->nsyms))
		return;
	p->syms[p->nsyms++] = *out;
}
