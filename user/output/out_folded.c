// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "util.h"

struct line {
	char *stack;
	int64_t bytes;
};

/*
 * Append `s` to the growing buffer. A frame (`is_frame`) has ';', the folded separator, and
 * newlines replaced, so no symbol name can split a line.
 */
static int append(char **buf, size_t *len, size_t *cap, const char *s, bool is_frame)
{
	size_t n = strlen(s);

	if (*len + n + 2 > *cap) {
		size_t c = (*cap + n + 2) * 2;
		char *tmp = realloc(*buf, c);

		if (!tmp)
			return -ENOMEM;
		*buf = tmp;
		*cap = c;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (is_frame && (ch == ';' || ch == '\n'))
			ch = ch == ';' ? ':' : ' ';
		(*buf)[(*len)++] = ch;
	}
	(*buf)[*len] = '\0';
	return 0;
}

static char *fold(const struct lt_report *r, const struct lt_row *row)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, frame[512];
	int err = 0;

	/* --group-by container: the container first, so that the flame graph groups by it. */
	if (r->group_by == LT_GROUP_CONTAINER) {
		const struct lt_proc *p = report__proc(r, row->pid);

		err = append(&buf, &len, &cap, p && p->container[0] ? p->container : "host", true) ?:
		      append(&buf, &len, &cap, ";", false);
	}
	err = err ?: append(&buf, &len, &cap, row->comm ? row->comm : "?", true);
	if (!row->nframes)
		err = err ?: append(&buf, &len, &cap, ";[stack unavailable]", false);
	for (size_t i = row->nframes; i-- > 0 && !err;) {
		report__frame_str(frame, sizeof(frame), &row->frames[i], false);
		err = append(&buf, &len, &cap, ";", false) ?: append(&buf, &len, &cap, frame, true);
	}
	if (err) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->stack, ((const struct line *)b)->stack);
}

int out_folded__write(FILE *f, const struct lt_report *r, enum lt_profile_value what)
{
	struct line *lines = calloc(r->nrows + 1, sizeof(*lines));
	size_t n = 0;
	int err = 0;

	if (!lines)
		return -ENOMEM;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct lt_row *row = &r->rows[i];
		int64_t v = out__profile_value(row, what);

		if (v <= 0)
			continue;
		lines[n].stack = fold(r, row);
		if (!lines[n].stack) {
			err = -ENOMEM;
			goto out;
		}
		lines[n++].bytes = v;
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
	for (size_t i = 0; i < n; i++)
		free(lines[i].stack);
	free(lines);
	return err;
}
