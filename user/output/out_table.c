// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "departed.h"
#include "output.h"
#include "util.h"

/*
 * Every section shares the column layout, so stacks start at the same column everywhere:
 * "%3s %13s %10s %13s %8s %8s %13s %-9s %7s  " is 94 wide.
 */
#define COLS "%3s %13s %10s %13s %8s %8s %13s %-9s %7s  "
#define STACK_COL 94

/* A share of one core: "41.2%", "0.03%", "0%". */
static const char *fmt_share(char *buf, size_t len, double ratio)
{
	double pct = ratio * 100;

	if (pct <= 0)
		snprintf(buf, len, "0%%");
	else
		snprintf(buf, len, "%.*f%%", pct < 0.1 ? 2 : 1, pct);
	return buf;
}

/* The sampling in force for a process: "every allocation", "1 in 64.0 KiB". */
static const char *fmt_sampling(char *buf, size_t len, const struct lt_proc *p, bool exact,
				bool terse)
{
	char b[32];

	if (!p->sample_bytes)
		snprintf(buf, len, "%s", terse ? "all" : "every allocation traced");
	else
		snprintf(buf, len, "%s%s", terse ? "" : "sampling 1 in ",
			 fmt_bytes(b, sizeof(b), p->sample_bytes, exact, false));
	return buf;
}

/* A process whose probes alone exceed the budget, said plainly with what would hold it. */
static void floor_words(char *buf, size_t len, const struct lt_report *r, const struct lt_proc *p)
{
	char f[16];

	snprintf(buf, len, "its probes alone cost %s of a core, over the %g%% budget: sampling "
		 "cannot bring that down (every allocator call traps); a budget of %g%% would hold "
		 "it, or trace fewer processes",
		 fmt_share(f, sizeof(f), p->floor_ratio), r->self.budget * 100,
		 cost__budget_needed(p->floor_ratio) * 100);
}

static void header(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	char b[32];

	fprintf(f, "leaktop%s  elapsed %.1fs  interval %.1fs  window %.0fs  heap %s in %" PRId64
		" blocks over %zu stacks\n",
		r->final ? " final report" : "", r->elapsed_s, r->interval_s, r->window_s,
		fmt_bytes(b, sizeof(b), r->total_bytes, o->exact, false), r->total_count, r->nrows);
	if (r->sample_bytes)
		fprintf(f, "sampled: one point per %s of allocation on average; bytes and counts are "
			"unbiased estimates\n",
			fmt_bytes(b, sizeof(b), r->sample_bytes, o->exact, false));
	if (r->self.budget)
		fprintf(f, "budget: leaktop keeps what it adds to each process under %g%% of a core "
			"(--max-overhead); a process it samples to do so has estimated figures\n",
			r->self.budget * 100);
	if (r->scope_name)
		fprintf(f, "tracing %s: %zu processes in scope, %zu with something traced\n",
			r->scope_name, r->self.procs_seen, r->nprocs);
	if (r->final)
		fprintf(f, "allocs and frees (maps and unmaps, opened and closed) are counted since "
			"attach\n");
}

/*
 * The frames of a row: its own frame (and the runtime frame it went through) on the current
 * line, then its callers, indented under it. The runtime frames inside it are in the files.
 */
static void frames(FILE *f, const struct lt_report *r, const struct lt_row *row,
		   const struct lt_table_opts *o, const char *prefix, const char *note)
{
	char buf[1024];
	size_t i, shown = 1;

	if (row->group) {
		fprintf(f, "%s%s (%zu stack%s)%s\n", prefix, row->group, row->members,
			row->members > 1 ? "s" : "", note);
		return;
	}
	if (r->nprocs > 1 || r->scope != LT_SCOPE_KIND_PIDS) {
		const struct lt_proc *p = report__proc(r, row->pid);

		if (p)
			fprintf(f, "%s: ", p->label);
		else
			fprintf(f, "pid %d (%s): ", row->pid, row->comm);
	}
	fputs(prefix, f);
	if (!row->nframes) {
		fprintf(f, "[stack unavailable: see the drop counters]%s\n", note);
		return;
	}
	report__own_label(buf, sizeof(buf), row, o->full_names);
	fprintf(f, "%s%s\n", buf, note);
	for (i = report__own_frame(row) - row->frames + 1; i < row->nframes && shown < o->frames;
	     i++, shown++) {
		report__frame_name(buf, sizeof(buf), &row->frames[i], true, o->full_names);
		fprintf(f, "%*s%s\n", STACK_COL, "", buf);
	}
	if (i < row->nframes)
		fprintf(f, "%*s... %zu more frame%s\n", STACK_COL, "", row->nframes - i,
			row->nframes - i > 1 ? "s" : "");
}

/* "  (12.0 KiB per handle_event call)" after a growing row's first frame. */
static void per_call_note(char *buf, size_t len, const struct lt_report *r, const struct lt_row *row,
			  bool exact)
{
	char b[32];

	buf[0] = '\0';
	if (row->per_call < 0 || !r->per_call)
		return;
	if (report__is_socket(row->kind))
		snprintf(buf, len, "  (%.3g sockets per %s call)", row->per_call, r->per_call);
	else
		snprintf(buf, len, "  (%s per %s call)",
			 fmt_bytes(b, sizeof(b), llround(row->per_call), exact, false), r->per_call);
}

static bool grew(const struct lt_row *r)
{
	return r->kind == LT_ROW_HEAP && r->delta > 0;
}

/* One section: the rows `keep` accepts, in the table's order. */
static void section(FILE *f, const struct lt_report *r, const struct lt_table_opts *o,
		    const char *what, bool (*keep)(const struct lt_row *), const char *value_col,
		    const char *count_col, const char *allocs_col, const char *frees_col)
{
	int (*cmp)(const void *, const void *) = r->sort_outstanding ? report__cmp_value
								      : report__cmp_rate;
	char v[32], d[32], rate[32], age[32], cnt[32], note[128];
	const struct lt_row **order;
	size_t n;

	static const char *const groups[] = {
		[LT_GROUP_STACK] = "STACKS", [LT_GROUP_PROCESS] = "PROCESSES",
		[LT_GROUP_CONTAINER] = "CONTAINERS",
	};
	bool grouped = r->group_by != LT_GROUP_STACK;

	order = grouped ? report__select_rows(r->groups, r->ngroups, keep, cmp, &n)
			: report__select(r, keep, cmp, &n);
	if (!order)
		return;
	if (!n && keep != report__row_is_heap) {
		free(order);
		return; /* an empty mmap or socket section says nothing */
	}
	fprintf(f, "\n%s: %s BY %s\n", what, groups[r->group_by],
		r->sort_outstanding ? "OUTSTANDING" : "GROWTH RATE");
	fprintf(f, COLS "%s\n", "#", value_col, count_col, "DELTA", allocs_col, frees_col, "RATE", "TREND", "AGE",
		grouped ? (r->group_by == LT_GROUP_PROCESS ? "PROCESS" : "CONTAINER")
			: "STACK (own code first, then its callers)");
	for (size_t i = 0; i < n && i < o->top_n; i++) {
		const struct lt_row *row = order[i];
		bool sock = report__is_socket(row->kind);
		char prefix[16] = "";

		if (sock) {
			snprintf(v, sizeof(v), "%" PRId64, row->count);
			snprintf(cnt, sizeof(cnt), "%s", report__kind_name(row->kind));
			snprintf(d, sizeof(d), "%+" PRId64, row->delta);
		} else {
			fmt_bytes(v, sizeof(v), row->bytes, o->exact, false);
			snprintf(cnt, sizeof(cnt), "%" PRId64, row->count);
			fmt_bytes(d, sizeof(d), row->delta, o->exact, true);
		}
		if (report__is_mmap(row->kind))
			snprintf(prefix, sizeof(prefix), "%s: ", report__kind_name(row->kind));
		per_call_note(note, sizeof(note), r, row, o->exact);
		fprintf(f, "%3zu %13s %10s %13s %8" PRIu64 " %8" PRIu64 " %13s %-9s %7s  ", i + 1, v,
			cnt, d, r->final ? row->total_allocs : row->allocs,
			r->final ? row->total_frees : row->frees,
			fmt_rate(rate, sizeof(rate), row->rate, sock, o->exact),
			analysis__trend_name(row->trend), fmt_age(age, sizeof(age), row->age_s));
		frames(f, r, row, o, prefix, note);
	}
	if (!n)
		fprintf(f, "    (no allocations seen since attach)\n");
	free(order);
}

/* Heap growth since the last table, newest first; stacks shown above by rank only. */
static void since_last(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	int (*cmp)(const void *, const void *) = r->sort_outstanding ? report__cmp_value
								      : report__cmp_rate;
	const struct lt_row **above, **order;
	char d[32], v[32], buf[512];
	size_t nabove, n, shown = 0;

	above = report__select(r, report__row_is_heap, cmp, &nabove);
	order = report__select(r, grew, report__cmp_delta, &n);
	if (!above || !order)
		goto out;
	if (nabove > o->top_n)
		nabove = o->top_n;
	if (r->group_by != LT_GROUP_STACK)
		nabove = 0; /* the section above shows groups, not these stacks: no rank to point at */
	fprintf(f, "\nHEAP: GROWTH SINCE THE LAST TABLE\n");
	for (size_t i = 0; i < n && shown < o->top_n; i++) {
		const struct lt_row *row = order[i];
		size_t rank = 0;

		for (size_t k = 0; k < nabove && !rank; k++)
			rank = above[k] == row ? k + 1 : 0;
		fprintf(f, "%3zu %13s %13s  ", ++shown, fmt_bytes(d, sizeof(d), row->delta, o->exact, true),
			fmt_bytes(v, sizeof(v), row->bytes, o->exact, false));
		if (!row->nframes) {
			fprintf(f, "[stack unavailable]\n");
			continue;
		}
		report__own_label(buf, sizeof(buf), row, o->full_names);
		if (rank)
			fprintf(f, "%s  (#%zu above)\n", buf, rank);
		else
			fprintf(f, "%s\n", buf);
	}
	if (!shown)
		fprintf(f, "    (nothing grew)\n");
out:
	free(above);
	free(order);
}

static const char *view_verdict(char *buf, size_t len, const struct lt_proc_view *v, bool exact)
{
	char a[32], b[32];

	fmt_rate(a, sizeof(a), v->rss_rate, false, exact);
	fmt_rate(b, sizeof(b), v->tracked_rate, false, exact);
	switch (v->verdict) {
	case LT_PROC_RSS_STEADY:
		snprintf(buf, len, "RSS is steady");
		break;
	case LT_PROC_RSS_SHRINKS:
		snprintf(buf, len, "RSS shrinks (%s)", a);
		break;
	case LT_PROC_TRACKED_EXPLAINS:
		snprintf(buf, len, "RSS grows %s and the tracked heap and mappings grow %s: they explain "
			 "the growth", a, b);
		break;
	case LT_PROC_UNTRACKED_GROWTH:
		snprintf(buf, len, "RSS grows %s while the tracked heap is flat (%s): allocator "
			 "retention or fragmentation, or memory not from malloc/mmap", a, b);
		break;
	default:
		snprintf(buf, len, "too early for a verdict on RSS");
		break;
	}
	return buf;
}

/* Allocations leaktop saw but could not follow (a full map): they hold what is not known. */
static uint64_t not_tracked(const struct lt_report *r)
{
	return r->stats[LT_STAT_ALLOC_MAP_FULL] + r->stats[LT_STAT_TOTALS_MAP_FULL];
}

static const char *verdict(char *buf, size_t len, const struct lt_report *r,
			   const struct lt_proc *p, bool exact)
{
	char a[32], b[32];

	/* A Go program's heap is not traced: its growth would read as "untracked". */
	if (p->go && p->view.verdict == LT_PROC_UNTRACKED_GROWTH) {
		snprintf(buf, len, "RSS grows %s, in Go's own heap or elsewhere: leaktop traces a Go "
			 "program's sockets and mappings, not its heap",
			 fmt_rate(a, sizeof(a), p->view.rss_rate, false, exact));
		return buf;
	}
	/* With a full map, what leaktop did not track is the first suspect, not fragmentation. */
	if (p->view.verdict == LT_PROC_UNTRACKED_GROWTH && not_tracked(r)) {
		snprintf(buf, len, "RSS grows %s while the tracked heap is flat (%s), from incomplete "
			 "data: the %" PRIu64 " allocations leaktop could not track (a full map) may "
			 "hold it, or allocator retention, fragmentation, memory not from malloc/mmap",
			 fmt_rate(a, sizeof(a), p->view.rss_rate, false, exact),
			 fmt_rate(b, sizeof(b), p->view.tracked_rate, false, exact), not_tracked(r));
		return buf;
	}
	return view_verdict(buf, len, &p->view, exact);
}

/*
 * A node process's verdict: what grows among its JS heap, external and native memory, with the
 * rates of what grows (`rates`: the summary; the node line shows them beside).
 */
static const char *node_verdict(char *buf, size_t len, const struct lt_node_view *v, bool rates,
				bool exact)
{
	char js[40] = "", ext[40] = "", nat[40] = "", s[32];
	int n;

	if (rates) {
		snprintf(js, sizeof(js), " %s",
			 fmt_rate(s, sizeof(s), v->rate[LT_NODE_JS_HEAP], false, exact));
		snprintf(ext, sizeof(ext), " %s",
			 fmt_rate(s, sizeof(s), v->rate[LT_NODE_EXTERNAL], false, exact));
		snprintf(nat, sizeof(nat), " %s",
			 fmt_rate(s, sizeof(s), v->rate[LT_NODE_NATIVE], false, exact));
	}
	switch (v->verdict) {
	case LT_NODE_STEADY:
		n = snprintf(buf, len, "the JS heap, external memory and native memory are flat");
		break;
	case LT_NODE_EXTERNAL_GROWS:
		n = snprintf(buf, len, "external memory grows%s while the JS heap is flat: buffers "
			     "kept from JavaScript", ext);
		break;
	case LT_NODE_JS_HEAP_GROWS:
		n = snprintf(buf, len, "the JS heap grows%s: objects kept in JavaScript (use a heap "
			     "snapshot)", js);
		break;
	case LT_NODE_BOTH_GROW:
		n = snprintf(buf, len, "the JS heap grows%s and external memory%s: objects kept in "
			     "JavaScript, and the buffers they hold (use a heap snapshot)", js,
			     rates ? ext : " too");
		break;
	case LT_NODE_NATIVE_GROWS:
		n = snprintf(buf, len, "native memory grows%s while the JS heap and external memory "
			     "are flat: kept by native code (node's own, or an addon), not by "
			     "JavaScript objects", nat);
		break;
	default:
		n = snprintf(buf, len, "too early for a verdict on the JS heap and external memory");
		break;
	}
	if (v->trend[LT_NODE_SOCKETS] == LT_TREND_GROWING && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, "; open sockets grow%s%s: connections never closed",
			 rates ? " " : "",
			 rates ? fmt_rate(s, sizeof(s), v->rate[LT_NODE_SOCKETS], true, exact) : "");
	return buf;
}

/* Whether a node process's verdict says something grows. */
static bool node_grows(const struct lt_proc *p)
{
	return p->node && !p->exited &&
	       (p->node_view.verdict > LT_NODE_STEADY ||
		p->node_view.trend[LT_NODE_SOCKETS] == LT_TREND_GROWING);
}

/*
 * "pid 4242 (node): JS heap 24.0 MiB (+1.20 GiB/h), external ...": a node process's memory in
 * parts, side by side with their rates, and its verdict.
 */
static void node_line(FILE *f, const struct lt_report *r, const struct lt_table_opts *o,
		      const struct lt_proc *p)
{
	static const char *const names[LT_NODE__PARTS] = {
		[LT_NODE_JS_HEAP] = "JS heap", [LT_NODE_EXTERNAL] = "external",
		[LT_NODE_NATIVE] = "native malloc",
	};
	char b[32], rate[32], v[400];

	if (!p->node || p->exited || r->no_heap)
		return;
	fprintf(f, "%s:", p->label);
	for (int k = 0; k < LT_NODE_SOCKETS; k++)
		fprintf(f, " %s %s (%s),", names[k],
			fmt_bytes(b, sizeof(b), p->node_part[k], o->exact, false),
			fmt_rate(rate, sizeof(rate), p->node_view.rate[k], false, o->exact));
	if (r->no_sockets)
		fprintf(f, " sockets not traced;");
	else
		fprintf(f, " %" PRId64 " sockets (%s);", p->node_part[LT_NODE_SOCKETS],
			fmt_rate(rate, sizeof(rate), p->node_view.rate[LT_NODE_SOCKETS], true,
				 o->exact));
	fprintf(f, " %s\n", node_verdict(v, sizeof(v), &p->node_view, false, o->exact));
}

/* With a scope: the node processes' lines, those whose memory grows first. */
static void node_lines(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	size_t shown = 0, more = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->nprocs; i++) {
			const struct lt_proc *p = &r->procs[i];

			if (!p->node || p->exited || node_grows(p) != !pass)
				continue;
			if (shown >= o->top_n) {
				more++;
				continue;
			}
			if (!shown++)
				fprintf(f, "\nNODE: MEMORY IN PARTS\n");
			node_line(f, r, o, p);
		}
	}
	if (more)
		fprintf(f, "    ... %zu more node processes\n", more);
}

/* The verdict in a few words, for the host summary's column. */
static const char *short_verdict(const struct lt_proc_view *v, bool go)
{
	switch (v->verdict) {
	case LT_PROC_RSS_STEADY:
		return go ? "steady (Go heap)" : "RSS steady";
	case LT_PROC_RSS_SHRINKS:
		return "RSS shrinks";
	case LT_PROC_TRACKED_EXPLAINS:
		return "tracked explains";
	case LT_PROC_UNTRACKED_GROWTH:
		return go ? "grows (Go heap)" : "untracked growth";
	default:
		return "too early";
	}
}

static int cmp_proc_growth(const void *a, const void *b)
{
	const struct lt_proc *x = *(const struct lt_proc *const *)a;
	const struct lt_proc *y = *(const struct lt_proc *const *)b;
	double gx = report__proc_growth(&x->view), gy = report__proc_growth(&y->view);

	if (gx != gy)
		return gx > gy ? -1 : 1;
	if (x->heap + x->mmap != y->heap + y->mmap)
		return x->heap + x->mmap > y->heap + y->mmap ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid; /* qsort is not stable: a fixed order */
}

static int cmp_container_growth(const void *a, const void *b)
{
	const struct lt_container_sum *x = *(const struct lt_container_sum *const *)a;
	const struct lt_container_sum *y = *(const struct lt_container_sum *const *)b;
	double gx = report__proc_growth(&x->view), gy = report__proc_growth(&y->view);

	if (gx != gy)
		return gx > gy ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* What leaktop adds to a container's processes, summed (of a core: it may pass 100%). */
static const char *container_cost(char *buf, size_t len, const struct lt_report *r,
				  const struct lt_container_sum *c)
{
	double sum = 0;
	bool any = false;

	for (size_t i = 0; i < r->nprocs; i++) {
		const struct lt_proc *p = &r->procs[i];

		if (p->costed && !strcmp(p->container, c->name)) {
			sum += p->added_ratio;
			any = true;
		}
	}
	return any ? fmt_share(buf, len, sum) : "-";
}

#define HOST_COLS "%14s %10s %10s %14s %8s %6s  %-17s %9s %9s  "

/*
 * The host summary (a scope, or several processes): containers, then processes, each sorted
 * by growth, so that the worst offender on the host is the first line.
 */
static void host_summary(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	const struct lt_container_sum **cs = calloc(r->ncontainers + 1, sizeof(*cs));
	const struct lt_proc **ps = calloc(r->nprocs + 1, sizeof(*ps));
	char g[32], t[32], rss[32], rg[32], sock[32], n[16], share[16], smp[32];

	if (!cs || !ps)
		goto out;
	for (size_t i = 0; i < r->ncontainers; i++)
		cs[i] = &r->containers[i];
	for (size_t i = 0; i < r->nprocs; i++)
		ps[i] = &r->procs[i];
	qsort(cs, r->ncontainers, sizeof(*cs), cmp_container_growth);
	qsort(ps, r->nprocs, sizeof(*ps), cmp_proc_growth);
	if (r->ncontainers) {
		fprintf(f, "\nHOST: CONTAINERS BY GROWTH\n");
		fprintf(f, HOST_COLS "%s\n", "GROWTH", "TRACKED", "RSS", "RSS GROWTH", "SOCKETS",
			"PROCS", "VERDICT", "ADDED CPU", "", "CONTAINER");
	}
	for (size_t i = 0; i < r->ncontainers && i < o->top_n; i++) {
		const struct lt_container_sum *c = cs[i];

		snprintf(n, sizeof(n), "%zu", c->nprocs);
		snprintf(sock, sizeof(sock), "%" PRId64, c->sockets);
		fprintf(f, HOST_COLS "%s\n", fmt_rate(g, sizeof(g), c->view.tracked_rate, false, o->exact),
			fmt_bytes(t, sizeof(t), c->heap + c->mmap, o->exact, false),
			fmt_bytes(rss, sizeof(rss), c->rss, o->exact, false),
			fmt_rate(rg, sizeof(rg), c->view.rss_rate, false, o->exact), sock, n,
			short_verdict(&c->view, false), container_cost(share, sizeof(share), r, c), "",
			c->name);
	}
	if (r->ncontainers > o->top_n)
		fprintf(f, "    ... %zu more containers\n", r->ncontainers - o->top_n);
	fprintf(f, "\nHOST: PROCESSES BY GROWTH\n");
	fprintf(f, HOST_COLS "%s\n", "GROWTH", "TRACKED", "RSS", "RSS GROWTH", "SOCKETS", "",
		"VERDICT", "ADDED CPU", "SAMPLING", "PROCESS");
	for (size_t i = 0; i < r->nprocs && i < o->top_n; i++) {
		const struct lt_proc *p = ps[i];

		snprintf(sock, sizeof(sock), "%" PRId64, p->sockets);
		fprintf(f, HOST_COLS "%s%s\n", fmt_rate(g, sizeof(g), p->view.tracked_rate, false, o->exact),
			fmt_bytes(t, sizeof(t), p->heap + p->mmap, o->exact, false),
			p->exited ? "-" : fmt_bytes(rss, sizeof(rss), p->rss, o->exact, false),
			fmt_rate(rg, sizeof(rg), p->view.rss_rate, false, o->exact), sock, "",
			p->exited ? "exited" : short_verdict(&p->view, p->go),
			p->costed ? fmt_share(share, sizeof(share), p->added_ratio) : "-",
			p->costed ? fmt_sampling(smp, sizeof(smp), p, o->exact, true) : "-", p->label,
			p->go ? " (Go: heap not traced)" : "");
	}
	if (r->nprocs > o->top_n)
		fprintf(f, "    ... %zu more processes\n", r->nprocs - o->top_n);
	/* Every process over its budget by its probes alone, whatever its rank. */
	for (size_t i = 0; r->self.budget && i < r->nprocs; i++) {
		char why[320];

		if (!ps[i]->at_floor || ps[i]->exited)
			continue;
		floor_words(why, sizeof(why), r, ps[i]);
		fprintf(f, "%s: %s\n", ps[i]->label, why);
	}
out:
	free(cs);
	free(ps);
}

/* "exited 2.1s after attach", or "exited" when when is not known. */
static const char *exited_words(char *buf, size_t len, const struct lt_proc *p)
{
	if (p->exit_s < 0)
		snprintf(buf, len, "exited");
	else
		snprintf(buf, len, "exited %.1fs after attach", p->exit_s);
	return buf;
}

/*
 * What leaktop costs the process: its probe hits, the CPU they add to it (estimated), and the
 * sampling in force.
 */
static void cost_line(FILE *f, const struct lt_report *r, const struct lt_proc *p,
		      const struct lt_table_opts *o)
{
	char share[16], smp[64], why[320];

	if (!p->costed)
		return;
	fprintf(f, "  leaktop's cost to it: %.0f probe hits/s, about %s of a core%s (%.2f s of CPU "
		   "since attach); %s",
		p->hits_per_s, fmt_share(share, sizeof(share), p->added_ratio),
		r->self.trap.known ? "" : " in BPF alone (the trap's cost is unknown)", p->added_s,
		fmt_sampling(smp, sizeof(smp), p, o->exact, false));
	if (p->cost.stepped && p->hits)
		fprintf(f, "; %.0f%% of its hits single-stepped (leaktop -v says where)",
			100.0 * (double)p->cost.stepped / (double)p->hits);
	if (p->at_floor && r->self.budget) {
		floor_words(why, sizeof(why), r, p);
		fprintf(f, "; %s", why);
	} else if (p->sample_bytes && r->self.budget && p->sample_bytes != r->sample_bytes) {
		fprintf(f, " to stay under the %g%% budget", r->self.budget * 100);
	}
	fputc('\n', f);
}

static void processes(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	char rss[32], anon[32], heap[32], mm[32], v[320];

	if (r->scope != LT_SCOPE_KIND_PIDS)
		return; /* the host summary has them */
	fputc('\n', f);
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct lt_proc *p = &r->procs[i];

		if (p->exited) {
			fprintf(f, "pid %d (%s): %s\n", p->pid, p->comm,
				exited_words(v, sizeof(v), p));
			cost_line(f, r, p, o);
			continue;
		}
		fprintf(f, "%s: rss %s (anon %s), ", p->label,
			fmt_bytes(rss, sizeof(rss), p->rss, o->exact, false),
			fmt_bytes(anon, sizeof(anon), p->anon, o->exact, false));
		if (r->no_heap)
			fprintf(f, "heap and mappings not traced, ");
		else if (p->go)
			fprintf(f, "a Go program: heap not traced, mmap %s, ",
				fmt_bytes(mm, sizeof(mm), p->mmap, o->exact, false));
		else
			fprintf(f, "tracked heap %s + mmap %s, ",
				fmt_bytes(heap, sizeof(heap), p->heap, o->exact, false),
				fmt_bytes(mm, sizeof(mm), p->mmap, o->exact, false));
		if (r->no_sockets)
			fprintf(f, "sockets not traced; ");
		else
			fprintf(f, "%" PRId64 " sockets; ", p->sockets);
		fprintf(f, "%s\n", verdict(v, sizeof(v), r, p, o->exact));
		node_line(f, r, o, p);
		cost_line(f, r, p, o);
	}
}

/* The non-zero counters with words for the unwind line (or the python line), then a newline. */
static void ended_early(FILE *f, const struct lt_report *r, bool python, const char *lead)
{
	bool any = false;

	for (int i = 0; i < LT_STAT__COUNT; i++) {
		const char *words = python ? lt_stats[i].python : lt_stats[i].unwind;

		if (!words || !r->stats[i])
			continue;
		fprintf(f, "%s %" PRIu64 " %s", any ? "," : lead, r->stats[i], words);
		any = true;
	}
	fputc('\n', f);
}

/* How the CFI unwinder fared: complete stacks, depth, and why any walk ended early. */
static void unwind_line(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	uint64_t walks = r->stats[LT_STAT_UNWIND_WALKS], frames = r->stats[LT_STAT_UNWIND_FRAMES];
	char b[32];

	if (!r->unwind_rows && !walks)
		return;
	fprintf(f, "unwind: %" PRIu64 " stack walks, %.1f frames on average, %.1f%% complete, "
		   "%.1f%% of frames by frame pointer; tables %zu rows, %s",
		walks, walks ? (double)frames / walks : 0,
		walks ? 100.0 * r->stats[LT_STAT_UNWIND_COMPLETE] / walks : 0,
		frames ? 100.0 * r->stats[LT_STAT_UNWIND_FP_FRAMES] / frames : 0, r->unwind_rows,
		fmt_bytes(b, sizeof(b), r->unwind_bytes, o->exact, false));
	ended_early(f, r, false, "; ended early:");
}

/* How the Python walks fared: frames per walk, and why any ended early. */
static void python_line(FILE *f, const struct lt_report *r)
{
	uint64_t walks = r->stats[LT_STAT_PY_WALKS], frames = r->stats[LT_STAT_PY_FRAMES];

	if (!walks)
		return;
	fprintf(f, "python: %" PRIu64 " stacks walked for Python frames, %.1f on average", walks,
		(double)frames / walks);
	ended_early(f, r, true, "; none or ended early:");
}

/* How many JavaScript frames the walks of node processes found. */
static void js_line(FILE *f, const struct lt_report *r)
{
	uint64_t walks = r->stats[LT_STAT_V8_WALKS], frames = r->stats[LT_STAT_V8_FRAMES];

	if (!walks)
		return;
	fprintf(f, "javascript: %" PRIu64 " stacks walked, %.1f JavaScript frames on average", walks,
		(double)frames / walks);
	if (r->stats[LT_STAT_V8_NO_ROOM])
		fprintf(f, ", %" PRIu64 " left native (no room in %d slots)",
			r->stats[LT_STAT_V8_NO_ROOM], LT_MAX_FRAMES);
	fprintf(f, "; %" PRIu64 " functions named", r->js_named);
	if (r->js_unnamed)
		fprintf(f, ", %" PRIu64 " frames not (moved or freed by V8 before they were named)",
			r->js_unnamed);
	fputc('\n', f);
}

/* Verdicts drawn from data with holes say so, before any of them. */
static void incomplete(FILE *f, const struct lt_report *r)
{
	uint64_t lost = not_tracked(r);
	uint64_t unattributed = r->stats[LT_STAT_STACK_MAP_FULL] + r->stats[LT_STAT_STACK_FAILED];

	if (!lost && !unattributed)
		return;
	fprintf(f, "(from incomplete data:");
	if (lost)
		fprintf(f, " %" PRIu64 " allocations were not tracked%s", lost,
			r->stats[LT_STAT_ALLOC_MAP_FULL] ? " (--max-tracked)" : " (--max-stacks)");
	if (unattributed)
		fprintf(f, "%s %" PRIu64 " had no stack", lost ? ";" : "", unattributed);
	fprintf(f, "; see the drops line)\n");
}

static void drops(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	bool any = false;
	char b[32];

	fprintf(f, "drops:");
	for (int i = 0; i < LT_STAT__COUNT; i++) {
		if (!lt_stats[i].drop || !r->stats[i])
			continue;
		fprintf(f, "%s %" PRIu64 " %s", any ? ";" : "", r->stats[i], lt_stats[i].drop);
		/*
		 * Untracked blocks are not followed to their free: what they asked for is known,
		 * what they still hold is not.
		 */
		if (i == LT_STAT_ALLOC_MAP_FULL)
			fprintf(f, ", which asked for %s (how much is still held is not known)",
				fmt_bytes(b, sizeof(b), r->stats[LT_STAT_ALLOC_MAP_FULL_BYTES],
					  o->exact, false));
		any = true;
	}
	if (r->regions_dropped) {
		fprintf(f, "%s %" PRIu64 " mappings not kept (too many regions)", any ? ";" : "",
			r->regions_dropped);
		any = true;
	}
	if (r->self.started_unprobed) {
		fprintf(f, "%s %" PRIu64 " process%s ran before %s allocator was probed (%s first "
			"allocations may be missing)", any ? ";" : "", r->self.started_unprobed,
			r->self.started_unprobed > 1 ? "es" : "",
			r->self.started_unprobed > 1 ? "their" : "its",
			r->self.started_unprobed > 1 ? "their" : "its");
		any = true;
	}
	if (r->exited_dropped) {
		fprintf(f, "%s %" PRIu64 " exited processes not kept for the final report (it keeps "
			   "the %d that held the most)",
			any ? ";" : "", r->exited_dropped, LT_EXITED_MAX_PROCS);
		any = true;
	}
	if (r->exited_rows_dropped) {
		fprintf(f, "%s %" PRIu64 " stacks of exited processes not kept (it keeps the %d largest "
			   "of each)",
			any ? ";" : "", r->exited_rows_dropped, LT_EXITED_MAX_ROWS);
		any = true;
	}
	fprintf(f, "%s\n", any ? "" : " none");
}

/* "own via lib <- caller <- caller's caller": a stack in a line, from its own frame. */
static void short_stack(char *buf, size_t len, const struct lt_row *row, bool full_names)
{
	size_t used, first;

	buf[0] = '\0';
	if (!row->nframes) {
		snprintf(buf, len, "[stack unavailable]");
		return;
	}
	first = (size_t)(report__own_frame(row) - row->frames);
	used = report__own_label(buf, len, row, full_names);
	for (size_t i = first + 1; i < row->nframes && i < first + 3 && used < len; i++) {
		used += snprintf(buf + used, len - used, " <- ");
		if (used < len)
			used += report__frame_name(buf + used, len - used, &row->frames[i], false,
						   full_names);
	}
}

/* Per process, in one pass over the rows: its growing, sawtooth and transient stacks. */
struct proc_counts {
	size_t leaks, saw, transient;
};

/* One process's words: its verdict, what grows, and what does not. */
/* What a process holds (or held at its exit), in words, ending the sentence. */
static void holds(FILE *f, const struct lt_report *r, const struct lt_table_opts *o,
		  const struct lt_proc *p)
{
	char heap[40], mmap[40];

	fmt_bytes(heap, sizeof(heap) - 6, p->heap, o->exact, false);
	fmt_bytes(mmap, sizeof(mmap) - 6, p->mmap, o->exact, false);
	if (o->exact) { /* --bytes prints bare numbers */
		strcat(heap, " bytes");
		strcat(mmap, " bytes");
	}
	/* What untracked allocations hold is not known: the tracked heap is a floor. */
	if (not_tracked(r) && !r->no_heap)
		fprintf(f, "at least ");
	if (r->no_heap)
		fprintf(f, "%" PRId64 " open sockets.\n", p->sockets);
	else if (r->no_sockets)
		fprintf(f, "%s of heap and %s of mappings.\n", heap, mmap);
	else
		fprintf(f, "%s of heap, %s of mappings and %" PRId64 " open sockets.\n", heap, mmap,
			p->sockets);
}

/*
 * Too few samples for a trend: no verdict on any stack either, so "no leak found" would claim
 * more than is known. Say what it holds instead.
 */
static void too_early(FILE *f, const struct lt_report *r, const struct lt_table_opts *o,
		      const struct lt_proc *p)
{
	fprintf(f, "  too early to tell whether anything leaks: fewer than %d samples; it holds ",
		LT_MIN_SAMPLES);
	holds(f, r, o, p);
}

static bool held_something(const struct lt_proc *p)
{
	return p->heap || p->mmap || p->sockets;
}

/* Stacks listed per process that exited (the table and the JSON have every one kept). */
#define LT_SUMMARY_EXITED_STACKS 5

/*
 * A process that exited: when, what it still held then, and where, largest first. Its memory
 * went back to the system, but what it never freed is what an auditor wants to see.
 */
static void summary_exited(FILE *f, const struct lt_report *r, const struct lt_table_opts *o,
			   const struct lt_proc *p)
{
	const struct lt_row **order;
	char v[64], held[64], stack[768];
	size_t n, shown = 0, more = 0;

	fprintf(f, "%s: %s, holding ", p->label, exited_words(v, sizeof(v), p));
	holds(f, r, o, p);
	order = report__select(r, NULL, report__cmp_value, &n);
	for (size_t k = 0; order && k < n; k++) {
		const struct lt_row *row = order[k];
		bool sock = report__is_socket(row->kind);

		if (row->pid != p->pid || (!row->bytes && !row->count))
			continue;
		if (shown == o->top_n || shown == LT_SUMMARY_EXITED_STACKS) {
			more++;
			continue;
		}
		if (!shown++)
			fprintf(f, "  held at exit:\n");
		short_stack(stack, sizeof(stack), row, o->full_names);
		if (sock)
			snprintf(held, sizeof(held), "%" PRId64 " open", row->count);
		else
			snprintf(held, sizeof(held), "%s%s in %" PRId64 " %s",
				 fmt_bytes(v, sizeof(v), row->bytes, o->exact, false),
				 o->exact ? " bytes" : "", row->count,
				 report__is_mmap(row->kind) ? "regions" : "blocks");
		fprintf(f, "    %s %s at %s\n",
			sock ? report__kind_name(row->kind) : report__is_mmap(row->kind) ? "mmap" : "heap",
			held, stack);
	}
	free(order);
	more += p->stacks_not_kept;
	if (more)
		fprintf(f, "    ... and %zu smaller stack%s%s\n", more, more > 1 ? "s" : "",
			p->stacks_not_kept ? " (not all kept after its exit)" : "");
}

static void summary_proc(FILE *f, const struct lt_report *r, const struct lt_table_opts *o,
			 const struct lt_proc *p, const struct proc_counts *c,
			 const struct lt_row *const *order, size_t n)
{
	char rate[32], held[32], age[32], call[128], stack[768], v[400];
	bool first = true;

	if (p->exited) {
		summary_exited(f, r, o, p);
		return;
	}
	fprintf(f, "%s: %s.\n", p->label, verdict(v, sizeof(v), r, p, o->exact));
	if (p->go)
		fprintf(f, "  a Go program: its heap is Go's own, not traced; its sockets and "
			   "mappings are.\n");
	if (p->node && !p->exited && !r->no_heap)
		fprintf(f, "  node: %s.\n", node_verdict(v, sizeof(v), &p->node_view, true, o->exact));
	for (size_t k = 0; c->leaks && k < n; k++) {
		const struct lt_row *row = order[k];
		bool sock = report__is_socket(row->kind);

		if (row->pid != p->pid || row->trend != LT_TREND_GROWING)
			continue;
		if (first)
			fprintf(f, "  growing, likely leaks:\n");
		first = false;
		short_stack(stack, sizeof(stack), row, o->full_names);
		per_call_note(call, sizeof(call), r, row, o->exact);
		if (sock)
			snprintf(held, sizeof(held), "%" PRId64 " open", row->count);
		else
			snprintf(held, sizeof(held), "%s held",
				 fmt_bytes(v, sizeof(v), row->bytes, o->exact, false));
		fprintf(f, "    %s %s at %s: %s, oldest %s%s\n",
			sock ? report__kind_name(row->kind) : report__is_mmap(row->kind) ? "mmap" : "heap",
			fmt_rate(rate, sizeof(rate), row->rate, sock, o->exact), stack, held,
			fmt_age(age, sizeof(age), row->age_s), call);
	}
	if (c->saw)
		fprintf(f, "  not leaks: %zu %s back (sawtooth)\n", c->saw,
			c->saw > 1 ? "stacks rise and fall" : "stack rises and falls");
	if (c->transient)
		fprintf(f, "  not leaks: %zu %s only briefly (transient)\n", c->transient,
			c->transient > 1 ? "stacks hold memory" : "stack holds memory");
	if (!c->leaks && p->view.verdict == LT_PROC_TOO_EARLY) {
		too_early(f, r, o, p);
		return;
	}
	if (!c->leaks && p->view.verdict != LT_PROC_UNTRACKED_GROWTH)
		fprintf(f, "  no leak found%s.\n",
			r->no_heap ? " in sockets (heap and mappings not traced)"
			: r->no_sockets ? " in the heap and mappings (sockets not traced)" : "");
}

/*
 * The final report's words. With -p, for each process; with a scope, for the processes that
 * grow (a host has hundreds that do not), then a count of the others.
 */
static int cmp_held_at_exit(const void *a, const void *b)
{
	const struct lt_proc *x = *(const struct lt_proc *const *)a;
	const struct lt_proc *y = *(const struct lt_proc *const *)b;

	if (x->heap + x->mmap != y->heap + y->mmap)
		return x->heap + x->mmap > y->heap + y->mmap ? -1 : 1;
	if (x->sockets != y->sockets)
		return x->sockets > y->sockets ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/*
 * A scope's processes that exited holding something, after the live ones: the -n that held
 * the most, then how many more, and what they held in all.
 */
static void summary_gone(FILE *f, const struct lt_report *r, const struct lt_table_opts *o,
			 const struct lt_proc **gone, size_t n)
{
	int64_t bytes = 0, sockets = 0;
	char b[40];

	qsort(gone, n, sizeof(*gone), cmp_held_at_exit);
	for (size_t i = 0; i < n; i++) {
		if (i < o->top_n) {
			summary_exited(f, r, o, gone[i]);
			continue;
		}
		bytes += gone[i]->heap + gone[i]->mmap;
		sockets += gone[i]->sockets;
	}
	if (n > o->top_n)
		fprintf(f, "%zu more processes exited holding %s%s and %" PRId64 " open sockets in "
			   "all (the JSON lists each)\n",
			n - o->top_n, fmt_bytes(b, sizeof(b), bytes, o->exact, false),
			o->exact ? " bytes" : "", sockets);
}

static void summary(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	struct proc_counts *counts = calloc(r->nprocs + 1, sizeof(*counts));
	const struct lt_proc **gone = calloc(r->nprocs + 1, sizeof(*gone));
	const struct lt_row **order;
	size_t n, quiet = 0, ngone = 0;

	order = report__select(r, NULL, report__cmp_rate, &n);
	if (!counts || !gone || !order)
		goto out;
	for (size_t k = 0; k < n; k++) {
		const struct lt_proc *p = report__proc(r, order[k]->pid);
		struct proc_counts *c = p ? &counts[p - r->procs] : NULL;

		if (!c)
			continue;
		c->leaks += order[k]->trend == LT_TREND_GROWING;
		c->saw += order[k]->trend == LT_TREND_SAWTOOTH;
		c->transient += order[k]->trend == LT_TREND_TRANSIENT;
	}
	fprintf(f, "\nSUMMARY");
	if (r->scope_name)
		fprintf(f, " of %s: %zu processes with something traced", r->scope_name, r->nprocs);
	fputc('\n', f);
	incomplete(f, r);
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct lt_proc *p = &r->procs[i];

		if (r->scope != LT_SCOPE_KIND_PIDS && p->exited && held_something(p)) {
			gone[ngone++] = p;
			continue;
		}
		if (r->scope != LT_SCOPE_KIND_PIDS && !counts[i].leaks &&
		    p->view.verdict != LT_PROC_UNTRACKED_GROWTH && !node_grows(p)) {
			quiet++;
			continue;
		}
		summary_proc(f, r, o, p, &counts[i], order, n);
	}
	summary_gone(f, r, o, gone, ngone);
	if (quiet && quiet == r->nprocs)
		fprintf(f, "no leak found in any of the %zu processes.\n", quiet);
	else if (quiet)
		fprintf(f, "no leak found in the other %zu process%s.\n", quiet, quiet > 1 ? "es" : "");
out:
	free(counts);
	free(gone);
	free(order);
}

/* What leaktop itself costs, and what it purged. */
static void self_line(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	char rss[32], bpf[32];

	fprintf(f, "leaktop: %.1f%% of a core, RSS %s, BPF maps %s",
		r->self.cpu_pct, fmt_bytes(rss, sizeof(rss), r->self.rss, o->exact, false),
		fmt_bytes(bpf, sizeof(bpf), r->self.bpf_bytes, o->exact, false));
	if (r->scope != LT_SCOPE_KIND_PIDS)
		fprintf(f, "; %zu processes in scope", r->self.procs_seen);
	if (r->self.objects)
		fprintf(f, ", %zu allocator files probed", r->self.objects);
	if (r->self.purged_procs)
		fprintf(f, "; purged %" PRIu64 " exited process%s (%" PRIu64 " live blocks, %" PRIu64
			   " stacks)",
			r->self.purged_procs, r->self.purged_procs > 1 ? "es" : "",
			r->self.purged_allocs, r->self.purged_stacks);
	fputc('\n', f);
}

int out_table__write(FILE *f, const struct lt_report *r, const struct lt_table_opts *o)
{
	errno = 0; /* set from here on by a failed write only */
	if (o->redraw)
		fputs("\033[H\033[2J", f);
	header(f, r, o);
	if (r->no_heap) {
		fprintf(f, "\nHEAP: not traced (--no-heap), nor mappings\n");
	} else {
		section(f, r, o, "HEAP", report__row_is_heap, "OUTSTANDING", "COUNT", "ALLOCS", "FREES");
		since_last(f, r, o);
		section(f, r, o, "MMAP", report__row_is_mmap, "MAPPED", "REGIONS", "MAPS", "UNMAPS");
	}
	if (r->no_sockets)
		fprintf(f, "\nSOCKETS: not traced (--no-sockets)\n");
	else
		section(f, r, o, "SOCKETS", report__row_is_socket, "OPEN", "KIND", "OPENED", "CLOSED");
	if (r->scope != LT_SCOPE_KIND_PIDS || r->nprocs > 1)
		host_summary(f, r, o);
	if (r->scope != LT_SCOPE_KIND_PIDS && !r->no_heap)
		node_lines(f, r, o);
	processes(f, r, o);
	unwind_line(f, r, o);
	python_line(f, r);
	js_line(f, r);
	drops(f, r, o);
	self_line(f, r, o);
	if (r->final)
		summary(f, r, o);
	if (!o->redraw)
		fputc('\n', f);
	if (fflush(f))
		return -errno;
	return ferror(f) ? -(errno ?: EIO) : 0; /* an earlier write failed: errno is its reason */
}
