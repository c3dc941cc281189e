// SPDX-License-Identifier: GPL-2.0
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "events.h"
#include "leaktop.h"
#include "regions.h"

struct lt_events {
	struct ring_buffer *rb;
	struct lt_regions *regions;
	struct lt_collector *collector;
	struct lt_event_hooks hooks;
};

/* Whether the mapping's stack passes through one of the process's allocator functions. */
static bool by_allocator(struct lt_events *e, const struct lt_event *ev)
{
	const struct lt_stack *st = collector__stack(e->collector, ev->stack_id);

	/* Frame 0 is the syscall wrapper itself. */
	return st && st->len > 1 && e->hooks.in_allocator &&
	       e->hooks.in_allocator(e->hooks.ctx, ev->tgid, st->ips + 1, st->len - 1);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct lt_events *e = ctx;
	const struct lt_event *ev = data;

	if (size < sizeof(*ev))
		return 0;
	if (ev->type == LT_EV_EXEC || ev->type == LT_EV_EXIT || ev->type == LT_EV_FORK) {
		if (e->hooks.on_proc)
			e->hooks.on_proc(e->hooks.ctx, ev);
		return 0;
	}
	if (!e->regions)
		return 0;
	if (ev->type != LT_EV_MUNMAP && by_allocator(e, ev))
		return 0; /* the allocator's own: its blocks are counted as heap */
	regions__apply(e->regions, ev);
	return 0;
}

struct lt_events *events__new(int ringbuf_fd, struct lt_regions *regions,
			      struct lt_collector *collector, const struct lt_event_hooks *hooks)
{
	struct lt_events *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->regions = regions;
	e->collector = collector;
	e->hooks = *hooks;
	e->rb = ring_buffer__new(ringbuf_fd, on_event, e, NULL);
	if (!e->rb) {
		free(e);
		return NULL;
	}
	return e;
}

void events__free(struct lt_events *e)
{
	if (!e)
		return;
	ring_buffer__free(e->rb);
	free(e);
}

int events__fd(const struct lt_events *e)
{
	return ring_buffer__epoll_fd(e->rb);
}

int events__drain(struct lt_events *e)
{
	int n = ring_buffer__consume(e->rb);

	return n < 0 ? n : 0;
}
