// SPDX-License-Identifier: GPL-2.0
/* The stack paths of the profiles (folded stacks, the flame graph): one builder for both. */
#include <errno.h>
#include <stdlib.h>

#include "stackpath.h"

void stackpath__free(struct lt_stack_path *paths, size_t n)
{
	for (size_t i = 0; paths && i < n; i++) {
		for (size_t k = 0; k < paths[i].n; k++)
			free(paths[i].names[k]);
		free(paths[i].names);
	}
	free(paths);
}

/* The name of a path's level k, into buf when it has to be made. */
static const char *level_name(char *buf, size_t len, const struct lt_report *r,
			      const struct lt_stack_path *p, size_t k, bool pid)
{
	const struct lt_row *row = p->row;
	const struct lt_proc *proc;

	if (k + 2 == p->top) {
		proc = report__proc(r, row->pid);
		return proc && proc->container[0] ? proc->container : "host";
	}
	if (k + 1 == p->top) {
		if (!pid)
			return row->comm ? row->comm : "?";
		snprintf(buf, len, "%s (%d)", row->comm ? row->comm : "?", (int)row->pid);
		return buf;
	}
	if (!row->nframes)
		return "[stack unavailable]";
	report__frame_str(buf, len, &row->frames[row->nframes - 1 - (k - p->top)], false);
	return buf;
}

static int path_init(struct lt_stack_path *p, const struct lt_report *r,
		     const struct lt_stack_path_opts *o)
{
	size_t n = p->top + (p->row->nframes ? p->row->nframes : 1);
	char buf[LT_PATH_NAME_MAX];

	if (o->max_levels && n > o->max_levels)
		n = o->max_levels;
	p->names = calloc(n, sizeof(*p->names));
	if (!p->names)
		return -ENOMEM;
	p->n = n;
	for (size_t k = 0; k < n; k++) {
		p->names[k] = o->clean(level_name(buf, sizeof(buf), r, p, k, o->pid));
		if (!p->names[k])
			return -ENOMEM;
	}
	return 0;
}

int stackpath__collect(const struct lt_report *r, const struct lt_stack_path_opts *o,
		       struct lt_stack_path **paths, size_t *n)
{
	struct lt_stack_path *p = calloc(r->nrows + 1, sizeof(*p));
	size_t top = r->group_by == LT_GROUP_CONTAINER ? 2 : 1;
	size_t np = 0;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct lt_row *row = &r->rows[i];
		int64_t v = out__profile_value(row, o->what);

		if (v <= 0)
			continue;
		p[np].row = row;
		p[np].value = v;
		p[np].top = top;
		if (path_init(&p[np++], r, o)) {
			stackpath__free(p, np);
			return -ENOMEM;
		}
	}
	*paths = p;
	*n = np;
	return 0;
}
