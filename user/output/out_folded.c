// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "stackpath.h"
#include "util.h"

struct line {
	char *stack;
	int64_t bytes;
};

/* A level's name with ';', the folded separator, and newlines replaced: no name splits a line. */
static char *clean(const char *name)
{
	char *s = strdup(name);

	for (char *p = s; p && *p; p++) {
		if (*p == ';')
			*p = ':';
		else if (*p == '\n')
			*p = ' ';
	}
	return s;
}

/* "comm;outermost;...;innermost" */
static char *join(const struct lt_stack_path *p)
{
	size_t len = 0;
	char *buf, *s;

	for (size_t k = 0; k < p->n; k++)
		len += strlen(p->names[k]) + 1;
	buf = malloc(len + 1);
	if (!buf)
		return NULL;
	s = buf;
	*s = '\0';
	for (size_t k = 0; k < p->n; k++) {
		if (k)
			*s++ = ';';
		s = stpcpy(s, p->names[k]);
	}
	return buf;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->stack, ((const struct line *)b)->stack);
}

int out_folded__write(FILE *f, const struct lt_report *r, enum lt_profile_value what)
{
	const struct lt_stack_path_opts po = { .what = what, .clean = clean };
	struct lt_stack_path *paths = NULL;
	struct line *lines = NULL;
	size_t n = 0, npaths = 0;
	int err;

	err = stackpath__collect(r, &po, &paths, &npaths);
	if (err)
		return err;
	lines = calloc(npaths + 1, sizeof(*lines));
	if (!lines) {
		err = -ENOMEM;
		goto out;
	}
	for (; n < npaths; n++) {
		lines[n].stack = join(&paths[n]);
		if (!lines[n].stack) {
			err = -ENOMEM;
			goto out;
		}
		lines[n].bytes = paths[n].value;
	}
	qsort(lines, n, sizeof(*lines), cmp_line);
	/* flamegraph.pl and `leaktop diff` skip lines that end in no number, like these. */
	if (what == LT_PROFILE_GROWTH && r->baseline_s > 0)
		fprintf(f, "# leaktop: heap bytes grown from the first table (%.1f s after attach) "
			"to the end (%.1f s); stacks that shrank are left out\n",
			r->baseline_s, r->elapsed_s);
	else if (what == LT_PROFILE_GROWTH)
		fprintf(f, "# leaktop: heap bytes grown since attach (%.1f s); there was no table "
			"before the end\n", r->elapsed_s);
	if (r->sample_bytes)
		fprintf(f, "# leaktop: sampled one point per %" PRIu64 " bytes on average; "
			"bytes are unbiased estimates\n", r->sample_bytes);
	/* Stacks that differ only in offsets fold to one line: sum them. */
	for (size_t i = 0; i < n;) {
		int64_t sum = 0;
		size_t j = i;

		for (; j < n && !strcmp(lines[j].stack, lines[i].stack); j++)
			sum += lines[j].bytes;
		fprintf(f, "%s %" PRId64 "\n", lines[i].stack, sum);
		i = j;
	}
	if (fflush(f) || ferror(f))
		err = -EIO;
out:
	for (size_t i = 0; lines && i < n; i++)
		free(lines[i].stack);
	free(lines);
	stackpath__free(paths, npaths);
	return err;
}
