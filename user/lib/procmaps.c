// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procmaps.h"
#include "util.h"

static const char deleted_suffix[] = " (deleted)";

/* Parse a hex number ending at `stop`; advances *p past it. */
static bool hex_field(const char **p, const char *end, char stop, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	while (s < end && *s != stop) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (++digits > 16)
			return false;
		v = v << 4 | d;
		s++;
	}
	if (s == end || !digits)
		return false;
	*out = v;
	*p = s + 1;
	return true;
}

static bool dec_field(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	while (s < end && *s >= '0' && *s <= '9') {
		if (++digits > 19)
			return false;
		v = v * 10 + (*s - '0');
		s++;
	}
	if (!digits || (s < end && *s != ' '))
		return false;
	*out = v;
	*p = s;
	return true;
}

/* One line, without its newline: "start-end perms offset major:minor inode [path]". */
static bool parse_line(const char *s, const char *end, struct lt_vma *v)
{
	uint64_t major, minor;

	memset(v, 0, sizeof(*v));
	if (!hex_field(&s, end, '-', &v->start) || !hex_field(&s, end, ' ', &v->end))
		return false;
	if (v->end < v->start || end - s < 5 || s[4] != ' ')
		return false;
	v->r = s[0] == 'r';
	v->w = s[1] == 'w';
	v->x = s[2] == 'x';
	v->shared = s[3] == 's';
	s += 5;
	if (!hex_field(&s, end, ' ', &v->offset) || !hex_field(&s, end, ':', &major) ||
	    !hex_field(&s, end, ' ', &minor) || major > 0xfff || minor > 0xfffff)
		return false;
	v->dev_major = major;
	v->dev_minor = minor;
	if (!dec_field(&s, end, &v->inode))
		return false;
	while (s < end && *s == ' ')
		s++;
	v->path = strndup(s, end - s);
	if (!v->path)
		return false;
	size_t n = strlen(v->path), sl = sizeof(deleted_suffix) - 1;
	if (n > sl && !strcmp(v->path + n - sl, deleted_suffix)) {
		v->path[n - sl] = '\0';
		v->deleted = true;
	}
	return true;
}

int procmaps__parse(const char *text, size_t len, struct lt_maps *out)
{
	const char *p = text, *end = text + len;
	size_t cap = 0;

	out->vmas = NULL;
	out->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *line_end = nl ? nl : end;
		struct lt_vma v;

		if (parse_line(p, line_end, &v)) {
			if (lt_grow((void **)&out->vmas, &cap, out->n, sizeof(*out->vmas))) {
				free(v.path);
				procmaps__free(out);
				return -ENOMEM;
			}
			out->vmas[out->n++] = v;
		}
		p = line_end + 1;
	}
	return 0;
}

int procmaps__read(pid_t pid, struct lt_maps *out)
{
	char path[64], *text;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	text = read_file(path, &len);
	if (!text)
		return -errno;
	err = procmaps__parse(text, len, out);
	free(text);
	return err;
}

void procmaps__free(struct lt_maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->vmas[i].path);
	free(m->vmas);
	m->vmas = NULL;
	m->n = 0;
}

const struct lt_vma *procmaps__find(const struct lt_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->vmas[mid].start)
			hi = mid;
		else if (addr >= m->vmas[mid].end)
			lo = mid + 1;
		else
			return &m->vmas[mid];
	}
	return NULL;
}

bool procmaps__is_file(const struct lt_vma *v)
{
	return v->inode != 0 && v->path[0] == '/';
}
