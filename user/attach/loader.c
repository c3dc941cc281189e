// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF side of a session: the maps sized for the scope and the options, the programs'
 * read-only configuration, the unwind tables pushed in, and the links attached.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "calibrate.h"
#include "leaktop.skel.h"
#include "registry.h"
#include "sampler.h"
#include "session.h"
#include "unwind_tables.h"
#include "util.h"

/* Open sockets tracked at once. */
#define LT_MAX_SOCKETS (1 << 16)

/* Rows map size: what the tables need now, with room for objects mapped later. */
static size_t rows_map_size(const struct lt_config *cfg, size_t needed)
{
	size_t rows = needed * 2 > needed + (1 << 18) ? needed * 2 : needed + (1 << 18);

	if (cfg->unwind_rows)
		return cfg->unwind_rows;
	return rows > LT_UNWIND_ROWS_MAX ? LT_UNWIND_ROWS_MAX : rows;
}

int loader__build_unwind(struct lt_session *s)
{
	if (!s->unwind)
		return 0;
	if (s->cfg.unwind == LT_UNWIND_DWARF && s->scope.ops->strict &&
	    !unwind__rows_needed(s->unwind)) {
		lt_err("--unwind dwarf: no object of the traced processes has CFI (.eh_frame)");
		return -ENOENT;
	}
	s->unwind_rows_max = rows_map_size(&s->cfg, unwind__rows_needed(s->unwind));
	return 0;
}

int loader__sync_unwind(struct lt_session *s)
{
	int err;

	if (!s->unwind || !s->skel)
		return 0;
	err = unwind__sync(s->unwind, bpf_map__fd(s->skel->maps.unwind_rows),
			   bpf_map__fd(s->skel->maps.unwind_procs), s->unwind_rows_max);
	if (err)
		lt_err("failed to load the unwind tables into the kernel: %s", strerror(-err));
	return err;
}

int loader__load(struct lt_session *s)
{
	size_t procs = s->scope.ops->max_procs;
	struct leaktop_bpf *skel;
	int err;

	s->skel = skel = leaktop_bpf__open();
	if (!skel) {
		err = -errno;
		lt_err("failed to open the BPF object: %s", strerror(errno));
		return err;
	}
	err = probes__prepare(skel, s->cfg.attach, &s->mode);
	if (err)
		return err;
	if (s->cfg.empty_entry && s->mode != LT_ATTACH_SESSION) {
		/* Other links attach the return half apart: it would fire on every call. */
		lt_err("--config probes=empty-entry needs uprobe session links (attach=session, "
		       "Linux 6.13); these are %s links", probes__mode_name(s->mode));
		return -EOPNOTSUPP;
	}
	probes__select_syscalls(skel, s->cfg.sockets, s->cfg.heap);
	skel->rodata->cfg_sample_bytes = s->cfg.sample_bytes;
	skel->rodata->cfg_budget = s->cfg.max_overhead > 0;
	skel->rodata->cfg_empty = s->cfg.empty_probes;
	skel->rodata->cfg_empty_entry = s->cfg.empty_entry;
	skel->rodata->cfg_no_stacks = s->cfg.no_stacks;
	skel->rodata->cfg_unwind_cfi = s->unwind != NULL;
	skel->rodata->cfg_python = s->python != NULL && !s->cfg.no_stacks;
	skel->rodata->cfg_v8 = s->v8 != NULL && !s->cfg.no_stacks;
	skel->rodata->cfg_scope = s->scope.ops->bpf_scope;
	skel->rodata->cfg_self_tgid = getpid();
	sampler__exp_table((uint32_t *)skel->rodata->cfg_exp_q16);
	bpf_map__set_max_entries(skel->maps.unwind_rows, s->unwind ? s->unwind_rows_max : 1);
	bpf_map__set_max_entries(skel->maps.unwind_procs, procs);
	bpf_map__set_max_entries(skel->maps.py_procs, procs);
	bpf_map__set_max_entries(skel->maps.v8_procs, procs);
	bpf_map__set_max_entries(skel->maps.allocs, s->cfg.max_allocs);
	/* The filter in front of `allocs` serves sampled traces alone (leaktop.bpf.c). */
	bpf_map__set_max_entries(skel->maps.live_filter,
				 s->cfg.sample_bytes || s->cfg.max_overhead > 0 ? LT_FILTER_SLOTS : 1);
	bpf_map__set_max_entries(skel->maps.stacks, s->cfg.max_stacks);
	/* Room for every stack, plus each process's [stack unavailable] row. */
	bpf_map__set_max_entries(skel->maps.totals, s->cfg.max_stacks + procs);
	bpf_map__set_max_entries(skel->maps.sock_totals, s->cfg.max_stacks + procs);
	bpf_map__set_max_entries(skel->maps.sockets, LT_MAX_SOCKETS);
	bpf_map__set_max_entries(skel->maps.targets, s->scope.ops->bpf_scope == LT_SCOPE_TREE
							     ? procs : LT_MAX_TARGETS);
	bpf_map__set_max_entries(skel->maps.scope_cgroups, LT_MAX_SCOPE_CGROUPS);
	bpf_map__set_max_entries(skel->maps.calls, procs);
	bpf_map__set_max_entries(skel->maps.costs, procs);
	bpf_map__set_max_entries(skel->maps.sampling, procs);
	err = leaktop_bpf__load(skel);
	if (err) {
		lt_err("failed to load the BPF programs: %s%s", strerror(-err),
		       s->cfg.verbose < 1 ? " (-v shows libbpf's log)" : "");
		return err;
	}
	for (size_t i = 0; !s->scope.ops->follows && i < registry__count(s->reg); i++) {
		__u32 tgid = registry__at(s->reg, i)->t.pid, one = 1;

		bpf_map_update_elem(bpf_map__fd(skel->maps.targets), &tgid, &one, BPF_ANY);
	}
	/* A launched command: its process, held before exec; what it forks joins in BPF. */
	if (s->scope.ops->bpf_scope == LT_SCOPE_TREE) {
		__u32 tgid = s->scope.root, one = 1;

		s->scope.tree_fd = bpf_map__fd(skel->maps.targets);
		if (bpf_map_update_elem(s->scope.tree_fd, &tgid, &one, BPF_ANY)) {
			err = -errno;
			lt_err("cannot put pid %d in the scope: %s", tgid, strerror(errno));
			return err;
		}
	}
	if (s->scope.ops->sync)
		s->scope.ops->sync(&s->scope, bpf_map__fd(skel->maps.scope_cgroups));
	return loader__sync_unwind(s) ?: follow__sync_python(s) ?: follow__sync_v8(s);
}

int loader__attach(struct lt_session *s)
{
	int err;

	s->probes = probes__new(s->skel, s->mode, !s->cfg.entry_offsets);
	if (!s->probes)
		return -ENOMEM;
	/* Empty probes count nothing: there is no cost to estimate. */
	if (!s->cfg.empty_probes)
		calibrate__run(s->skel, s->probes, s->mode, &s->trap);
	/* The process events first, so that no process found from here on is missed. */
	err = probes__attach_proc_events(s->probes) ?: allocators__attach_system(s);
	for (size_t i = 0; !err && i < registry__count(s->reg); i++)
		err = allocators__attach(s, registry__at(s->reg, i));
	err = err ?: probes__attach_syscalls(s->probes, s->cfg.sockets, s->cfg.heap);
	if (err)
		return err;
	s->loaded = true;
	s->attached_at = now_mono();
	return allocators__check_per_call(s);
}
