/* SPDX-License-Identifier: GPL-2.0 */
/*
 * node processes: what the BPF side needs to find JavaScript frames (V8's frame layout, from the
 * v8dbg_* postmortem symbols node exports), and the names, scripts and lines of the functions
 * those frames ran, read through /proc/PID/mem and cached by SharedFunctionInfo address and
 * checksum.
 *
 * Layouts come from the binary: the v8dbg_* symbols give frame slots, object fields and
 * instance types, and V8's Version the release. What they do not give (ScopeInfo, which holds
 * most functions' names, and BytecodeArray's source position table) is each V8 major
 * release's own layout, checked against the objects it reads. A node leaktop cannot validate
 * keeps native frames, with one line that says why.
 */
#ifndef LEAKTOP_V8_H
#define LEAKTOP_V8_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "leaktop.h"

struct lt_maps;
struct lt_v8;

struct lt_v8 *v8__new(void);
void v8__free(struct lt_v8 *v8);

/*
 * Look at a process. 1 when it runs a V8 leaktop follows (*out is its BPF entry), 0 when it
 * runs none, -errno when it runs one leaktop cannot follow: `why` then says why in a few words,
 * or is empty when this process was refused before (it is not read again until forgotten). A
 * file found to have no V8 metadata is not read again either.
 */
int v8__look(struct lt_v8 *v8, pid_t pid, const struct lt_maps *maps, struct lt_v8_proc *out,
	     char *why, size_t len);

/* The process was purged, or ran a new program: forget it. */
void v8__forget(struct lt_v8 *v8, pid_t pid);

/* The BPF entry of a followed process; false when there is none. */
bool v8__entry(const struct lt_v8 *v8, pid_t pid, struct lt_v8_proc *out);

/*
 * Whether a process runs V8 (its last look found V8's metadata), followed or not: a node whose
 * frames stay native still has a JavaScript heap. False for a NULL v8.
 */
bool v8__runs(const struct lt_v8 *v8, pid_t pid);

/* V8's version in a followed process ("11.3"), or NULL. */
const char *v8__version(const struct lt_v8 *v8, pid_t pid);

/* A JavaScript frame: its function's name ("" for an anonymous one), script and line. */
struct lt_js_frame {
	const char *func;	/* live as long as `v8` */
	const char *file;	/* NULL: a function with no script (a V8 builtin) */
	uint32_t line;		/* 0: unknown */
};

/*
 * Name the JavaScript frame of a slot pair (leaktop.h). 0; -ESTALE when the object at that
 * address is not the function the frame ran (moved or freed by the GC); -ESRCH when the
 * process is not followed; -EIO when it cannot be read; -ENOSPC past the limits on what is
 * kept per process and for all (functions, and bytes of names and tables).
 */
int v8__name(struct lt_v8 *v8, pid_t pid, uint64_t sfi_slot, uint64_t pos_slot,
	     struct lt_js_frame *out);

/*
 * Since the session started: the distinct functions named, and the distinct frames that could
 * not be (their function moved or freed by V8's GC first, or unreadable), which keep their
 * native names.
 */
void v8__counts(const struct lt_v8 *v8, uint64_t *named, uint64_t *unnamed);

/* Whether a stack slot holds a JavaScript frame's slot rather than a return address. */
static inline bool v8__is_slot(uint64_t v)
{
	return (v >> LT_TAG_SHIFT) == LT_TAG_V8_SFI || (v >> LT_TAG_SHIFT) == LT_TAG_V8_POS;
}

/*
 * Decoders of V8's own formats, for the tests. The source position of bytecode offset
 * `offset` in a source position table (-1: none; offset < 0: the function's first), and the
 * line (1-based) of a source position, given the offsets of each line's end.
 */
int64_t v8__position(const uint8_t *table, size_t len, int64_t offset);
uint32_t v8__line(const uint32_t *ends, size_t n, int64_t position);

#endif /* LEAKTOP_V8_H */
