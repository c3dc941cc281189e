// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hashmap.h"
#include "perfmap.h"
#include "util.h"

/* A hostile or runaway map is read this far, no further. */
#define PERFMAP_MAX_BYTES (64 << 20)
#define PERFMAP_NAME_MAX 256

struct entry {
	uint64_t start, end;
	const char *name;	/* interned: lives as long as the lt_perfmaps */
};

struct pmap {
	pid_t pid;
	off_t size;		/* the file's size when read; -1: none found */
	double checked;		/* when the file was last looked at */
	struct entry *v;
	size_t n, cap;
};

/*
 * Every name handed out stays valid until perfmap__free(), though maps are read again as they
 * grow: names are interned, so a name read again is not stored twice.
 */
struct lt_perfmaps {
	struct pmap *procs;
	size_t n, cap;
	struct lt_hashmap names;	/* str_hash -> index into strs */
	char **strs;
	size_t nstrs, cap_strs;
};

struct lt_perfmaps *perfmap__new(void)
{
	return calloc(1, sizeof(struct lt_perfmaps));
}

static void pmap_clear(struct pmap *p)
{
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

void perfmap__free(struct lt_perfmaps *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		pmap_clear(&m->procs[i]);
	for (size_t i = 0; i < m->nstrs; i++)
		free(m->strs[i]);
	free(m->strs);
	hashmap__free(&m->names);
	free(m->procs);
	free(m);
}

/* The one copy of `name` (NULL on ENOMEM); probing on past other names with its hash. */
static const char *intern(struct lt_perfmaps *m, const char *name)
{
	uint64_t key = str_hash(name), idx;

	for (; m && hashmap__get(&m->names, key, &idx); key++) {
		if (!strcmp(m->strs[idx], name))
			return m->strs[idx];
	}
	if (!m || lt_grow((void **)&m->strs, &m->cap_strs, m->nstrs, sizeof(*m->strs)))
		return NULL;
	m->strs[m->nstrs] = strdup(name);
	if (!m->strs[m->nstrs] || hashmap__set(&m->names, key, m->nstrs)) {
		free(m->strs[m->nstrs]);
		return NULL;
	}
	return m->strs[m->nstrs++];
}

void perfmap__forget(struct lt_perfmaps *m, pid_t pid)
{
	for (size_t i = 0; m && i < m->n; i++) {
		if (m->procs[i].pid != pid)
			continue;
		pmap_clear(&m->procs[i]);
		m->procs[i] = m->procs[--m->n];
		return;
	}
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* One line: "START SIZE NAME". 0 or -EINVAL. */
static int add_line(struct lt_perfmaps *m, struct pmap *p, const char *line, size_t len)
{
	char buf[PERFMAP_NAME_MAX + 64], *end, *end2, *name;
	unsigned long long start, size;
	size_t nlen;

	if (!len || len >= sizeof(buf) || !isxdigit((unsigned char)line[0]))
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = '\0';
	start = strtoull(buf, &end, 16);
	if (end == buf || *end != ' ')
		return -EINVAL;
	size = strtoull(end + 1, &end2, 16);
	if (end2 == end + 1 || *end2 != ' ' || !size || start + size < start)
		return -EINVAL;
	name = end2 + 1;
	nlen = strlen(name);
	if (!nlen)
		return -EINVAL;
	for (size_t i = 0; i < nlen; i++) {
		if ((unsigned char)name[i] < 0x20)
			name[i] = '?';
	}
	if (lt_grow((void **)&p->v, &p->cap, p->n, sizeof(*p->v)))
		return -ENOMEM;
	/* Tests parse without a lt_perfmaps: the name is not kept then. */
	p->v[p->n++] = (struct entry){ .start = start, .end = start + size,
				       .name = intern(m, name) };
	return 0;
}

static void parse(struct lt_perfmaps *m, struct pmap *p, const char *text, size_t len)
{
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - (text + at)) : len - at;

		if (!nl)
			break; /* a line being written: next time */
		add_line(m, p, text + at, l);
		at += l + 1;
	}
	/* A runtime writes code again at an address it reuses: the last line wins a tie. */
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), cmp_entry);
}

size_t perfmap__parse_count(const char *text, size_t len)
{
	struct pmap p = { 0 };
	size_t n;

	parse(NULL, &p, text, len);
	n = p.n;
	pmap_clear(&p);
	return n;
}

/* The pid a process has in its own pid namespace (the last NSpid), for its map's name. */
static pid_t ns_pid(pid_t pid)
{
	char path[64], *text, *line;
	pid_t ns = pid;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = read_file(path, NULL);
	line = text ? strstr(text, "\nNSpid:") : NULL;
	if (line) {
		char *end = strchr(line + 1, '\n'), *last = NULL;

		for (char *t = line + 7; t && *t && t != end; t++) {
			if ((*t == ' ' || *t == '\t') && t[1] >= '0' && t[1] <= '9')
				last = t + 1;
		}
		if (last)
			ns = (pid_t)strtol(last, NULL, 10);
	}
	free(text);
	return ns;
}

/* Read the map again when it grew; look at most once a second. */
static void refresh(struct lt_perfmaps *m, struct pmap *p)
{
	char path[96];
	struct stat st;
	char *text;
	ssize_t got;
	size_t len;
	int fd;

	if (now_mono() - p->checked < 1.0)
		return;
	p->checked = now_mono();
	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", p->pid, ns_pid(p->pid));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size == p->size) {
		if (fd >= 0)
			close(fd);
		return;
	}
	len = st.st_size > PERFMAP_MAX_BYTES ? PERFMAP_MAX_BYTES : (size_t)st.st_size;
	text = malloc(len + 1);
	got = text ? pread(fd, text, len, 0) : -1;
	close(fd);
	if (got <= 0) {
		free(text);
		return;
	}
	pmap_clear(p);
	parse(m, p, text, (size_t)got);
	p->size = st.st_size;
	free(text);
}

const char *perfmap__lookup(struct lt_perfmaps *m, pid_t pid, uint64_t ip)
{
	struct pmap *p = NULL;
	size_t lo = 0, hi;

	for (size_t i = 0; i < m->n && !p; i++)
		p = m->procs[i].pid == pid ? &m->procs[i] : NULL;
	if (!p) {
		if (lt_grow((void **)&m->procs, &m->cap, m->n, sizeof(*m->procs)))
			return NULL;
		p = &m->procs[m->n++];
		memset(p, 0, sizeof(*p));
		p->pid = pid;
		p->size = -1;
		p->checked = -1e9;
	}
	refresh(m, p);
	/* The last entry starting at or below ip - 1. */
	hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->v[mid].start <= ip - 1)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || ip - 1 >= p->v[lo - 1].end)
		return NULL;
	return p->v[lo - 1].name;
}
