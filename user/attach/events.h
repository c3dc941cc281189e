/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mapping events the kernel sends on its ring buffer, into regions.c. A mapping that the
 * allocator made for itself (its stack passes through malloc, calloc, realloc...) is left
 * out: those bytes are already the heap's.
 */
#ifndef LEAKTOP_EVENTS_H
#define LEAKTOP_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "leaktop.h"
#include "objects.h"

struct lt_collector;
struct lt_events;
struct lt_regions;

/* What becomes of a process: told for LT_EV_EXEC, LT_EV_EXIT and LT_EV_FORK events. */
typedef void (*lt_proc_event_fn)(void *ctx, const struct lt_event *ev);

/*
 * `regions` is NULL when mappings are not traced; process events go to `on_proc` (may be
 * NULL).
 */
struct lt_events *events__new(int ringbuf_fd, struct lt_regions *regions,
			      struct lt_collector *collector, lt_proc_event_fn on_proc, void *ctx);
void events__free(struct lt_events *e);

/* The allocator functions of process `pid`, for telling the allocator's own mappings. */
int events__set_ranges(struct lt_events *e, pid_t pid, const struct lt_range *ranges, size_t n);

/* Forget a process's allocator functions (it exited, or ran a new program). */
void events__forget(struct lt_events *e, pid_t pid);

/* An fd that polls readable when events wait. */
int events__fd(const struct lt_events *e);

/* Apply every waiting event. 0 or -errno. */
int events__drain(struct lt_events *e);

#endif /* LEAKTOP_EVENTS_H */
