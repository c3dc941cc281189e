/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses of traced processes into function+offset and module names, with libdw's dwfl.
 * Files are opened through /proc/PID/root (or map_files), so a container's own libraries are
 * read, and debuginfo is found by build id and debuglink. C++ and Rust names are demangled.
 *
 * A process's modules stay open after it exits, so its stacks can still be named in the final
 * report: call symbolizer__refresh_maps() while it lives to pick up dlopen'ed objects.
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

struct lt_symbolizer *symbolizer__new(void);
void symbolizer__free(struct lt_symbolizer *s);

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
 * Demangle a C++ (Itanium) or Rust symbol name. Returns a string to free, or NULL when the
 * name is not mangled.
 */
char *symbolizer__demangle(const char *name);

#endif /* LEAKTOP_SYMBOLIZER_H */
