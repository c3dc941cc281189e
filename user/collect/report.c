// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "hashmap.h"
#include "history.h"
#include "objects.h"
#include "regions.h"
#include "report.h"
#include "symbolizer.h"
#include "target.h"
#include "util.h"

bool report__is_socket(enum lt_row_kind k)
{
	return k >= LT_ROW_SOCK && k < LT_ROW__KINDS;
}

bool report__is_mmap(enum lt_row_kind k)
{
	return k == LT_ROW_MMAP_ANON || k == LT_ROW_MMAP_FILE;
}

const char *report__kind_name(enum lt_row_kind k)
{
	static const char *const sock[LT_SOCK__KINDS] = {
		[LT_SOCK_TCP] = "tcp",
		[LT_SOCK_UDP] = "udp",
		[LT_SOCK_UNIX] = "unix",
		[LT_SOCK_OTHER] = "other",
	};

	if (k == LT_ROW_HEAP)
		return "heap";
	if (k == LT_ROW_MMAP_ANON)
		return "anon";
	if (k == LT_ROW_MMAP_FILE)
		return "file";
	return report__is_socket(k) ? sock[k - LT_ROW_SOCK] : "?";
}

/* Whether a row has anything to show: see prune(). */
static bool row_kept(const struct lt_row *row, bool final)
{
	return row->bytes || row->count || row->allocs || row->frees || row->delta ||
	       (final && (row->total_allocs || row->total_frees));
}

/* What a row's trend and rate are about: bytes, or sockets. */
static double row_value(const struct lt_row *r)
{
	return report__is_socket(r->kind) ? r->count : r->bytes;
}

/* Functions that allocate for their callers, whatever object holds them. */
static bool is_alloc_func(const char *func)
{
	static const char *const extra[] = {
		"operator new", "operator new[]", "__strdup", "strdup", "__strndup", "strndup",
		"__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_memalign",
	};
	size_t len = strcspn(func, "(");

	for (size_t i = 0; i < LT_ALLOC_SYMS; i++) {
		const char *name = lt_alloc_syms[i].name;

		if (strlen(name) == len && !strncmp(func, name, len))
			return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(extra); i++) {
		if (strlen(extra[i]) == len && !strncmp(func, extra[i], len))
			return true;
	}
	return false;
}

enum lt_frame_class report__frame_class(const char *func, const struct lt_module *mod)
{
	if (func && is_alloc_func(func))
		return LT_FRAME_ALLOC;
	if (!mod)
		return LT_FRAME_UNKNOWN;
	return mod->is_exe ? LT_FRAME_APP : LT_FRAME_LIB;
}

static int cmp_ties(const struct lt_row *x, const struct lt_row *y)
{
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

int report__cmp_value(const void *a, const void *b)
{
	const struct lt_row *x = a, *y = b;

	if (row_value(x) != row_value(y))
		return row_value(x) > row_value(y) ? -1 : 1;
	if (x->delta != y->delta)
		return x->delta > y->delta ? -1 : 1;
	return cmp_ties(x, y);
}

int report__cmp_rate(const void *a, const void *b)
{
	const struct lt_row *x = a, *y = b;

	if (x->rate != y->rate)
		return x->rate > y->rate ? -1 : 1;
	return report__cmp_value(a, b);
}

int report__cmp_delta(const void *a, const void *b)
{
	const struct lt_row *x = a, *y = b;

	if (x->delta != y->delta)
		return x->delta > y->delta ? -1 : 1;
	return report__cmp_value(a, b);
}

static int cmp_proc(const void *a, const void *b)
{
	pid_t x = ((const struct lt_proc *)a)->pid, y = ((const struct lt_proc *)b)->pid;

	return x < y ? -1 : x > y;
}

/* procs are sorted by pid: a scope may hold thousands of them, each with many rows. */
const struct lt_proc *report__proc(const struct lt_report *r, pid_t pid)
{
	struct lt_proc key = { .pid = pid };

	return r->nprocs ? bsearch(&key, r->procs, r->nprocs, sizeof(key), cmp_proc) : NULL;
}

double report__proc_growth(const struct lt_proc_view *v)
{
	return fmax(v->rss_rate, v->tracked_rate);
}

int report__frame_str(char *buf, size_t len, const struct lt_frame *f, bool with_offset)
{
	if (f->func && with_offset)
		return snprintf(buf, len, "%s+%#" PRIx64 " [%s]", f->func, f->offset,
				f->module ? f->module : "?");
	if (f->func)
		return snprintf(buf, len, "%s", f->func);
	if (f->module)
		return snprintf(buf, len, "[%s+%#" PRIx64 "]", f->module, f->offset);
	return snprintf(buf, len, "[unknown %#" PRIx64 "]", f->ip);
}

static int cmp_indirect(const void *a, const void *b, void *cmp)
{
	return ((int (*)(const void *, const void *))cmp)(*(const struct lt_row *const *)a,
							 *(const struct lt_row *const *)b);
}

const struct lt_row **report__select(const struct lt_report *r,
				     bool (*keep)(const struct lt_row *),
				     int (*cmp)(const void *, const void *), size_t *n)
{
	return report__select_rows(r->rows, r->nrows, keep, cmp, n);
}

const struct lt_row **report__select_rows(const struct lt_row *rows, size_t nrows,
					  bool (*keep)(const struct lt_row *),
					  int (*cmp)(const void *, const void *), size_t *n)
{
	const struct lt_row **order = malloc(nrows * sizeof(*order) + 1);

	*n = 0;
	if (!order)
		return NULL;
	for (size_t i = 0; i < nrows; i++) {
		if (!keep || keep(&rows[i]))
			order[(*n)++] = &rows[i];
	}
	qsort_r(order, *n, sizeof(*order), cmp_indirect, (void *)cmp);
	return order;
}

/* --- Building ------------------------------------------------------------------------ */

/* Blocks from the kernel's 1/LT_COUNT_ONE units, rounded to the nearest. */
static int64_t blocks(uint64_t units)
{
	return (int64_t)((units + LT_COUNT_ONE / 2) / LT_COUNT_ONE);
}

static struct lt_row *new_row(struct lt_report *r, size_t *cap)
{
	if (r->nrows == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		struct lt_row *tmp = realloc(r->rows, c * sizeof(*tmp));

		if (!tmp)
			return NULL;
		r->rows = tmp;
		*cap = c;
	}
	memset(&r->rows[r->nrows], 0, sizeof(struct lt_row));
	r->rows[r->nrows].age_s = -1;
	r->rows[r->nrows].per_call = -1;
	return &r->rows[r->nrows++];
}

static double age_of(const struct lt_report_sources *src, uint64_t ts_ns)
{
	double age = ts_ns ? src->now - ts_ns / 1e9 : -1;

	return age < 0 && ts_ns ? 0 : age;
}

static int add_heap(struct lt_report *r, const struct lt_report_sources *src, size_t *cap)
{
	const struct lt_stack_row *s;
	size_t n = collector__rows(src->collector, &s);

	for (size_t i = 0; i < n; i++) {
		const struct lt_totals *now = &s[i].now, *prev = &s[i].prev;
		struct lt_row *row = new_row(r, cap);

		if (!row)
			return -ENOMEM;
		row->kind = LT_ROW_HEAP;
		row->pid = s[i].tgid;
		row->stack_id = s[i].stack_id;
		row->bytes = (int64_t)(now->alloc_bytes - now->free_bytes);
		row->count = blocks(now->allocs - now->frees);
		row->delta = row->bytes - (int64_t)(prev->alloc_bytes - prev->free_bytes);
		row->allocs = blocks(now->allocs - prev->allocs);
		row->frees = blocks(now->frees - prev->frees);
		row->total_allocs = blocks(now->allocs);
		row->total_frees = blocks(now->frees);
		row->total_alloc_bytes = now->alloc_bytes;
		row->age_s = age_of(src, collector__oldest(src->collector, row->pid, row->stack_id));
		r->total_bytes += row->bytes;
		r->total_count += row->count;
	}
	return 0;
}

static int add_mmap(struct lt_report *r, const struct lt_report_sources *src, size_t *cap)
{
	const struct lt_region_totals *t;
	size_t n;

	if (!src->regions)
		return 0;
	n = regions__totals(src->regions, &t);
	for (size_t i = 0; i < n; i++) {
		struct lt_row *row = new_row(r, cap);

		if (!row)
			return -ENOMEM;
		row->kind = t[i].anon ? LT_ROW_MMAP_ANON : LT_ROW_MMAP_FILE;
		row->pid = t[i].tgid;
		row->stack_id = t[i].stack_id;
		row->bytes = t[i].bytes;
		row->count = t[i].count;
		row->delta = t[i].bytes - t[i].prev_bytes;
		row->allocs = t[i].maps - t[i].prev_maps;
		row->frees = t[i].unmaps - t[i].prev_unmaps;
		row->total_allocs = t[i].maps;
		row->total_frees = t[i].unmaps;
		row->age_s = age_of(src, t[i].oldest_ns);
	}
	regions__mark(src->regions);
	return 0;
}

static int add_sockets(struct lt_report *r, const struct lt_report_sources *src, size_t *cap)
{
	const struct lt_sock_row *s;
	size_t n = collector__sock_rows(src->collector, &s);

	for (size_t i = 0; i < n; i++) {
		struct lt_row *row = new_row(r, cap);

		if (!row)
			return -ENOMEM;
		row->kind = LT_ROW_SOCK + (s[i].kind < LT_SOCK__KINDS ? s[i].kind : LT_SOCK_OTHER);
		row->pid = s[i].tgid;
		row->stack_id = s[i].stack_id;
		row->count = (int64_t)(s[i].now.opened - s[i].now.closed);
		row->delta = row->count - (int64_t)(s[i].prev.opened - s[i].prev.closed);
		row->allocs = s[i].now.opened - s[i].prev.opened;
		row->frees = s[i].now.closed - s[i].prev.closed;
		row->total_allocs = s[i].now.opened;
		row->total_frees = s[i].now.closed;
		row->age_s = age_of(src, s[i].oldest_ns);
	}
	return 0;
}

static void proc_label(struct lt_proc *p)
{
	if (p->container[0])
		snprintf(p->label, sizeof(p->label), "pid %d (%s) in %s", p->pid, p->comm,
			 p->container);
	else
		snprintf(p->label, sizeof(p->label), "pid %d (%s)", p->pid, p->comm);
}

/* A process with rows that no target describes: one a scope has not looked at yet. */
static void unknown_proc(struct lt_proc *p, pid_t pid)
{
	char path[64], *comm;

	p->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm = read_file(path, NULL);
	snprintf(p->comm, sizeof(p->comm), "%.*s", comm ? (int)strcspn(comm, "\n") : 1,
		 comm ? comm : "?");
	p->exited = !comm;
	free(comm);
}

/*
 * The processes of the report: every target with -p; with a scope, those with rows (a host
 * has hundreds of processes, and most hold nothing of note), and any process that has rows
 * but no target yet. Sorted by pid, for report__proc().
 */
static int fill_procs(struct lt_report *r, const struct lt_report_sources *src)
{
	struct lt_hashmap with_rows = { 0 }, known = { 0 };
	size_t cap = src->ntargets + 1, n = 0;
	uint64_t v;
	int err = 0;

	for (size_t i = 0; i < r->nrows && !err; i++) {
		if (row_kept(&r->rows[i], src->final))
			err = hashmap__set(&with_rows, (uint32_t)r->rows[i].pid, 1);
	}
	r->procs = calloc(cap, sizeof(*r->procs));
	if (err || !r->procs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < src->ntargets; i++) {
		const struct lt_report_target *t = &src->targets[i];
		struct lt_proc *p = &r->procs[n];

		if (src->scope != LT_SCOPE_KIND_PIDS && !hashmap__get(&with_rows, t->pid, &v))
			continue;
		p->pid = t->pid;
		snprintf(p->comm, sizeof(p->comm), "%s", t->comm);
		p->exited = t->exited;
		p->go = t->go;
		snprintf(p->container, sizeof(p->container), "%s", t->container ?: "");
		n++;
		if (hashmap__set(&known, t->pid, 1)) {
			err = -ENOMEM;
			goto out;
		}
	}
	/* Rows of processes no target names. */
	for (size_t i = 0; i < r->nrows; i++) {
		pid_t pid = r->rows[i].pid;
		uint64_t unused;

		if (!row_kept(&r->rows[i], src->final) || hashmap__get(&known, (uint32_t)pid, &unused))
			continue;
		if (n == cap) {
			struct lt_proc *tmp = realloc(r->procs, (cap *= 2) * sizeof(*tmp));

			if (!tmp) {
				err = -ENOMEM;
				goto out;
			}
			r->procs = tmp;
		}
		memset(&r->procs[n], 0, sizeof(r->procs[n]));
		unknown_proc(&r->procs[n++], pid);
		if (hashmap__set(&known, (uint32_t)pid, 1)) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct lt_proc *p = &r->procs[i];
		int e;

		proc_label(p);
		p->calls = collector__calls(src->collector, p->pid);
		if (p->exited)
			continue;
		/* smaps_rollup walks the page tables: fine for a few -p targets, not for a host. */
		e = src->scope == LT_SCOPE_KIND_PIDS ? target__memory(p->pid, &p->rss, &p->anon)
						     : target__memory_fast(p->pid, &p->rss, &p->anon);
		if (e)
			p->rss = p->anon = 0;
	}
	qsort(r->procs, n, sizeof(*r->procs), cmp_proc);
	r->nprocs = n;
out:
	hashmap__free(&with_rows);
	hashmap__free(&known);
	return err;
}

/* A group row's series: its process, or its container, and an id no stack has. */
#define LT_GROUP_SERIES UINT64_MAX

/* The history key of a container: a pseudo pid (negative, so no process has it). */
static uint32_t container_key(const char *name)
{
	return (uint32_t)-(int32_t)((str_hash(name) & 0x3fffffff) + 1);
}

static struct lt_series_key key_of(const struct lt_row *row)
{
	if (!row->group)
		return (struct lt_series_key){ row->kind, row->pid, row->stack_id };
	if (row->pid)
		return (struct lt_series_key){ row->kind, row->pid, LT_GROUP_SERIES };
	return (struct lt_series_key){ row->kind, container_key(row->group), LT_GROUP_SERIES };
}

/* The group a row belongs to under --group-by: its process, or its container ("host"). */
static const char *group_of(const struct lt_report *r, const struct lt_row *row, pid_t *pid)
{
	const struct lt_proc *p = report__proc(r, row->pid);

	if (r->group_by == LT_GROUP_PROCESS) {
		*pid = row->pid;
		return p ? p->label : "?";
	}
	*pid = 0;
	return p && p->container[0] ? p->container : "host";
}

/* --group-by process|container: the rows summed per (kind, group). */
static int build_groups(struct lt_report *r)
{
	struct lt_hashmap index = { 0 };
	size_t cap = 0;
	int err = 0;

	if (r->group_by == LT_GROUP_STACK)
		return 0;
	for (size_t i = 0; i < r->nrows && !err; i++) {
		const struct lt_row *row = &r->rows[i];
		pid_t pid;
		const char *name = group_of(r, row, &pid);
		uint64_t key = str_hash(name) * 31 + row->kind, gi;
		struct lt_row *g = NULL;

		/* Colliding keys take the next one: compare the groups to be sure. */
		for (; hashmap__get(&index, key, &gi); key++) {
			if (r->groups[gi].kind == row->kind && !strcmp(r->groups[gi].group, name)) {
				g = &r->groups[gi];
				break;
			}
		}
		if (!g) {
			if (r->ngroups == cap) {
				struct lt_row *tmp;

				cap = cap ? cap * 2 : 64;
				tmp = realloc(r->groups, cap * sizeof(*tmp));
				if (!tmp) {
					err = -ENOMEM;
					break;
				}
				r->groups = tmp;
			}
			err = hashmap__set(&index, key, r->ngroups);
			g = &r->groups[r->ngroups++];
			memset(g, 0, sizeof(*g));
			g->kind = row->kind;
			g->pid = pid;
			g->group = name;
			g->age_s = -1;
			g->per_call = -1;
		}
		g->bytes += row->bytes;
		g->count += row->count;
		g->delta += row->delta;
		g->allocs += row->allocs;
		g->frees += row->frees;
		g->total_allocs += row->total_allocs;
		g->total_frees += row->total_frees;
		g->total_alloc_bytes += row->total_alloc_bytes;
		g->age_s = fmax(g->age_s, row->age_s);
		g->members++;
	}
	hashmap__free(&index);
	return err;
}

/* The containers of the report's processes, summed. */
static int build_containers(struct lt_report *r)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct lt_proc *p = &r->procs[i];
		struct lt_container_sum *c = NULL;

		if (!p->container[0])
			continue;
		for (size_t k = 0; k < r->ncontainers && !c; k++)
			c = !strcmp(r->containers[k].name, p->container) ? &r->containers[k] : NULL;
		if (!c) {
			struct lt_container_sum *tmp;

			tmp = realloc(r->containers, (r->ncontainers + 1) * sizeof(*tmp));
			if (!tmp)
				return -ENOMEM;
			r->containers = tmp;
			c = &r->containers[r->ncontainers++];
			memset(c, 0, sizeof(*c));
			snprintf(c->name, sizeof(c->name), "%s", p->container);
		}
		c->nprocs++;
		c->rss += p->rss;
		c->heap += p->heap;
		c->mmap += p->mmap;
		c->sockets += p->sockets;
	}
	return 0;
}

/*
 * Record this sample of every row and process. The first interval report is also the growth
 * baseline; a final report that comes first is not (growth then counts from attach).
 */
static void record(struct lt_report *r, const struct lt_report_sources *src)
{
	bool baseline = !src->final && !history__has_baseline(src->history, NULL);

	history__begin(src->history, src->now);
	if (baseline)
		history__mark_baseline(src->history, src->now);
	for (size_t i = 0; i < r->nrows; i++) {
		struct lt_series_key k = key_of(&r->rows[i]);

		history__put(src->history, &k, row_value(&r->rows[i]));
		if (baseline && row_value(&r->rows[i]))
			history__set_baseline(src->history, &k, row_value(&r->rows[i]));
	}
	for (size_t i = 0; i < r->ngroups; i++) {
		struct lt_series_key k = key_of(&r->groups[i]);

		history__put(src->history, &k, row_value(&r->groups[i]));
		if (baseline && row_value(&r->groups[i]))
			history__set_baseline(src->history, &k, row_value(&r->groups[i]));
	}
	for (size_t i = 0; i < r->nprocs; i++) {
		struct lt_proc *p = &r->procs[i];

		if (!p->exited)
			history__put_proc(src->history, p->pid, p->rss, p->heap + p->mmap);
	}
	for (size_t i = 0; i < r->ncontainers; i++) {
		struct lt_container_sum *c = &r->containers[i];

		history__put_proc(src->history, (pid_t)container_key(c->name), c->rss,
				  c->heap + c->mmap);
	}
}

/*
 * What a growing row holds per --per-call call: both count from attach, so for a program that
 * leaks the same amount each call this is that amount, exactly.
 */
static double per_call(const struct lt_report *r, const struct lt_row *row)
{
	const struct lt_proc *p = report__proc(r, row->pid);

	return p && p->calls ? row_value(row) / p->calls : -1;
}

/* A row's rate, trend and growth from its series. */
static void annotate_row(struct lt_report *r, const struct lt_report_sources *src,
			 struct lt_row *row, struct lt_trend_result *tr)
{
	struct lt_series_key k = key_of(row);
	struct lt_series s;

	history__get(src->history, &k, &s);
	analysis__classify(s.t, s.v, s.n,
			   report__is_socket(row->kind) ? &lt_trend_counts : &lt_trend_bytes, tr);
	row->rate = tr->slope;
	row->trend = tr->trend;
	row->growth = (int64_t)row_value(row) - llround(history__baseline(src->history, &k));
	if (!s.n && !row_value(row) && row->total_allocs &&
	    history__samples(src->history) >= LT_MIN_SAMPLES)
		row->trend = LT_TREND_TRANSIENT; /* held nothing at any sample */
	if (s.n)
		r->window_s = fmax(r->window_s, s.t[s.n - 1] - s.t[0]);
}

/* Rate, trend and per-call growth of every row and group; the verdicts of processes and containers. */
static void annotate(struct lt_report *r, const struct lt_report_sources *src)
{
	for (size_t i = 0; i < r->nrows; i++) {
		struct lt_row *row = &r->rows[i];
		struct lt_trend_result tr;

		annotate_row(r, src, row, &tr);
		if (src->per_call && tr.trend == LT_TREND_GROWING)
			row->per_call = per_call(r, row);
	}
	for (size_t i = 0; i < r->ngroups; i++) {
		struct lt_trend_result tr;

		annotate_row(r, src, &r->groups[i], &tr);
	}
	for (size_t i = 0; i < r->nprocs; i++) {
		struct lt_proc *p = &r->procs[i];
		struct lt_series rss, tracked;

		history__get_proc(src->history, p->pid, &rss, &tracked);
		analysis__proc_view(rss.t, rss.v, tracked.v, rss.n, &p->view);
	}
	for (size_t i = 0; i < r->ncontainers; i++) {
		struct lt_container_sum *c = &r->containers[i];
		struct lt_series rss, tracked;

		history__get_proc(src->history, (pid_t)container_key(c->name), &rss, &tracked);
		analysis__proc_view(rss.t, rss.v, tracked.v, rss.n, &c->view);
	}
}

static void sum_procs(struct lt_report *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		const struct lt_row *row = &r->rows[i];
		struct lt_proc *p = (struct lt_proc *)report__proc(r, row->pid);

		if (!p)
			continue;
		if (row->kind == LT_ROW_HEAP)
			p->heap += row->bytes;
		else if (report__is_mmap(row->kind))
			p->mmap += row->bytes;
		else
			p->sockets += row->count;
	}
}

/*
 * Drop rows that hold nothing and saw nothing in the interval, or, in the final report, since
 * attach: there a balanced stack (200 opened, 200 closed) is evidence. Name each kept row's
 * process.
 */
static void prune(struct lt_report *r, bool final)
{
	size_t kept = 0;

	for (size_t i = 0; i < r->nrows; i++) {
		struct lt_row *row = &r->rows[i];
		const struct lt_proc *p;

		if (!row_kept(row, final))
			continue;
		p = report__proc(r, row->pid);
		row->comm = p ? p->comm : "?";
		r->rows[kept++] = *row;
	}
	r->nrows = kept;
}

static int symbolize_row(struct lt_row *row, const struct lt_report_sources *src)
{
	const struct lt_stack *st = collector__stack(src->collector, row->stack_id);

	if (!st || !st->len || row->frames)
		return 0;
	row->frames = calloc(st->len, sizeof(*row->frames));
	if (!row->frames)
		return -ENOMEM;
	for (__u32 i = 0; i < st->len; i++) {
		struct lt_frame *f = &row->frames[i];
		struct lt_sym s;

		symbolizer__symbolize(src->symbolizer, row->pid, st->ips[i], &s);
		f->ip = st->ips[i];
		f->func = s.func;
		f->offset = s.offset;
		f->module = s.module;
		f->mod = s.mod;
		f->cls = report__frame_class(s.func, s.mod);
	}
	row->nframes = st->len;
	return 0;
}

bool report__row_is_heap(const struct lt_row *r)
{
	return r->kind == LT_ROW_HEAP;
}

bool report__row_is_mmap(const struct lt_row *r)
{
	return report__is_mmap(r->kind);
}

bool report__row_is_socket(const struct lt_row *r)
{
	return report__is_socket(r->kind);
}

/* Name the frames of what the writers show: the top rows of each section, or all. */
static int symbolize(struct lt_report *r, const struct lt_report_sources *src)
{
	static bool (*const sections[])(const struct lt_row *) = {
		report__row_is_heap, report__row_is_mmap, report__row_is_socket
	};
	static int (*const orders[])(const void *, const void *) = {
		report__cmp_value, report__cmp_rate, report__cmp_delta
	};
	int err = 0;

	if (src->all_frames) {
		for (size_t i = 0; i < r->nrows && !err; i++)
			err = symbolize_row(&r->rows[i], src);
		return err;
	}
	for (size_t s = 0; s < ARRAY_SIZE(sections); s++) {
		for (size_t o = 0; o < ARRAY_SIZE(orders); o++) {
			size_t n;
			const struct lt_row **sel = report__select(r, sections[s], orders[o], &n);

			if (!sel)
				return -ENOMEM;
			for (size_t i = 0; i < n && i < src->top_n && !err; i++)
				err = symbolize_row((struct lt_row *)sel[i], src);
			free(sel);
		}
	}
	return err;
}

int report__build(struct lt_report *r, const struct lt_report_sources *src)
{
	size_t cap = 0;
	int err;

	memset(r, 0, sizeof(*r));
	memcpy(r->stats, collector__stats(src->collector), sizeof(r->stats));
	r->sort_outstanding = src->sort_outstanding;
	r->per_call = src->per_call;
	if (src->regions)
		r->regions_dropped = regions__dropped(src->regions);
	r->scope = src->scope;
	r->group_by = src->group_by;
	err = add_heap(r, src, &cap);
	err = err ?: add_mmap(r, src, &cap);
	err = err ?: add_sockets(r, src, &cap);
	err = err ?: fill_procs(r, src);
	if (err)
		return err;
	sum_procs(r);
	err = build_groups(r) ?: build_containers(r);
	if (err)
		return err;
	record(r, src);
	annotate(r, src);
	prune(r, src->final);
	return symbolize(r, src);
}

void report__free(struct lt_report *r)
{
	for (size_t i = 0; i < r->nrows; i++)
		free(r->rows[i].frames);
	free(r->rows);
	free(r->procs);
	free(r->groups);
	free(r->containers);
	memset(r, 0, sizeof(*r));
}
