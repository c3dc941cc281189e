/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPython processes: what the BPF side needs to find a thread's Python frames (found in the
 * interpreter's own binary and checked against its memory when a process is looked at), and
 * the names, files and lines of the code objects those frames ran (read through
 * /proc/PID/mem, and cached by code address and checksum).
 *
 * CPython 3.8 to 3.13 are known, built as a shared libpython or into the executable. Offsets
 * come from the binary where it publishes them: PyCode_Type's and PyFrame_Type's member
 * tables, 3.13's _Py_DebugOffsets, the code of PyGILState_GetThisThreadState and of glibc's
 * pthread_getspecific. The rest are each version's header layouts. A process whose
 * interpreter does not match them keeps native frames, with one line that says why.
 */
#ifndef LEAKTOP_PYTHON_H
#define LEAKTOP_PYTHON_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "leaktop.h"

struct lt_maps;
struct lt_python;

struct lt_python *python__new(void);
void python__free(struct lt_python *py);

/*
 * Look at a process. Returns 1 when it runs a CPython leaktop follows (*out is its BPF
 * entry), 0 when it runs none, or -errno when it runs one leaktop cannot follow: `why` then
 * says why, in a few words ("CPython 3.7 is not supported"), or is empty when this process's
 * last look gave the same reason.
 */
int python__look(struct lt_python *py, pid_t pid, const struct lt_maps *maps,
		 struct lt_py_proc *out, char *why, size_t len);

/*
 * The process was purged, or ran a new program: forget everything of it. (One that exited
 * and is not purged keeps the names found while it lived, for the final report.)
 */
void python__forget(struct lt_python *py, pid_t pid);

/* The BPF entry of a followed live process; false when there is none. */
bool python__entry(const struct lt_python *py, pid_t pid, struct lt_py_proc *out);

/* The CPython version of a followed process ("3.11"), or NULL. */
const char *python__version(const struct lt_python *py, pid_t pid);

/* Whether `ip` (a return address) is in the interpreter's _PyEval_EvalFrameDefault. */
bool python__is_eval(const struct lt_python *py, pid_t pid, uint64_t ip);

/* A Python frame: its code's qualified name, file and the line it was at (0: unknown). */
struct lt_py_frame {
	const char *func;	/* live as long as `py` */
	const char *file;
	uint32_t line;
};

/*
 * Name the Python frame of a stack's slot pair (leaktop.h). 0; -ESTALE when the code object at
 * that address is no longer the one the frame ran; -ESRCH when the process is not followed;
 * -EIO when the code object was never named and cannot be read now (the process exited);
 * -ENOSPC past the per-process limit of code objects named.
 */
int python__name(struct lt_python *py, pid_t pid, uint64_t code_slot, uint64_t pos_slot,
		 struct lt_py_frame *out);

/* Whether a stack slot holds a Python frame's slot rather than a return address. */
static inline bool python__is_slot(uint64_t v)
{
	return (v >> LT_TAG_SHIFT) == LT_TAG_PY_CODE || (v >> LT_TAG_SHIFT) == LT_TAG_PY_POS;
}

/* Whether a code slot marks an empty group: a native call running no Python frame. */
static inline bool python__slot_empty(uint64_t code_slot)
{
	return !(code_slot & ((1ULL << LT_TAG_SHIFT) - 1));
}

/* Line of code unit or byte `instr` (as the BPF side emits it) in a code object's line table. */
int python__line(int minor, const uint8_t *table, size_t len, int firstlineno, int64_t at);

#endif /* LEAKTOP_PYTHON_H */
