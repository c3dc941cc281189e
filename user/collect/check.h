/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The check for CI (--fail-on): whether a trace fails, and on which stacks. The verdict is a
 * function of the final report and of what processes held when they exited, so every way of
 * choosing processes (-p, a scope, a launched command) shares it:
 *
 *   growing  a stack of the final report (heap, mappings or sockets) whose trend is growing;
 *   leak     that, or heap blocks a traced process still held when it exited.
 *
 * A process that exits is in the final report (-p) or purged from the kernel maps before it
 * (a scope). A purge hands what the process still held to check__on_exit(), named while its
 * names are still known, so the final verdict sees it too.
 *
 * Blocks the C runtime allocates for itself and keeps for the process's life (stdio buffers,
 * the dynamic loader's and the locale's state, atexit's table, ...) are still held at every
 * exit: they are not leaks, and are counted apart (check__runtime_own()).
 */
#ifndef LEAKTOP_CHECK_H
#define LEAKTOP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "report.h"

enum lt_fail_on {
	LT_FAIL_OFF,
	LT_FAIL_GROWING,
	LT_FAIL_LEAK,
};

/* At most this many stacks of purged processes are kept, the largest; the rest are counted. */
#define LT_CHECK_MAX_EXITS 256

/* A heap stack a purged process still held at its exit, named then. */
struct lt_check_exit {
	pid_t pid;
	char comm[17];
	int64_t bytes, count;
	char **frames;		/* "func+0x1f [module]", innermost first; owned */
	size_t nframes;
};

/* What the purges saw. */
struct lt_check {
	enum lt_fail_on on;
	struct lt_check_exit *exits;	/* up to LT_CHECK_MAX_EXITS */
	size_t nexits;
	uint64_t more_stacks;		/* held stacks past the bound: counted only */
	int64_t more_bytes, more_count;
	uint64_t runtime_blocks;	/* the C runtime's own blocks at purged exits */
	int64_t runtime_bytes;
};

/*
 * Whether a heap stack's blocks are the C runtime's own: its first frame past the
 * allocation functions is one of the runtime functions that allocate state kept for the
 * process's life (the list is in check.c and in the man page).
 */
bool check__runtime_own(const struct lt_frame *frames, size_t n);

/* A purged process held `count` blocks, `bytes`, under this named stack when it exited. */
void check__on_exit(struct lt_check *c, pid_t pid, const char *comm, int64_t bytes,
		    int64_t count, const struct lt_frame *frames, size_t nframes);
void check__free(struct lt_check *c);

/* The verdict; the arrays point into the report and the check, and are freed by free_result. */
struct lt_check_result {
	enum lt_fail_on on;
	bool failed;
	const struct lt_row **growing;	/* growing stacks, fastest first */
	size_t ngrowing;
	const struct lt_row **held;	/* heap rows of exited processes in the report, largest first */
	size_t nheld;
	const struct lt_check_exit **exits; /* the same of purged processes, largest first */
	size_t nexits;
	uint64_t more_stacks;		/* held at exit, beyond what was kept */
	int64_t held_bytes, held_count;	/* every stack held at exit (leak) */
	uint64_t runtime_blocks;	/* not counted: the C runtime's own */
	int64_t runtime_bytes;
	size_t procs_exited;		/* in the report */
	bool too_early;			/* no process had samples enough for a trend */
};

/*
 * Judge the final report `r` (named in full: report input's all_frames) and what `c`'s purges
 * saw. Returns LT_EXIT_OK or LT_EXIT_CHECK (exitcode.h), or -ENOMEM.
 */
int check__result(const struct lt_check *c, const struct lt_report *r,
		  struct lt_check_result *res);
void check__free_result(struct lt_check_result *res);

const char *check__name(enum lt_fail_on on);	/* "growing", "leak" */

#endif /* LEAKTOP_CHECK_H */
