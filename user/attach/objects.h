/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocator objects: the ELF files a process really maps that define the malloc family, and
 * how to reach each one from leaktop's mount namespace.
 */
#ifndef LEAKTOP_OBJECTS_H
#define LEAKTOP_OBJECTS_H

#include <linux/types.h>
#include <stdint.h>
#include <sys/types.h>

#include "leaktop.h"

#include "elfobj.h"
#include "planner.h"
#include "procmaps.h"

/* lt_fn_names[fn] spells each enum lt_fn of leaktop.h. */
extern const char *const lt_fn_names[LT_FN__COUNT];

/*
 * Every function leaktop probes in an allocator object, with the calling convention (enum
 * lt_fn: where the size and pointer are) its probe reads. The first LT_FN__COUNT are the C
 * functions in enum lt_fn order; then the entry points some allocators have of their own:
 * C++'s operator new and delete (tcmalloc defines them and does not go through malloc),
 * jemalloc's *allocx family, and CPython's PyObject_ and PyMem_ allocators.
 */
struct lt_alloc_sym {
	const char *name;	/* the symbol (mangled for C++) */
	enum lt_fn fn;
};

#define LT_ALLOC_SYMS (LT_FN__COUNT + 30)
extern const struct lt_alloc_sym lt_alloc_syms[LT_ALLOC_SYMS];
/* Indexes in lt_alloc_syms[] of CPython's functions. */
#define LT_SYM_PYOBJECT_MALLOC (LT_ALLOC_SYMS - 8)
#define LT_SYM_PYOBJECT_FREE (LT_ALLOC_SYMS - 5)
#define LT_SYM_PYMEM_FREE (LT_ALLOC_SYMS - 1)

/*
 * pymalloc's own free, when PyObject_Free and PyMem_Free only forward to it through the
 * pointers CPython keeps of its allocators (a shared libpython): a probe on either forwarder
 * is single-stepped, some 10 us a free, where one on `target` costs an emulated trap. The
 * pointers point there unless the process changed its allocator (PYTHONMALLOC, -X dev,
 * tracemalloc, an embedder's own), which leaktop checks for each process (allocators.c).
 */
struct lt_pyfree {
	bool found;
	struct lt_elf_func target;	/* _PyObject_Free(ctx, block) */
	struct lt_forwarder fwd[2];	/* the pointers PyObject_Free and PyMem_Free jump through */
};

/* How CPython's allocator is built in a file, as far as its probes go. */
struct lt_pybuild {
	struct lt_pyfree free;
	/*
	 * PyObject_Malloc and PyObject_Free compiled into this many of their callers (link-time
	 * optimization, as Debian's python3): objects allocated or freed there take no probe.
	 */
	unsigned int inlined_malloc, inlined_free;
};

enum lt_family {
	LT_FAMILY_GLIBC,
	LT_FAMILY_MUSL,
	LT_FAMILY_JEMALLOC,
	LT_FAMILY_TCMALLOC,
	LT_FAMILY_EXE,	 /* the executable defines malloc itself (static, or its own allocator) */
	LT_FAMILY_OTHER, /* another library that exports malloc and free (mimalloc, asan...) */
	LT_FAMILY_PYMALLOC, /* CPython's object allocator, alone (libpython, or python itself) */
};

/* Whether CPython's object allocator is probed where found (on by default). */
void objects__set_pymalloc(bool on);

const char *objects__family_name(enum lt_family f);

struct lt_object {
	char *path;		/* as the process sees it in /proc/PID/maps */
	char *open_path;	/* the same file from here: /proc/PID/root/... or map_files */
	uint64_t ino;
	unsigned int dev_major, dev_minor;
	enum lt_family family;
	struct lt_elf_func funcs[LT_ALLOC_SYMS]; /* by lt_alloc_syms[] index */
	struct lt_pybuild py;
	bool probed; /* the caller's: its probes for this process are attached */
	double probed_at; /* the caller's: since when (now_mono()) */
};

struct lt_object_list {
	struct lt_object *v;
	size_t n, cap;
};

/*
 * What is known of every file examined so far, by device and inode, so that each is read
 * once however many processes map it: with --all, hundreds map the same libc. It also
 * remembers which allocator files are attached, since one attachment covers every process.
 */
struct lt_object_cache;

struct lt_object_cache *objects__cache_new(void);
void objects__cache_free(struct lt_object_cache *c);
/* When an allocator file was attached for every process (now_mono()); 0: it is not. */
double objects__cache_attached(struct lt_object_cache *c, const struct lt_object *o);
void objects__cache_set_attached(struct lt_object_cache *c, const struct lt_object *o);
/* Whether `o`'s inlined PyObject_Malloc (py.inlined_malloc) is yet to be said: true once. */
bool objects__cache_say_inlined(struct lt_object_cache *c, const struct lt_object *o);
/* Whether an allocator file is probed for each process that maps it, and marking it so. */
bool objects__cache_per_process(struct lt_object_cache *c, const struct lt_object *o);
void objects__cache_set_per_process(struct lt_object_cache *c, const struct lt_object *o);

/*
 * Whether a process not in `inside` (a sorted or unsorted list of n pids), nor leaktop, maps
 * the file of `o` now: one read of every process's mappings.
 */
bool objects__mapped_outside(const struct lt_object *o, const pid_t *inside, size_t n);
/* Distinct files examined, and how many are allocators. */
void objects__cache_counts(const struct lt_object_cache *c, size_t *files, size_t *allocators);

/*
 * Find the allocator objects among what `pid` maps (parsed from its /proc/PID/maps into
 * `maps`). An object qualifies when it defines both malloc and free. `cache` (may be NULL)
 * saves reading a file seen before. Returns 0, -ENOENT when nothing qualifies, or another
 * -errno. objects__free() the list in every case.
 */
int objects__find_allocators(pid_t pid, const struct lt_maps *maps, struct lt_object_cache *cache,
			     struct lt_object_list *out);
void objects__free(struct lt_object_list *list);

/*
 * The allocator libraries installed on the host, which a program started later may map: glibc's
 * and musl's libc, jemalloc, tcmalloc and mimalloc, found in the dynamic loader's directories
 * (the standard ones and /etc/ld.so.conf.d's). Each file once, named by its real path. Their
 * open_path stays valid while leaktop runs. 0 or -ENOMEM; objects__free() the list.
 */
int objects__system_allocators(struct lt_object_cache *cache, struct lt_object_list *out);

/*
 * Add the file at `path` to `out` when it is an allocator object (an executable with its own
 * malloc, say), named by its real path. 0 (also when it is not one) or -ENOMEM.
 */
int objects__file_allocator(const char *path, struct lt_object_cache *cache,
			    struct lt_object_list *out);

/*
 * The allocator libraries the executable at `exe` names in its DT_NEEDED entries (a shared
 * libpython, a jemalloc linked in), found as its dynamic loader would (DT_RPATH,
 * LD_LIBRARY_PATH, DT_RUNPATH with $ORIGIN, the system's directories): for probing a launched
 * command's allocators before it runs. 0 or -ENOMEM; objects__free() the list.
 */
int objects__needed_allocators(const char *exe, struct lt_object_cache *cache,
			       struct lt_object_list *out);
/* When `list`'s object of the same file as `o` (device and inode) was probed; 0: not. */
double objects__probed_in(const struct lt_object_list *list, const struct lt_object *o);

/*
 * Whether `pid` runs a Go program: Go's runtime has its own garbage-collected heap and no
 * malloc, so leaktop can trace its sockets and mappings, not its heap.
 */
bool objects__is_go(pid_t pid);

/*
 * Whether `pid` runs node (V8 in its executable): V8's JavaScript heap is pages V8 manages
 * itself, not malloc, so leaktop traces what JavaScript holds outside it.
 */
bool objects__is_node(pid_t pid);

/*
 * Whether `pid`'s environment or command line asks CPython for its debug hooks
 * (PYTHONMALLOC=...debug, PYTHONDEVMODE, -X dev), which it installs as it starts. `why`
 * says which.
 */
bool objects__asks_debug_hooks(pid_t pid, char *why, size_t len);
/*
 * Whether `pid` reaches another free than pymalloc's through PyObject_Free or PyMem_Free,
 * where `o` probes pymalloc's (o->py.free): the pointers in its memory lead to other code (the
 * debug hooks installed, tracemalloc, an embedder's allocator). 1 (`why` says how), 0 (not,
 * not yet relocated, or `o` has no such probe), or -errno when it cannot tell (gone).
 */
int objects__pyfree_hooked(pid_t pid, const struct lt_maps *maps, const struct lt_object *o,
			   char *why, size_t len);

/* Whether `pid` runs with PYTHONMALLOC=malloc or malloc_debug: CPython's objects from malloc. */
bool objects__python_uses_malloc(pid_t pid);

/* An address range [lo, hi) in a process. */
struct lt_range {
	uint64_t lo, hi;
};

/*
 * Where the allocator functions of `list` sit in the process whose mappings are `maps`: one
 * range per function. Returns how many ranges were written (at most `max`).
 */
size_t objects__alloc_ranges(const struct lt_maps *maps, const struct lt_object_list *list,
			     struct lt_range *out, size_t max);

/*
 * The mapping in `maps` of the object named `name`: its path, or a basename such as
 * "service" or "libfoo.so.1". NULL when none matches.
 */
const struct lt_vma *objects__find_mapped(const struct lt_maps *maps, const char *name);

/*
 * The basenames of the executable file objects in `maps`, comma-separated into buf: what
 * objects__find_allocators() searched, for error messages.
 */
void objects__searched(const struct lt_maps *maps, char *buf, size_t len);

/*
 * A path that reaches the file of mapping `v` of `pid` from leaktop's mount namespace:
 * /proc/PID/root/<path> when that is the same inode, else /proc/PID/map_files/<range>.
 * Returns a string to free, or NULL with errno set.
 */
char *objects__open_path(pid_t pid, const struct lt_vma *v);

#endif /* LEAKTOP_OBJECTS_H */
