// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cxxname.h"
#include "frames.h"
#include "hashmap.h"
#include "history.h"
#include "objects.h"
#include "report.h"
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

bool report__row_kept(const struct lt_row *row, bool final)
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
	if (f->cls == LT_FRAME_JS && !f->file)
		return snprintf(buf, len, "%s (native)", f->func ? f->func : "?");
	if (report__frame_is_source(f)) {
		const char *file = f->file ? f->file : "?";
		/* node's own modules keep their scheme: node:internal/timers */
		const char *base = strrchr(file, '/') && strncmp(file, "node:", 5)
					   ? strrchr(file, '/') + 1 : file;

		if (f->line)
			return snprintf(buf, len, "%s (%s:%u)", f->func ? f->func : "?", base, f->line);
		return snprintf(buf, len, "%s (%s)", f->func ? f->func : "?", base);
	}
	if (f->func && with_offset)
		return snprintf(buf, len, "%s+%#" PRIx64 " [%s]", f->func, f->offset,
				f->module ? f->module : "?");
	if (f->func)
		return snprintf(buf, len, "%s", f->func);
	if (f->module)
		return snprintf(buf, len, "[%s+%#" PRIx64 "]", f->module, f->offset);
	return snprintf(buf, len, "[unknown %#" PRIx64 "]", f->ip);
}

/* Interpreted and JIT frames keep their names: they are no C++ symbols. */
static bool native_symbol(const struct lt_frame *f)
{
	return f->func && f->cls != LT_FRAME_PYTHON && f->mod;
}

int report__frame_name(char *buf, size_t len, const struct lt_frame *f, bool with_offset,
		       bool full_names)
{
	struct lt_frame g = *f;
	char name[512];

	if (!full_names && native_symbol(f))
		g.func = cxxname__shorten(f->func, name, sizeof(name));
	return report__frame_str(buf, len, &g, with_offset);
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

static void proc_label(struct lt_proc *p)
{
	if (p->container[0])
		snprintf(p->label, sizeof(p->label), "pid %d (%s) in %s", p->pid, p->comm,
			 p->container);
	else
		snprintf(p->label, sizeof(p->label), "pid %d (%s)", p->pid, p->comm);
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
			if (lt_grow((void **)&r->groups, &cap, r->ngroups, sizeof(*r->groups))) {
				err = -ENOMEM;
				break;
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
	size_t cap = 0;

	for (size_t i = 0; i < r->nprocs; i++) {
		const struct lt_proc *p = &r->procs[i];
		struct lt_container_sum *c = NULL;

		if (!p->container[0])
			continue;
		for (size_t k = 0; k < r->ncontainers && !c; k++)
			c = !strcmp(r->containers[k].name, p->container) ? &r->containers[k] : NULL;
		if (!c) {
			if (lt_grow((void **)&r->containers, &cap, r->ncontainers,
				    sizeof(*r->containers)))
				return -ENOMEM;
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

/* A row of a process kept after its exit: its figures are those at exit, annotated then. */
static bool at_exit(const struct lt_report *r, const struct lt_row *row)
{
	const struct lt_proc *p = report__proc(r, row->pid);

	return p && p->at_exit;
}

/* Record this sample of every row, group, process and container (see report__record). */
static void record(const struct lt_report *r, bool final, double now, struct lt_history *h)
{
	bool baseline = !final && !history__has_baseline(h, NULL);

	history__begin(h, now);
	if (baseline)
		history__mark_baseline(h, now);
	for (size_t i = 0; i < r->nrows + r->ngroups; i++) {
		const struct lt_row *row = i < r->nrows ? &r->rows[i] : &r->groups[i - r->nrows];
		struct lt_series_key k = key_of(row);

		if (i < r->nrows && at_exit(r, row))
			continue; /* its series ended at its exit */
		history__put(h, &k, row_value(row));
		if (baseline && row_value(row))
			history__set_baseline(h, &k, row_value(row));
	}
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct lt_proc *p = &r->procs[i];

		if (p->exited)
			continue;
		history__put_proc(h, p->pid, p->rss, p->heap + p->mmap);
		if (p->node) {
			double parts[LT_NODE__PARTS];

			for (int k = 0; k < LT_NODE__PARTS; k++)
				parts[k] = p->node_part[k];
			history__put_node(h, p->pid, parts);
		}
	}
	for (size_t i = 0; i < r->ncontainers; i++) {
		const struct lt_container_sum *c = &r->containers[i];

		history__put_proc(h, (pid_t)container_key(c->name), c->rss, c->heap + c->mmap);
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

/* A row's rate, trend and growth from its series; the span of the series. */
static double classify_row(struct lt_history *h, struct lt_row *row, struct lt_trend_result *tr)
{
	struct lt_series_key k = key_of(row);
	struct lt_series s;

	history__get(h, &k, &s);
	analysis__classify(s.t, s.v, s.n,
			   report__is_socket(row->kind) ? &lt_trend_counts : &lt_trend_bytes, tr);
	row->rate = tr->slope;
	row->trend = tr->trend;
	row->growth = (int64_t)row_value(row) - llround(history__baseline(h, &k));
	if (!s.n && !row_value(row) && row->total_allocs &&
	    history__samples(h) >= LT_MIN_SAMPLES)
		row->trend = LT_TREND_TRANSIENT; /* held nothing at any sample */
	return s.n ? s.t[s.n - 1] - s.t[0] : 0;
}

static void annotate_row(struct lt_report *r, const struct lt_report_input *in,
			 struct lt_row *row, struct lt_trend_result *tr)
{
	r->window_s = fmax(r->window_s, classify_row(in->history, row, tr));
}

void report__annotate_exited(struct lt_row *rows, size_t n, struct lt_history *h)
{
	for (size_t i = 0; i < n; i++) {
		struct lt_trend_result tr;

		classify_row(h, &rows[i], &tr);
	}
}

/* A node process's parts: their rates and trends, and the verdict on them. */
static void node_view(struct lt_history *h, struct lt_proc *p)
{
	struct lt_series s[LT_NODE__PARTS];
	const double *v[LT_NODE__PARTS];

	history__get_node(h, p->pid, s);
	for (int k = 0; k < LT_NODE__PARTS; k++)
		v[k] = s[k].v;
	analysis__node_view(s[0].t, v, s[0].n, &p->node_view);
}

/* Rate, trend and per-call growth of every row and group; the verdicts of processes and containers. */
static void annotate(struct lt_report *r, const struct lt_report_input *in)
{
	for (size_t i = 0; i < r->nrows; i++) {
		struct lt_row *row = &r->rows[i];
		struct lt_trend_result tr;

		if (at_exit(r, row))
			continue; /* annotated at its exit */
		annotate_row(r, in, row, &tr);
		if (in->per_call && tr.trend == LT_TREND_GROWING)
			row->per_call = per_call(r, row);
	}
	for (size_t i = 0; i < r->ngroups; i++) {
		struct lt_trend_result tr;

		annotate_row(r, in, &r->groups[i], &tr);
	}
	for (size_t i = 0; i < r->nprocs; i++) {
		struct lt_proc *p = &r->procs[i];
		struct lt_series rss, tracked;

		history__get_proc(in->history, p->pid, &rss, &tracked);
		analysis__proc_view(rss.t, rss.v, tracked.v, rss.n, &p->view);
		if (p->node)
			node_view(in->history, p);
	}
	for (size_t i = 0; i < r->ncontainers; i++) {
		struct lt_container_sum *c = &r->containers[i];
		struct lt_series rss, tracked;

		history__get_proc(in->history, (pid_t)container_key(c->name), &rss, &tracked);
		analysis__proc_view(rss.t, rss.v, tracked.v, rss.n, &c->view);
	}
}

static void sum_procs(struct lt_report *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		const struct lt_row *row = &r->rows[i];
		struct lt_proc *p = (struct lt_proc *)report__proc(r, row->pid);

		if (!p || p->at_exit)
			continue; /* a process kept after its exit comes with its sums */
		if (row->kind == LT_ROW_HEAP)
			p->heap += row->bytes;
		else if (report__is_mmap(row->kind))
			p->mmap += row->bytes;
		else
			p->sockets += row->count;
		if (row->js_mem == LT_JS_MEM_HEAP)
			p->node_part[LT_NODE_JS_HEAP] += row->bytes;
		else if (row->js_mem == LT_JS_MEM_EXTERNAL)
			p->node_part[LT_NODE_EXTERNAL] += row->bytes;
		/* Native malloc: the heap rows that are no part of the others. */
		if (row->kind == LT_ROW_HEAP && row->js_mem == LT_JS_MEM_NONE)
			p->node_part[LT_NODE_NATIVE] += row->bytes;
		p->node |= row->js_mem != LT_JS_MEM_NONE;
	}
	for (size_t i = 0; i < r->nprocs; i++)
		r->procs[i].node_part[LT_NODE_SOCKETS] = r->procs[i].sockets;
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

		if (!report__row_kept(row, final))
			continue;
		p = report__proc(r, row->pid);
		row->comm = p ? p->comm : "?";
		r->rows[kept++] = *row;
	}
	r->nrows = kept;
}

static int symbolize_row(struct lt_row *row, const struct lt_report_input *in)
{
	if (!row->nips || row->frames)
		return 0;
	if (in->name_stack)
		return in->name_stack(in->namer_ctx, row->pid, row->ips, row->nips, &row->frames,
				      &row->nframes);
	row->frames = calloc(row->nips, sizeof(*row->frames));
	if (!row->frames)
		return -ENOMEM;
	for (uint32_t i = 0; i < row->nips; i++)
		row->frames[i].ip = row->ips[i];
	row->nframes = row->nips;
	return 0;
}

const struct lt_frame *report__own_frame(const struct lt_row *row)
{
	return frames__own_frame(row->frames, row->nframes, NULL);
}

const struct lt_frame *report__lead_frame(const struct lt_row *row)
{
	return report__own_frame(row);
}

int report__own_label(char *buf, size_t len, const struct lt_row *row, bool full_names)
{
	const struct lt_frame *via, *own = frames__own_frame(row->frames, row->nframes, &via);
	int n;

	if (!own)
		return snprintf(buf, len, "[stack unavailable]");
	n = report__frame_name(buf, len, own, true, full_names);
	if (via && n >= 0 && (size_t)n + 5 < len) {
		int m;

		memcpy(buf + n, " via ", 6);
		m = report__frame_name(buf + n + 5, len - n - 5, via, false, full_names);
		n += 5 + (m > 0 ? m : 0);
	}
	return n;
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

/*
 * Name the frames of what the writers show: the top rows of each section, or all. The final
 * report's summary lists every growing row of every process, beyond the table's top ones:
 * those are named too, or a leak would be listed as "[stack unavailable]".
 */
static int symbolize(struct lt_report *r, const struct lt_report_input *in)
{
	static bool (*const sections[])(const struct lt_row *) = {
		report__row_is_heap, report__row_is_mmap, report__row_is_socket
	};
	static int (*const orders[])(const void *, const void *) = {
		report__cmp_value, report__cmp_rate, report__cmp_delta
	};
	int err = 0;

	if (in->all_frames) {
		for (size_t i = 0; i < r->nrows && !err; i++)
			err = symbolize_row(&r->rows[i], in);
		return err;
	}
	for (size_t s = 0; s < ARRAY_SIZE(sections); s++) {
		for (size_t o = 0; o < ARRAY_SIZE(orders); o++) {
			size_t n;
			const struct lt_row **sel = report__select(r, sections[s], orders[o], &n);

			if (!sel)
				return -ENOMEM;
			for (size_t i = 0; i < n && i < in->top_n && !err; i++)
				err = symbolize_row((struct lt_row *)sel[i], in);
			free(sel);
		}
	}
	/* ... and what processes that exited held at exit (a bounded number: departed.h). */
	for (size_t i = 0; in->final && i < r->nrows && !err; i++) {
		if (r->rows[i].trend == LT_TREND_GROWING || at_exit(r, &r->rows[i]))
			err = symbolize_row(&r->rows[i], in);
	}
	return err;
}

/*
 * What leaktop costs a process over the report's span, `secs`: the interval, or in the final
 * report everything since attach.
 */
static void proc_cost(struct lt_proc *p, const struct lt_trap_cost *trap, double secs, bool final)
{
	struct lt_cost_est whole, span;
	struct lt_cost d;

	if (!p->costed)
		return;
	cost__estimate(trap, &p->cost, &p->cost, &whole);
	p->hits = llround(whole.hits);
	p->added_s = whole.added_ns / 1e9;
	if (final) {
		span = whole;
	} else {
		cost__diff(&p->cost, &p->cost_prev, &d);
		cost__estimate(trap, &d, &p->cost, &span);
	}
	if (secs <= 0)
		return;
	p->hits_per_s = span.hits / secs;
	p->added_ratio = span.added_ns / 1e9 / secs;
	p->floor_ratio = span.floor_ns / 1e9 / secs;
}

int report__build(struct lt_report *r, const struct lt_report_input *in)
{
	memset(r, 0, sizeof(*r));
	r->group_by = in->group_by;
	r->rows = malloc(in->nrows * sizeof(*r->rows) + 1);
	r->procs = malloc(in->nprocs * sizeof(*r->procs) + 1);
	if (!r->rows || !r->procs)
		return -ENOMEM;
	/* An empty sample may come with NULL arrays, which memcpy must not be given. */
	if (in->nrows)
		memcpy(r->rows, in->rows, in->nrows * sizeof(*r->rows));
	r->nrows = in->nrows;
	if (in->nprocs)
		memcpy(r->procs, in->procs, in->nprocs * sizeof(*r->procs));
	r->nprocs = in->nprocs;
	for (size_t i = 0; i < r->nprocs; i++)
		proc_label(&r->procs[i]);
	qsort(r->procs, r->nprocs, sizeof(*r->procs), cmp_proc);
	for (size_t i = 0; i < r->nrows; i++) {
		if (r->rows[i].kind == LT_ROW_HEAP) {
			r->total_bytes += r->rows[i].bytes;
			r->total_count += r->rows[i].count;
		}
	}
	sum_procs(r);
	for (size_t i = 0; i < r->nprocs; i++)
		proc_cost(&r->procs[i], &in->self.trap,
			  in->final ? in->now - in->start : in->interval_s, in->final);
	memcpy(r->stats, in->stats, sizeof(r->stats));
	r->sort_outstanding = in->sort_outstanding;
	r->per_call = in->per_call;
	r->regions_dropped = in->regions_dropped;
	r->exited_dropped = in->exited_dropped;
	r->exited_rows_dropped = in->exited_rows_dropped;
	r->scope = in->scope;
	r->scope_name = in->scope_name;
	r->host = in->host;
	r->elapsed_s = in->now - in->start;
	r->start_ns = in->start_ns;
	r->interval_s = in->interval_s;
	r->final = in->final;
	r->no_heap = in->no_heap;
	r->no_sockets = in->no_sockets;
	/* Without the heap and mappings a node process's parts are not known: no parts at all. */
	for (size_t i = 0; in->no_heap && i < r->nprocs; i++)
		r->procs[i].node = false;
	r->sample_bytes = in->sample_bytes;
	r->unwind_rows = in->unwind_rows;
	r->js_named = in->js_named;
	r->js_unnamed = in->js_unnamed;
	r->unwind_bytes = in->unwind_bytes;
	r->self = in->self;
	return build_groups(r) ?: build_containers(r);
}

void report__record(const struct lt_report *r, const struct lt_report_input *in)
{
	record(r, in->final, in->now, in->history);
}

int report__annotate(struct lt_report *r, const struct lt_report_input *in)
{
	double baseline;

	if (history__has_baseline(in->history, &baseline))
		r->baseline_s = baseline - in->start;
	annotate(r, in);
	prune(r, in->final);
	return symbolize(r, in);
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
