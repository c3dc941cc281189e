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

struct proc_ranges {
	pid_t pid;
	struct lt_range *v;
	size_t n;
};

struct lt_events {
	struct ring_buffer *rb;
	struct lt_regions *regions;
	struct lt_collector *collector;
	struct proc_ranges *procs;
	size_t nprocs;
	lt_proc_event_fn on_proc;
	void *ctx;
};

/* Whether the mapping's stack passes through one of the process's allocator functions. */
static bool by_allocator(struct lt_events *e, const struct lt_event *ev)
{
	const struct lt_stack *st = collector__stack(e->collector, ev->stack_id);
	const struct proc_ranges *p = NULL;

	for (size_t i = 0; i < e->nprocs && !p; i++)
		p = e->procs[i].pid == (pid_t)ev->tgid ? &e->procs[i] : NULL;
	if (!st || !p)
		return false;
	for (__u32 f = 1; f < st->len; f++) { /* frame 0 is the syscall wrapper itself */
		uint64_t ip = st->ips[f] - 1;

		for (size_t k = 0; k < p->n; k++) {
			if (ip >= p->v[k].lo && ip < p->v[k].hi)
				return true;
		}
	}
	return false;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct lt_events *e = ctx;
	const struct lt_event *ev = data;

	if (size < sizeof(*ev))
		return 0;
	if (ev->type == LT_EV_EXEC || ev->type == LT_EV_EXIT || ev->type == LT_EV_FORK) {
		if (e->on_proc)
			e->on_proc(e->ctx, ev);
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
			      struct lt_collector *collector, lt_proc_event_fn on_proc, void *ctx)
{
	struct lt_events *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->regions = regions;
	e->collector = collector;
	e->on_proc = on_proc;
	e->ctx = ctx;
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
	for (size_t i = 0; i < e->nprocs; i++)
		free(e->procs[i].v);
	free(e->procs);
	free(e);
}

void events__forget(struct lt_events *e, pid_t pid)
{
	for (size_t i = 0; i < e->nprocs; i++) {
		if (e->procs[i].pid != pid)
			continue;
		free(e->procs[i].v);
		e->procs[i] = e->procs[--e->nprocs];
		return;
	}
}

int events__set_ranges(struct lt_events *e, pid_t pid, const struct lt_range *ranges, size_t n)
{
	struct proc_ranges *tmp;

	events__forget(e, pid); /* a process looked at again (exec) gets its new ranges */
	tmp = realloc(e->procs, (e->nprocs + 1) * sizeof(*tmp));

	if (!tmp)
		return -ENOMEM;
	e->procs = tmp;
	tmp[e->nprocs].pid = pid;
	tmp[e->nprocs].n = n;
	tmp[e->nprocs].v = malloc((n ? n : 1) * sizeof(*ranges));
	if (!tmp[e->nprocs].v)
		return -ENOMEM;
	memcpy(tmp[e->nprocs].v, ranges, n * sizeof(*ranges));
	e->nprocs++;
	return 0;
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
