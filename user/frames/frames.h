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
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lt_symbolizer;
struct lt_python;
struct lt_v8;
struct lt_perfmaps;
struct lt_frame;
struct lt_row;

struct lt_frames {
	struct lt_symbolizer *sym;
	struct lt_python *python;	/* NULL: interpreter frames are left out */
	struct lt_v8 *v8;		/* NULL: JavaScript frames are left native */
	struct lt_perfmaps *perfmaps;	/* JIT code named by /tmp/perf-PID.map; may be NULL */
};

int frames__name_stack(void *ctx, pid_t pid, const __u64 *ips, uint32_t nips,
		       struct lt_frame **frames, size_t *n);

/*
 * Set the js_mem of the heap and mapping rows of processes that run V8 (jsmem.h) from their
 * native frames' names; other rows get LT_JS_MEM_NONE. Nothing without a V8 namer.
 */
void frames__js_mem(struct lt_frames *fr, struct lt_row *rows, size_t nrows);

/* Name (and cache) the interpreter frames of these rows now: their code may go later. */
void frames__prefetch(struct lt_frames *fr, const struct lt_row *rows, size_t nrows);

/*
 * Before the final report: name the native frames of these rows, so that every object one
 * of them leaves unnamed is asked of debuginfod now, and wait for the answers, at most the
 * debuginfod timeout. Nothing when debuginfod is not in use.
 */
void frames__settle(struct lt_frames *fr, const struct lt_row *rows, size_t nrows);

#endif /* LEAKTOP_FRAMES_H */
