/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A heap row's stack path, the one both profiles draw: its container (with --group-by
 * container), its process, then its frames from the outermost, or "[stack unavailable]" when
 * it has none. The folded writer joins the levels with ';'; the flame graph makes them a tree.
 */
#ifndef LEAKTOP_STACKPATH_H
#define LEAKTOP_STACKPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output.h"

/* A level's name is cut at this many bytes, its NUL included. */
#define LT_PATH_NAME_MAX 512

struct lt_stack_path {
	const struct lt_row *row;
	int64_t value;		/* out__profile_value(), > 0 */
	char **names;		/* the levels, outermost first, as opts->clean made them */
	size_t n;		/* levels */
	size_t top;		/* levels before the frames: 1, or 2 with --group-by container */
};

struct lt_stack_path_opts {
	enum lt_profile_value what;
	bool pid;		/* the process's level is "comm (pid)", not "comm" */
	size_t max_levels;	/* a deeper path loses its innermost frames; 0: any depth */
	/* A level's name as the writer can carry it: a string to free, or NULL on ENOMEM. */
	char *(*clean)(const char *name);
};

/*
 * The paths of the rows with a value to show (out__profile_value() > 0), in the report's
 * row order. *paths is for stackpath__free(). 0 or -ENOMEM.
 */
int stackpath__collect(const struct lt_report *r, const struct lt_stack_path_opts *o,
		       struct lt_stack_path **paths, size_t *n);
void stackpath__free(struct lt_stack_path *paths, size_t n);

#endif /* LEAKTOP_STACKPATH_H */
