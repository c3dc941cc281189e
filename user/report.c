// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "history.h"
#include "objects.h"
#include "regions.h"
#include "report.h"
#include "symbolizer.h"
#include "target.h"
#include "util.h"

const char *const lt_stat_desc[LT_STAT__COUNT] = {
	[LT_STAT_ALLOC_MAP_FULL] = "allocations not tracked (allocation map full: raise --max-tracked)",
	[LT_STAT_TOTALS_MAP_FULL] = "allocations not tracked (per-stack map full: raise --max-stacks)",
	[LT_STAT_STACK_MAP_FULL] = "stacks not stored (stack map full: raise --max-stacks)",
	[LT_STAT_STACK_FAILED] = "stack walks failed",
	[LT_STAT_THREAD_STATE_FAILED] = "calls missed (no per-thread state)",
	[LT_STAT_EVENTS_LOST] = "mapping events lost (ring buffer full)",
	[LT_STAT_SOCK_MAP_FULL] = "sockets not tracked (sockets map full)",
	[LT_STAT_SOCK_TOTALS_FULL] = "sockets not tracked (per-stack map full: raise --max-stacks)",
	/* Not drops: the nested-call, reused-address, sampled and unwind counters. */
};

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

/* What a row's trend and rate are about: bytes, or sockets. */
static double row_value(const struct lt_row *r)
{
	return report__is_socket(r->kind) ? r->count : r->bytes;
}

int64_t report__row_value(const struct lt_row *row)
{
	return report__is_socket(row->kind) ? row->count : row->bytes;
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

const struct lt_proc *report__proc(const struct lt_report *r, pid_t pid)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	}
	return NULL;
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
	const struct lt_row **order = malloc(r->nrows * sizeof(*order) + 1);

	*n = 0;
	if (!order)
		return NULL;
	for (size_t i = 0; i < r->nrows; i++) {
		if (!keep || keep(&r->rows[i]))
			order[(*n)++] = &r->rows[i];
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

static int fill_procs(struct lt_report *r, const struct lt_report_sources *src)
{
	r->procs = calloc(src->ntargets ? src->ntargets : 1, sizeof(*r->procs));
	if (!r->procs)
		return -ENOMEM;
	for (size_t i = 0; i < src->ntargets; i++) {
		const struct lt_target *t = &src->targets[i];
		struct lt_proc *p = &r->procs[i];

		p->pid = t->pid;
		memcpy(p->comm, t->comm, sizeof(p->comm));
		p->exited = t->exited;
		p->calls = collector__calls(src->collector, t->pid);
		if (!p->exited && target__memory(p->pid, &p->rss, &p->anon))
			p->rss = p->anon = 0;
	}
	r->nprocs = src->ntargets;
	return 0;
}

static struct lt_series_key key_of(const struct lt_row *row)
{
	return (struct lt_series_key){ row->kind, row->pid, row->stack_id };
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
	for (size_t i = 0; i < r->nprocs; i++) {
		struct lt_proc *p = &r->procs[i];

		if (!p->exited)
			history__put_proc(src->history, p->pid, p->rss, p->heap + p->mmap);
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

/* Rate, trend and per-call growth of every row; the verdict of every process. */
static void annotate(struct lt_report *r, const struct lt_report_sources *src)
{
	for (size_t i = 0; i < r->nrows; i++) {
		struct lt_row *row = &r->rows[i];
		struct lt_series_key k = key_of(row);
		struct lt_trend_result tr;
		struct lt_series s;

		history__get(src->history, &k, &s);
		analysis__classify(s.t, s.v, s.n,
				   report__is_socket(row->kind) ? &lt_trend_counts : &lt_trend_bytes,
				   &tr);
		row->rate = tr.slope;
		row->trend = tr.trend;
		row->growth = report__row_value(row) - llround(history__baseline(src->history, &k));
		if (!s.n && !row_value(row) && row->total_allocs &&
		    history__samples(src->history) >= LT_MIN_SAMPLES)
			row->trend = LT_TREND_TRANSIENT; /* held nothing at any sample */
		if (s.n)
			r->window_s = fmax(r->window_s, s.t[s.n - 1] - s.t[0]);
		if (src->per_call && tr.trend == LT_TREND_GROWING)
			row->per_call = per_call(r, row);
	}
	for (size_t i = 0; i < r->nprocs; i++) {
		struct lt_proc *p = &r->procs[i];
		struct lt_series rss, tracked;

		history__get_proc(src->history, p->pid, &rss, &tracked);
		analysis__proc_view(rss.t, rss.v, tracked.v, rss.n, &p->view);
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

		if (!row->bytes && !row->count && !row->allocs && !row->frees && !row->delta &&
		    !(final && (row->total_allocs || row->total_frees)))
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

static bool is_heap(const struct lt_row *r)
{
	return r->kind == LT_ROW_HEAP;
}

static bool is_mmap(const struct lt_row *r)
{
	return report__is_mmap(r->kind);
}

static bool is_sock(const struct lt_row *r)
{
	return report__is_socket(r->kind);
}

/* Name the frames of what the writers show: the top rows of each section, or all. */
static int symbolize(struct lt_report *r, const struct lt_report_sources *src)
{
	static bool (*const sections[])(const struct lt_row *) = { is_heap, is_mmap, is_sock };
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
	err = fill_procs(r, src);
	err = err ?: add_heap(r, src, &cap);
	err = err ?: add_mmap(r, src, &cap);
	err = err ?: add_sockets(r, src, &cap);
	if (err)
		return err;
	sum_procs(r);
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
	memset(r, 0, sizeof(*r));
}
