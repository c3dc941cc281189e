// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hashmap.h"
#include "objects.h"
#include "planner.h"
#include "util.h"

const char *const lt_fn_names[LT_FN__COUNT] = {
	[LT_FN_MALLOC] = "malloc",
	[LT_FN_CALLOC] = "calloc",
	[LT_FN_REALLOC] = "realloc",
	[LT_FN_REALLOCARRAY] = "reallocarray",
	[LT_FN_POSIX_MEMALIGN] = "posix_memalign",
	[LT_FN_ALIGNED_ALLOC] = "aligned_alloc",
	[LT_FN_MEMALIGN] = "memalign",
	[LT_FN_VALLOC] = "valloc",
	[LT_FN_PVALLOC] = "pvalloc",
	[LT_FN_FREE] = "free",
};

const struct lt_alloc_sym lt_alloc_syms[] = {
	{ "malloc", LT_FN_MALLOC },
	{ "calloc", LT_FN_CALLOC },
	{ "realloc", LT_FN_REALLOC },
	{ "reallocarray", LT_FN_REALLOCARRAY },
	{ "posix_memalign", LT_FN_POSIX_MEMALIGN },
	{ "aligned_alloc", LT_FN_ALIGNED_ALLOC },
	{ "memalign", LT_FN_MEMALIGN },
	{ "valloc", LT_FN_VALLOC },
	{ "pvalloc", LT_FN_PVALLOC },
	{ "free", LT_FN_FREE },
	/* operator new(size), new[], their nothrow and aligned forms: the size comes first. */
	{ "_Znwm", LT_FN_MALLOC },
	{ "_Znam", LT_FN_MALLOC },
	{ "_ZnwmRKSt9nothrow_t", LT_FN_MALLOC },
	{ "_ZnamRKSt9nothrow_t", LT_FN_MALLOC },
	{ "_ZnwmSt11align_val_t", LT_FN_MALLOC },
	{ "_ZnamSt11align_val_t", LT_FN_MALLOC },
	{ "_ZnwmSt11align_val_tRKSt9nothrow_t", LT_FN_MALLOC },
	{ "_ZnamSt11align_val_tRKSt9nothrow_t", LT_FN_MALLOC },
	/* operator delete in all its forms: the pointer comes first. */
	{ "_ZdlPv", LT_FN_FREE },
	{ "_ZdaPv", LT_FN_FREE },
	{ "_ZdlPvm", LT_FN_FREE },
	{ "_ZdaPvm", LT_FN_FREE },
	{ "_ZdlPvRKSt9nothrow_t", LT_FN_FREE },
	{ "_ZdaPvRKSt9nothrow_t", LT_FN_FREE },
	{ "_ZdlPvSt11align_val_t", LT_FN_FREE },
	{ "_ZdaPvSt11align_val_t", LT_FN_FREE },
	{ "_ZdlPvmSt11align_val_t", LT_FN_FREE },
	{ "_ZdaPvmSt11align_val_t", LT_FN_FREE },
	/* jemalloc's non-standard API: mallocx(size, flags), rallocx(ptr, size, flags), ... */
	{ "mallocx", LT_FN_MALLOC },
	{ "rallocx", LT_FN_REALLOC },
	{ "dallocx", LT_FN_FREE },
	{ "sdallocx", LT_FN_FREE },
	/*
	 * CPython's object allocator (pymalloc): blocks of 512 B or less come from its own
	 * arenas and never reach malloc. PyMem_Malloc shares it since 3.6.
	 */
	{ "PyObject_Malloc", LT_FN_MALLOC },
	{ "PyObject_Calloc", LT_FN_CALLOC },
	{ "PyObject_Realloc", LT_FN_REALLOC },
	{ "PyObject_Free", LT_FN_FREE },
	{ "PyMem_Malloc", LT_FN_MALLOC },
	{ "PyMem_Calloc", LT_FN_CALLOC },
	{ "PyMem_Realloc", LT_FN_REALLOC },
	{ "PyMem_Free", LT_FN_FREE },
};
_Static_assert(ARRAY_SIZE(lt_alloc_syms) == LT_ALLOC_SYMS, "LT_ALLOC_SYMS counts lt_alloc_syms");

static const struct {
	const char *pattern; /* fnmatch() over the basename */
	enum lt_family family;
} known[] = {
	{ "libc.so.6", LT_FAMILY_GLIBC },
	{ "libc-2.*.so", LT_FAMILY_GLIBC },
	{ "libc.musl-*.so.1", LT_FAMILY_MUSL },
	{ "ld-musl-*.so.1", LT_FAMILY_MUSL },
	{ "libjemalloc.so*", LT_FAMILY_JEMALLOC },
	{ "libtcmalloc*.so*", LT_FAMILY_TCMALLOC },
};

const char *objects__family_name(enum lt_family f)
{
	switch (f) {
	case LT_FAMILY_GLIBC:
		return "glibc";
	case LT_FAMILY_MUSL:
		return "musl";
	case LT_FAMILY_JEMALLOC:
		return "jemalloc";
	case LT_FAMILY_TCMALLOC:
		return "tcmalloc";
	case LT_FAMILY_EXE:
		return "executable";
	case LT_FAMILY_PYMALLOC:
		return "pymalloc";
	default:
		return "other";
	}
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

char *objects__open_path(pid_t pid, const struct lt_vma *v)
{
	char *path = NULL;
	struct stat st;

	if (!v->deleted) {
		if (asprintf(&path, "/proc/%d/root%s", pid, v->path) < 0)
			return NULL;
		/* Same file only if it is the same inode: a container may have replaced it. */
		if (!stat(path, &st) && st.st_ino == v->inode)
			return path;
		free(path);
	}
	if (asprintf(&path, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, v->start, v->end) < 0)
		return NULL;
	if (stat(path, &st) || st.st_ino != v->inode) {
		free(path);
		errno = ENOENT;
		return NULL;
	}
	return path;
}

/* The inode of the executable, to tell it apart from libraries. */
static uint64_t exe_inode(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	return stat(path, &st) ? 0 : st.st_ino;
}

static bool seen(const struct lt_maps *maps, size_t upto, const struct lt_vma *v)
{
	for (size_t i = 0; i < upto; i++) {
		const struct lt_vma *o = &maps->vmas[i];

		if (o->inode == v->inode && o->dev_major == v->dev_major &&
		    o->dev_minor == v->dev_minor && o->x)
			return true;
	}
	return false;
}

static bool pymalloc_on = true;

void objects__set_pymalloc(bool on)
{
	pymalloc_on = on;
}

_Static_assert(LT_SYM_PYOBJECT_MALLOC < LT_ALLOC_SYMS && LT_SYM_PYMEM_FREE < LT_ALLOC_SYMS,
	       "CPython's functions are in lt_alloc_syms");

/* Whether an object's functions make it an allocator: malloc's, or pymalloc's. */
static bool is_allocator(struct lt_elf_func *funcs)
{
	if (funcs[LT_FN_MALLOC].found && funcs[LT_FN_FREE].found)
		return true;
	return funcs[LT_SYM_PYOBJECT_MALLOC].found && funcs[LT_SYM_PYOBJECT_FREE].found;
}

/*
 * pymalloc's free behind PyObject_Free and PyMem_Free, when both are forwarders to the same
 * function (planner__forwarder) whose pointer the dynamic loader initializes to it.
 */
static void find_pyfree(struct lt_elf *elf, const struct lt_elf_func *funcs,
			struct lt_pyfree *out)
{
	static const size_t syms[2] = { LT_SYM_PYOBJECT_FREE, LT_SYM_PYMEM_FREE };
	struct lt_elf_func named;
	uint64_t target = 0;

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < ARRAY_SIZE(syms); k++) {
		const struct lt_elf_func *f = &funcs[syms[k]];
		struct lt_forwarder *fw = &out->fwd[k];
		uint64_t slot, to;
		uint8_t code[32];

		if (!f->found ||
		    pread(elfobj__fd(elf), code, sizeof(code), f->file_offset) != sizeof(code) ||
		    !planner__forwarder(code, sizeof(code), f->vaddr, fw))
			return;
		slot = fw->at;
		if (fw->via && !elfobj__reloc_value(elf, fw->at, &slot))
			slot += fw->off;
		else if (fw->via)
			return;
		if (elfobj__reloc_value(elf, slot, &to) || (k && to != target))
			return;
		target = to;
	}
	if (elfobj__vaddr_to_offset(elf, target, &out->target.file_offset))
		return;
	out->target.vaddr = target;
	/* Its size, when the symbol table names it: the planner then reads all of its code. */
	if (!elfobj__find_user_func(elf, "_PyObject_Free", &named) && named.vaddr == target)
		out->target.size = named.size;
	out->target.found = out->found = true;
}

/* How much of a file's code leaktop reads to count inlined copies, and in what steps. */
#define INLINED_SCAN_MAX (256u << 20)
#define INLINED_SCAN_STEP (1u << 20)

/*
 * Where an instruction at `at` (ELF address), its bytes at `b` with `room` of them readable,
 * loads or compares a qword at a rip-relative address: that address, or 0.
 */
static uint64_t rip_operand(const uint8_t *b, size_t room, uint64_t at)
{
	uint64_t len;
	int32_t disp;

	if (room < 7 || (b[0] & 0xf8) != 0x48 || (b[2] & 0xc7) != 0x05)
		return 0; /* REX.W, then a rip-relative operand */
	if (b[1] == 0x8b || b[1] == 0x3b || b[1] == 0x39)
		len = 7; /* mov, cmp reg,mem, cmp mem,reg */
	else if (b[1] == 0x81 && b[2] == 0x3d && room >= 11)
		len = 11; /* cmp mem,imm32 */
	else
		return 0;
	memcpy(&disp, b + 3, sizeof(disp));
	return at + len + (int64_t)disp;
}

/* Whether `at` is inside one of CPython's allocator functions, which the probes cover. */
static bool in_pyfuncs(const struct lt_elf_func *funcs, uint64_t at)
{
	for (size_t k = LT_SYM_PYOBJECT_MALLOC; k < LT_ALLOC_SYMS; k++) {
		const struct lt_elf_func *f = &funcs[k];

		if (f->found && at >= f->vaddr && at < f->vaddr + (f->size ? f->size : 1))
			return true;
	}
	return false;
}

/* The pointer a devirtualized function of `f` loads, or 0 (planner__devirtualized). */
static uint64_t devirtualized_slot(struct lt_elf *elf, const struct lt_elf_func *f,
				   uint64_t text, uint64_t text_end)
{
	uint8_t head[96];
	uint64_t slot;

	if (!f->found ||
	    pread(elfobj__fd(elf), head, sizeof(head), f->file_offset) != sizeof(head) ||
	    !planner__devirtualized(head, sizeof(head), f->vaddr, text, text_end, &slot))
		return 0;
	return slot;
}

/*
 * Debian's and Ubuntu's python3 are built with link-time optimization, which compiles
 * PyObject_Malloc and PyObject_Free into many of their callers: each copy loads the
 * allocator's pointer, and when it is pymalloc's own function, allocates or frees in line,
 * with no call for a probe to see. The functions themselves show the build
 * (planner__devirtualized). Counts, in `py`, the instructions elsewhere in .text that
 * load or compare each pointer (mov, cmp, and cmp with an immediate): each is a compiled-in
 * copy. Both 0 when the build is not so. The code is read in steps of 1 MiB, at most 256 MiB.
 */
static void count_inlined_pymalloc(struct lt_elf *elf, const struct lt_elf_func *funcs,
				   struct lt_pybuild *py)
{
	uint64_t addr, off, size, slot[2];
	uint8_t *buf;

	py->inlined_malloc = py->inlined_free = 0;
	if (elfobj__section_at(elf, ".text", &addr, &off, &size) || size < 16)
		return;
	if (size > INLINED_SCAN_MAX)
		size = INLINED_SCAN_MAX;
	slot[0] = devirtualized_slot(elf, &funcs[LT_SYM_PYOBJECT_MALLOC], addr, addr + size);
	slot[1] = devirtualized_slot(elf, &funcs[LT_SYM_PYOBJECT_FREE], addr, addr + size);
	if (!slot[0] || !(buf = malloc(INLINED_SCAN_STEP + 16)))
		return;
	for (uint64_t start = 0; start < size; start += INLINED_SCAN_STEP) {
		size_t want = size - start < INLINED_SCAN_STEP + 16 ? size - start
								  : INLINED_SCAN_STEP + 16;
		size_t end = want < INLINED_SCAN_STEP ? want : INLINED_SCAN_STEP;

		if (pread(elfobj__fd(elf), buf, want, off + start) != (ssize_t)want)
			break;
		/* Each instruction start once: the 16 bytes past `end` are the next step's. */
		for (size_t i = 0; i < end; i++) {
			uint64_t at = addr + start + i, to = rip_operand(buf + i, want - i, at);

			if (!to || (to != slot[0] && to != slot[1]) || in_pyfuncs(funcs, at))
				continue;
			if (to == slot[0])
				py->inlined_malloc++;
			else
				py->inlined_free++;
		}
	}
	free(buf);
}

static enum lt_family classify(const char *path, bool is_exe)
{
	const char *base = basename_of(path);

	if (is_exe)
		return LT_FAMILY_EXE;
	/* Debian installs musl as /usr/lib/x86_64-linux-musl/libc.so. */
	if (strstr(path, "-musl/") || strstr(path, "/musl/"))
		return LT_FAMILY_MUSL;
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		if (!fnmatch(known[i].pattern, base, 0))
			return known[i].family;
	}
	return LT_FAMILY_OTHER;
}

static int add_object(struct lt_object_list *list, const struct lt_object *o)
{
	if (lt_grow((void **)&list->v, &list->cap, list->n, sizeof(*list->v)))
		return -ENOMEM;
	list->v[list->n++] = *o;
	return 0;
}

/* A file examined: an allocator or not, its functions, and how it is attached. */
struct cache_entry {
	uint64_t ino;
	unsigned int dev_major, dev_minor;
	bool alloc;
	bool per_process;	/* probed for each process that maps it, not once for all */
	double attached_at;	/* when probed once for every process (now_mono); 0: not */
	bool inlined_said;	/* its inlined PyObject_Malloc said */
	struct lt_elf_func funcs[LT_ALLOC_SYMS];
	struct lt_pybuild py;
};

struct lt_object_cache {
	struct lt_hashmap index; /* file key, then key + 1... on collision -> entry index */
	struct cache_entry *v;
	size_t n, cap;
};

struct lt_object_cache *objects__cache_new(void)
{
	return calloc(1, sizeof(struct lt_object_cache));
}

void objects__cache_free(struct lt_object_cache *c)
{
	if (!c)
		return;
	hashmap__free(&c->index);
	free(c->v);
	free(c);
}

static uint64_t file_key(uint64_t ino, unsigned int major, unsigned int minor)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)major << 32 | minor);

	return h ^ (h >> 29);
}

/* The entry of a file, or NULL. Keys that collide take the next free key, so compare. */
static struct cache_entry *cache_find(const struct lt_object_cache *c, uint64_t ino,
				      unsigned int major, unsigned int minor)
{
	uint64_t i;

	if (!c)
		return NULL;
	for (uint64_t key = file_key(ino, major, minor); hashmap__get(&c->index, key, &i); key++) {
		struct cache_entry *e = &c->v[i];

		if (e->ino == ino && e->dev_major == major && e->dev_minor == minor)
			return e;
	}
	return NULL;
}

static struct cache_entry *cache_add(struct lt_object_cache *c, uint64_t ino, unsigned int major,
				     unsigned int minor)
{
	uint64_t key = file_key(ino, major, minor), i;

	if (lt_grow((void **)&c->v, &c->cap, c->n, sizeof(*c->v)))
		return NULL;
	while (hashmap__get(&c->index, key, &i))
		key++;
	if (hashmap__set(&c->index, key, c->n))
		return NULL;
	memset(&c->v[c->n], 0, sizeof(c->v[c->n]));
	c->v[c->n].ino = ino;
	c->v[c->n].dev_major = major;
	c->v[c->n].dev_minor = minor;
	return &c->v[c->n++];
}

double objects__cache_attached(struct lt_object_cache *c, const struct lt_object *o)
{
	struct cache_entry *e = cache_find(c, o->ino, o->dev_major, o->dev_minor);

	return e ? e->attached_at : 0;
}

void objects__cache_set_attached(struct lt_object_cache *c, const struct lt_object *o)
{
	struct cache_entry *e = cache_find(c, o->ino, o->dev_major, o->dev_minor);

	if (e)
		e->attached_at = now_mono();
}

bool objects__cache_say_inlined(struct lt_object_cache *c, const struct lt_object *o)
{
	struct cache_entry *e = cache_find(c, o->ino, o->dev_major, o->dev_minor);

	if (!o->py.inlined_malloc || (e && e->inlined_said))
		return false;
	if (e)
		e->inlined_said = true;
	return true;
}

bool objects__cache_per_process(struct lt_object_cache *c, const struct lt_object *o)
{
	struct cache_entry *e = cache_find(c, o->ino, o->dev_major, o->dev_minor);

	return e && e->per_process;
}

void objects__cache_set_per_process(struct lt_object_cache *c, const struct lt_object *o)
{
	struct cache_entry *e = cache_find(c, o->ino, o->dev_major, o->dev_minor);

	if (e)
		e->per_process = true;
}

bool objects__mapped_outside(const struct lt_object *o, const pid_t *inside, size_t n)
{
	struct dirent *d;
	DIR *dir = opendir("/proc");
	bool found = false;

	while (dir && !found && (d = readdir(dir))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);
		struct lt_maps maps;

		if (*end || pid <= 0 || pid == getpid())
			continue;
		for (size_t i = 0; i < n && !found; i++)
			found = inside[i] == pid;
		if (found) {
			found = false; /* in the scope */
			continue;
		}
		if (procmaps__read(pid, &maps))
			continue;
		for (size_t i = 0; i < maps.n && !found; i++)
			found = maps.vmas[i].inode == o->ino && maps.vmas[i].dev_major == o->dev_major &&
				maps.vmas[i].dev_minor == o->dev_minor;
		procmaps__free(&maps);
	}
	if (dir)
		closedir(dir);
	return found;
}

void objects__cache_counts(const struct lt_object_cache *c, size_t *files, size_t *allocators)
{
	*files = c->n;
	*allocators = 0;
	for (size_t i = 0; i < c->n; i++)
		*allocators += c->v[i].alloc;
}

/* Examine one executable file mapping; adds it to `out` when it is an allocator. */
static int consider(pid_t pid, const struct lt_vma *v, uint64_t exe_ino,
		    struct lt_object_cache *cache, struct lt_object_list *out)
{
	struct lt_object o = {
		.ino = v->inode,
		.dev_major = v->dev_major,
		.dev_minor = v->dev_minor,
	};
	struct lt_elf *elf;
	int err;

	struct cache_entry *known = cache_find(cache, v->inode, v->dev_major, v->dev_minor);

	if (known && !known->alloc)
		return 0;
	o.open_path = objects__open_path(pid, v);
	if (!o.open_path) {
		lt_info(1, "pid %d: cannot reach %s: %s", pid, v->path, strerror(errno));
		return 0;
	}
	if (known) {
		memcpy(o.funcs, known->funcs, sizeof(o.funcs));
		o.py = known->py;
	} else {
		const char *names[LT_ALLOC_SYMS];

		elf = elfobj__open(o.open_path);
		if (!elf) {
			lt_info(1, "pid %d: cannot read %s as ELF: %s", pid, v->path,
				strerror(errno));
			free(o.open_path);
			return 0;
		}
		for (size_t i = 0; i < LT_ALLOC_SYMS; i++)
			names[i] = lt_alloc_syms[i].name;
		elfobj__find_funcs(elf, names, LT_ALLOC_SYMS, o.funcs);
		find_pyfree(elf, o.funcs, &o.py.free);
		if (!o.py.free.found)
			count_inlined_pymalloc(elf, o.funcs, &o.py);
		elfobj__close(elf);
		known = cache ? cache_add(cache, v->inode, v->dev_major, v->dev_minor) : NULL;
		if (known) {
			known->alloc = is_allocator(o.funcs);
			memcpy(known->funcs, o.funcs, sizeof(o.funcs));
			known->py = o.py;
		}
	}
	if (!pymalloc_on) {
		memset(&o.py, 0, sizeof(o.py));
		for (size_t i = LT_SYM_PYOBJECT_MALLOC; i < LT_ALLOC_SYMS; i++)
			o.funcs[i].found = false;
	}
	if (!is_allocator(o.funcs)) {
		free(o.open_path);
		return 0;
	}
	o.family = classify(v->path, v->inode == exe_ino);
	if (!o.funcs[LT_FN_MALLOC].found)
		o.family = LT_FAMILY_PYMALLOC;
	o.path = strdup(v->path);
	if (!o.path) {
		free(o.open_path);
		return -ENOMEM;
	}
	err = add_object(out, &o);
	if (err) {
		free(o.path);
		free(o.open_path);
	}
	return err;
}

int objects__find_allocators(pid_t pid, const struct lt_maps *maps, struct lt_object_cache *cache,
			     struct lt_object_list *out)
{
	uint64_t exe_ino = exe_inode(pid);

	out->v = NULL;
	out->n = 0;
	out->cap = 0;
	for (size_t i = 0; i < maps->n; i++) {
		const struct lt_vma *v = &maps->vmas[i];
		int err;

		if (!v->x || !procmaps__is_file(v) || seen(maps, i, v))
			continue;
		err = consider(pid, v, exe_ino, cache, out);
		if (err)
			return err;
	}
	return out->n ? 0 : -ENOENT;
}

/* --- The host's allocator libraries -------------------------------------------------- */

/* Where the dynamic loader looks, and where Debian puts musl; ld.so.conf.d adds the rest. */
static const char *const lib_dirs[] = {
	"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib",
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-musl",
};

/* The allocator libraries a program may load: glibc's and musl's libc, and the malloc
 * replacements. Any other library that exports malloc is probed when a process maps it. */
static const char *const lib_patterns[] = {
	"libc.so.6", "libc.so", "libc.musl-*.so.1", "ld-musl-*.so.1", "libjemalloc.so*",
	"libtcmalloc*.so*", "libmimalloc*.so*",
};

struct dir_list {
	char **v;
	size_t n, cap;
};

static void dir_add(struct dir_list *l, const char *dir)
{
	char *copy;

	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i], dir))
			return;
	}
	if (lt_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)) || !(copy = strdup(dir)))
		return;
	l->v[l->n++] = copy;
}

/* The directories the *.conf files of /etc/ld.so.conf.d list, one absolute path a line. */
static void conf_dirs(struct dir_list *l)
{
	const char *conf = "/etc/ld.so.conf.d";
	DIR *d = opendir(conf);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[PATH_MAX], *text, *line, *save = NULL;

		if (fnmatch("*.conf", e->d_name, 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", conf, e->d_name);
		text = read_file(path, NULL);
		for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save)) {
			line[strcspn(line, " \t#")] = '\0';
			if (line[0] == '/')
				dir_add(l, line);
		}
		free(text);
	}
	if (d)
		closedir(d);
}

static bool lib_wanted(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(lib_patterns); i++) {
		if (!fnmatch(lib_patterns[i], name, 0))
			return true;
	}
	return false;
}

/*
 * Examine one library file as a process would map it: leaktop maps it itself for a moment,
 * so that its device and inode are the ones /proc/PID/maps shows (stat's device differs on
 * btrfs), and reads its functions through the same path as a process's objects.
 */
static int consider_file(const char *path, struct lt_object_cache *cache,
			 struct lt_object_list *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), err = 0;
	const struct lt_vma *v;
	struct lt_maps maps;
	struct stat st;
	void *addr;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 64) {
		close(fd);
		return 0;
	}
	addr = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (addr == MAP_FAILED)
		return 0;
	/* Only this machine's kind of object: a 32-bit libc's arguments are not in registers. */
	if (memcmp(addr, ELFMAG, SELFMAG) || ((unsigned char *)addr)[EI_CLASS] != ELFCLASS64 ||
	    ((Elf64_Ehdr *)addr)->e_machine != EM_X86_64) {
		munmap(addr, 4096);
		return 0;
	}
	if (!procmaps__read(getpid(), &maps)) {
		v = procmaps__find(&maps, (uintptr_t)addr);
		for (size_t k = 0; v && k < out->n; k++) {
			if (out->v[k].ino == v->inode && out->v[k].dev_major == v->dev_major &&
			    out->v[k].dev_minor == v->dev_minor)
				v = NULL; /* the same file by another name */
		}
		if (v && v->inode == (uint64_t)st.st_ino)
			err = consider(getpid(), v, 0, cache, out);
		procmaps__free(&maps);
	}
	munmap(addr, 4096);
	return err;
}

int objects__file_allocator(const char *path, struct lt_object_cache *cache,
			    struct lt_object_list *out)
{
	char real[PATH_MAX];

	if (!realpath(path, real))
		return 0;
	return consider_file(real, cache, out);
}

/* The absolute directories of a colon-separated search path, $ORIGIN expanded. */
static void add_search(struct dir_list *l, const char *list, const char *origin)
{
	char *copy = strdup(list), *save = NULL, *d;

	for (d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		char dir[PATH_MAX];

		if (!strncmp(d, "$ORIGIN", 7))
			snprintf(dir, sizeof(dir), "%s%s", origin, d + 7);
		else if (!strncmp(d, "${ORIGIN}", 9))
			snprintf(dir, sizeof(dir), "%s%s", origin, d + 9);
		else
			snprintf(dir, sizeof(dir), "%s", d);
		if (dir[0] == '/')
			dir_add(l, dir);
	}
	free(copy);
}

int objects__needed_allocators(const char *exe, struct lt_object_cache *cache,
			       struct lt_object_list *out)
{
	char real[PATH_MAX], origin[PATH_MAX], *needed[64], *runpath = NULL, *slash;
	const char *env = getenv("LD_LIBRARY_PATH");
	struct dir_list dirs = { 0 };
	struct lt_elf *e;
	bool is_rpath;
	int n, err = 0;

	*out = (struct lt_object_list){ 0 };
	if (!realpath(exe, real) || !(e = elfobj__open(real)))
		return 0;
	n = elfobj__needed(e, needed, ARRAY_SIZE(needed), &runpath, &is_rpath);
	elfobj__close(e);
	snprintf(origin, sizeof(origin), "%s", real);
	slash = strrchr(origin, '/');
	if (slash)
		*slash = '\0';
	/* The dynamic loader's order: DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH, then the system's. */
	if (runpath && is_rpath)
		add_search(&dirs, runpath, origin);
	if (env)
		add_search(&dirs, env, origin);
	if (runpath && !is_rpath)
		add_search(&dirs, runpath, origin);
	for (size_t i = 0; i < ARRAY_SIZE(lib_dirs); i++)
		dir_add(&dirs, lib_dirs[i]);
	conf_dirs(&dirs);
	for (int k = 0; k < n; k++) {
		for (size_t i = 0; !err && i < dirs.n; i++) {
			char path[PATH_MAX], found[PATH_MAX];

			if (strchr(needed[k], '/'))
				snprintf(path, sizeof(path), "%s", needed[k]);
			else
				snprintf(path, sizeof(path), "%s/%s", dirs.v[i], needed[k]);
			if (access(path, R_OK) || !realpath(path, found))
				continue;
			err = consider_file(found, cache, out);
			break;
		}
		free(needed[k]);
	}
	for (size_t i = 0; i < dirs.n; i++)
		free(dirs.v[i]);
	free(dirs.v);
	free(runpath);
	return err;
}

int objects__system_allocators(struct lt_object_cache *cache, struct lt_object_list *out)
{
	struct dir_list dirs = { 0 };
	int err = 0;

	*out = (struct lt_object_list){ 0 };
	for (size_t i = 0; i < ARRAY_SIZE(lib_dirs); i++)
		dir_add(&dirs, lib_dirs[i]);
	conf_dirs(&dirs);
	for (size_t i = 0; !err && i < dirs.n; i++) {
		DIR *d = opendir(dirs.v[i]);
		struct dirent *e;

		while (!err && d && (e = readdir(d))) {
			char path[PATH_MAX], real[PATH_MAX];

			if (!lib_wanted(e->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs.v[i], e->d_name);
			/* Named as a process's maps name it: symbolic links resolved. */
			if (realpath(path, real))
				err = consider_file(real, cache, out);
		}
		if (d)
			closedir(d);
	}
	for (size_t i = 0; i < dirs.n; i++)
		free(dirs.v[i]);
	free(dirs.v);
	return err;
}

/* Whether the executable of `pid` passes `test` (false when it cannot be read). */
static bool exe_is(pid_t pid, bool (*test)(struct lt_elf *e))
{
	char path[64];
	struct lt_elf *e;
	bool yes;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	e = elfobj__open(path);
	if (!e)
		return false;
	yes = test(e);
	elfobj__close(e);
	return yes;
}

/* Every Go binary since 1.18 has its build information here; older ones, the note. */
static bool is_go(struct lt_elf *e)
{
	return elfobj__has_section(e, ".go.buildinfo") || elfobj__has_section(e, ".note.go.buildid");
}

/* node, or a program linking V8 statically: V8 exports its postmortem metadata. */
static bool is_v8(struct lt_elf *e)
{
	static const char *const names[] = { "v8dbg_SmiShiftSize" };
	struct lt_elf_func f;

	return elfobj__find_syms(e, names, 1, &f) == 1;
}

bool objects__is_go(pid_t pid)
{
	return exe_is(pid, is_go);
}

bool objects__is_node(pid_t pid)
{
	return exe_is(pid, is_v8);
}

void objects__searched(const struct lt_maps *maps, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < maps->n && used < len; i++) {
		const struct lt_vma *v = &maps->vmas[i];

		if (!v->x || !procmaps__is_file(v) || seen(maps, i, v))
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
				 basename_of(v->path));
	}
	if (!used)
		snprintf(buf, len, "no executable file mappings at all");
}

size_t objects__alloc_ranges(const struct lt_maps *maps, const struct lt_object_list *list,
			     struct lt_range *out, size_t max)
{
	size_t n = 0;

	for (size_t k = 0; k < list->n; k++) {
		const struct lt_object *o = &list->v[k];
		struct lt_elf *e = NULL;
		uint64_t bias = 0;
		bool found = false;

		for (size_t i = 0; i < maps->n && !found; i++) {
			const struct lt_vma *v = &maps->vmas[i];

			if (!v->x || v->inode != o->ino)
				continue;
			e = elfobj__open(o->open_path);
			found = e && !elfobj__bias(e, v->start, v->offset, &bias);
			elfobj__close(e);
		}
		for (size_t i = 0; found && i < LT_ALLOC_SYMS && n < max; i++) {
			if (!o->funcs[i].found)
				continue;
			out[n].lo = o->funcs[i].vaddr + bias;
			out[n].hi = out[n].lo + (o->funcs[i].size ? o->funcs[i].size : 1);
			n++;
		}
	}
	return n;
}

/* /proc/PID/<name>, NUL-separated strings: `*n` bytes, malloc'd, NUL-ended; NULL: unread. */
static char *proc_strings(pid_t pid, const char *name, size_t *n)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	return read_file(path, n);
}

/* The value of `name` in an environment block of `n` bytes, or NULL. */
static const char *env_value(const char *env, size_t n, const char *name)
{
	size_t len = strlen(name);

	for (size_t at = 0; env && at < n; at += strlen(env + at) + 1) {
		if (!strncmp(env + at, name, len) && env[at + len] == '=')
			return env + at + len + 1;
	}
	return NULL;
}

/* Whether the process asks CPython for its debug hooks at start (PYTHONMALLOC, -X dev). */
bool objects__asks_debug_hooks(pid_t pid, char *why, size_t len)
{
	size_t n = 0;
	char *buf = proc_strings(pid, "environ", &n);
	const char *malloc_v = env_value(buf, n, "PYTHONMALLOC");
	const char *dev = env_value(buf, n, "PYTHONDEVMODE");
	bool asks = false;

	if (malloc_v && strstr(malloc_v, "debug")) {
		snprintf(why, len, "PYTHONMALLOC=%s", malloc_v);
		asks = true;
	} else if (dev && *dev) {
		snprintf(why, len, "PYTHONDEVMODE=%s", dev);
		asks = true;
	}
	free(buf);
	buf = asks ? NULL : proc_strings(pid, "cmdline", &n);
	for (size_t at = 0; buf && !asks && at < n; at += strlen(buf + at) + 1) {
		const char *s = buf + at;

		asks = !strcmp(s, "-Xdev") || (!strcmp(s, "-X") && at + 3 < n && !strcmp(s + 3, "dev"));
		if (asks)
			snprintf(why, len, "-X dev");
	}
	free(buf);
	return asks;
}

bool objects__python_uses_malloc(pid_t pid)
{
	size_t n = 0;
	char *buf = proc_strings(pid, "environ", &n);
	const char *v = env_value(buf, n, "PYTHONMALLOC");
	bool yes = v && (!strcmp(v, "malloc") || !strcmp(v, "malloc_debug"));

	free(buf);
	return yes;
}

/* Whether `addr` is in an executable mapping of the process. */
static bool in_code(const struct lt_maps *maps, uint64_t addr)
{
	for (size_t i = 0; i < maps->n; i++) {
		if (maps->vmas[i].x && addr >= maps->vmas[i].start && addr < maps->vmas[i].end)
			return true;
	}
	return false;
}

int objects__pyfree_hooked(pid_t pid, const struct lt_maps *maps, const struct lt_object *o,
			   char *why, size_t len)
{
	const struct lt_pyfree *pf = &o->py.free;
	uint64_t bias = 0, ptr[2] = { 0, 0 };
	bool found = false;
	char path[64];
	int fd, ret = 0;

	if (!pf->found)
		return 0;
	/* The bias of the mapping that holds the target's code: no need to read the file. */
	for (size_t i = 0; i < maps->n && !found; i++) {
		const struct lt_vma *v = &maps->vmas[i];

		if (!v->x || v->inode != o->ino || v->dev_major != o->dev_major ||
		    v->dev_minor != o->dev_minor || pf->target.file_offset < v->offset ||
		    pf->target.file_offset - v->offset >= v->end - v->start)
			continue;
		bias = v->start - v->offset - (pf->target.vaddr - pf->target.file_offset);
		found = true;
	}
	if (!found)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (size_t k = 0; k < 2 && !ret; k++) {
		const struct lt_forwarder *fw = &pf->fwd[k];
		uint64_t slot = fw->at + bias;

		if (fw->via && pread(fd, &slot, sizeof(slot), fw->at + bias) != sizeof(slot))
			ret = -EIO;
		else if (fw->via)
			slot += fw->off;
		if (!ret && pread(fd, &ptr[k], sizeof(ptr[k]), slot) != sizeof(ptr[k]))
			ret = -EIO;
		/*
		 * Elsewhere in code: hooked. Not in code (0, or the file's own value before the
		 * dynamic loader relocated it): not settled, the next look reads it again.
		 */
		else if (!ret && ptr[k] != pf->target.vaddr + bias)
			ret = in_code(maps, ptr[k]) ? 1 : 0;
		if (ret == 0 && ptr[k] != pf->target.vaddr + bias)
			break;
	}
	close(fd);
	if (ret == 1)
		snprintf(why, len, "%s leads to %#" PRIx64 ", not to pymalloc's free",
			 ptr[0] != pf->target.vaddr + bias ? "PyObject_Free" : "PyMem_Free",
			 ptr[0] != pf->target.vaddr + bias ? ptr[0] : ptr[1]);
	return ret;
}

const struct lt_vma *objects__find_mapped(const struct lt_maps *maps, const char *name)
{
	bool by_path = strchr(name, '/') != NULL;

	for (size_t i = 0; i < maps->n; i++) {
		const struct lt_vma *v = &maps->vmas[i];

		if (!v->x || !procmaps__is_file(v))
			continue;
		if (by_path ? !strcmp(v->path, name) : !strcmp(basename_of(v->path), name))
			return v;
	}
	return NULL;
}

double objects__probed_in(const struct lt_object_list *list, const struct lt_object *o)
{
	for (size_t k = 0; k < list->n; k++) {
		const struct lt_object *x = &list->v[k];

		if (x->ino == o->ino && x->dev_major == o->dev_major && x->dev_minor == o->dev_minor)
			return x->probed ? x->probed_at : 0;
	}
	return 0;
}

void objects__free(struct lt_object_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].path);
		free(list->v[i].open_path);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
	list->cap = 0;
}
