/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mapping events the kernel sends on its ring buffer, into regions.c. A mapping that the
 * allocator made for itself (its stack passes through malloc, calloc, realloc...) is left
 * out: those bytes are already the heap's.
 */
#ifndef LEAKTOP_EVENTS_H
#define LEAKTOP_EVENTS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "leaktop.h"
#include "objects.h"

struct lt_collector;
struct lt_events;
struct lt_regions;

/* Where the events go besides the regions. */
struct lt_event_hooks {
	/* What becomes of a process: told for LT_EV_EXEC, LT_EV_EXIT and LT_EV_FORK. */
	void (*on_proc)(void *ctx, const struct lt_event *ev);
	/* Whether a stack (frame 0 first) passes through one of the process's allocator functions. */
	bool (*in_allocator)(void *ctx, pid_t pid, const __u64 *ips, uint32_t n);
	void *ctx;
};

/* `regions` is NULL when mappings are not traced; a hook may be NULL. */
struct lt_events *events__new(int ringbuf_fd, struct lt_regions *regions,
			      struct lt_collector *collector, const struct lt_event_hooks *hooks);
void events__free(struct lt_events *e);

/* An fd that polls readable when events wait. */
int events__fd(const struct lt_events *e);

/* Apply every waiting event. 0 or -errno. */
int events__drain(struct lt_events *e);

#endif /* LEAKTOP_EVENTS_H */
