/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses of traced processes into function+offset and module names. Files are opened
 * through /proc/PID/root (or map_files), so a container's own libraries are read, once per
 * file however many processes map it (by build id, else device and inode). A stripped file's
 * names are found as gdb and perf find them (debuginfo.h): .gnu_debugdata, a debug file by
 * build id or .gnu_debuglink, and last debuginfod, asked on a worker thread the first time
 * one of its frames stays unnamed; until it answers, such frames are named again each time.
 * C++ and Rust names are demangled.
 *
 * A process's files are opened at its first look, so its stacks can still be named after it
 * exits: call symbolizer__refresh_maps() while it lives to pick up dlopen'ed objects.
 */
#ifndef LEAKTOP_SYMBOLIZER_H
#define LEAKTOP_SYMBOLIZER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "frame.h" /* struct lt_module: the model's, which the symbolizer fills in */

struct lt_symbolizer;

struct lt_sym {
	const char *func;	/* demangled name, or NULL when no symbol covers the address */
	uint64_t offset;	/* from the start of func; from the module's base when func is NULL */
	const char *module;	/* basename of the object, or NULL outside any known object */
	const struct lt_module *mod; /* the object, or NULL; lives as long as the symbolizer */
};

/* The default of --config debuginfod-timeout: a server silent this long is given up. */
#define LT_DEBUGINFOD_TIMEOUT_DEFAULT 10.0

struct lt_symbolizer *symbolizer__new(void);
void symbolizer__free(struct lt_symbolizer *s);

/* How long debuginfod may stay silent before a question is given up; 0: never ask it. */
void symbolizer__set_debuginfod(struct lt_symbolizer *s, double timeout_s);

/*
 * Report the new or changed objects among the process's mappings (the registry's snapshot of
 * /proc/PID/maps). Returns 0, or -errno (-ESRCH for a zombie; what was known stays usable).
 */
struct lt_maps;
int symbolizer__refresh_maps(struct lt_symbolizer *s, pid_t pid, const struct lt_maps *maps);

/* Whether the process was refreshed at least once. */
bool symbolizer__knows(struct lt_symbolizer *s, pid_t pid);

/* Forget a process (it exited, or ran a new program): its names are of no more use. */
void symbolizer__forget(struct lt_symbolizer *s, pid_t pid);

/*
 * Name `ip`, a return address taken from a stack: the lookup uses ip - 1 so that a call at
 * the very end of a function is attributed to it, and the offset printed is ip's own. A
 * process not refreshed before is refreshed first (scopes meet new processes all the time).
 * The strings in `out` live as long as the symbolizer.
 */
void symbolizer__symbolize(struct lt_symbolizer *s, pid_t pid, uint64_t ip, struct lt_sym *out);

/*
 * Wait for debuginfod's answers until CLOCK_MONOTONIC `deadline` at most (the final report,
 * whose names are the last), and take them in. Returns how many questions are unanswered.
 */
size_t symbolizer__settle(struct lt_symbolizer *s, double deadline);

/* The debuginfod timeout when debuginfod was asked anything this session, else 0. */
double symbolizer__debuginfod_timeout(const struct lt_symbolizer *s);
/* Whether debuginfod may be asked (a timeout, and its client did not fail to start). */
bool symbolizer__debuginfod_allowed(const struct lt_symbolizer *s);

/*
 * Demangle a C++ (Itanium) or Rust symbol name. Returns a string to free, or NULL when the
 * name is not mangled.
 */
char *symbolizer__demangle(const char *name);

#endif /* LEAKTOP_SYMBOLIZER_H */
