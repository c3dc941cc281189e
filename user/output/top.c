// SPDX-License-Identifier: GPL-2.0
/* The interactive view: see top.h. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "term.h"
#include "top.h"
#include "util.h"

/* The header's lines: three of figures, the view's line, the columns' titles. */
#define HEAD_LINES 5

/* A row as the view shows it, formatted and owned. */
struct top_row {
	pid_t pid;
	uint64_t stack_id;
	enum lt_row_kind kind;
	int64_t bytes, count, delta;
	double rate, age_s;
	enum lt_trend trend;
	char *name;		/* its frame (top__row_frame), or its group's name */
	char *proc;		/* "pid 42 (svc)" when the report has several processes, else NULL */
	char **frames;		/* every frame, for the stack view */
	size_t nframes;
};

struct top_snap {
	struct top_row *rows[LT_TOP__SECTIONS];
	size_t n[LT_TOP__SECTIONS];
	char head[3][320];
	bool grouped;
};

struct lt_top {
	struct lt_top_opts o;
	struct top_snap snap;
	bool have;		/* a report came */
	enum lt_top_section section;
	bool sort_outstanding, paused, detail;
	int cols, lines;
	int want_rows;		/* '+' and '-': rows asked for; 0 as many as fit */
	size_t sel, first;	/* the selected row and the first shown, in the order */
	bool sel_valid;		/* the selected row's identity, kept across reports and sorts */
	pid_t sel_pid;
	uint64_t sel_stack;
	enum lt_row_kind sel_kind;
	const struct top_row **order; /* the section's rows in the sort's order */
	size_t norder;
};

static const char *const section_names[] = { "HEAP", "MMAP", "SOCKETS" };

const struct lt_frame *top__row_frame(const struct lt_row *row)
{
	return report__own_frame(row);
}

/* --- Formatting ------------------------------------------------------------------------- */

/*
 * Write `s` from column *col, never past `cols`: control bytes (a hostile process names
 * itself with escapes) become '?', and a character past U+10FF counts two columns, so a
 * wide one never wraps the line. UTF-8 sequences are kept whole.
 */
static void put_cut(FILE *f, const char *s, int *col, int cols)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p && *col < cols) {
		size_t len = 1;
		int width = 1;

		if (*p >= 0xc0) {
			uint32_t cp = *p >= 0xf0 ? *p & 7 : *p >= 0xe0 ? *p & 15 : *p & 31;

			len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
			for (size_t i = 1; i < len; i++) {
				if ((p[i] & 0xc0) != 0x80) {
					len = 0;
					break;
				}
				cp = cp << 6 | (p[i] & 0x3f);
			}
			width = cp >= 0x1100 ? 2 : 1;
		}
		if (!len || (*p >= 0x80 && *p < 0xc0)) {
			fputc('?', f); /* a broken sequence */
			(*col)++;
			p++;
			continue;
		}
		if (*col + width > cols)
			break;
		if (*p < 0x20 || *p == 0x7f)
			fputc('?', f);
		else
			fwrite(p, 1, len, f);
		*col += width;
		p += len;
	}
}

/* Line `y` (from 0) of the screen: moved to, cleared, then `s` cut at the width. */
static void line_at(FILE *f, const struct lt_top *t, int y, const char *s, bool reverse)
{
	int col = 0;

	if (y >= t->lines)
		return;
	fprintf(f, "\033[%d;1H\033[K%s", y + 1, reverse ? "\033[7m" : "");
	put_cut(f, s, &col, t->cols);
	if (reverse) { /* the bar spans the line */
		fprintf(f, "%*s\033[m", t->cols - col, "");
	}
}

/* --- The snapshot ------------------------------------------------------------------------ */

static void row_free(struct top_row *r)
{
	free(r->name);
	free(r->proc);
	for (size_t i = 0; i < r->nframes; i++)
		free(r->frames[i]);
	free(r->frames);
}

static void snap_free(struct top_snap *s)
{
	for (int k = 0; k < LT_TOP__SECTIONS; k++) {
		for (size_t i = 0; i < s->n[k]; i++)
			row_free(&s->rows[k][i]);
		free(s->rows[k]);
	}
	memset(s, 0, sizeof(*s));
}

static int row_fill(struct top_row *d, const struct lt_report *r, const struct lt_row *row,
		    bool full_names)
{
	const struct lt_frame *lead = top__row_frame(row);
	char buf[1024];

	*d = (struct top_row){
		.pid = row->pid, .stack_id = row->stack_id, .kind = row->kind, .bytes = row->bytes,
		.count = row->count, .delta = row->delta, .rate = row->rate, .age_s = row->age_s,
		.trend = row->trend,
	};
	if (row->group)
		snprintf(buf, sizeof(buf), "%s (%zu stack%s)", row->group, row->members,
			 row->members > 1 ? "s" : "");
	else if (lead) /* its own frame, and the runtime call it went through */
		report__own_label(buf, sizeof(buf), row, full_names);
	else
		snprintf(buf, sizeof(buf), "[stack unavailable]");
	d->name = strdup(buf);
	if (!row->group && (r->nprocs > 1 || r->scope != LT_SCOPE_KIND_PIDS)) {
		const struct lt_proc *p = report__proc(r, row->pid);

		if (p)
			snprintf(buf, sizeof(buf), "%s", p->label);
		else
			snprintf(buf, sizeof(buf), "pid %d", row->pid);
		d->proc = strdup(buf);
		if (!d->proc)
			return -ENOMEM;
	}
	d->frames = calloc(row->nframes + 1, sizeof(*d->frames));
	if (!d->name || !d->frames)
		return -ENOMEM;
	for (size_t i = 0; i < row->nframes; i++) {
		report__frame_name(buf, sizeof(buf), &row->frames[i], true, full_names);
		d->frames[i] = strdup(buf);
		if (!d->frames[i])
			return -ENOMEM;
		d->nframes++;
	}
	return 0;
}

static bool (*const section_keep[])(const struct lt_row *) = {
	report__row_is_heap, report__row_is_mmap, report__row_is_socket,
};

/* A section's rows: the top LT_TOP_MAX_ROWS by rate and by value, each once. */
static int snap_section(struct top_snap *s, int k, const struct lt_report *r, bool full_names)
{
	const struct lt_row **by_rate, **by_value;
	size_t nr, nv, n = 0;
	int err = 0;

	by_rate = s->grouped ? report__select_rows(r->groups, r->ngroups, section_keep[k],
						   report__cmp_rate, &nr)
			     : report__select(r, section_keep[k], report__cmp_rate, &nr);
	by_value = s->grouped ? report__select_rows(r->groups, r->ngroups, section_keep[k],
						    report__cmp_value, &nv)
			      : report__select(r, section_keep[k], report__cmp_value, &nv);
	nr = nr < LT_TOP_MAX_ROWS ? nr : LT_TOP_MAX_ROWS;
	nv = nv < LT_TOP_MAX_ROWS ? nv : LT_TOP_MAX_ROWS;
	s->rows[k] = by_rate && by_value ? calloc(nr + nv + 1, sizeof(*s->rows[k])) : NULL;
	if (!s->rows[k]) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nr + nv && !err; i++) {
		const struct lt_row *row = i < nr ? by_rate[i] : by_value[i - nr];
		bool seen = false;

		for (size_t j = 0; i >= nr && j < nr && !seen; j++)
			seen = by_rate[j] == row;
		if (seen)
			continue;
		err = row_fill(&s->rows[k][n], r, row, full_names);
		s->n[k] = ++n; /* freed with the snapshot, filled or not */
	}
out:
	free(by_rate);
	free(by_value);
	return err;
}

static void snap_head(struct top_snap *s, const struct lt_report *r, const struct lt_top_opts *o)
{
	char a[32], b[32], c[32], d[32], e[32], who[LT_NAME_MAX + 64];
	double rate[LT_TOP__SECTIONS] = { 0 };
	int64_t mm = 0, regions = 0, socks = 0;
	uint64_t drops = r->regions_dropped;
	size_t nheap = 0;
	long el = (long)r->elapsed_s;

	for (size_t i = 0; i < r->nrows; i++) {
		const struct lt_row *row = &r->rows[i];

		for (int k = 0; k < LT_TOP__SECTIONS; k++)
			rate[k] += section_keep[k](row) ? row->rate : 0;
		if (report__row_is_mmap(row)) {
			mm += row->bytes;
			regions += row->count;
		} else if (report__row_is_socket(row)) {
			socks += row->count;
		} else {
			nheap++;
		}
	}
	for (int i = 0; i < LT_STAT__COUNT; i++)
		drops += lt_stats[i].drop ? r->stats[i] : 0;
	if (r->scope_name)
		snprintf(who, sizeof(who), "%s, %zu processes", r->scope_name, r->nprocs);
	else if (r->nprocs == 1)
		snprintf(who, sizeof(who), "%s%s", r->procs[0].label,
			 r->procs[0].exited ? " (exited)" : "");
	else
		snprintf(who, sizeof(who), "%zu processes", r->nprocs);
	snprintf(s->head[0], sizeof(s->head[0]),
		 "leaktop - %ld:%02ld:%02ld elapsed, every %.1fs, window %.0fs - %s", el / 3600,
		 el / 60 % 60, el % 60, o->interval_s, r->window_s, who);
	if (r->no_heap)
		snprintf(a, sizeof(a), "not traced");
	else
		fmt_bytes(a, sizeof(a), r->total_bytes, o->exact, false);
	snprintf(s->head[1], sizeof(s->head[1]),
		 "Heap: %s in %" PRId64 " blocks, %zu stacks, %s | Mmap: %s in %" PRId64
		 " regions, %s | Sockets: %" PRId64 " open, %s",
		 a, r->total_count, nheap, fmt_rate(b, sizeof(b), rate[LT_TOP_HEAP], false, o->exact),
		 fmt_bytes(c, sizeof(c), mm, o->exact, false), regions,
		 fmt_rate(d, sizeof(d), rate[LT_TOP_MMAP], false, o->exact), socks,
		 fmt_rate(e, sizeof(e), rate[LT_TOP_SOCKETS], true, o->exact));
	snprintf(s->head[2], sizeof(s->head[2]),
		 "Drops: %" PRIu64 "%s | leaktop: %.1f%% CPU, RSS %s, BPF maps %s%s", drops,
		 drops ? " (see the final report)" : "", r->self.cpu_pct,
		 fmt_bytes(a, sizeof(a), r->self.rss, o->exact, false),
		 fmt_bytes(b, sizeof(b), r->self.bpf_bytes, o->exact, false),
		 r->sample_bytes ? " | sampled: figures are estimates" : "");
}

/* --- The order and the selection -------------------------------------------------------- */

static double row_value(const struct top_row *r)
{
	return report__is_socket(r->kind) ? r->count : r->bytes;
}

static int cmp_rows(const struct top_row *x, const struct top_row *y, bool by_value)
{
	double a = by_value ? row_value(x) : x->rate, b = by_value ? row_value(y) : y->rate;

	if (a != b)
		return a > b ? -1 : 1;
	if (row_value(x) != row_value(y))
		return row_value(x) > row_value(y) ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

static int cmp_value(const void *a, const void *b)
{
	return cmp_rows(*(const struct top_row *const *)a, *(const struct top_row *const *)b, true);
}

static int cmp_rate(const void *a, const void *b)
{
	return cmp_rows(*(const struct top_row *const *)a, *(const struct top_row *const *)b, false);
}

static int visible_rows(const struct lt_top *t)
{
	int fit = t->lines - HEAD_LINES;

	fit = fit > 1 ? fit : 1;
	return t->want_rows && t->want_rows < fit ? t->want_rows : fit;
}

/* The section's rows in the sort's order, the selection found again, and kept in view. */
static void reorder(struct lt_top *t)
{
	size_t n = t->snap.n[t->section];
	const struct top_row **order = calloc(n + 1, sizeof(*order));
	int vis = visible_rows(t);

	if (!order)
		return; /* the old order stays */
	for (size_t i = 0; i < n; i++)
		order[i] = &t->snap.rows[t->section][i];
	qsort(order, n, sizeof(*order), t->sort_outstanding ? cmp_value : cmp_rate);
	free(t->order);
	t->order = order;
	t->norder = n;
	for (size_t i = 0; t->sel_valid && i < n; i++) {
		if (order[i]->pid == t->sel_pid && order[i]->stack_id == t->sel_stack &&
		    order[i]->kind == t->sel_kind) {
			t->sel = i;
			break;
		}
	}
	if (t->sel >= n)
		t->sel = n ? n - 1 : 0;
	if (t->sel < t->first)
		t->first = t->sel;
	if (t->sel >= t->first + vis)
		t->first = t->sel - vis + 1;
	if (t->first + vis > n)
		t->first = n > (size_t)vis ? n - vis : 0;
	t->sel_valid = n > 0;
	if (n) {
		t->sel_pid = order[t->sel]->pid;
		t->sel_stack = order[t->sel]->stack_id;
		t->sel_kind = order[t->sel]->kind;
	}
}

/* --- The API ---------------------------------------------------------------------------- */

struct lt_top *top__new(const struct lt_top_opts *o)
{
	struct lt_top *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->o = *o;
	t->sort_outstanding = o->sort_outstanding;
	t->section = o->no_heap ? LT_TOP_SOCKETS : LT_TOP_HEAP;
	t->cols = 80;
	t->lines = 24;
	return t;
}

void top__free(struct lt_top *t)
{
	if (!t)
		return;
	snap_free(&t->snap);
	free(t->order);
	free(t);
}

int top__update(struct lt_top *t, const struct lt_report *r)
{
	struct top_snap s = { .grouped = r->group_by != LT_GROUP_STACK };
	int err = 0;

	if (t->paused)
		return 0;
	for (int k = 0; k < LT_TOP__SECTIONS && !err; k++)
		err = snap_section(&s, k, r, t->o.full_names);
	if (err) {
		snap_free(&s);
		return err;
	}
	snap_head(&s, r, &t->o);
	free(t->order);
	t->order = NULL;
	t->norder = 0;
	snap_free(&t->snap);
	t->snap = s;
	t->have = true;
	reorder(t);
	return 0;
}

void top__resize(struct lt_top *t, int cols, int lines)
{
	t->cols = cols > 1 ? cols : 1;
	t->lines = lines > 1 ? lines : 1;
	reorder(t);
}

enum lt_top_action top__key(struct lt_top *t, int key)
{
	size_t vis = visible_rows(t);

	switch (key) {
	case 'q':
	case 'Q':
		return LT_TOP_QUIT;
	case LT_KEY_UP:
		t->sel -= t->sel > 0;
		break;
	case LT_KEY_DOWN:
		t->sel += t->sel + 1 < t->norder;
		break;
	case LT_KEY_PGUP:
		t->sel = t->sel > vis ? t->sel - vis : 0;
		break;
	case LT_KEY_PGDN:
		t->sel = t->sel + vis < t->norder ? t->sel + vis : t->norder ? t->norder - 1 : 0;
		break;
	case LT_KEY_HOME:
		t->sel = 0;
		break;
	case LT_KEY_END:
		t->sel = t->norder ? t->norder - 1 : 0;
		break;
	case LT_KEY_ENTER:
		t->detail = !t->detail && t->norder;
		return LT_TOP_REDRAW;
	case LT_KEY_ESC:
	case LT_KEY_LEFT:
		t->detail = false;
		return LT_TOP_REDRAW;
	case 's':
		t->sort_outstanding = !t->sort_outstanding;
		reorder(t);
		return LT_TOP_REDRAW;
	case 'h':
	case 'm':
	case 'k':
		t->section = key == 'h' ? LT_TOP_HEAP : key == 'm' ? LT_TOP_MMAP : LT_TOP_SOCKETS;
		t->sel = t->first = 0;
		t->sel_valid = false;
		t->detail = false;
		reorder(t);
		return LT_TOP_REDRAW;
	case '+':
	case '-': {
		int fit = t->lines - HEAD_LINES, cur = visible_rows(t);

		cur += key == '+' ? 1 : -1;
		t->want_rows = cur < 1 ? 1 : cur >= fit ? 0 : cur;
		reorder(t);
		return LT_TOP_REDRAW;
	}
	case ' ':
		t->paused = !t->paused;
		return LT_TOP_REDRAW;
	default:
		return LT_TOP_NOTHING;
	}
	/* The selection moved: remember which row it is, and keep it in view. */
	t->sel_valid = false;
	if (t->sel < t->norder) {
		t->sel_valid = true;
		t->sel_pid = t->order[t->sel]->pid;
		t->sel_stack = t->order[t->sel]->stack_id;
		t->sel_kind = t->order[t->sel]->kind;
	}
	reorder(t);
	return LT_TOP_REDRAW;
}

static void render_row(FILE *f, const struct lt_top *t, int y, size_t i)
{
	const struct top_row *r = t->order[i];
	bool sock = report__is_socket(r->kind);
	char v[32], c[32], d[32], rate[32], age[32], line[1024];

	if (sock) {
		snprintf(v, sizeof(v), "%" PRId64, r->count);
		snprintf(c, sizeof(c), "%s", report__kind_name(r->kind));
		snprintf(d, sizeof(d), "%+" PRId64, r->delta);
	} else {
		fmt_bytes(v, sizeof(v), r->bytes, t->o.exact, false);
		snprintf(c, sizeof(c), "%" PRId64, r->count);
		fmt_bytes(d, sizeof(d), r->delta, t->o.exact, true);
	}
	snprintf(line, sizeof(line), "%4zu %12s %9s %12s %13s %-9s %6s  %s%s%s%s", i + 1, v, c, d,
		 fmt_rate(rate, sizeof(rate), r->rate, sock, t->o.exact),
		 analysis__trend_name(r->trend), fmt_age(age, sizeof(age), r->age_s),
		 report__is_mmap(r->kind) ? report__kind_name(r->kind) : "",
		 report__is_mmap(r->kind) ? ": " : "", r->name, "");
	if (r->proc) {
		size_t len = strlen(line);

		snprintf(line + len, sizeof(line) - len, "  %s", r->proc);
	}
	line_at(f, t, y, line, i == t->sel);
}

/* Enter: the selected stack, every frame that fits. */
static int render_detail(FILE *f, const struct lt_top *t, int y)
{
	const struct top_row *r = t->order[t->sel];
	bool sock = report__is_socket(r->kind);
	char line[1024], v[64], b[32], d[32], rate[32], age[32];
	int room;

	snprintf(line, sizeof(line), "Stack #%zu of %zu in %s%s%s", t->sel + 1, t->norder,
		 section_names[t->section], r->proc ? ": " : "", r->proc ? r->proc : "");
	line_at(f, t, y++, line, true);
	if (sock) {
		snprintf(v, sizeof(v), "%" PRId64 " %s sockets open", r->count,
			 report__kind_name(r->kind));
		snprintf(d, sizeof(d), "%+" PRId64, r->delta);
	} else {
		snprintf(v, sizeof(v), "%s in %" PRId64 " %s%s",
			 fmt_bytes(b, sizeof(b), r->bytes, t->o.exact, false), r->count,
			 report__is_mmap(r->kind) ? "region" : "block", r->count == 1 ? "" : "s");
		fmt_bytes(d, sizeof(d), r->delta, t->o.exact, true);
	}
	snprintf(line, sizeof(line), "%s, %s since the last sample, %s, %s, oldest %s", v, d,
		 fmt_rate(rate, sizeof(rate), r->rate, sock, t->o.exact),
		 analysis__trend_name(r->trend), fmt_age(age, sizeof(age), r->age_s));
	line_at(f, t, y++, line, false);
	room = t->lines - y;
	for (size_t i = 0; i < r->nframes && room > 0; i++, room--) {
		if (room == 1 && i + 1 < r->nframes) {
			snprintf(line, sizeof(line), "  ... %zu more frames (a taller window shows them)",
				 r->nframes - i);
			line_at(f, t, y++, line, false);
			break;
		}
		snprintf(line, sizeof(line), "  %3zu  %s", i, r->frames[i]);
		line_at(f, t, y++, line, false);
	}
	if (!r->nframes && room > 0)
		line_at(f, t, y++, "  [stack unavailable: see the drop counters]", false);
	return y;
}

int top__render(struct lt_top *t, FILE *f)
{
	bool sock = t->section == LT_TOP_SOCKETS;
	char line[512];
	int y = 0;

	errno = 0;
	if (!t->have) {
		snprintf(line, sizeof(line), "leaktop - attached; the first sample comes in %.1fs "
			 "(q quits)", t->o.interval_s);
		line_at(f, t, y++, line, false);
	} else {
		for (int i = 0; i < 3; i++)
			line_at(f, t, y++, t->snap.head[i], false);
	}
	snprintf(line, sizeof(line),
		 "%s by %s, %zu %s, rows %d%s | keys: arrows, Enter: stack, s: sort, h/m/k: "
		 "heap/mmap/sockets, +/-: rows, space: pause, q: quit",
		 section_names[t->section], t->sort_outstanding ? "outstanding" : "growth rate",
		 t->norder, t->snap.grouped ? "groups" : "stacks", visible_rows(t),
		 t->paused ? " | PAUSED" : "");
	line_at(f, t, y++, line, false);
	if (t->have && t->detail && t->sel < t->norder) {
		y = render_detail(f, t, y);
	} else if (t->have) {
		snprintf(line, sizeof(line), "%4s %12s %9s %12s %13s %-9s %6s  %s", "#",
			 sock ? "OPEN" : t->section == LT_TOP_MMAP ? "MAPPED" : "OUTSTANDING",
			 sock ? "KIND" : t->section == LT_TOP_MMAP ? "REGIONS" : "COUNT", "DELTA",
			 "RATE", "TREND", "AGE", t->snap.grouped ? "GROUP" : "STACK (its frame)");
		line_at(f, t, y++, line, false);
		for (size_t i = t->first; i < t->norder && i < t->first + visible_rows(t); i++)
			render_row(f, t, y++, i);
		if (!t->norder)
			line_at(f, t, y++, "    (nothing in this section)", false);
	}
	if (y < t->lines)
		fprintf(f, "\033[%d;1H\033[J", y + 1);
	if (fflush(f))
		return -errno;
	return ferror(f) ? -(errno ?: EIO) : 0;
}
