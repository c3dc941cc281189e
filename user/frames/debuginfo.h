/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a stripped object's function names are, found the way gdb and perf look for them:
 * the object's own .symtab; its .gnu_debugdata (MiniDebugInfo: an xz-compressed ELF holding
 * the symbols .dynsym lacks, as Fedora ships it); a debug file by build id
 * (/usr/lib/debug/.build-id/xx/rest.debug); its .gnu_debuglink; and last, when DEBUGINFOD_URLS
 * is set, the debuginfod servers, through libdebuginfod (its own cache, DEBUGINFOD_CACHE_PATH),
 * on a worker thread so that a slow server never holds up a table.
 *
 * Everything here is read from files a traced process or a server chose: paths inside a
 * process's root are resolved inside it (openat2 RESOLVE_IN_ROOT), a debug file counts only
 * when its build id is the object's (its CRC when the object has none), and every size is
 * bounded (compressed and decompressed MiniDebugInfo, symbol tables, CRC'ed files).
 */
#ifndef LEAKTOP_DEBUGINFO_H
#define LEAKTOP_DEBUGINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lt_elf;
struct lt_symtab;

/* Bounds on what a traced process's files can make leaktop read. */
#define LT_DEBUGDATA_MAX_IN (64u << 20)	/* compressed .gnu_debugdata */
#define LT_DEBUGDATA_MAX_OUT (128u << 20) /* decompressed */
#define LT_XZ_MEMLIMIT (96u << 20)	/* the xz decoder's memory (xz -9 needs 65 MiB) */
#define LT_DEBUGLINK_CRC_MAX (2ull << 30) /* a debuglink file CRC'ed (objects without build id) */
#define LT_BUILD_ID_HEX_MAX 129		/* 64 bytes in hex, and the NUL */

/* Where an object's names came from, in the order they are looked for. */
enum lt_names_source {
	LT_NAMES_NONE,		/* no symbol table at all */
	LT_NAMES_DYNSYM,	/* its .dynsym only: exported functions */
	LT_NAMES_SYMTAB,	/* its own .symtab */
	LT_NAMES_DEBUGDATA,	/* its .gnu_debugdata (MiniDebugInfo), with its .dynsym */
	LT_NAMES_BUILD_ID,	/* a debug file under /usr/lib/debug/.build-id */
	LT_NAMES_DEBUGLINK,	/* the debug file its .gnu_debuglink names */
	LT_NAMES_DEBUGINFOD,	/* a debug file from DEBUGINFOD_URLS */
};

/* "symtab", "gnu_debugdata", "build-id", ... for -v. */
const char *debuginfo__source_name(enum lt_names_source s);

/* Whether a source names more than the exported functions. */
static inline bool debuginfo__is_full(enum lt_names_source s)
{
	return s >= LT_NAMES_SYMTAB;
}

/* What to read an object's names from, found while its process lives. */
struct lt_names_file {
	enum lt_names_source source;
	int fd;			/* the object (SYMTAB, DEBUGDATA, DYNSYM) or its debug file; -1 */
	char where[256];	/* the debug file's path, for -v; "" when the object itself */
};

/*
 * Find where the object `obj` has its names. `path` is where the process maps it, inside its
 * root (`root_fd`, an O_PATH descriptor of /proc/PID/root; -1: none); `obj_fd` a descriptor of
 * the object, dup'ed into the result when the object itself is read; `build_id` its build id
 * in hex, or "". Always fills *out: LT_NAMES_NONE with fd -1 at worst.
 */
void debuginfo__find(int root_fd, const char *path, struct lt_elf *obj, int obj_fd,
		     const char *build_id, struct lt_names_file *out);

/*
 * Read the names of a found file into a finished table, and close its descriptor. NULL when
 * it holds none (or they could not be read: -v says why, of `what`, the object's path).
 */
struct lt_symtab *debuginfo__load(struct lt_names_file *f, const char *what);

/*
 * The debug file of `build_id` under /usr/lib/debug/.build-id, in the process's root
 * (`root_fd`; -1: none), then on this host, opened as debuginfo__find opens candidates and
 * checked to carry that build id (for unwind tables' .debug_frame). A descriptor, or -1.
 */
int debuginfo__open_build_id(int root_fd, const char *build_id);

/* Close a found file that will not be read. */
void debuginfo__release(struct lt_names_file *f);

/* Decompress an xz stream into at most `max` bytes: a malloc'ed buffer, or NULL (-E2BIG past
 * max, -EINVAL when corrupt or truncated, -ENOMEM) with *err. For MiniDebugInfo; tests. */
void *debuginfo__unxz(const void *in, size_t len, size_t max, size_t *out_len, int *err);

/* --- debuginfod ----------------------------------------------------------------------- */

struct lt_debuginfod;

/* The servers asked, or NULL when DEBUGINFOD_URLS is unset or empty. */
const char *debuginfod__urls(void);

/*
 * Start the worker thread that asks the servers. A question is given up when no byte of an
 * answer came for `timeout_s`. NULL when DEBUGINFOD_URLS is unset (errno 0) or on failure.
 */
struct lt_debuginfod *debuginfod__start(double timeout_s);
/* Abandon what is asked (an answer in flight is cut within a second), end the thread. */
void debuginfod__stop(struct lt_debuginfod *d);

/* Ask for the debug file of `build_id` (hex); `key` comes back with the answer. 0 or -errno. */
int debuginfod__ask(struct lt_debuginfod *d, const char *build_id, uint64_t key);

struct lt_debuginfod_answer {
	uint64_t key;
	struct lt_symtab *tab;	/* the debug file's names, finished; NULL when none */
	int err;		/* when NULL: -ENOENT (no server has it), -ETIME (timed out), ... */
	char path[256];		/* the file in the cache, for -v */
	char msg[512];		/* what went wrong reading it, to say; "" */
	double secs;		/* how long it took */
};

/* Take one finished answer: true with *out filled (its tab is the caller's), false if none. */
bool debuginfod__answer(struct lt_debuginfod *d, struct lt_debuginfod_answer *out);

/*
 * Wait until every question is answered or CLOCK_MONOTONIC reaches `deadline`: returns how
 * many are still unanswered.
 */
size_t debuginfod__wait(struct lt_debuginfod *d, double deadline);

#endif /* LEAKTOP_DEBUGINFO_H */
