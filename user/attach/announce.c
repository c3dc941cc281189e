// SPDX-License-Identifier: GPL-2.0
/* The lines that say, once attached, what the session traces and through what. */
#include <stdio.h>

#include "objects.h"
#include "registry.h"
#include "session.h"
#include "unwind_tables.h"
#include "util.h"

void announce__attached(const struct lt_session *s)
{
	const char *side = !s->cfg.heap ? " (heap off)" : !s->cfg.sockets ? " (sockets off)" : "";
	size_t nprocs = registry__count(s->reg);

	if (!s->scope.ops->follows) {
		for (size_t i = 0; i < nprocs; i++) {
			const struct lt_proc_rec *p = registry__at(s->reg, i);
			const struct lt_object_list *objs = allocators__objects(s, p);

			fprintf(stderr, "leaktop: tracing pid %d (%s)", p->t.pid, p->t.comm);
			for (size_t k = 0; k < objs->n; k++)
				fprintf(stderr, "%s %s", k ? "," : " through", objs->v[k].path);
			fprintf(stderr, "%s%s%s\n",
				allocators__is_go(s, p) ? " (a Go program: sockets and mappings)" : "",
				!objects__is_node(p->t.pid) ? ""
				: s->v8 ? " (node: its JS heap, the pages V8 maps from now on, shown"
					  " apart from external memory (Buffers, ArrayBuffers), native"
					  " malloc and sockets)"
					: " (node: its JS heap shows as the mappings V8 makes from now"
					  " on, beside Buffers, ArrayBuffers, native memory and sockets)",
				side);
		}
	} else {
		bool cgroup = s->scope.ops->kind == LT_SCOPE_KIND_CGROUP;
		size_t files = 0, allocators = 0, in = 0;

		objects__cache_counts(s->objcache, &files, &allocators);
		for (size_t i = 0; i < nprocs; i++)
			in += allocators__objects(s, registry__at(s->reg, i))->n > 0;
		fprintf(stderr, "leaktop: tracing %s%s%s: %zu processes, %zu with an allocator "
			"leaktop probes (%zu distinct allocator files among %zu files)%s\n",
			s->scope.name, cgroup ? " at " : "", cgroup ? s->scope.cgroup_path : "",
			nprocs, in, allocators, files, side);
		for (size_t k = 0; k < s->system_libs.n; k++)
			fprintf(stderr, "%s %s %s%s",
				k ? "," : "leaktop: probed for the programs yet to start:",
				objects__family_name(s->system_libs.v[k].family),
				s->system_libs.v[k].path, k + 1 == s->system_libs.n ? "\n" : "");
	}
	if (s->unwind) {
		struct lt_unwind_stats u;
		char b[32];

		unwind__stats(s->unwind, &u);
		fprintf(stderr,
			"leaktop: unwind tables: %zu objects (%zu without CFI), %zu rows, %s of kernel "
			"memory, built in %.2f s\n",
			u.objects, u.objects_no_cfi, u.rows, fmt_bytes(b, sizeof(b), u.bytes, false, false),
			u.build_s);
	}
	fprintf(stderr, "leaktop: attached %zu probes (%s links%s%s); Ctrl-C prints the final table\n",
		probes__count(s->probes), probes__mode_name(s->mode),
		s->cfg.entry_offsets ? ", at +0" : "", s->cfg.empty_probes ? ", empty" : "");
}
