// SPDX-License-Identifier: GPL-2.0
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop.skel.h"
#include "probes.h"
#include "util.h"

struct lt_probes {
	struct leaktop_bpf *skel;
	struct bpf_link **links;
	size_t n, cap;
};

struct lt_probes *probes__new(struct leaktop_bpf *skel)
{
	struct lt_probes *p = calloc(1, sizeof(*p));

	if (p)
		p->skel = skel;
	return p;
}

void probes__free(struct lt_probes *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		bpf_link__destroy(p->links[i]);
	free(p->links);
	free(p);
}

size_t probes__count(const struct lt_probes *p)
{
	return p->n;
}

/* The entry program of each function; the return side is alloc_exit for all but free. */
static struct bpf_program *entry_prog(struct leaktop_bpf *skel, enum lt_fn fn)
{
	switch (fn) {
	case LT_FN_MALLOC:
		return skel->progs.malloc_enter;
	case LT_FN_CALLOC:
		return skel->progs.calloc_enter;
	case LT_FN_REALLOC:
		return skel->progs.realloc_enter;
	case LT_FN_REALLOCARRAY:
		return skel->progs.reallocarray_enter;
	case LT_FN_POSIX_MEMALIGN:
		return skel->progs.posix_memalign_enter;
	case LT_FN_ALIGNED_ALLOC:
	case LT_FN_MEMALIGN:
		return skel->progs.memalign_enter;
	case LT_FN_VALLOC:
	case LT_FN_PVALLOC:
		return skel->progs.valloc_enter;
	case LT_FN_FREE:
		return skel->progs.free_enter;
	default:
		return NULL;
	}
}

static int push_link(struct lt_probes *p, struct bpf_link *link)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct bpf_link **tmp = realloc(p->links, cap * sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		p->links = tmp;
		p->cap = cap;
	}
	p->links[p->n++] = link;
	return 0;
}

static int attach_one(struct lt_probes *p, struct bpf_program *prog, pid_t pid,
		      const struct lt_object *o, enum lt_fn fn, bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);
	uint64_t off = o->funcs[fn].file_offset;
	struct bpf_link *link;
	int err;

	link = bpf_program__attach_uprobe_opts(prog, pid, o->open_path, off, &opts);
	if (!link) {
		err = -errno;
		lt_err("failed to attach %s to %s:%s+%#" PRIx64 " in pid %d: %s",
		       retprobe ? "uretprobe" : "uprobe", o->path, lt_fn_names[fn], off, pid,
		       strerror(-err));
		return err;
	}
	err = push_link(p, link);
	if (err)
		bpf_link__destroy(link);
	return err;
}

/* True when an earlier function of `o` sits at the same address and carries the probe. */
static bool alias_of_earlier(const struct lt_object *o, enum lt_fn fn)
{
	for (int k = 0; k < (int)fn; k++) {
		if (o->funcs[k].found && o->funcs[k].vaddr == o->funcs[fn].vaddr)
			return true;
	}
	return false;
}

int probes__attach_object(struct lt_probes *p, pid_t pid, const struct lt_object *o)
{
	size_t first = p->n;
	int err = 0;

	for (int fn = 0; fn < LT_FN__COUNT && !err; fn++) {
		if (!o->funcs[fn].found || alias_of_earlier(o, fn))
			continue;
		/*
		 * The return side goes first: an entry seen without its return would leave a
		 * call pending on that thread.
		 */
		if (fn != LT_FN_FREE)
			err = attach_one(p, p->skel->progs.alloc_exit, pid, o, fn, true);
		if (!err)
			err = attach_one(p, entry_prog(p->skel, fn), pid, o, fn, false);
		if (!err)
			lt_info(2, "pid %d: probed %s:%s at %#" PRIx64, pid, o->path,
				lt_fn_names[fn], o->funcs[fn].file_offset);
	}
	if (err) {
		while (p->n > first)
			bpf_link__destroy(p->links[--p->n]);
	}
	return err;
}
