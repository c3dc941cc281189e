// SPDX-License-Identifier: GPL-2.0
/* The check for CI (--fail-on): see check.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exitcode.h"
#include "util.h"

static bool prefixed(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static bool in_libc(const struct lt_frame *f)
{
	return prefixed(f->module, "libc.so") || prefixed(f->module, "libc-") ||
	       prefixed(f->module, "ld-musl");
}

static bool in_loader(const struct lt_frame *f)
{
	return prefixed(f->module, "ld-linux") || prefixed(f->module, "ld64.so") ||
	       prefixed(f->module, "ld-2.");
}

/*
 * The C library's functions that allocate state it keeps for the process's life and never
 * frees at exit (glibc frees them only when asked to, for valgrind: __libc_freeres). Matched
 * as prefixes of the first frame past the allocation functions, in libc. docs/leaktop.8 has
 * the same list.
 */
static const char *const libc_own[] = {
	"_IO_file_doallocate",	/* stdio buffers */
	"_IO_wfile_doallocate",
	"__new_exitfn",		/* atexit and on_exit's table */
	"_nl_",			/* locales and message catalogs */
	"setlocale",
	"__tzfile_read",	/* the time zone */
	"tzset_internal",
	"__gconv",		/* iconv's modules */
	"__nss_",		/* name services (getpwnam, getaddrinfo) */
	"nss_",
	"_dl_",			/* dlopen's state */
};

bool check__runtime_own(const struct lt_frame *frames, size_t n)
{
	const struct lt_frame *first = NULL;

	for (size_t i = 0; i < n && !first; i++)
		first = frames[i].cls == LT_FRAME_ALLOC ? NULL : &frames[i];
	if (!first)
		return false;
	if (in_libc(first)) {
		for (size_t i = 0; i < ARRAY_SIZE(libc_own); i++) {
			if (prefixed(first->func, libc_own[i]))
				return true;
		}
	}
	/*
	 * The dynamic loader's own, and what a shared library's constructor allocates while the
	 * loader runs it (libstdc++'s emergency exception pool): a frame in the loader before
	 * any frame of the program's own code.
	 */
	for (const struct lt_frame *f = first; f < frames + n; f++) {
		if (f->cls == LT_FRAME_APP || f->cls == LT_FRAME_PYTHON)
			return false;
		if (in_loader(f))
			return true;
	}
	return false;
}

static void exit_free(struct lt_check_exit *e)
{
	for (size_t i = 0; i < e->nframes; i++)
		free(e->frames[i]);
	free(e->frames);
	memset(e, 0, sizeof(*e));
}

/* The frames as strings of their own: the process's names go with its purge. */
static int exit_fill(struct lt_check_exit *e, pid_t pid, const char *comm, int64_t bytes,
		     int64_t count, const struct lt_frame *frames, size_t n)
{
	char buf[512];

	memset(e, 0, sizeof(*e));
	e->pid = pid;
	snprintf(e->comm, sizeof(e->comm), "%s", comm ?: "?");
	e->bytes = bytes;
	e->count = count;
	e->frames = calloc(n + 1, sizeof(*e->frames));
	if (!e->frames)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		report__frame_str(buf, sizeof(buf), &frames[i], true);
		e->frames[i] = strdup(buf);
		if (!e->frames[i]) {
			exit_free(e);
			return -ENOMEM;
		}
		e->nframes++;
	}
	return 0;
}

void check__on_exit(struct lt_check *c, pid_t pid, const char *comm, int64_t bytes,
		    int64_t count, const struct lt_frame *frames, size_t nframes)
{
	struct lt_check_exit *slot = NULL;

	if (c->on != LT_FAIL_LEAK || count <= 0)
		return;
	if (check__runtime_own(frames, nframes)) {
		c->runtime_blocks += count;
		c->runtime_bytes += bytes;
		return;
	}
	if (!c->exits && !(c->exits = calloc(LT_CHECK_MAX_EXITS, sizeof(*c->exits))))
		goto count_only;
	if (c->nexits < LT_CHECK_MAX_EXITS) {
		slot = &c->exits[c->nexits];
	} else {
		/* Full: the smallest kept goes, if this one is larger. */
		for (size_t i = 0; i < c->nexits; i++) {
			if (!slot || c->exits[i].bytes < slot->bytes)
				slot = &c->exits[i];
		}
		if (slot->bytes >= bytes)
			goto count_only;
		c->more_stacks++;
		c->more_bytes += slot->bytes;
		c->more_count += slot->count;
		exit_free(slot);
	}
	if (!exit_fill(slot, pid, comm, bytes, count, frames, nframes)) {
		c->nexits += slot == &c->exits[c->nexits];
		return;
	}
	/* Out of memory: the slot is empty again; if it was a replaced one, close the gap. */
	if (slot != &c->exits[c->nexits])
		*slot = c->exits[--c->nexits];
count_only:
	c->more_stacks++;
	c->more_bytes += bytes;
	c->more_count += count;
}

void check__free(struct lt_check *c)
{
	for (size_t i = 0; c && i < c->nexits; i++)
		exit_free(&c->exits[i]);
	if (c)
		free(c->exits);
}

const char *check__name(enum lt_fail_on on)
{
	return on == LT_FAIL_LEAK ? "leak" : on == LT_FAIL_GROWING ? "growing" : "off";
}

static bool growing(const struct lt_row *row)
{
	return row->trend == LT_TREND_GROWING;
}

static int cmp_exit(const void *a, const void *b)
{
	const struct lt_check_exit *x = *(const struct lt_check_exit *const *)a;
	const struct lt_check_exit *y = *(const struct lt_check_exit *const *)b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The report's heap rows of exited processes, but the runtime's own (counted in res). */
static int held_rows(const struct lt_report *r, struct lt_check_result *res)
{
	const struct lt_row **all;
	size_t n;

	all = report__select(r, report__row_is_heap, report__cmp_value, &n);
	if (!all)
		return -ENOMEM;
	res->held = all;
	for (size_t i = 0; i < n; i++) {
		const struct lt_proc *p = report__proc(r, all[i]->pid);

		/* A process kept after its purge (departed.h): check__on_exit() had its stacks. */
		if (!p || !p->exited || p->at_exit || all[i]->count <= 0)
			continue;
		if (check__runtime_own(all[i]->frames, all[i]->nframes)) {
			res->runtime_blocks += all[i]->count;
			res->runtime_bytes += all[i]->bytes;
			continue;
		}
		res->held_bytes += all[i]->bytes;
		res->held_count += all[i]->count;
		all[res->nheld++] = all[i];
	}
	return 0;
}

int check__result(const struct lt_check *c, const struct lt_report *r,
		  struct lt_check_result *res)
{
	size_t early = 0, judged = 0;

	memset(res, 0, sizeof(*res));
	res->on = c->on;
	if (c->on == LT_FAIL_OFF)
		return LT_EXIT_OK;
	for (size_t i = 0; i < r->nprocs; i++) {
		/* One kept after its purge has no verdict of its own: its trends were its exit's. */
		judged += !r->procs[i].at_exit;
		early += !r->procs[i].at_exit && r->procs[i].view.verdict == LT_PROC_TOO_EARLY;
		res->procs_exited += r->procs[i].exited;
	}
	res->too_early = judged && early == judged;
	res->growing = report__select(r, growing, report__cmp_rate, &res->ngrowing);
	if (!res->growing)
		return -ENOMEM;
	/* Not the stacks of a process kept after its purge: they grew no more once it exited. */
	for (size_t i = 0, n = res->ngrowing; i < n; i++) {
		const struct lt_proc *p = report__proc(r, res->growing[i]->pid);

		if (p && p->at_exit)
			res->ngrowing--;
		else
			res->growing[i - (n - res->ngrowing)] = res->growing[i];
	}
	if (c->on == LT_FAIL_LEAK) {
		if (held_rows(r, res))
			goto nomem;
		res->exits = calloc(c->nexits + 1, sizeof(*res->exits));
		if (!res->exits)
			goto nomem;
		for (size_t i = 0; i < c->nexits; i++) {
			res->exits[res->nexits++] = &c->exits[i];
			res->held_bytes += c->exits[i].bytes;
			res->held_count += c->exits[i].count;
		}
		qsort(res->exits, res->nexits, sizeof(*res->exits), cmp_exit);
		res->more_stacks = c->more_stacks;
		res->held_bytes += c->more_bytes;
		res->held_count += c->more_count;
		res->runtime_blocks += c->runtime_blocks;
		res->runtime_bytes += c->runtime_bytes;
	}
	res->failed = res->ngrowing || res->nheld || res->nexits || res->more_stacks;
	return res->failed ? LT_EXIT_CHECK : LT_EXIT_OK;
nomem:
	check__free_result(res);
	return -ENOMEM;
}

void check__free_result(struct lt_check_result *res)
{
	free(res->growing);
	free(res->held);
	free(res->exits);
	memset(res, 0, sizeof(*res));
}
