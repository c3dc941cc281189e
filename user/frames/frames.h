/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Naming stacks: native frames by the symbolizer (JIT code by the process's perf map, when it
 * writes one), interpreter frames by their runtime's namer (python.h), spliced in place of the
 * interpreter's own native frame. The report model calls
 * frames__name_stack() (an lt_stack_namer_fn) for the rows it shows; frames__prefetch() names
 * the interpreter frames of new stacks while their processes still live.
 */
#ifndef LEAKTOP_FRAMES_H
#define LEAKTOP_FRAMES_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hashmap.h"

struct lt_symbolizer;
struct lt_python;
struct lt_v8;
struct lt_perfmaps;
struct lt_frame;
struct lt_row;

/* What the user adds to the runtime (--config runtime=): at most this many, this long. */
#define LT_MAX_RUNTIME 32
#define LT_RUNTIME_NAME 64

struct lt_frames {
	struct lt_symbolizer *sym;
	struct lt_python *python;	/* NULL: interpreter frames are left out */
	struct lt_v8 *v8;		/* NULL: JavaScript frames are left native */
	struct lt_perfmaps *perfmaps;	/* JIT code named by /tmp/perf-PID.map; may be NULL */
	/*
	 * The user's additions to the runtime list (frames__is_runtime): file name prefixes
	 * ("libcrypto"), or namespaces ending in "::" ("boost::").
	 */
	const char (*runtime)[LT_RUNTIME_NAME];
	size_t nruntime;
	/* Each named function's runtime verdict, by its (interned) name and file: frames__release. */
	struct lt_hashmap verdicts;
};

/* Free what naming stacks kept (the verdicts); the handles in `fr` are their owners'. */
void frames__release(struct lt_frames *fr);

int frames__name_stack(void *ctx, pid_t pid, const __u64 *ips, uint32_t nips,
		       struct lt_frame **frames, size_t *n);

/*
 * Set the js_mem of the heap and mapping rows of processes that run V8 (jsmem.h) from their
 * native frames' names; other rows get LT_JS_MEM_NONE. Nothing without a V8 namer.
 */
void frames__js_mem(struct lt_frames *fr, struct lt_row *rows, size_t nrows);

/*
 * Whether a named native frame is runtime code rather than the program's own: an allocation
 * function; a file of the C and C++ runtime (libc, ld.so, libm, libstdc++, libgcc_s, libc++),
 * of an allocator (jemalloc, tcmalloc, mimalloc) or of an interpreter (libpython); the
 * runtime's code compiled into the program itself: C++'s templates (std::, __gnu_cxx::,
 * __cxxabiv1::), Rust's standard library (std::, core::, alloc::), Go's runtime (runtime.,
 * syscall., internal/); crt's _start; and what the user added (`fr->runtime`).
 * frames__name_stack sets each frame's `runtime` with it.
 */
bool frames__is_runtime(const struct lt_frames *fr, const struct lt_frame *f);

/*
 * The frame a stack is known by: the first in the program's own code. With interpreted code
 * that is the innermost Python frame or JavaScript frame of the program (not node's own
 * node: modules, nor a V8 builtin), else the innermost JavaScript frame a perf map named
 * (not a V8 builtin, stub or bytecode handler), else the innermost source frame of any kind;
 * otherwise the first native frame that is not runtime; when every frame is runtime, the
 * innermost. `*via` (may be NULL) gets the runtime
 * frame the program's native code called on the way (the one just inside it), or NULL. NULL
 * for an empty stack. The table, the summary, the metrics and the JSON all name a stack by it.
 */
const struct lt_frame *frames__own_frame(const struct lt_frame *frames, size_t n,
					 const struct lt_frame **via);

/* Name (and cache) the interpreter frames of these rows now: their code may go later. */
void frames__prefetch(struct lt_frames *fr, const struct lt_row *rows, size_t nrows);

/*
 * Before the final report: name the native frames of these rows, so that every object one
 * of them leaves unnamed is asked of debuginfod now, and wait for the answers, at most the
 * debuginfod timeout. Nothing when debuginfod is not in use.
 */
void frames__settle(struct lt_frames *fr, const struct lt_row *rows, size_t nrows);

#endif /* LEAKTOP_FRAMES_H */
