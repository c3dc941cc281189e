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
#define PERFMAP_MAX_BYTES (64 << 20)	 /* of one file */
#define PERFMAP_MAX_ENTRIES (1 << 20)	 /* per process */
#define PERFMAP_MAX_NAME_BYTES (32 << 20) /* interned, over all processes */
#define PERFMAP_NAME_MAX 256

struct entry {
	uint64_t start, end;
	const char *name;	/* interned: lives as long as the lt_perfmaps */
	size_t line;		/* its line's order in the file: the later wins a tie */
};

struct pmap {
	pid_t pid;
	off_t parsed;		/* bytes of the file parsed so far (whole lines) */
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
	size_t name_bytes;		/* interned so far, up to PERFMAP_MAX_NAME_BYTES */
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
	/* A runtime that keeps writing new names gets no more past the budget. */
	if (!m || m->name_bytes + strlen(name) + 1 > PERFMAP_MAX_NAME_BYTES ||
	    lt_grow((void **)&m->strs, &m->cap_strs, m->nstrs, sizeof(*m->strs)))
		return NULL;
	m->strs[m->nstrs] = strdup(name);
	if (!m->strs[m->nstrs] || hashmap__set(&m->names, key, m->nstrs)) {
		free(m->strs[m->nstrs]);
		return NULL;
	}
	m->name_bytes += strlen(name) + 1;
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

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
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
	if (p->n >= PERFMAP_MAX_ENTRIES || lt_grow((void **)&p->v, &p->cap, p->n, sizeof(*p->v)))
		return -ENOMEM;
	/* Tests parse without a lt_perfmaps: the name is not kept then. */
	p->v[p->n] = (struct entry){ .start = start, .end = start + size,
				     .name = intern(m, name), .line = p->n };
	p->n++;
	return 0;
}

/* Parse the whole lines of `text` into `p`; returns the bytes consumed. */
static size_t parse(struct lt_perfmaps *m, struct pmap *p, const char *text, size_t len)
{
	size_t at = 0;

	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t l;

		if (!nl)
			break; /* a line being written: next time */
		l = (size_t)(nl - (text + at));
		add_line(m, p, text + at, l);
		at += l + 1;
	}
	/* A runtime writes code again at an address it reuses: the last line wins a tie. */
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), cmp_entry);
	return at;
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

/*
 * Open the process's /tmp/perf-NSPID.map as the process sees it: resolved inside its root
 * (a symlink in its /tmp cannot lead out to the host's files), without blocking (it could be
 * a FIFO), and a regular file only. -1 when there is none.
 */
static int open_map(pid_t pid)
{
	char root[64], name[64];
	int dir, fd;

	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	snprintf(name, sizeof(name), "tmp/perf-%d.map", ns_pid(pid));
	fd = lt_open_in_root(dir, name, false);
	close(dir);
	return fd;
}

/* Parse what the runtime appended since the last look; look at most once a second. */
static void refresh(struct lt_perfmaps *m, struct pmap *p)
{
	struct stat st;
	char *text;
	ssize_t got;
	size_t len;
	int fd;

	if (now_mono() - p->checked < 1.0)
		return;
	p->checked = now_mono();
	fd = open_map(p->pid);
	if (fd < 0 || fstat(fd, &st) || st.st_size == p->parsed) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (st.st_size < p->parsed) { /* written anew */
		pmap_clear(p);
		p->parsed = 0;
	}
	len = st.st_size - p->parsed;
	if (len > PERFMAP_MAX_BYTES)
		len = PERFMAP_MAX_BYTES;
	text = malloc(len + 1);
	got = text ? pread(fd, text, len, p->parsed) : -1;
	close(fd);
	if (got > 0)
		p->parsed += (off_t)parse(m, p, text, (size_t)got);
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
